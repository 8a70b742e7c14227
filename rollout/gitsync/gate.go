package gitsync

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/schedule"
)

var schedulePath = field.NewPath("spec", "schedule")

// compiledSchedule is a GitSync's schedule compiled at one generation.
type compiledSchedule struct {
	generation int64
	cal        *schedule.Calendar
	err        error
}

// calendar compiles spec.schedule; nil when there is none. A schedule
// that does not compile is caught by gate, which then holds new revisions:
// a broken freeze calendar must not let changes through.
func (r *Reconciler) calendar(gs *v1alpha1.GitSync) (*schedule.Calendar, error) {
	if gs.Spec.Schedule == nil {
		return nil, nil
	}
	key := gs.Namespace + "/" + gs.Name
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.calendars[key]; ok && c.generation == gs.Generation && gs.Generation != 0 {
		return c.cal, c.err
	}
	cal, err := schedule.Compile(gs.Spec.Schedule, schedulePath, r.opts.Schedule)
	r.calendars[key] = compiledSchedule{generation: gs.Generation, cal: cal, err: err}
	return cal, err
}

// gate decides whether a new revision may be applied now. The revision
// already applied is always re-applied (drift correction restores git, it
// does not change anything), whatever the windows say.
func (r *Reconciler) gate(gs *v1alpha1.GitSync, revision string) (wait bool, until string) {
	if revision == gs.Status.LastAppliedRevision {
		return false, ""
	}
	cal, err := r.calendar(gs)
	if err != nil {
		return true, "the schedule is fixed (" + err.Error() + ")"
	}
	if cal == nil {
		return false, ""
	}
	now := r.opts.Clock.Now()
	st := cal.State(now)
	if st.Open {
		return false, ""
	}
	if st.Until.IsZero() {
		return true, "no window opens in the look-ahead"
	}
	return true, schedule.FormatTime(st.Until, now, cal.Location())
}

// scheduleStatus is status.schedule: the window state now and the next
// advance, keeping the advance bookkeeping (LastEvaluated).
func (r *Reconciler) scheduleStatus(gs *v1alpha1.GitSync) *schedule.Status {
	cal, err := r.calendar(gs)
	if err != nil || cal == nil {
		return nil
	}
	st := cal.Status(r.opts.Clock.Now())
	if old := gs.Status.Schedule; old != nil {
		st.LastEvaluated = old.LastEvaluated
	}
	return &st
}
