package schedule

import (
	"slices"
	"time"
)

// DecisionReason says why an advance decision went the way it did.
type DecisionReason string

const (
	// ReasonAdvance: a tick is due, the window is open and the batch has been
	// healthy long enough: commit the next batch.
	ReasonAdvance DecisionReason = "Advance"
	// ReasonNoTriggers: the schedule has no advance triggers.
	ReasonNoTriggers DecisionReason = "NoTriggers"
	// ReasonNoTickDue: no tick since the last evaluation.
	ReasonNoTickDue DecisionReason = "NoTickDue"
	// ReasonTicksMissed: ticks passed while ferry was not evaluating, all of
	// them longer ago than Options.MaxLateness; they are dropped, and the next
	// tick decides.
	ReasonTicksMissed DecisionReason = "TicksMissed"
	// ReasonDone: the rollout has no next batch.
	ReasonDone DecisionReason = "Done"
	// ReasonWindowClosed: a tick is due but the schedule is closed; the tick
	// is skipped.
	ReasonWindowClosed DecisionReason = "WindowClosed"
	// ReasonNotHealthy: a tick is due but the current batch is not healthy.
	ReasonNotHealthy DecisionReason = "NotHealthy"
	// ReasonNotHealthyLongEnough: a tick is due and the batch is healthy, but
	// not yet for requireHealthyFor.
	ReasonNotHealthyLongEnough DecisionReason = "NotHealthyLongEnough"
)

// AdvanceInput is what the caller knows when it asks for a decision.
type AdvanceInput struct {
	Now time.Time
	// LastEvaluated is Decision.EvaluatedThrough of the previous call, kept in
	// the GitSync status. Zero on the first call: ticks before Now are not
	// considered, so creating a GitSync never fires a past tick.
	LastEvaluated time.Time
	// HealthySince is when the current batch became healthy, zero if it is
	// not healthy now.
	HealthySince time.Time
	// Done: the current batch is the last one.
	Done bool
}

// Decision is the outcome of one evaluation.
type Decision struct {
	Advance bool
	Reason  DecisionReason
	// Trigger is the index in spec.schedule.advance of the tick decided on,
	// or -1 when no tick is due.
	Trigger int
	// Tick is the tick decided on: the latest one due.
	Tick time.Time
	// MissedTicks counts the other ticks since LastEvaluated, which this one
	// decision stands for (or which were dropped as too late); capped at
	// maxCountedTicks.
	MissedTicks int
	// Window is the window state reason at Now, when a tick was due.
	Window WindowReason
	// HealthyAt is, with ReasonNotHealthyLongEnough, when the batch will
	// have been healthy long enough (for the next tick to succeed).
	HealthyAt time.Time
	// EvaluatedThrough is the new LastEvaluated. Persist it before acting on
	// Advance: if the commit then fails, the tick is lost and the next tick
	// retries, which is at-most-once. Resolve the target batch at decision
	// time and commit it with batch.ToBatch, so a retried commit of a batch
	// that did land is a no-op (ErrAlreadyAtBatch).
	EvaluatedThrough time.Time
	// NextTick is the first tick of any trigger after Now: when to ask again.
	NextTick time.Time
}

// maxCountedTicks bounds the work of counting missed ticks after a long
// outage of a frequent trigger; MissedTicks stops there.
const maxCountedTicks = 1000

// Decide evaluates the advance triggers at in.Now.
//
// Every tick in (LastEvaluated, Now] is consumed by this one call, so ticks
// missed while ferry was down never replay in a burst: the latest of them is
// decided (once) if it is at most MaxLateness old, and all are dropped
// otherwise. Example, trigger "*/30 2-3 * * 2-4", ferry down from Mon 12:00
// to Wed 03:05, MaxLateness 10m: the seven ticks from Tue 02:00 to Wed 03:00
// are consumed by one call at 03:05, which decides the 03:00 tick alone
// (MissedTicks 6); 03:30 is decided at 03:30. Down until Wed 12:00 instead,
// all eight ticks are dropped (ReasonTicksMissed) and Thu 02:00 decides.
//
// A due tick advances only when the window is open at Now and the batch has
// been healthy for the trigger's requireHealthyFor; otherwise the tick is
// skipped, not kept pending. With several triggers due, any one that passes
// advances; at most one advance per call.
func (c *Calendar) Decide(in AdvanceInput) Decision {
	now := in.Now
	d := Decision{Trigger: -1, EvaluatedThrough: now, NextTick: c.nextTick(now).Time}
	from := in.LastEvaluated
	if from.IsZero() {
		from = now
	}
	if from.After(now) { // the clock went back: nothing new is due
		d.EvaluatedThrough = from
		from = now
	}
	if len(c.triggers) == 0 {
		d.Reason = ReasonNoTriggers
		return d
	}
	if in.Done {
		d.Reason = ReasonDone
		return d
	}
	due, missed := c.dueTicks(from, now)
	d.MissedTicks = missed
	if len(due) == 0 {
		d.Reason = ReasonNoTickDue
		if missed > 0 {
			d.Reason = ReasonTicksMissed
		}
		return d
	}
	d.Trigger, d.Tick = due[0].Trigger, due[0].Time
	open, reason, _ := c.openAt(now)
	d.Window = reason
	if !open {
		d.Reason = ReasonWindowClosed
		return d
	}
	if in.HealthySince.IsZero() || in.HealthySince.After(now) {
		d.Reason = ReasonNotHealthy
		return d
	}
	for _, t := range due {
		if need := c.triggers[t.Trigger].requireHealthyFor; now.Sub(in.HealthySince) >= need {
			d.Advance, d.Reason, d.Trigger, d.Tick, d.HealthyAt = true, ReasonAdvance, t.Trigger, t.Time, time.Time{}
			return d
		}
		if at := in.HealthySince.Add(c.triggers[t.Trigger].requireHealthyFor); d.HealthyAt.IsZero() || at.Before(d.HealthyAt) {
			d.HealthyAt = at
		}
	}
	d.Reason = ReasonNotHealthyLongEnough
	return d
}

// dueTicks returns, latest first, each trigger's latest tick in
// (max(from, now-MaxLateness), now], and how many other ticks lie in
// (from, now] (the older ones counted up to maxCountedTicks per trigger).
func (c *Calendar) dueTicks(from, now time.Time) ([]Tick, int) {
	recent := from
	if lo := now.Add(-c.opts.MaxLateness); lo.After(recent) {
		recent = lo
	}
	var due []Tick
	total := 0
	for i, t := range c.triggers {
		for tick := t.cron.Next(from); !tick.IsZero() && !tick.After(recent); tick = t.cron.Next(tick) {
			if total++; total >= maxCountedTicks {
				break
			}
		}
		var latest time.Time
		for tick := t.cron.Next(recent); !tick.IsZero() && !tick.After(now); tick = t.cron.Next(tick) {
			latest = tick
			total++
		}
		if !latest.IsZero() {
			due = append(due, Tick{Time: latest, Trigger: i})
		}
	}
	slices.SortStableFunc(due, func(a, b Tick) int { return b.Time.Compare(a.Time) })
	return due, total - len(due)
}
