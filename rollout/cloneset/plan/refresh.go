package plan

import (
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
)

// planRefresh is the first step of Kruise's Update: for every pod, finish or
// drop an in-place grace period, set InPlaceUpdateReady once an in-place
// update completed (or on a new pod), make the lifecycle transitions that
// need no outside actor, and back-fill pod-template-hash. It reports whether
// a lifecycle transition or back-fill was planned, which ends the pass.
// Condition and grace writes do not end the pass, as in Kruise.
func planRefresh(in Input, p *Plan) (modified bool, err error) {
	for _, pod := range in.Pods {
		m, err := refreshPod(in, pod, p)
		if err != nil {
			return false, err
		}
		modified = modified || m
	}
	return modified, nil
}

// RefreshNew is the refresh a pod the engine has just created needs (the
// InPlaceUpdateReady condition, PreparingNormal -> Normal when no preNormal
// hook holds it): what the Refresh phase of the next pass would plan for
// it. The engine writes it right after the create instead of a pass later,
// so the condition is in place before the pod starts; the kubelet then
// reports it Ready in its first status, not after a second one. in.Pods is
// not read.
func RefreshNew(in Input, pod *corev1.Pod) (refresh []PodRefresh, lifecycle *LifecycleChange, err error) {
	var p Plan
	if _, err := refreshPod(in, pod, &p); err != nil {
		return nil, nil, err
	}
	if len(p.Lifecycle) > 0 {
		lifecycle = &p.Lifecycle[0]
	}
	return p.Refresh, lifecycle, nil
}

// refreshPod adds one pod's refresh and lifecycle items to p; modified is
// planRefresh's.
func refreshPod(in Input, pod *corev1.Pod, p *Plan) (modified bool, err error) {
	if err := refreshInPlace(in, pod, p); err != nil {
		return false, err
	}
	ch, err := lifecycleTransition(in, pod)
	if err != nil {
		return false, err
	}
	if ch != nil {
		p.Lifecycle = append(p.Lifecycle, *ch)
		modified = true
	}
	if _, ok := pod.Labels[LabelTemplateHash]; !ok {
		p.Refresh = append(p.Refresh, PodRefresh{Pod: pod.Name, Action: RefreshBackfillTemplateHash,
			TemplateHash: ShortHash(pod.Labels[LabelRevisionHash])})
		modified = true
	}
	return modified, nil
}

// refreshInPlace is Kruise's inplaceupdate Refresh.
func refreshInPlace(in Input, pod *corev1.Pod, p *Plan) error {
	grace, inGrace, err := InPlaceGrace(pod)
	if err != nil {
		return err
	}
	if inGrace {
		if !IsAtRevision(pod, grace.Revision) {
			p.Refresh = append(p.Refresh, PodRefresh{Pod: pod.Name, Action: RefreshDropGrace})
			return nil
		}
		state, ok, err := InPlaceState(pod)
		if err != nil || !ok {
			return err
		}
		left := state.UpdateTimestamp.Add(time.Duration(grace.GraceSeconds) * time.Second).Sub(in.Now)
		if left > 0 {
			p.RequeueAfter = minPositive(p.RequeueAfter, left.Round(time.Second)+time.Second)
			return nil
		}
		p.Refresh = append(p.Refresh, PodRefresh{Pod: pod.Name, Action: RefreshFinishGrace})
		return nil
	}
	if done, _, err := InPlaceUpdateCompleted(pod); err != nil || !done {
		return err
	}
	if !HasReadinessGate(pod, appspub.InPlaceUpdateReady) {
		return nil
	}
	if c := podCondition(pod, appspub.InPlaceUpdateReady); c != nil && c.Status == corev1.ConditionTrue {
		return nil
	}
	p.Refresh = append(p.Refresh, PodRefresh{Pod: pod.Name, Action: RefreshSetInPlaceReady})
	return nil
}

// lifecycleTransition is Kruise's refreshPodState: the state moves that the
// controller makes on its own.
//
//	PreparingNormal -> Normal   when no preNormal hook, or all its handlers are on the pod
//	PreparingUpdate -> Updated|Normal  when the pod is already at the update revision (rollback during the hook)
//	Updating        -> Updated|Normal  when the in-place update completed
//	Updated         -> Normal   when no inPlaceUpdate hook, or all its handlers are on the pod
//
// "Updated" is chosen when the CloneSet has a lifecycle whose inPlaceUpdate
// handlers are not all on the pod (the hook's owner still has to act).
func lifecycleTransition(in Input, pod *corev1.Pod) (*LifecycleChange, error) {
	lc := in.CloneSet.Spec.Lifecycle
	var inPlaceHook *appspub.LifecycleHook
	if lc != nil {
		inPlaceHook = lc.InPlaceUpdate
	}
	afterUpdate := appspub.LifecycleStateNormal
	if lc != nil && !isAllHooked(inPlaceHook, pod) {
		afterUpdate = appspub.LifecycleStateUpdated
	}
	from := LifecycleState(pod)
	var to appspub.LifecycleStateType
	switch from {
	case appspub.LifecycleStatePreparingNormal:
		if lc == nil || lc.PreNormal == nil || isAllHooked(lc.PreNormal, pod) {
			to = appspub.LifecycleStateNormal
		}
	case appspub.LifecycleStatePreparingUpdate:
		if IsAtRevision(pod, in.UpdateRevision) {
			to = afterUpdate
		}
	case appspub.LifecycleStateUpdating:
		done, _, err := InPlaceUpdateCompleted(pod)
		if err != nil {
			return nil, err
		}
		if done {
			to = afterUpdate
		}
	case appspub.LifecycleStateUpdated:
		if lc == nil || inPlaceHook == nil || isAllHooked(inPlaceHook, pod) {
			to = appspub.LifecycleStateNormal
		}
	}
	if to == "" {
		return nil, nil
	}
	ch := &LifecycleChange{Pod: pod.Name, From: from, To: to}
	if to == appspub.LifecycleStateUpdated && inPlaceHook != nil && inPlaceHook.MarkPodNotReady {
		ch.Readiness = ReadinessRestore
	}
	return ch, nil
}
