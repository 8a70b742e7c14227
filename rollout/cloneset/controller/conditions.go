package controller

import (
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConditionStalled is set True on a CloneSet the engine will not act on
// until its spec changes: kstatus (and so Flux, Argo CD and ferry's own
// health check) reads Stalled=True as "failed", with the reason and message
// saying why.
const ConditionStalled appsv1alpha1.CloneSetConditionType = "Stalled"

// ConditionReasonFailedValidation is the Stalled reason for a CloneSet that
// Kruise's validating webhook would reject; the message lists each field.
const ConditionReasonFailedValidation = "FailedValidation"

// setCondition returns conds with c in place of any condition of its type.
// The transition time is kept when the status did not change, so a
// condition that is merely re-asserted does not look new.
func setCondition(conds []appsv1alpha1.CloneSetCondition, c appsv1alpha1.CloneSetCondition, now time.Time) []appsv1alpha1.CloneSetCondition {
	out := make([]appsv1alpha1.CloneSetCondition, 0, len(conds)+1)
	c.LastTransitionTime = metav1.NewTime(now)
	found := false
	for _, old := range conds {
		if old.Type != c.Type {
			out = append(out, old)
			continue
		}
		found = true
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		out = append(out, c)
	}
	if !found {
		out = append(out, c)
	}
	return out
}

// removeCondition returns conds without the condition of type t.
func removeCondition(conds []appsv1alpha1.CloneSetCondition, t appsv1alpha1.CloneSetConditionType) []appsv1alpha1.CloneSetCondition {
	var out []appsv1alpha1.CloneSetCondition
	for _, c := range conds {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

func findCondition(conds []appsv1alpha1.CloneSetCondition, t appsv1alpha1.CloneSetConditionType) *appsv1alpha1.CloneSetCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// conditionsEqual compares conditions by type, status, reason and message
// (order and transition times aside).
func conditionsEqual(a, b []appsv1alpha1.CloneSetCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for _, ca := range a {
		cb := findCondition(b, ca.Type)
		if cb == nil || cb.Status != ca.Status || cb.Reason != ca.Reason || cb.Message != ca.Message {
			return false
		}
	}
	return true
}

// outcome is what a pass did, for the conditions it leaves.
type outcome struct {
	phase   plan.Phase
	planErr error // a *plan.PodError: the update phase cannot move a pod
	execErr error
}

// conditions applies Kruise's FailedScale/FailedUpdate conditions: set
// True with the error when that phase failed. Unlike Kruise, which never
// clears them, ferry removes a condition once its phase succeeds again, so
// that a condition always describes the present. Stalled is removed: a pass
// that got this far validated the CloneSet.
func (o outcome) conditions(conds []appsv1alpha1.CloneSetCondition, now time.Time) []appsv1alpha1.CloneSetCondition {
	conds = removeCondition(conds, ConditionStalled)
	failed := func(t appsv1alpha1.CloneSetConditionType, err error) {
		if err == nil {
			conds = removeCondition(conds, t)
			return
		}
		conds = setCondition(conds, appsv1alpha1.CloneSetCondition{Type: t, Status: corev1.ConditionTrue, Message: err.Error()}, now)
	}
	switch {
	case o.phase == plan.PhaseScale:
		failed(appsv1alpha1.CloneSetConditionFailedScale, o.execErr)
	case o.planErr != nil:
		failed(appsv1alpha1.CloneSetConditionFailedUpdate, o.planErr)
	case o.phase == plan.PhaseUpdate || o.phase == plan.PhaseIdle:
		failed(appsv1alpha1.CloneSetConditionFailedScale, nil)
		failed(appsv1alpha1.CloneSetConditionFailedUpdate, o.execErr)
	}
	return conds
}

// hasFailure reports whether conds hold a FailedScale or FailedUpdate
// condition.
func hasFailure(conds []appsv1alpha1.CloneSetCondition) bool {
	return findCondition(conds, appsv1alpha1.CloneSetConditionFailedScale) != nil ||
		findCondition(conds, appsv1alpha1.CloneSetConditionFailedUpdate) != nil
}
