package gitsync

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/schedule"
)

// Result is what one reconcile attempt did with its revision; it is what
// the history records.
type Result string

const (
	// ResultApplied: the revision was applied and something changed.
	ResultApplied Result = "Applied"
	// ResultUnchanged: the revision was applied again and nothing drifted.
	ResultUnchanged Result = "Unchanged"
	// ResultFailed: a step failed; nothing more from the revision was applied.
	ResultFailed Result = "Failed"
	// ResultWaiting: a new revision waits for a schedule window; the last
	// applied revision keeps running.
	ResultWaiting Result = "Waiting"
)

// maxHistory is how many attempts status.history keeps.
const maxHistory = 10

// Outcome is everything a reconcile attempt learned. NextStatus turns it
// into the GitSync's status, so the status rules are one pure function with
// table tests, and the reconciler writes status in one place.
type Outcome struct {
	Now        time.Time
	Generation int64
	// Revision is the revision attempted ("main@sha1:…"), empty when the
	// fetch failed before resolving one.
	Revision string
	Result   Result
	// Reason and Message explain a failure (Result Failed).
	Reason  Reason
	Message string
	// Retryable failures (network, conflicts) leave Reconciling True;
	// others (a bad commit, bad credentials) set Stalled until git or the
	// Secret changes.
	Retryable bool
	Duration  time.Duration
	// Inventory is set when Revision was applied (Applied or Unchanged).
	Inventory *v1alpha1.Inventory
	// Batches and Health describe the objects of the last applied revision
	// as they are now; nil when they could not be read.
	Batches []v1alpha1.BatchStatus
	Health  *HealthSummary
	// Schedule is the window state, when the GitSync has a schedule.
	Schedule *schedule.Status
	// WaitingUntil says, in words, until when a new revision waits for a
	// schedule window (Result Waiting), e.g. "02:00 CET Tue".
	WaitingUntil string
}

// HealthSummary condenses per-object health for the conditions.
type HealthSummary struct {
	// InProgress and Failed describe the objects not yet healthy, e.g.
	// "CloneSet default/demo: 3/5 updated".
	InProgress []string
	Failed     []string
	// Unknown are objects whose health ferry cannot read (a kind without a
	// health rule and without kstatus conditions): not assumed healthy.
	Unknown []string
}

// NextStatus computes the status after an attempt from the status before it.
// It never drops what still holds: a failed attempt keeps the last applied
// revision, its inventory and its batches.
func NextStatus(old v1alpha1.GitSyncStatus, o Outcome) v1alpha1.GitSyncStatus {
	st := *old.DeepCopy()
	now := metav1.NewTime(o.Now)
	st.ObservedGeneration = o.Generation
	if o.Revision != "" {
		st.LastAttemptedRevision = o.Revision
	}
	if o.Schedule != nil {
		st.Schedule = o.Schedule.DeepCopy()
	}
	if o.Result != ResultFailed {
		if o.Result != ResultWaiting {
			st.LastAppliedRevision = o.Revision
			st.Inventory = o.Inventory.DeepCopy()
		}
		if o.Batches != nil {
			st.Batches = carryHealthySince(old.Batches, o.Batches, now)
			st.BatchSummary = batchSummary(st.Batches)
		}
	}
	st.History = recordAttempt(st.History, o, now)
	setConditions(&st, o, now)
	return st
}

func setConditions(st *v1alpha1.GitSyncStatus, o Outcome, now metav1.Time) {
	conds, gen := &st.Conditions, o.Generation
	if o.Result == ResultFailed {
		msg := o.Message
		if st.LastAppliedRevision != "" && st.LastAppliedRevision != o.Revision {
			msg += "; " + ShortRevision(st.LastAppliedRevision) + " keeps running"
		}
		setCondition(conds, TypeReady, metav1.ConditionFalse, o.Reason, msg, gen, now)
		if o.Retryable {
			setCondition(conds, TypeReconciling, metav1.ConditionTrue, o.Reason, "retrying: "+o.Message, gen, now)
			removeCondition(conds, TypeStalled)
		} else {
			setCondition(conds, TypeStalled, metav1.ConditionTrue, o.Reason, o.Message, gen, now)
			removeCondition(conds, TypeReconciling)
		}
		return
	}
	removeCondition(conds, TypeStalled)
	batches := batchWords(st.Batches)
	switch h := o.Health; {
	case h != nil && len(h.Failed) > 0:
		msg := "unhealthy: " + strings.Join(h.Failed, "; ")
		setCondition(conds, TypeReady, metav1.ConditionFalse, ReasonHealthCheckFailed, msg, gen, now)
		removeCondition(conds, TypeReconciling)
	case h != nil && len(h.InProgress) == 0 && len(h.Unknown) > 0:
		msg := "health unknown: " + strings.Join(h.Unknown, "; ")
		setCondition(conds, TypeReady, metav1.ConditionUnknown, ReasonHealthUnknown, msg, gen, now)
		removeCondition(conds, TypeReconciling)
	case h == nil || len(h.InProgress) > 0:
		msg := "Rolling out"
		if h != nil {
			msg += ": " + strings.Join(h.InProgress, "; ")
		}
		setCondition(conds, TypeReady, metav1.ConditionUnknown, ReasonProgressing, msg, gen, now)
		setCondition(conds, TypeReconciling, metav1.ConditionTrue, ReasonProgressing, msg, gen, now)
	default:
		reason, msg := ReasonApplied, "Applied"
		if held(st.Batches) {
			reason = ReasonBatchHeld
		}
		if batches != "" {
			msg += "; " + batches
		}
		if o.Result == ResultWaiting {
			reason = ReasonWindowClosed
			msg += fmt.Sprintf("; %s waits for the schedule window", ShortRevision(o.Revision))
			if o.WaitingUntil != "" {
				msg += " until " + o.WaitingUntil
			}
		}
		setCondition(conds, TypeReady, metav1.ConditionTrue, reason, msg, gen, now)
		removeCondition(conds, TypeReconciling)
	}
}

// recordAttempt adds the attempt to the history, newest first. Repeats of the
// newest entry (the same revision with the same result, which every idle
// poll produces) update it in place rather than pushing real events out.
func recordAttempt(h []v1alpha1.HistoryEntry, o Outcome, now metav1.Time) []v1alpha1.HistoryEntry {
	e := v1alpha1.HistoryEntry{Revision: o.Revision, Time: now, Result: string(o.Result), Message: o.Message,
		Duration: &metav1.Duration{Duration: o.Duration.Round(time.Millisecond)}}
	if o.Result == ResultUnchanged && len(h) > 0 && h[0].Revision == o.Revision &&
		(h[0].Result == string(ResultApplied) || h[0].Result == string(ResultUnchanged)) {
		// Keep the Applied entry: that is when the revision went out.
		return h
	}
	if len(h) > 0 && h[0].Revision == e.Revision && h[0].Result == e.Result && h[0].Message == e.Message {
		h[0] = e
		return h
	}
	h = append([]v1alpha1.HistoryEntry{e}, h...)
	if len(h) > maxHistory {
		h = h[:maxHistory]
	}
	return h
}

// ShortRevision turns "main@sha1:0123456789abcdef…" into "main@0123456".
func ShortRevision(rev string) string {
	ref, hash, ok := strings.Cut(rev, "@sha1:")
	if !ok {
		if len(rev) > 12 {
			return rev[:12]
		}
		return rev
	}
	if len(hash) > 7 {
		hash = hash[:7]
	}
	return ref + "@" + hash
}
