package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The in-place update annotations are Kruise's contract with kubectl users
// and Kruise tooling; this file is the only place that reads or writes them.
const (
	// AnnotationInPlaceState holds an appspub.InPlaceUpdateState.
	AnnotationInPlaceState = appspub.InPlaceUpdateStateKey
	// AnnotationInPlaceGrace holds an InPlaceUpdateSpec waiting for its grace period.
	AnnotationInPlaceGrace = appspub.InPlaceUpdateGraceKey
)

// ErrBadAnnotation is wrapped when an in-place annotation is not valid JSON of its type.
var ErrBadAnnotation = errors.New("malformed in-place update annotation")

// InPlaceState reads the pod's in-place update state (also from the
// pre-v0.8 key "inplace-update-state"); ok is false when there is none.
func InPlaceState(pod *corev1.Pod) (state *appspub.InPlaceUpdateState, ok bool, err error) {
	raw, ok := pod.Annotations[AnnotationInPlaceState]
	if !ok {
		raw, ok = pod.Annotations[appspub.InPlaceUpdateStateKeyOld]
	}
	if !ok {
		return nil, false, nil
	}
	state = &appspub.InPlaceUpdateState{}
	if err := json.Unmarshal([]byte(raw), state); err != nil {
		return nil, true, fmt.Errorf("pod %s/%s %s: %w: %w", pod.Namespace, pod.Name, AnnotationInPlaceState, ErrBadAnnotation, err)
	}
	return state, true, nil
}

// EncodeInPlaceState is the annotation value for a state.
func EncodeInPlaceState(state *appspub.InPlaceUpdateState) (string, error) {
	b, err := json.Marshal(state)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", AnnotationInPlaceState, err)
	}
	return string(b), nil
}

// InPlaceGrace reads a pending in-place update spec (also from the old key).
func InPlaceGrace(pod *corev1.Pod) (spec *InPlaceUpdateSpec, ok bool, err error) {
	raw, ok := pod.Annotations[AnnotationInPlaceGrace]
	if !ok {
		raw, ok = pod.Annotations[appspub.InPlaceUpdateGraceKeyOld]
	}
	if !ok || raw == "" {
		return nil, false, nil
	}
	spec = &InPlaceUpdateSpec{}
	if err := json.Unmarshal([]byte(raw), spec); err != nil {
		return nil, true, fmt.Errorf("pod %s/%s %s: %w: %w", pod.Namespace, pod.Name, AnnotationInPlaceGrace, ErrBadAnnotation, err)
	}
	return spec, true, nil
}

// EncodeInPlaceGrace is the annotation value for a pending spec.
func EncodeInPlaceGrace(spec *InPlaceUpdateSpec) (string, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", AnnotationInPlaceGrace, err)
	}
	return string(b), nil
}

// NewInPlaceState is the state an in-place update records before it changes
// images: the revision, the time, and the image ID each container to update
// runs now, so completion can be told by the ID changing.
func NewInPlaceState(pod *corev1.Pod, spec *InPlaceUpdateSpec, now metav1.Time) *appspub.InPlaceUpdateState {
	state := &appspub.InPlaceUpdateState{
		Revision:        spec.Revision,
		UpdateTimestamp: now,
		UpdateImages:    len(spec.ContainerImages) > 0,
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if _, ok := spec.ContainerImages[cs.Name]; ok {
			if state.LastContainerStatuses == nil {
				state.LastContainerStatuses = map[string]appspub.InPlaceUpdateContainerStatus{}
			}
			state.LastContainerStatuses[cs.Name] = appspub.InPlaceUpdateContainerStatus{ImageID: cs.ImageID}
		}
	}
	if len(spec.ContainerImages) > 0 {
		names := make([]string, 0, len(spec.ContainerImages))
		for _, c := range pod.Spec.Containers {
			if _, ok := spec.ContainerImages[c.Name]; ok {
				names = append(names, c.Name)
			}
		}
		state.ContainerBatchesRecord = []appspub.InPlaceUpdateContainerBatch{{Timestamp: now, Containers: names}}
	}
	return state
}

// InPlaceUpdateCompleted is Kruise's DefaultCheckInPlaceUpdateCompleted
// without kruise-daemon: a pod is done when it is past its grace period, has
// no containers left for a later batch, and every container recorded in the
// state reports a new image ID (or, if the ID did not change, runs the image
// its spec asks for; an image without a tag counts as ":latest"). A pod with
// no state has nothing to complete. The reason says what is still pending.
func InPlaceUpdateCompleted(pod *corev1.Pod) (done bool, reason string, err error) {
	if _, inGrace, err := InPlaceGrace(pod); err != nil || inGrace {
		return false, "in grace period", err
	}
	state, ok, err := InPlaceState(pod)
	if err != nil || !ok {
		return err == nil, "", err
	}
	if len(state.NextContainerImages) > 0 || len(state.NextContainerRefMetadata) > 0 || len(state.NextContainerResources) > 0 {
		return false, "containers left for a later batch", nil
	}
	want := map[string]string{}
	for _, c := range pod.Spec.Containers {
		want[c.Name] = c.Image
		if !strings.Contains(c.Image, ":") {
			want[c.Name] = c.Image + ":latest"
		}
	}
	pending := map[string]bool{}
	for name := range state.LastContainerStatuses {
		pending[name] = true
	}
	for _, cs := range pod.Status.ContainerStatuses {
		last, ok := state.LastContainerStatuses[cs.Name]
		if !ok {
			continue
		}
		if last.ImageID == cs.ImageID && want[cs.Name] != cs.Image {
			return false, fmt.Sprintf("container %s imageID not changed", cs.Name), nil
		}
		delete(pending, cs.Name)
	}
	if len(pending) > 0 {
		return false, "recorded containers missing from status", nil
	}
	return true, "", nil
}
