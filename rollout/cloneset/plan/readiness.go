package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A lifecycle hook with markPodNotReady holds the pod out of service through
// Kruise's KruisePodReady condition, which only matters on pods whose
// template lists KruisePodReady among its readiness gates. Several writers
// share the condition: its message is a JSON list of {userAgent, key}, and
// the condition is True only while that list is empty. This file is the one
// codec for it.

// readinessWriter is the userAgent Kruise's lifecycle code writes.
const readinessWriter = "Lifecycle"

// Keys of the not-ready entries a lifecycle state adds.
const (
	readinessKeyPreDelete = "preDeleteHook"
	readinessKeyPreUpdate = "preUpdateHook"
)

type readinessEntry struct {
	UserAgent string `json:"userAgent"`
	Key       string `json:"key"`
}

// ReadinessCondition returns the pod's KruisePodReady condition after the
// readiness change of a lifecycle change, and whether it differs from the
// pod's. It returns (nil, false) when the pod has no KruisePodReady gate or
// the change keeps readiness:
//
//	MarkNotReady to PreparingDelete  adds preDeleteHook, status False
//	MarkNotReady to PreparingUpdate  adds preUpdateHook, status False
//	Restore                          removes preUpdateHook; True once no entry is left
//
// When the result is False the executor also sets the pod's Ready
// condition False, so endpoints drop the pod before the kubelet notices.
func ReadinessCondition(pod *corev1.Pod, ch LifecycleChange, now time.Time) (*corev1.PodCondition, bool, error) {
	if ch.Readiness == ReadinessKeep || !HasReadinessGate(pod, appspub.KruisePodReadyConditionType) {
		return nil, false, nil
	}
	var entries []readinessEntry
	old := podCondition(pod, appspub.KruisePodReadyConditionType)
	if old != nil && old.Message != "" {
		if err := json.Unmarshal([]byte(old.Message), &entries); err != nil {
			return nil, false, fmt.Errorf("pod %s/%s condition %s: %w: %w", pod.Namespace, pod.Name,
				appspub.KruisePodReadyConditionType, ErrBadAnnotation, err)
		}
	}
	var key string
	switch {
	case ch.Readiness == ReadinessRestore:
		key = readinessKeyPreUpdate
	case ch.To == appspub.LifecycleStatePreparingDelete:
		key = readinessKeyPreDelete
	case ch.To == appspub.LifecycleStatePreparingUpdate:
		key = readinessKeyPreUpdate
	default:
		return nil, false, nil
	}
	entry := readinessEntry{UserAgent: readinessWriter, Key: key}
	has := slices.Contains(entries, entry)
	switch {
	case ch.Readiness == ReadinessMarkNotReady && !has:
		entries = append(entries, entry)
	case ch.Readiness == ReadinessRestore && has:
		entries = slices.DeleteFunc(entries, func(e readinessEntry) bool { return e == entry })
	case old != nil && (old.Status == corev1.ConditionFalse) == (len(entries) > 0):
		return nil, false, nil
	}
	out := corev1.PodCondition{Type: appspub.KruisePodReadyConditionType, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now)}
	if len(entries) > 0 {
		out.Status = corev1.ConditionFalse
		raw, err := json.Marshal(entries)
		if err != nil {
			return nil, false, fmt.Errorf("encode %s message: %w", appspub.KruisePodReadyConditionType, err)
		}
		out.Message = string(raw)
	}
	return &out, true, nil
}
