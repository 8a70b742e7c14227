package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSetConditionKeepsTransitionTime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	conds := setCondition(nil, appsv1alpha1.CloneSetCondition{Type: ConditionStalled, Status: corev1.ConditionTrue, Message: "a"}, t0)
	conds = setCondition(conds, appsv1alpha1.CloneSetCondition{Type: ConditionStalled, Status: corev1.ConditionTrue, Message: "b"}, t0.Add(time.Hour))
	if len(conds) != 1 || conds[0].Message != "b" || !conds[0].LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("re-asserted condition = %+v; want message b, transition time kept at %s", conds, t0)
	}
	conds = setCondition(conds, appsv1alpha1.CloneSetCondition{Type: ConditionStalled, Status: corev1.ConditionFalse}, t0.Add(2*time.Hour))
	if !conds[0].LastTransitionTime.Time.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("status change kept the old transition time: %+v", conds[0])
	}
}

func TestOutcomeConditions(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stalled := appsv1alpha1.CloneSetCondition{Type: ConditionStalled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now)}
	failedScale := appsv1alpha1.CloneSetCondition{Type: appsv1alpha1.CloneSetConditionFailedScale, Status: corev1.ConditionTrue, Message: "quota"}
	failedUpdate := appsv1alpha1.CloneSetCondition{Type: appsv1alpha1.CloneSetConditionFailedUpdate, Status: corev1.ConditionTrue, Message: "x"}
	podErr := &plan.PodError{Pod: "demo-a", Err: plan.ErrNotInPlace}
	tests := []struct {
		name string
		in   []appsv1alpha1.CloneSetCondition
		o    outcome
		want []appsv1alpha1.CloneSetConditionType
	}{
		{"valid again clears Stalled", []appsv1alpha1.CloneSetCondition{stalled}, outcome{phase: plan.PhaseIdle}, nil},
		{"scale failure", nil, outcome{phase: plan.PhaseScale, execErr: errors.New("quota")}, []appsv1alpha1.CloneSetConditionType{appsv1alpha1.CloneSetConditionFailedScale}},
		{"scale success clears FailedScale, keeps FailedUpdate", []appsv1alpha1.CloneSetCondition{failedScale, failedUpdate}, outcome{phase: plan.PhaseScale},
			[]appsv1alpha1.CloneSetConditionType{appsv1alpha1.CloneSetConditionFailedUpdate}},
		{"pod cannot be updated", []appsv1alpha1.CloneSetCondition{failedScale}, outcome{phase: plan.PhaseIdle, planErr: podErr},
			[]appsv1alpha1.CloneSetConditionType{appsv1alpha1.CloneSetConditionFailedScale, appsv1alpha1.CloneSetConditionFailedUpdate}},
		{"update success clears both", []appsv1alpha1.CloneSetCondition{failedScale, failedUpdate}, outcome{phase: plan.PhaseUpdate}, nil},
		{"refresh pass leaves them", []appsv1alpha1.CloneSetCondition{failedScale}, outcome{phase: plan.PhaseRefresh},
			[]appsv1alpha1.CloneSetConditionType{appsv1alpha1.CloneSetConditionFailedScale}},
	}
	for _, tc := range tests {
		got := tc.o.conditions(tc.in, now)
		var types []appsv1alpha1.CloneSetConditionType
		for _, c := range got {
			types = append(types, c.Type)
		}
		if len(types) != len(tc.want) {
			t.Errorf("%s: conditions %v, want %v", tc.name, types, tc.want)
			continue
		}
		for i := range types {
			if types[i] != tc.want[i] {
				t.Errorf("%s: conditions %v, want %v", tc.name, types, tc.want)
			}
		}
	}
	if got := (outcome{phase: plan.PhaseIdle, planErr: podErr}).conditions(nil, now); got[0].Message != podErr.Error() {
		t.Errorf("FailedUpdate message %q, want %q", got[0].Message, podErr.Error())
	}
}

func TestConditionsEqual(t *testing.T) {
	a := []appsv1alpha1.CloneSetCondition{{Type: "A", Status: "True"}, {Type: "B", Status: "False", Reason: "r"}}
	b := []appsv1alpha1.CloneSetCondition{{Type: "B", Status: "False", Reason: "r", LastTransitionTime: metav1.Now()}, {Type: "A", Status: "True"}}
	if !conditionsEqual(a, b) {
		t.Error("order and transition time should not matter")
	}
	b[0].Message = "changed"
	if conditionsEqual(a, b) {
		t.Error("a message change should matter")
	}
}
