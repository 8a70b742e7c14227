package plan

import (
	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
)

// planScale is Kruise's Scale as a plan. It returns an empty plan (with the
// diff set) when scaling has nothing to do, which lets the pass go on to
// update.
func planScale(in Input) (Plan, error) {
	cs := in.CloneSet
	p := Plan{}
	specified, preDeleting, numToDelete := plannedDeletes(in)

	// 1. replicas grew back: pods waiting in PreparingDelete return to service
	if n := revivePreparingDelete(in, preDeleting, numToDelete); len(n) > 0 {
		p.Lifecycle = n
		return p, nil
	}

	d, err := in.diff(DiffForScale)
	if err != nil {
		return Plan{}, err
	}
	p.ScaleDiff = d

	// 2. scale out: a blocked scale-up (ScaleUpLimit 0) ends scaling for this pass
	if d.ScaleUpNum > 0 {
		fromCurrent := min(d.ScaleUpLimit, d.ScaleUpNumOldRevision)
		for i := range d.ScaleUpLimit {
			rev := in.UpdateRevision
			if i < fromCurrent {
				rev = in.CurrentRevision
			}
			p.Creates = append(p.Creates, PodCreate{Revision: rev})
		}
		return p, nil
	}

	// 3. pods in PreparingDelete whose preDelete hook is gone
	if len(preDeleting) > 0 {
		deletePods(cs.Spec.Lifecycle, preDeleting, DeletePreparingDelete, &p)
		if !p.IsEmpty() {
			return p, nil
		}
	}

	// 4. specified deletions; ready pods only within DeleteReadyLimit
	limit := d.DeleteReadyLimit
	if toDelete := without(specified, preDeleting); len(toDelete) > 0 {
		deletePods(cs.Spec.Lifecycle, withinReadyLimit(toDelete, &limit), DeleteSpecified, &p)
		if !p.IsEmpty() {
			return p, nil
		}
	}

	// 5. scale in, only when no deletion is pending
	if d.ScaleDownNum > 0 && numToDelete == 0 {
		victims := chooseVictims(in, d.ScaleDownNum, d.ScaleDownNumOldRevision)
		deletePods(cs.Spec.Lifecycle, withinReadyLimit(victims, &limit), DeleteScaleIn, &p)
	}
	return p, nil
}

// plannedDeletes returns the specified-delete pods, the PreparingDelete pods,
// and how many distinct pods are in either.
func plannedDeletes(in Input) (specified, preDeleting []*corev1.Pod, n int) {
	for _, pod := range in.Pods {
		sd := IsSpecifiedDelete(in.CloneSet, pod)
		pd := LifecycleState(pod) == appspub.LifecycleStatePreparingDelete
		if sd {
			specified = append(specified, pod)
		}
		if pd {
			preDeleting = append(preDeleting, pod)
		}
		if sd || pd {
			n++
		}
	}
	return specified, preDeleting, n
}

// revivePreparingDelete is Kruise's managePreparingDelete: when replicas
// grew so that pods waiting for deletion are needed again, unmarked ones go
// back to PreparingNormal. Never when a hook marks pods not-ready, since that
// cannot be undone safely.
func revivePreparingDelete(in Input, preDeleting []*corev1.Pod, numToDelete int) []LifecycleChange {
	lc := in.CloneSet.Spec.Lifecycle
	if lc != nil && ((lc.PreDelete != nil && lc.PreDelete.MarkPodNotReady) || (lc.InPlaceUpdate != nil && lc.InPlaceUpdate.MarkPodNotReady)) {
		return nil
	}
	need := int(*in.CloneSet.Spec.Replicas) - len(in.Pods) + numToDelete
	var out []LifecycleChange
	for _, pod := range preDeleting {
		if need <= 0 {
			break
		}
		if IsSpecifiedDelete(in.CloneSet, pod) {
			continue
		}
		out = append(out, LifecycleChange{Pod: pod.Name, From: appspub.LifecycleStatePreparingDelete, To: appspub.LifecycleStatePreparingNormal})
		need--
	}
	return out
}

// deletePods is Kruise's deletePods: a pod its preDelete hook holds moves to
// PreparingDelete instead (nothing to do if it is already there); others are deleted.
func deletePods(lc *appspub.Lifecycle, pods []*corev1.Pod, reason DeleteReason, p *Plan) {
	for _, pod := range pods {
		if lc != nil && isHooked(lc.PreDelete, pod) {
			if state := LifecycleState(pod); state != appspub.LifecycleStatePreparingDelete {
				ch := LifecycleChange{Pod: pod.Name, From: state, To: appspub.LifecycleStatePreparingDelete}
				if lc.PreDelete.MarkPodNotReady {
					ch.Readiness = ReadinessMarkNotReady
				}
				p.Lifecycle = append(p.Lifecycle, ch)
			}
			continue
		}
		p.Deletes = append(p.Deletes, PodDelete{Pod: pod.Name, Reason: reason})
	}
}

// withinReadyLimit keeps not-ready pods, and ready ones while the limit lasts.
func withinReadyLimit(pods []*corev1.Pod, limit *int) []*corev1.Pod {
	var out []*corev1.Pod
	for _, pod := range pods {
		switch {
		case !isNormalAndReady(pod):
			out = append(out, pod)
		case *limit > 0:
			out = append(out, pod)
			*limit--
		}
	}
	return out
}

func without(pods, drop []*corev1.Pod) []*corev1.Pod {
	skip := map[string]bool{}
	for _, p := range drop {
		skip[p.Name] = true
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if !skip[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

// chooseVictims is Kruise's choosePodsToDelete: up to oldNum victims from
// the pods not at the update revision, the rest from the updated ones, each
// group in victim order (a group deleted whole is not sorted).
func chooseVictims(in Input, total, oldNum int) []*corev1.Pod {
	var updated, notUpdated []*corev1.Pod
	for _, pod := range in.Pods {
		if isUpdatedForScale(pod, in.UpdateRevision) {
			updated = append(updated, pod)
		} else {
			notUpdated = append(notUpdated, pod)
		}
	}
	order := victimOrder{available: func(p *corev1.Pod) bool {
		return IsPodAvailable(p, in.CloneSet.Spec.MinReadySeconds, in.Now)
	}}
	choose := func(pods []*corev1.Pod, n int) []*corev1.Pod {
		if n >= len(pods) {
			return pods
		}
		pods = append([]*corev1.Pod(nil), pods...)
		order.rank = victimRanks(in.CloneSet, pods, in.NodeLabels)
		order.sort(pods)
		return pods[:n]
	}
	switch {
	case oldNum >= total:
		return choose(notUpdated, total)
	case oldNum > 0:
		return append(choose(notUpdated, oldNum), choose(updated, total-oldNum)...)
	default:
		return choose(updated, total)
	}
}
