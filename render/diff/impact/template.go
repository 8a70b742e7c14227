package impact

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	"github.com/ferry-gitops/ferry/sidecar"
)

// Reasons an update is in place, in words.
const (
	reasonImages         = "image-only change"
	reasonMetadata       = "pod metadata-only change"
	reasonImagesMetadata = "image and pod metadata change"
	reasonRecreate       = "ReCreate strategy"
)

// inPlace applies the engine's rule (plan.InPlaceUpdate) to the template the
// moving pods run (from) and head's, under head's strategy. With from nil
// the old template is unknown, or no pod moves: the strategy decides.
func inPlace(head, from *appsv1alpha1.CloneSet) (bool, string, error) {
	switch head.Spec.UpdateStrategy.Type {
	case appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType:
	default:
		return false, reasonRecreate, nil
	}
	if from == nil {
		return true, "", nil
	}
	spec, why, err := plan.InPlaceUpdate(&from.Spec.Template, &head.Spec.Template, "preview")
	if err != nil {
		return false, "", err
	}
	if spec == nil {
		return false, string(why), nil
	}
	images := len(spec.ContainerImages) > 0
	meta := metadataChanged(&from.Spec.Template, &head.Spec.Template)
	switch {
	case images && meta:
		return true, reasonImagesMetadata, nil
	case meta:
		return true, reasonMetadata, nil
	}
	return true, reasonImages, nil
}

// metadataChanged compares the template labels and annotations, leaving out
// the sidecar hash annotations: they change exactly when a sidecar's image
// (or more) does, which the image list already says.
func metadataChanged(a, b *corev1.PodTemplateSpec) bool {
	strip := func(m map[string]string) map[string]string {
		out := maps.Clone(m)
		for k := range out {
			if strings.HasPrefix(k, "kruise.io/sidecarset-") {
				delete(out, k)
			}
		}
		return out
	}
	return !maps.Equal(a.Labels, b.Labels) || !maps.Equal(strip(a.Annotations), strip(b.Annotations))
}

// changedBeyondImages reports whether two templates differ in more than
// container images and the sidecar hash annotations.
func changedBeyondImages(a, b *corev1.PodTemplateSpec) bool {
	blank := func(t *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
		t = t.DeepCopy()
		for _, cs := range [][]corev1.Container{t.Spec.InitContainers, t.Spec.Containers} {
			for i := range cs {
				cs[i].Image = ""
			}
		}
		for k := range t.Annotations {
			if strings.HasPrefix(k, "kruise.io/sidecarset-") {
				delete(t.Annotations, k)
			}
		}
		return t
	}
	return !equalJSON(blank(a), blank(b))
}

// imageChanges lists the containers (init containers first) whose image
// differs between two templates, matched by name, with the SidecarSet that
// injected each sidecar.
func imageChanges(a, b *corev1.PodTemplateSpec) []ImageChange {
	owners := sidecarOwners(b)
	for k, v := range sidecarOwners(a) {
		if _, ok := owners[k]; !ok {
			owners[k] = v
		}
	}
	out := []ImageChange{}
	for _, lists := range [][2][]corev1.Container{{a.Spec.InitContainers, b.Spec.InitContainers}, {a.Spec.Containers, b.Spec.Containers}} {
		for _, nc := range lists[1] {
			for _, oc := range lists[0] {
				if oc.Name == nc.Name && oc.Image != nc.Image {
					out = append(out, ImageChange{Container: nc.Name, From: oc.Image, To: nc.Image, Sidecar: owners[nc.Name]})
				}
			}
		}
	}
	return out
}

// sidecarOwners maps each injected container to its SidecarSet, from the
// template's injection record; a record that does not decode owns nothing.
func sidecarOwners(t *corev1.PodTemplateSpec) map[string]string {
	out := map[string]string{}
	rec, err := sidecar.ReadRecord(t.Annotations)
	if err != nil {
		return out
	}
	for set, spec := range rec.Hash {
		for _, c := range spec.SidecarList {
			out[c] = set
		}
	}
	return out
}

// equalJSON compares two values as the API server stores them.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	var va, vb any
	if json.Unmarshal(ja, &va) != nil || json.Unmarshal(jb, &vb) != nil {
		return reflect.DeepEqual(a, b)
	}
	return reflect.DeepEqual(va, vb)
}
