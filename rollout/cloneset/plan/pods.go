package plan

import (
	"slices"
	"strings"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Well-known keys on CloneSet pods, as Kruise writes them.
const (
	// LabelRevisionHash is controller-revision-hash: the full revision name
	// "<cloneset>-<hash>" (or only "<hash>" under Kruise's CloneSetShortHash gate).
	LabelRevisionHash = appsv1.ControllerRevisionHashLabelKey
	// LabelTemplateHash is pod-template-hash: always the short hash.
	LabelTemplateHash = appsv1.DefaultDeploymentUniqueLabelKey
	// LabelSpecifiedDelete marks a pod to delete (any value).
	LabelSpecifiedDelete = appsv1alpha1.SpecifiedDeleteKey
	// LabelLifecycleState holds the pod's lifecycle state.
	LabelLifecycleState = appspub.LifecycleStateKey
	// AnnotationDeletionCost is the Kubernetes pod-deletion-cost annotation.
	AnnotationDeletionCost = "controller.kubernetes.io/pod-deletion-cost"
)

// LifecycleState returns the pod's lifecycle state label ("" when absent).
func LifecycleState(pod *corev1.Pod) appspub.LifecycleStateType {
	return appspub.LifecycleStateType(pod.Labels[LabelLifecycleState])
}

// ShortHash is the last '-' segment of a revision name: "demo-59df6d7bcd" -> "59df6d7bcd".
func ShortHash(revision string) string {
	return revision[strings.LastIndex(revision, "-")+1:]
}

// IsAtRevision reports whether the pod's controller-revision-hash names the
// revision, in full or by its short hash (Kruise's EqualToRevisionHash).
func IsAtRevision(pod *corev1.Pod, revision string) bool {
	h := pod.Labels[LabelRevisionHash]
	return h == revision || ShortHash(h) == ShortHash(revision)
}

// isUpdatedForScale is Kruise's revision.IsPodUpdate with PreparingUpdateAsUpdate:
// while scaling, a pod waiting in PreparingUpdate already counts as updated,
// so that it is not replaced by a surge pod while its hook runs.
func isUpdatedForScale(pod *corev1.Pod, updateRevision string) bool {
	return LifecycleState(pod) == appspub.LifecycleStatePreparingUpdate || IsAtRevision(pod, updateRevision)
}

// IsSpecifiedDelete reports whether the pod is to be deleted: it carries the
// apps.kruise.io/specified-delete label or is named in scaleStrategy.podsToDelete.
func IsSpecifiedDelete(cs *appsv1alpha1.CloneSet, pod *corev1.Pod) bool {
	if _, ok := pod.Labels[LabelSpecifiedDelete]; ok {
		return true
	}
	return slices.Contains(cs.Spec.ScaleStrategy.PodsToDelete, pod.Name)
}

// IsPodReady is status.readyReplicas' test (Kruise's IsPodUpdateReady with
// minReadySeconds 0): Running, Ready, and the InPlaceUpdateReady condition
// absent or True. The lifecycle state does not matter here.
func IsPodReady(pod *corev1.Pod) bool {
	return isRunningAndReadyFor(pod, 0, time.Time{}) && inPlaceReadyOK(pod)
}

// IsPodAvailable is Kruise's IsPodAvailable: lifecycle state "" or Normal,
// Running, Ready for at least minReadySeconds at now, and the
// InPlaceUpdateReady condition absent or True.
func IsPodAvailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if s := LifecycleState(pod); s != "" && s != appspub.LifecycleStateNormal {
		return false
	}
	return isRunningAndReadyFor(pod, minReadySeconds, now) && inPlaceReadyOK(pod)
}

// isNormalAndReady is the scale phase's "ready" (Kruise's isPodReady):
// available with minReadySeconds 0. Only such pods count against deleteReadyLimit.
func isNormalAndReady(pod *corev1.Pod) bool {
	return IsPodAvailable(pod, 0, time.Time{})
}

func isRunningAndReadyFor(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if pod.Status.Phase != corev1.PodRunning {
		return false
	}
	c := podCondition(pod, corev1.PodReady)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	ready := c.LastTransitionTime.Time
	return !ready.IsZero() && ready.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

func inPlaceReadyOK(pod *corev1.Pod) bool {
	c := podCondition(pod, appspub.InPlaceUpdateReady)
	return c == nil || c.Status == corev1.ConditionTrue
}

// isReadyCondition is Kubernetes' podutil.IsPodReady: the Ready condition is True.
func isReadyCondition(pod *corev1.Pod) bool {
	c := podCondition(pod, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// HasReadinessGate reports whether the pod declares a readiness gate of type t.
func HasReadinessGate(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, g := range pod.Spec.ReadinessGates {
		if g.ConditionType == t {
			return true
		}
	}
	return false
}

// isHooked is Kruise's IsPodHooked: any finalizer or label of the hook is on the pod.
func isHooked(hook *appspub.LifecycleHook, pod *corev1.Pod) bool {
	if hook == nil {
		return false
	}
	for _, f := range hook.FinalizersHandler {
		if slices.Contains(pod.Finalizers, f) {
			return true
		}
	}
	for k, v := range hook.LabelsHandler {
		if pod.Labels[k] == v {
			return true
		}
	}
	return false
}

// isAllHooked is Kruise's IsPodAllHooked: every finalizer and label of the hook is on the pod.
func isAllHooked(hook *appspub.LifecycleHook, pod *corev1.Pod) bool {
	if hook == nil {
		return false
	}
	for _, f := range hook.FinalizersHandler {
		if !slices.Contains(pod.Finalizers, f) {
			return false
		}
	}
	for k, v := range hook.LabelsHandler {
		if pod.Labels[k] != v {
			return false
		}
	}
	return true
}
