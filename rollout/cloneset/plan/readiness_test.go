package plan

import (
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
)

func TestReadinessCondition(t *testing.T) {
	gated := func(conds ...corev1.PodCondition) *corev1.Pod {
		return &corev1.Pod{
			Spec:   corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: appspub.KruisePodReadyConditionType}}},
			Status: corev1.PodStatus{Conditions: conds},
		}
	}
	kpr := func(status corev1.ConditionStatus, msg string) corev1.PodCondition {
		return corev1.PodCondition{Type: appspub.KruisePodReadyConditionType, Status: status, Message: msg}
	}
	const (
		preDelete = `[{"userAgent":"Lifecycle","key":"preDeleteHook"}]`
		preUpdate = `[{"userAgent":"Lifecycle","key":"preUpdateHook"}]`
		both      = `[{"userAgent":"Lifecycle","key":"preDeleteHook"},{"userAgent":"Lifecycle","key":"preUpdateHook"}]`
	)
	tests := []struct {
		name        string
		pod         *corev1.Pod
		ch          LifecycleChange
		wantChanged bool
		wantStatus  corev1.ConditionStatus
		wantMessage string
	}{
		{"no gate: nothing to write", &corev1.Pod{}, LifecycleChange{To: appspub.LifecycleStatePreparingDelete, Readiness: ReadinessMarkNotReady}, false, "", ""},
		{"keep", gated(), LifecycleChange{To: appspub.LifecycleStatePreparingDelete}, false, "", ""},
		{"mark for delete", gated(), LifecycleChange{To: appspub.LifecycleStatePreparingDelete, Readiness: ReadinessMarkNotReady}, true, corev1.ConditionFalse, preDelete},
		{"mark for update", gated(kpr(corev1.ConditionTrue, "")), LifecycleChange{To: appspub.LifecycleStatePreparingUpdate, Readiness: ReadinessMarkNotReady}, true, corev1.ConditionFalse, preUpdate},
		{"already marked", gated(kpr(corev1.ConditionFalse, preDelete)), LifecycleChange{To: appspub.LifecycleStatePreparingDelete, Readiness: ReadinessMarkNotReady}, false, "", ""},
		{"second writer's key kept", gated(kpr(corev1.ConditionFalse, preDelete)), LifecycleChange{To: appspub.LifecycleStatePreparingUpdate, Readiness: ReadinessMarkNotReady}, true, corev1.ConditionFalse, both},
		{"restore to ready", gated(kpr(corev1.ConditionFalse, preUpdate)), LifecycleChange{To: appspub.LifecycleStateUpdated, Readiness: ReadinessRestore}, true, corev1.ConditionTrue, ""},
		{"restore leaves another key", gated(kpr(corev1.ConditionFalse, both)), LifecycleChange{To: appspub.LifecycleStateUpdated, Readiness: ReadinessRestore}, true, corev1.ConditionFalse, preDelete},
		{"restore with nothing to remove", gated(kpr(corev1.ConditionTrue, "")), LifecycleChange{To: appspub.LifecycleStateUpdated, Readiness: ReadinessRestore}, false, "", ""},
	}
	for _, tc := range tests {
		got, changed, err := ReadinessCondition(tc.pod, tc.ch, testNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if changed != tc.wantChanged {
			t.Errorf("%s: changed = %v, want %v", tc.name, changed, tc.wantChanged)
			continue
		}
		if !changed {
			continue
		}
		if got.Status != tc.wantStatus || got.Message != tc.wantMessage || !got.LastTransitionTime.Time.Equal(testNow) {
			t.Errorf("%s: condition %s %q at %s, want %s %q at %s", tc.name, got.Status, got.Message, got.LastTransitionTime, tc.wantStatus, tc.wantMessage, testNow)
		}
	}
	if _, _, err := ReadinessCondition(gated(kpr(corev1.ConditionFalse, "{not json")), LifecycleChange{To: appspub.LifecycleStatePreparingDelete, Readiness: ReadinessMarkNotReady}, testNow); err == nil {
		t.Error("a malformed condition message was accepted")
	}
}
