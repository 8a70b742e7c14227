package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
)

// writeStatus computes the CloneSet's status from the pods the pass read
// (before its own writes, as Kruise does: the events those writes cause
// bring the next pass) and writes it only when it changed.
func (c *Controller) writeStatus(ctx context.Context, p *pass, o outcome) error {
	st, err := plan.ComputeStatus(p.cs, p.pods, p.choice, p.now)
	if err != nil {
		return err
	}
	st.Conditions = o.conditions(p.cached.Status.Conditions, p.now)
	c.announce(p.cached, p.cached.Status.Conditions, st.Conditions)
	return c.putStatus(ctx, p.cached, st)
}

// announce records a Warning event when a FailedScale or FailedUpdate
// condition appears or its message changes: once per new problem, not
// once per pass.
func (c *Controller) announce(cs *appsv1alpha1.CloneSet, before, after []appsv1alpha1.CloneSetCondition) {
	for t, reason := range map[appsv1alpha1.CloneSetConditionType]EventReason{
		appsv1alpha1.CloneSetConditionFailedScale:  ReasonFailedScale,
		appsv1alpha1.CloneSetConditionFailedUpdate: ReasonFailedUpdate,
	} {
		now, old := findCondition(after, t), findCondition(before, t)
		if now != nil && (old == nil || old.Message != now.Message) {
			c.recorder.Event(cs, corev1.EventTypeWarning, string(reason), now.Message)
		}
	}
}

// reportInvalid is the whole pass for a CloneSet that fails validation:
// nothing is acted on; a Stalled condition (reason FailedValidation) and a
// Warning event give every field error. The event is recorded only when the
// message changes, so a stalled CloneSet does not spam.
func (c *Controller) reportInvalid(ctx context.Context, cached *appsv1alpha1.CloneSet, errs field.ErrorList, now time.Time) error {
	msg := errs.ToAggregate().Error()
	st := *cached.Status.DeepCopy()
	st.ObservedGeneration = cached.Generation
	if old := findCondition(st.Conditions, ConditionStalled); old == nil || old.Message != msg {
		c.recorder.Event(cached, corev1.EventTypeWarning, string(ReasonFailedValidation), msg)
	}
	st.Conditions = setCondition(st.Conditions, appsv1alpha1.CloneSetCondition{Type: ConditionStalled, Status: corev1.ConditionTrue,
		Reason: ConditionReasonFailedValidation, Message: msg}, now)
	return c.putStatus(ctx, cached, st)
}

// putStatus writes st through the status subresource unless it equals the
// cached status. On a conflict it re-reads the CloneSet and writes st onto
// the fresh copy: st describes the pods, whatever happened to the spec.
func (c *Controller) putStatus(ctx context.Context, cached *appsv1alpha1.CloneSet, st appsv1alpha1.CloneSetStatus) error {
	if !plan.StatusChanged(&cached.Status, &st) && conditionsEqual(cached.Status.Conditions, st.Conditions) {
		return nil
	}
	api := c.clients.Kruise.AppsV1alpha1().CloneSets(cached.Namespace)
	obj := cached.DeepCopy()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj.Status = st
		got, err := api.UpdateStatus(ctx, obj, metav1.UpdateOptions{FieldManager: FieldManager})
		if err == nil {
			c.metrics.writes.Add(1)
			c.metrics.statusWrites.Add(1)
			c.versions.Expect(cached.Namespace+"/"+cached.Name, refOf(kindCloneSet, got), got.ResourceVersion)
			return nil
		}
		if apierrors.IsConflict(err) {
			fresh, getErr := api.Get(ctx, cached.Name, metav1.GetOptions{})
			if getErr != nil {
				return getErr
			}
			if fresh.UID != cached.UID {
				return nil
			}
			obj = fresh
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("cloneset %s/%s: write status: %w", cached.Namespace, cached.Name, err)
	}
	return nil
}

// truncatePodsToDelete removes from spec.scaleStrategy.podsToDelete the
// names of pods that no longer exist, as Kruise does, so the list does not
// grow forever. The patch tests the old list first: a user's concurrent
// edit makes it fail rather than be lost.
func (c *Controller) truncatePodsToDelete(ctx context.Context, p *pass) error {
	names := p.cached.Spec.ScaleStrategy.PodsToDelete
	keep := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return p.byName[n] == nil })
	if len(keep) == len(names) {
		return nil
	}
	if keep == nil {
		keep = []string{}
	}
	path := "/spec/scaleStrategy/podsToDelete"
	data, err := json.Marshal([]map[string]any{
		{"op": "test", "path": path, "value": names},
		{"op": "replace", "path": path, "value": keep},
	})
	if err != nil {
		return err
	}
	_, err = c.clients.Kruise.AppsV1alpha1().CloneSets(p.cached.Namespace).Patch(ctx, p.cached.Name, types.JSONPatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil && !apierrors.IsInvalid(err) && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		return fmt.Errorf("cloneset %s: truncate podsToDelete: %w", p.key, err)
	}
	if err == nil {
		c.metrics.writes.Add(1)
	}
	return nil
}
