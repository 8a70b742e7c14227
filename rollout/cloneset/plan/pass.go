package plan

import (
	"errors"
	"fmt"
	"sort"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// ErrNotInPlace is wrapped when an InPlaceOnly CloneSet has a pod that cannot
// be updated in place (its revision is unknown, or the change is not image-only).
var ErrNotInPlace = errors.New("update strategy is InPlaceOnly but the pod cannot be updated in place")

// Input is everything a pass reads. The controller fills it from its caches.
type Input struct {
	CloneSet *appsv1alpha1.CloneSet
	// Pods are the CloneSet's active pods: owned, matching the selector, not
	// terminating, not Succeeded or Failed. Order does not matter.
	Pods []*corev1.Pod
	// Revisions are the CloneSet's ControllerRevisions; CurrentRevision and
	// UpdateRevision name two of them (see ChooseRevisions).
	Revisions       []*appsv1.ControllerRevision
	CurrentRevision string
	UpdateRevision  string
	// NodeLabels maps node names to their labels. Only needed to rank
	// scale-in victims when the template has topologySpreadConstraints.
	NodeLabels map[string]map[string]string
	Now        time.Time
	Options    Options
}

// Pass plans one reconcile pass, Kruise's recipe:
//
//  1. Scale: release PreparingDelete pods if replicas grew back; create
//     missing pods (current revision first, up to the partition), limited by
//     ScaleUpLimit; else delete PreparingDelete pods whose hooks are gone;
//     else delete specified pods (ready ones within DeleteReadyLimit); else
//     scale in, choosing victims by revision and victim order. If any of this
//     has something to do, the pass ends here.
//  2. Refresh: InPlaceUpdateReady conditions, grace periods, lifecycle
//     transitions, pod-template-hash back-fill. A lifecycle transition or a
//     back-fill ends the pass.
//  3. Unless paused, Update: pods not at the target revision, in update order,
//     as many as UpdateNum and the unavailable budget allow; in place when the
//     strategy and the change allow, otherwise marked for recreation.
//
// An error means the inputs cannot be planned (a nil replicas, an
// unresolvable knob) or, wrapped in *PodError, that one pod cannot be
// updated; in that case the returned plan holds what comes before that pod,
// as Kruise acts on the pods before the failing one.
func Pass(in Input) (Plan, error) {
	cs := in.CloneSet
	if cs == nil || cs.Spec.Replicas == nil {
		return Plan{}, fmt.Errorf("cloneset: spec.replicas is nil: %w", ErrInvalidKnob)
	}
	in.Pods = sortedByName(in.Pods)
	s, err := planScale(in)
	if err != nil {
		return Plan{}, fmt.Errorf("cloneset %s/%s: scale: %w", cs.Namespace, cs.Name, err)
	}
	if !s.IsEmpty() {
		s.Phase = PhaseScale
		return s, nil
	}
	p := Plan{Phase: PhaseIdle, ScaleDiff: s.ScaleDiff}
	modified, err := planRefresh(in, &p)
	if err != nil {
		return Plan{}, fmt.Errorf("cloneset %s/%s: refresh: %w", cs.Namespace, cs.Name, err)
	}
	if len(p.Refresh) > 0 || modified {
		p.Phase = PhaseRefresh
	}
	if modified || cs.Spec.UpdateStrategy.Paused {
		return p, nil
	}
	if err := planUpdate(in, &p); err != nil {
		return p, fmt.Errorf("cloneset %s/%s: update: %w", cs.Namespace, cs.Name, err)
	}
	if len(p.Updates)+len(p.Lifecycle) > 0 {
		p.Phase = PhaseUpdate
	}
	p.RequeueAfter = minPositive(p.RequeueAfter, untilAvailable(in))
	return p, nil
}

// PodError is a failure to plan one pod's update.
type PodError struct {
	Pod string
	Err error
}

func (e *PodError) Error() string { return fmt.Sprintf("pod %s: %v", e.Pod, e.Err) }
func (e *PodError) Unwrap() error { return e.Err }

func sortedByName(pods []*corev1.Pod) []*corev1.Pod {
	out := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (in Input) diff(phase DiffPhase) (Diff, error) {
	return CalculateDiff(DiffInput{CloneSet: in.CloneSet, Pods: in.Pods, CurrentRevision: in.CurrentRevision,
		UpdateRevision: in.UpdateRevision, Phase: phase, Now: in.Now, Options: in.Options})
}

// untilAvailable is how long until the first ready-but-not-yet-available
// pod passes minReadySeconds (0 when there is none).
func untilAvailable(in Input) time.Duration {
	mrs := in.CloneSet.Spec.MinReadySeconds
	if mrs <= 0 {
		return 0
	}
	var d time.Duration
	for _, p := range in.Pods {
		if !isNormalAndReady(p) || IsPodAvailable(p, mrs, in.Now) {
			continue
		}
		at := readyTime(p).Add(time.Duration(mrs)*time.Second + time.Second)
		d = minPositive(d, at.Sub(in.Now))
	}
	return d
}

func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return max(b, 0)
	case b <= 0:
		return a
	default:
		return min(a, b)
	}
}
