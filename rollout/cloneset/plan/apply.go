package plan

import (
	"encoding/json"
	"fmt"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// The functions in this file build the objects an executor writes, so that
// the executor (and the simulator) carry out plan items without deciding
// anything. Each returns a new object and leaves its input alone.

// NewPod builds the pod Kruise creates for a revision: the revision's
// template, named "<cloneset>-<instanceID>", owned by the CloneSet, labelled
// with the revision hashes, the instance id and lifecycle PreparingNormal,
// with the InPlaceUpdateReady readiness gate and one PVC volume per
// volumeClaimTemplate (claim "<template>-<cloneset>-<instanceID>", replacing
// a template volume of the same name). The PVCs themselves are the
// executor's to create.
func NewPod(cs *appsv1alpha1.CloneSet, rev *appsv1.ControllerRevision, instanceID string, now time.Time) (*corev1.Pod, error) {
	tpl, err := RevisionTemplate(rev)
	if err != nil {
		return nil, err
	}
	pod := &corev1.Pod{
		ObjectMeta: *tpl.ObjectMeta.DeepCopy(),
		Spec:       *tpl.Spec.DeepCopy(),
	}
	pod.CreationTimestamp = metav1.Time{}
	pod.Name = cs.Name + "-" + instanceID
	pod.Namespace = cs.Namespace
	pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(cs, appsv1alpha1.SchemeGroupVersion.WithKind("CloneSet"))}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Labels[LabelRevisionHash] = rev.Name
	pod.Labels[LabelTemplateHash] = ShortHash(rev.Name)
	pod.Labels[appsv1alpha1.CloneSetInstanceID] = instanceID
	setLifecycle(pod, appspub.LifecycleStatePreparingNormal, now)
	if !HasReadinessGate(pod, appspub.InPlaceUpdateReady) {
		pod.Spec.ReadinessGates = append(pod.Spec.ReadinessGates, corev1.PodReadinessGate{ConditionType: appspub.InPlaceUpdateReady})
	}
	pod.Spec.Volumes = claimVolumes(cs, instanceID, pod.Spec.Volumes)
	return pod, nil
}

func claimVolumes(cs *appsv1alpha1.CloneSet, id string, volumes []corev1.Volume) []corev1.Volume {
	if len(cs.Spec.VolumeClaimTemplates) == 0 {
		return volumes
	}
	claimed := map[string]bool{}
	var out []corev1.Volume
	for _, vct := range cs.Spec.VolumeClaimTemplates {
		claimed[vct.Name] = true
		out = append(out, corev1.Volume{Name: vct.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: ClaimName(vct.Name, cs.Name, id)},
		}})
	}
	for _, v := range volumes {
		if !claimed[v.Name] {
			out = append(out, v)
		}
	}
	return out
}

// ApplyLifecycle returns the pod after a LifecycleChange: state label,
// timestamp annotation, handler labels and finalizers. The readiness change
// (KruisePodReady condition) is a status write the executor makes separately.
func ApplyLifecycle(pod *corev1.Pod, ch LifecycleChange, now time.Time) *corev1.Pod {
	out := pod.DeepCopy()
	setLifecycle(out, ch.To, now)
	for k, v := range ch.AddLabels {
		out.Labels[k] = v
	}
	out.Finalizers = append(out.Finalizers, ch.AddFinalizers...)
	return out
}

// MarkSpecifiedDelete returns the pod labelled apps.kruise.io/specified-delete=true.
func MarkSpecifiedDelete(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.Labels[LabelSpecifiedDelete] = "true"
	return out
}

// ApplyInPlaceUpdate returns the pod after the metadata write of an in-place
// update: revision labels, lifecycle Updating, the in-place state annotation,
// and either the new images and metadata now or, with a grace period, the
// spec parked in the grace annotation (ApplyGraceFinished applies it later).
// Before writing it, the executor sets the pod's InPlaceUpdateReady
// condition to False (reason StartInPlaceUpdate) and Ready to False.
func ApplyInPlaceUpdate(pod *corev1.Pod, spec *InPlaceUpdateSpec, now time.Time) (*corev1.Pod, error) {
	out := pod.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Labels[LabelRevisionHash] = spec.Revision
	out.Labels[LabelTemplateHash] = ShortHash(spec.Revision)
	setLifecycle(out, appspub.LifecycleStateUpdating, now)
	state := NewInPlaceState(pod, spec, metav1.NewTime(now))
	v, err := EncodeInPlaceState(state)
	if err != nil {
		return nil, err
	}
	out.Annotations[AnnotationInPlaceState] = v
	delete(out.Annotations, appspub.InPlaceUpdateStateKeyOld)
	if spec.GraceSeconds > 0 {
		g, err := EncodeInPlaceGrace(spec)
		if err != nil {
			return nil, err
		}
		out.Annotations[AnnotationInPlaceGrace] = g
		return out, nil
	}
	return patchSpec(out, spec)
}

// ApplyGraceFinished returns the pod with its parked in-place spec applied
// and the grace annotation removed (RefreshFinishGrace).
func ApplyGraceFinished(pod *corev1.Pod) (*corev1.Pod, error) {
	spec, ok, err := InPlaceGrace(pod)
	if err != nil || !ok {
		return pod.DeepCopy(), err
	}
	out, err := patchSpec(pod.DeepCopy(), spec)
	if err != nil {
		return nil, err
	}
	delete(out.Annotations, AnnotationInPlaceGrace)
	delete(out.Annotations, appspub.InPlaceUpdateGraceKeyOld)
	return out, nil
}

func patchSpec(pod *corev1.Pod, spec *InPlaceUpdateSpec) (*corev1.Pod, error) {
	if len(spec.MetaDataPatch) > 0 {
		raw, err := json.Marshal(pod)
		if err != nil {
			return nil, fmt.Errorf("encode pod %s: %w", pod.Name, err)
		}
		patched, err := strategicpatch.StrategicMergePatch(raw, spec.MetaDataPatch, &corev1.Pod{})
		if err != nil {
			return nil, fmt.Errorf("patch pod %s metadata: %w", pod.Name, err)
		}
		pod = &corev1.Pod{}
		if err := json.Unmarshal(patched, pod); err != nil {
			return nil, fmt.Errorf("decode pod: %w", err)
		}
	}
	for i := range pod.Spec.Containers {
		if img, ok := spec.ContainerImages[pod.Spec.Containers[i].Name]; ok {
			pod.Spec.Containers[i].Image = img
		}
	}
	return pod, nil
}

func setLifecycle(pod *corev1.Pod, state appspub.LifecycleStateType, now time.Time) {
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Labels[LabelLifecycleState] = string(state)
	pod.Annotations[appspub.LifecycleTimestampKey] = now.UTC().Format(time.RFC3339)
}
