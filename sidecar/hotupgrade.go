package sidecar

import (
	"encoding/json"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// Kruise's bookkeeping for HotUpgrade sidecars
// (pkg/control/sidecarcontrol/util_hotupgrade.go).
const (
	// AnnotationHotUpgradeWorking maps a HotUpgrade sidecar name to the pod
	// container currently doing the work (name-1 or name-2).
	AnnotationHotUpgradeWorking = "kruise.io/sidecarset-working-hotupgrade-container"

	hotSuffix1    = "-1"
	hotSuffix2    = "-2"
	envVersion    = "SIDECARSET_VERSION"
	envVersionAlt = "SIDECARSET_VERSION_ALT"
)

func isHotUpgrade(c *appsv1alpha1.SidecarContainer) bool {
	return c.UpgradeStrategy.UpgradeType == appsv1alpha1.SidecarContainerHotUpgrade
}

func versionAnnotation(container string) string {
	return "version.sidecarset.kruise.io/" + container
}

func versionAltAnnotation(container string) string {
	return "versionalt.sidecarset.kruise.io/" + container
}

// hotUpgrade collects the annotations of the HotUpgrade sidecars injected.
type hotUpgrade struct {
	working     map[string]string // sidecar name -> working pod container
	annotations map[string]string
}

func readHotUpgrade(annotations map[string]string) (hotUpgrade, error) {
	h := hotUpgrade{working: map[string]string{}, annotations: map[string]string{}}
	if v := annotations[AnnotationHotUpgradeWorking]; v != "" {
		if err := json.Unmarshal([]byte(v), &h.working); err != nil {
			return h, fmt.Errorf("annotation %s: %w", AnnotationHotUpgradeWorking, err)
		}
	}
	return h, nil
}

// pair turns a built HotUpgrade sidecar into the two containers Kruise runs:
// name-1 with the image, working, version "1"; name-2 with the empty image,
// idle, version "0". Each reads its version and the other's from pod
// annotations through SIDECARSET_VERSION and SIDECARSET_VERSION_ALT.
func (h *hotUpgrade) pair(sc *appsv1alpha1.SidecarContainer, built corev1.Container) []placed {
	work, idle := *built.DeepCopy(), *built.DeepCopy()
	work.Name, idle.Name = sc.Name+hotSuffix1, sc.Name+hotSuffix2
	idle.Image = sc.UpgradeStrategy.HotUpgradeEmptyImage
	for _, c := range []*corev1.Container{&work, &idle} {
		c.Env = append(c.Env,
			annotationEnv(envVersion, versionAnnotation(c.Name)),
			annotationEnv(envVersionAlt, versionAltAnnotation(c.Name)))
	}
	h.annotations[versionAnnotation(work.Name)] = "1"
	h.annotations[versionAltAnnotation(work.Name)] = "0"
	h.annotations[versionAnnotation(idle.Name)] = "0"
	h.annotations[versionAltAnnotation(idle.Name)] = "1"
	h.working[sc.Name] = work.Name
	return []placed{{Container: work, policy: sc.PodInjectPolicy}, {Container: idle, policy: sc.PodInjectPolicy}}
}

func annotationEnv(name, annotation string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.annotations['%s']", annotation)},
	}}
}

func (h *hotUpgrade) write(annotations map[string]string) error {
	if len(h.annotations) == 0 {
		return nil
	}
	for k, v := range h.annotations {
		annotations[k] = v
	}
	data, err := json.Marshal(h.working)
	if err != nil {
		return fmt.Errorf("encode %s: %w", AnnotationHotUpgradeWorking, err)
	}
	annotations[AnnotationHotUpgradeWorking] = string(data)
	return nil
}
