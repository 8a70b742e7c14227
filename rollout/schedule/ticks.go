package schedule

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Tick is one advance tick: when, and which trigger.
type Tick struct {
	Time    time.Time
	Trigger int // index in spec.schedule.advance
}

// NextTicks lists the next n advance ticks after now, of all triggers in
// time order. Two triggers ticking at the same instant give two entries.
func (c *Calendar) NextTicks(now time.Time, n int) []Tick {
	next := make([]time.Time, len(c.triggers))
	for i, t := range c.triggers {
		next[i] = t.cron.Next(now)
	}
	var out []Tick
	for len(out) < n {
		best := -1
		for i, t := range next {
			if !t.IsZero() && (best < 0 || t.Before(next[best])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, Tick{Time: next[best], Trigger: best})
		next[best] = c.triggers[best].cron.Next(next[best])
	}
	return out
}

func (c *Calendar) nextTick(now time.Time) Tick {
	if ticks := c.NextTicks(now, 1); len(ticks) > 0 {
		return ticks[0]
	}
	return Tick{Trigger: -1}
}

// Status computes status.schedule at now: Open or Closed, why, and the next
// opening, closing and advance tick. LastEvaluated is left to the caller,
// which has it from Decide.
func (c *Calendar) Status(now time.Time) Status {
	s := c.State(now)
	st := Status{State: "Closed", Reason: string(s.Reason)}
	if s.Open {
		st.State = "Open"
	}
	st.NextOpen = metaTime(s.NextOpen)
	st.NextClose = metaTime(s.NextClose)
	st.NextAdvance = metaTime(c.nextTick(now).Time)
	return st
}

func metaTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t)
	return &mt
}
