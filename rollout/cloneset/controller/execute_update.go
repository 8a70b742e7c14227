package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons written on pod conditions.
const (
	conditionReasonStartInPlaceUpdate = "StartInPlaceUpdate"
	conditionReasonInPlaceUpdateDone  = "InPlaceUpdateCompleted"
)

func (c *Controller) podOf(p *pass, name string) (*corev1.Pod, error) {
	pod := p.byName[name]
	if pod == nil {
		pod = p.written.createdPod(name)
	}
	if pod == nil {
		return nil, fmt.Errorf("cloneset %s: pod %s not in this pass", p.key, name)
	}
	return pod, nil
}

// changeLifecycle writes a LifecycleChange: first the KruisePodReady
// condition when a hook marks the pod not ready (so the pod leaves service
// before its state says it may go), then the state label, timestamp and
// handler labels/finalizers.
func (c *Controller) changeLifecycle(ctx context.Context, p *pass, ch plan.LifecycleChange) error {
	pod, err := c.podOf(p, ch.Pod)
	if err != nil {
		return err
	}
	cond, changed, err := plan.ReadinessCondition(pod, ch, p.now)
	if err != nil {
		return err
	}
	if changed {
		conds := []corev1.PodCondition{*cond}
		if cond.Status == corev1.ConditionFalse {
			conds = append(conds, notReady(p.now, string(cond.Type)))
		}
		if pod, err = c.patchConditions(ctx, p, pod, conds...); err != nil {
			return err
		}
	}
	_, err = c.patchPod(ctx, p, pod, plan.ApplyLifecycle(pod, ch, p.now))
	return err
}

// refresh carries out one bookkeeping item.
func (c *Controller) refresh(ctx context.Context, p *pass, r plan.PodRefresh) error {
	pod, err := c.podOf(p, r.Pod)
	if err != nil {
		return err
	}
	switch r.Action {
	case plan.RefreshSetInPlaceReady:
		_, err = c.patchConditions(ctx, p, pod, inPlaceReady(p.now))
	case plan.RefreshFinishGrace:
		want, applyErr := plan.ApplyGraceFinished(pod)
		if applyErr != nil {
			return applyErr
		}
		_, err = c.patchPod(ctx, p, pod, want)
	case plan.RefreshDropGrace:
		_, err = c.patchPod(ctx, p, pod, plan.ApplyDropGrace(pod))
	case plan.RefreshBackfillTemplateHash:
		_, err = c.patchPod(ctx, p, pod, plan.ApplyTemplateHash(pod, r.TemplateHash))
	default:
		return fmt.Errorf("cloneset %s: pod %s: unknown refresh action %q", p.key, r.Pod, r.Action)
	}
	return err
}

// updatePod moves a pod to another revision: in place, or by marking it
// specified-delete (a later pass's scale phase deletes it within budget and
// creates its replacement).
func (c *Controller) updatePod(ctx context.Context, p *pass, u plan.PodUpdate) error {
	pod, err := c.podOf(p, u.Pod)
	if err != nil {
		return err
	}
	switch u.Method {
	case plan.UpdateRecreate:
		if _, err := c.patchPod(ctx, p, pod, plan.MarkSpecifiedDelete(pod)); err != nil {
			c.recorder.Eventf(p.cached, corev1.EventTypeWarning, string(ReasonFailedUpdatePodReCreate), "failed to mark pod %s for recreation: %v", pod.Name, err)
			return err
		}
		c.metrics.podsRecreated.Add(1)
		c.recorder.Eventf(p.cached, corev1.EventTypeNormal, string(ReasonSuccessfulUpdatePodReCreate),
			"successfully mark pod %s to recreate with revision %s", pod.Name, u.To)
		return nil
	case plan.UpdateInPlace:
		if err := c.updateInPlace(ctx, p, pod, u); err != nil {
			c.recorder.Eventf(p.cached, corev1.EventTypeWarning, string(ReasonFailedUpdatePodInPlace), "failed to update pod %s in place: %v", pod.Name, err)
			return err
		}
		c.metrics.podsInPlace.Add(1)
		c.recorder.Eventf(p.cached, corev1.EventTypeNormal, string(ReasonSuccessfulUpdatePodInPlace),
			"successfully update pod %s in-place (revision %s)", pod.Name, u.To)
		return nil
	}
	return fmt.Errorf("cloneset %s: pod %s: unknown update method %q", p.key, u.Pod, u.Method)
}

// updateInPlace is Kruise's in-place update: the InPlaceUpdateReady gate
// goes False (and Ready with it) before anything changes, so the pod leaves
// service first; then one patch writes the revision labels, lifecycle
// Updating, the in-place state (the image IDs running now, to tell when the
// new ones run) and the new images, or parks them in the grace annotation.
// The refresh phase of a later pass sets the gate True again once every
// changed container reports a new image ID.
func (c *Controller) updateInPlace(ctx context.Context, p *pass, pod *corev1.Pod, u plan.PodUpdate) error {
	if u.InPlace == nil {
		return fmt.Errorf("cloneset %s: pod %s: in-place update without a spec", p.key, pod.Name)
	}
	want, err := plan.ApplyInPlaceUpdate(pod, u.InPlace, p.now)
	if err != nil {
		return err
	}
	if plan.HasReadinessGate(pod, appspub.InPlaceUpdateReady) {
		_, err := c.patchConditions(ctx, p, pod,
			corev1.PodCondition{Type: appspub.InPlaceUpdateReady, Status: corev1.ConditionFalse,
				Reason: conditionReasonStartInPlaceUpdate, LastTransitionTime: metav1.NewTime(p.now)},
			notReady(p.now, string(appspub.InPlaceUpdateReady)))
		if err != nil {
			return err
		}
	}
	_, err = c.patchPod(ctx, p, pod, want)
	return err
}

// inPlaceReady is the InPlaceUpdateReady condition set True: the pod may be
// Ready (a new pod, or an in-place update that completed).
func inPlaceReady(now time.Time) corev1.PodCondition {
	return corev1.PodCondition{Type: appspub.InPlaceUpdateReady, Status: corev1.ConditionTrue,
		Reason: conditionReasonInPlaceUpdateDone, LastTransitionTime: metav1.NewTime(now)}
}

// notReady is the pod Ready condition set False because a readiness gate
// went False; the kubelet would do the same on its next sync.
func notReady(now time.Time, gate string) corev1.PodCondition {
	return corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ReadinessGatesNotReady",
		Message: fmt.Sprintf("corresponding condition of pod readiness gate %q is not True", gate), LastTransitionTime: metav1.NewTime(now)}
}
