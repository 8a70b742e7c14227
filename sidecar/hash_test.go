package sidecar

import (
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// The expected values are the vectors of Kruise's own hash tests
// (pkg/control/sidecarcontrol/hash_test.go), so a change in encoding, field
// order or alphabet shows up here rather than as every pod looking outdated.
func TestHashMatchesKruiseVectors(t *testing.T) {
	plain := appsv1alpha1.SidecarContainer{Container: corev1.Container{Name: "container1", Image: "test-image"}}
	native := appsv1alpha1.SidecarContainer{Container: corev1.Container{
		Name: "container1", Image: "test-image", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}}
	cases := []struct {
		name              string
		init              []appsv1alpha1.SidecarContainer
		hash, noImageHash string
	}{
		{name: "containers", hash: "w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78"},
		{
			name:        "plain initContainers are not hashed",
			init:        []appsv1alpha1.SidecarContainer{plain},
			hash:        "w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78",
			noImageHash: "8wzddb4dvv9c6x8zdc77z4z75987424f457dfv6724ddw6zbdx467wz5x24fc759",
		},
		{
			name:        "native sidecar initContainers are hashed",
			init:        []appsv1alpha1.SidecarContainer{native},
			hash:        "4xwx4d4844vd4v9x79wb4xbxf4xb29475cc4446v8cz2c2f2f5c5bw448vd42z8w",
			noImageHash: "5725fw8bwbx249bw57v5892c847dzf48bww9zb7c86xb95264fdz26654847b2c8",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{
				Containers:     []appsv1alpha1.SidecarContainer{*plain.DeepCopy()},
				InitContainers: tc.init,
			}}
			got, err := Hash(set)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.hash {
				t.Errorf("Hash = %s, want %s", got, tc.hash)
			}
			if tc.noImageHash != "" {
				got, err := HashWithoutImage(set)
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.noImageHash {
					t.Errorf("HashWithoutImage = %s, want %s", got, tc.noImageHash)
				}
			}
			// Only images changed: the full hash moves, the image-less one stays.
			before, _ := HashWithoutImage(set)
			set.Spec.Containers[0].Image = "new-image"
			for i := range set.Spec.InitContainers {
				set.Spec.InitContainers[i].Image = "new-image"
			}
			if h, _ := Hash(set); h == tc.hash {
				t.Errorf("Hash did not change with the image")
			}
			if h, _ := HashWithoutImage(set); h != before {
				t.Errorf("HashWithoutImage changed with the image: %s -> %s", before, h)
			}
			if set.Spec.Containers[0].Image != "new-image" {
				t.Errorf("HashWithoutImage modified its input")
			}
		})
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	cases := map[string]corev1.PullPolicy{
		"nginx":                         corev1.PullAlways,
		"nginx:latest":                  corev1.PullAlways,
		"nginx:1.27":                    corev1.PullIfNotPresent,
		"reg.local:5000/app":            corev1.PullAlways,
		"reg.local:5000/app:v1":         corev1.PullIfNotPresent,
		"nginx@sha256:0123456789abcdef": corev1.PullIfNotPresent,
		"nginx:latest@sha256:01234567":  corev1.PullAlways,
		"":                              corev1.PullIfNotPresent,
	}
	for image, want := range cases {
		if got := defaultPullPolicy(image); got != want {
			t.Errorf("defaultPullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
}
