package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// InPlaceUpdateSpec is what an in-place update writes into a pod. Its JSON is
// Kruise's UpdateSpec, so it can be stored in the
// apps.kruise.io/inplace-update-grace annotation when a grace period applies.
type InPlaceUpdateSpec struct {
	// Revision is the revision the pod moves to.
	Revision string `json:"revision"`
	// ContainerImages maps container name to its new image.
	ContainerImages map[string]string `json:"containerImages,omitempty"`
	// MetaDataPatch is a strategic merge patch for the pod's labels and
	// annotations (the template's metadata change), e.g.
	// {"metadata":{"labels":{"tier":"web","old":null}}}.
	MetaDataPatch []byte `json:"metaDataPatch,omitempty"`
	// GraceSeconds is updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds:
	// how long the pod stays not-ready before its images change.
	GraceSeconds int32 `json:"graceSeconds,omitempty"`
}

// NotInPlaceReason says why a template change needs the pod recreated.
type NotInPlaceReason string

const (
	ReasonSpecChanged      NotInPlaceReason = "pod spec changed beyond container images"
	ReasonImageAddedOrGone NotInPlaceReason = "a container image was set or cleared"
	ReasonEnvFromMetadata  NotInPlaceReason = "a changed label or annotation is read by a container's env"
	ReasonNoOldRevision    NotInPlaceReason = "the pod's revision is unknown"
)

// InPlaceUpdate decides whether a pod made from oldTpl can become a pod of
// newTpl in place, as Kruise's default CalculateSpec does on the two
// revisions' data: the pod spec may differ only in containers' images
// (matched by position, keyed by the old container's name), and the
// template's metadata may change freely (labels and annotations are patched
// onto the pod). Anything else (env, ports, resources, volumes, init
// containers, a container added, removed or renamed) returns ok=false and a
// reason.
//
// One difference from Kruise: when a changed label or annotation is read by a
// container through a downward-API env var, Kruise updates in place and
// relies on kruise-daemon to restart the container. ferry has no node daemon,
// so it recreates such pods instead.
func InPlaceUpdate(oldTpl, newTpl *corev1.PodTemplateSpec, revision string) (*InPlaceUpdateSpec, NotInPlaceReason, error) {
	images, reason, err := imageOnlyChange(&oldTpl.Spec, &newTpl.Spec)
	if err != nil || reason != "" {
		return nil, reason, err
	}
	spec := &InPlaceUpdateSpec{Revision: revision, ContainerImages: images}
	if reflect.DeepEqual(oldTpl.ObjectMeta, newTpl.ObjectMeta) {
		return spec, "", nil
	}
	if readsChangedMetadata(oldTpl, newTpl) {
		return nil, ReasonEnvFromMetadata, nil
	}
	oldMeta, err := json.Marshal(corev1.Pod{ObjectMeta: oldTpl.ObjectMeta})
	if err != nil {
		return nil, "", fmt.Errorf("encode old template metadata: %w", err)
	}
	newMeta, err := json.Marshal(corev1.Pod{ObjectMeta: newTpl.ObjectMeta})
	if err != nil {
		return nil, "", fmt.Errorf("encode new template metadata: %w", err)
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(oldMeta, newMeta, &corev1.Pod{})
	if err != nil {
		return nil, "", fmt.Errorf("metadata patch: %w", err)
	}
	if string(patch) != "{}" {
		spec.MetaDataPatch = patch
	}
	return spec, "", nil
}

// imageOnlyChange returns the new image per container name when the two pod
// specs differ in container images only; a JSON patch between them would then
// hold nothing but "replace /containers/N/image". An image going from or to
// empty is an add/remove in JSON terms and is refused like Kruise does.
func imageOnlyChange(oldSpec, newSpec *corev1.PodSpec) (map[string]string, NotInPlaceReason, error) {
	if len(oldSpec.Containers) != len(newSpec.Containers) {
		return nil, ReasonSpecChanged, nil
	}
	images := map[string]string{}
	for i := range oldSpec.Containers {
		o, n := oldSpec.Containers[i].Image, newSpec.Containers[i].Image
		if o == n {
			continue
		}
		if o == "" || n == "" {
			return nil, ReasonImageAddedOrGone, nil
		}
		images[oldSpec.Containers[i].Name] = n
	}
	same, err := sameJSON(withoutImages(oldSpec), withoutImages(newSpec))
	if err != nil {
		return nil, "", err
	}
	if !same {
		return nil, ReasonSpecChanged, nil
	}
	return images, "", nil
}

func withoutImages(spec *corev1.PodSpec) *corev1.PodSpec {
	c := spec.DeepCopy()
	for i := range c.Containers {
		c.Containers[i].Image = ""
	}
	return c
}

// sameJSON compares two values as JSON documents, which is what a JSON
// patch between them sees (nil and empty slices with omitempty are equal).
func sameJSON(a, b any) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("encode pod spec: %w", err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, fmt.Errorf("encode pod spec: %w", err)
	}
	var va, vb any
	if err := json.Unmarshal(ja, &va); err != nil {
		return false, fmt.Errorf("decode pod spec: %w", err)
	}
	if err := json.Unmarshal(jb, &vb); err != nil {
		return false, fmt.Errorf("decode pod spec: %w", err)
	}
	return reflect.DeepEqual(va, vb), nil
}

// readsChangedMetadata reports whether a label or annotation that is added
// or changed by the new template is read by one of its containers through
// env valueFrom.fieldRef (metadata.labels['k'] or metadata.annotations['k']).
func readsChangedMetadata(oldTpl, newTpl *corev1.PodTemplateSpec) bool {
	var paths []string
	for k, v := range newTpl.Labels {
		if old, ok := oldTpl.Labels[k]; !ok || old != v {
			paths = append(paths, fmt.Sprintf("metadata.labels['%s']", k), fmt.Sprintf(`metadata.labels["%s"]`, k))
		}
	}
	for k, v := range newTpl.Annotations {
		if old, ok := oldTpl.Annotations[k]; !ok || old != v {
			paths = append(paths, fmt.Sprintf("metadata.annotations['%s']", k), fmt.Sprintf(`metadata.annotations["%s"]`, k))
		}
	}
	if len(paths) == 0 {
		return false
	}
	for _, c := range newTpl.Spec.Containers {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && slices.Contains(paths, e.ValueFrom.FieldRef.FieldPath) {
				return true
			}
		}
	}
	return false
}
