package sidecar

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// Hash is the SidecarSet revision Kruise writes in the SidecarSet's
// kruise.io/sidecarset-hash annotation and, per injected SidecarSet, in the
// pod's (pkg/control/sidecarcontrol/hash.go).
//
// It is SafeEncodeString(hex(sha256(json({"containers": spec.containers})))),
// with "initContainers": spec.initContainers added to the map only when one of
// them is a native sidecar (restartPolicy: Always). encoding/json writes map
// keys sorted and struct fields in declaration order, so the value is stable
// for a given spec. Volumes, strategies and patchPodMetadata are not hashed.
//
// Pass a defaulted SidecarSet (SetDefaults) to get the value Kruise computes.
func Hash(set *appsv1alpha1.SidecarSet) (string, error) {
	return hashContainers(set.Spec.Containers, set.Spec.InitContainers)
}

// HashWithoutImage is Hash with every image blanked
// (kruise.io/sidecarset-hash-without-image): two revisions with the same value
// differ only in images, which Kruise can upgrade in place.
func HashWithoutImage(set *appsv1alpha1.SidecarSet) (string, error) {
	return hashContainers(withoutImages(set.Spec.Containers), withoutImages(set.Spec.InitContainers))
}

func withoutImages(in []appsv1alpha1.SidecarContainer) []appsv1alpha1.SidecarContainer {
	if in == nil {
		return nil
	}
	out := make([]appsv1alpha1.SidecarContainer, len(in))
	for i := range in {
		in[i].DeepCopyInto(&out[i])
		out[i].Image = ""
	}
	return out
}

func hashContainers(containers, initContainers []appsv1alpha1.SidecarContainer) (string, error) {
	m := map[string]any{"containers": containers}
	for i := range initContainers {
		if isNativeSidecar(&initContainers[i].Container) {
			m["initContainers"] = initContainers
			break
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode containers for hash: %w", err)
	}
	sum := sha256.Sum256(data)
	return rand.SafeEncodeString(hex.EncodeToString(sum[:])), nil
}

// isNativeSidecar reports whether an init container keeps running beside the
// app containers (Kubernetes native sidecar, restartPolicy: Always).
func isNativeSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}
