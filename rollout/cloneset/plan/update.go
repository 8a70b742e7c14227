package plan

import (
	"fmt"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// planUpdate is the rest of Kruise's Update: pick the pods to move, in
// order and within budget, and decide per pod how it moves.
func planUpdate(in Input, p *Plan) error {
	d, err := in.diff(DiffForUpdate)
	if err != nil {
		return err
	}
	p.UpdateDiff = d
	if d.UpdateNum == 0 {
		return nil
	}
	target := in.UpdateRevision
	if d.UpdateNum < 0 {
		target = in.CurrentRevision
	}
	idx := updateCandidates(in, d.UpdateNum > 0)
	idx = sortUpdateCandidates(in.CloneSet.Spec.UpdateStrategy, in.Pods, idx)
	idx = limitUpdates(in, d, idx, target)
	targetRev := revisionByName(in.Revisions, target)
	for _, i := range idx {
		if err := updatePod(in, in.Pods[i], targetRev, target, p); err != nil {
			return &PodError{Pod: in.Pods[i].Name, Err: err}
		}
	}
	return nil
}

// updateCandidates are the pods not at the target revision (forward: not at
// the update revision; rollback: at it), except pods in PreparingDelete and
// pods still waiting out an in-place grace period.
func updateCandidates(in Input, forward bool) []int {
	var idx []int
	for i, pod := range in.Pods {
		if IsAtRevision(pod, in.UpdateRevision) == forward {
			continue
		}
		switch LifecycleState(pod) {
		case appspub.LifecycleStatePreparingDelete:
			continue
		case appspub.LifecycleStateUpdated:
		default:
			if _, inGrace, _ := InPlaceGrace(pod); inGrace {
				continue
			}
		}
		idx = append(idx, i)
	}
	return idx
}

// limitUpdates is Kruise's limitUpdateIndexes: at most |UpdateNum| pods, and
// stop before the unavailable pods at the target revision plus the pods
// updated now reach UpdateMaxUnavailable, or before making an available pod
// unavailable would exceed it. Updating an already-unavailable pod is free.
//
// Example (seed scenario, after the surge pod became ready): 6 available
// pods, UpdateNum 1, UpdateMaxUnavailable 0+6-5 = 1: the first candidate is
// updated (0 target-unavailable + 0 < 1, 0 unavailable < 1), the budget is
// then used up.
func limitUpdates(in Input, d Diff, idx []int, target string) []int {
	idx = idx[:min(len(idx), abs(d.UpdateNum))]
	mrs := in.CloneSet.Spec.MinReadySeconds
	var unavailable, targetUnavailable, n int
	for _, pod := range in.Pods {
		if !IsPodAvailable(pod, mrs, in.Now) {
			unavailable++
			if IsAtRevision(pod, target) {
				targetUnavailable++
			}
		}
	}
	for _, i := range idx {
		if targetUnavailable+n >= d.UpdateMaxUnavailable {
			break
		}
		if IsPodAvailable(in.Pods[i], mrs, in.Now) {
			if unavailable >= d.UpdateMaxUnavailable {
				break
			}
			unavailable++
		}
		n++
	}
	return idx[:n]
}

// updatePod is Kruise's updatePod: in place when the strategy allows and the
// change is in-place-able, after the inPlaceUpdate hook (if any) let the pod
// go; otherwise mark the pod for recreation.
func updatePod(in Input, pod *corev1.Pod, targetRev *appsv1.ControllerRevision, target string, p *Plan) error {
	cs := in.CloneSet
	strategy := cs.Spec.UpdateStrategy.Type
	from := pod.Labels[LabelRevisionHash]
	if strategy == appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType || strategy == appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType {
		spec, reason, err := inPlaceSpec(in, pod, targetRev, target)
		if err != nil {
			return err
		}
		if spec != nil {
			return updateInPlace(in, pod, spec, from, target, p)
		}
		if strategy == appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType {
			return fmt.Errorf("%w: %s", ErrNotInPlace, reason)
		}
	}
	if _, marked := pod.Labels[LabelSpecifiedDelete]; !marked {
		p.Updates = append(p.Updates, PodUpdate{Pod: pod.Name, From: from, To: target, Method: UpdateRecreate})
	}
	return nil
}

func updateInPlace(in Input, pod *corev1.Pod, spec *InPlaceUpdateSpec, from, target string, p *Plan) error {
	var hook *appspub.LifecycleHook
	if lc := in.CloneSet.Spec.Lifecycle; lc != nil {
		hook = lc.InPlaceUpdate
	}
	switch state := LifecycleState(pod); state {
	case "", appspub.LifecycleStatePreparingNormal, appspub.LifecycleStateNormal:
		if isHooked(hook, pod) {
			ch := LifecycleChange{Pod: pod.Name, From: state, To: appspub.LifecycleStatePreparingUpdate}
			if hook.MarkPodNotReady {
				ch.Readiness = ReadinessMarkNotReady
			}
			p.Lifecycle = append(p.Lifecycle, ch)
			return nil
		}
	case appspub.LifecycleStateUpdated:
		if hook != nil {
			ch := LifecycleChange{Pod: pod.Name, From: state, To: appspub.LifecycleStatePreparingUpdate,
				AddLabels: hook.LabelsHandler, AddFinalizers: hook.FinalizersHandler}
			if hook.MarkPodNotReady {
				ch.Readiness = ReadinessMarkNotReady
			}
			p.Lifecycle = append(p.Lifecycle, ch)
		}
		return nil
	case appspub.LifecycleStatePreparingUpdate:
		if isHooked(hook, pod) {
			return nil
		}
	case appspub.LifecycleStateUpdating:
	default:
		return fmt.Errorf("in-place update not allowed in lifecycle state %q", state)
	}
	if is := in.CloneSet.Spec.UpdateStrategy.InPlaceUpdateStrategy; is != nil {
		spec.GraceSeconds = is.GracePeriodSeconds
	}
	p.Updates = append(p.Updates, PodUpdate{Pod: pod.Name, From: from, To: target, Method: UpdateInPlace, InPlace: spec})
	return nil
}

// inPlaceSpec compares the template of the pod's own revision with the
// target's. A nil spec with a reason means "recreate".
func inPlaceSpec(in Input, pod *corev1.Pod, targetRev *appsv1.ControllerRevision, target string) (*InPlaceUpdateSpec, NotInPlaceReason, error) {
	var podRev *appsv1.ControllerRevision
	for _, r := range in.Revisions {
		if IsAtRevision(pod, r.Name) {
			podRev = r
			break
		}
	}
	if podRev == nil || targetRev == nil {
		return nil, ReasonNoOldRevision, nil
	}
	oldTpl, err := RevisionTemplate(podRev)
	if err != nil {
		return nil, "", err
	}
	newTpl, err := RevisionTemplate(targetRev)
	if err != nil {
		return nil, "", err
	}
	return InPlaceUpdate(oldTpl, newTpl, target)
}

func revisionByName(revs []*appsv1.ControllerRevision, name string) *appsv1.ControllerRevision {
	for _, r := range revs {
		if r.Name == name {
			return r
		}
	}
	return nil
}
