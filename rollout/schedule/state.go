package schedule

import (
	"fmt"
	"time"
)

// WindowReason says why the schedule is open or closed.
type WindowReason string

const (
	// ReasonNoAllowWindows: open, because no Allow window restricts it.
	ReasonNoAllowWindows WindowReason = "NoAllowWindows"
	// ReasonAllowWindow: open, inside an Allow window.
	ReasonAllowWindow WindowReason = "AllowWindow"
	// ReasonDenyWindow: closed, inside a Deny window (which wins over Allow).
	ReasonDenyWindow WindowReason = "DenyWindow"
	// ReasonOutsideAllowWindows: closed, outside every Allow window.
	ReasonOutsideAllowWindows WindowReason = "OutsideAllowWindows"
)

// State is the window state at one instant.
type State struct {
	Open   bool
	Reason WindowReason
	// Window is the index in spec.schedule.windows of the window that
	// decided (the first active Deny, else the first active Allow), or -1.
	Window int
	// Until is when this state ends: the next change of Open. Zero if it does
	// not change within the look-ahead (Options.Horizon, Options.MaxEdges).
	Until time.Time
	// NextOpen and NextClose are the first instants after now at which the
	// schedule opens and closes; one of them equals Until.
	NextOpen, NextClose time.Time
}

// openAt decides at one instant: Deny wins, then Allow, and with no Allow
// window everything is open.
func (c *Calendar) openAt(t time.Time) (bool, WindowReason, int) {
	for i := range c.windows {
		if w := &c.windows[i]; w.kind == WindowDeny && w.activeAt(t) {
			return false, ReasonDenyWindow, w.index
		}
	}
	if !c.hasAllow {
		return true, ReasonNoAllowWindows, -1
	}
	for i := range c.windows {
		if w := &c.windows[i]; w.kind == WindowAllow && w.activeAt(t) {
			return true, ReasonAllowWindow, w.index
		}
	}
	return false, ReasonOutsideAllowWindows, -1
}

// State is the window state at now: whether changes may be applied, why, and
// until when. A revision that arrives while closed waits for NextOpen.
func (c *Calendar) State(now time.Time) State {
	open, reason, idx := c.openAt(now)
	s := State{Open: open, Reason: reason, Window: idx}
	s.Until = c.nextChange(now, open)
	if s.Until.IsZero() {
		return s
	}
	if open {
		s.NextClose, s.NextOpen = s.Until, c.nextChange(s.Until, false)
	} else {
		s.NextOpen, s.NextClose = s.Until, c.nextChange(s.Until, true)
	}
	return s
}

// nextChange is the first instant after from at which openAt stops being
// open, or zero within the look-ahead. It walks the windows' edges, the only
// instants where the state can change.
func (c *Calendar) nextChange(from time.Time, open bool) time.Time {
	limit := from.Add(c.opts.Horizon)
	t := from
	for range c.opts.MaxEdges {
		var edge time.Time
		for i := range c.windows {
			edge = earliest(edge, c.windows[i].nextEdge(t))
		}
		if edge.IsZero() || edge.After(limit) {
			return time.Time{}
		}
		if o, _, _ := c.openAt(edge); o != open {
			return edge.In(c.loc)
		}
		t = edge
	}
	return time.Time{}
}

// NextWindows lists up to n open stretches from now on. A stretch open at now
// starts at now; an End of zero means open beyond the look-ahead.
func (c *Calendar) NextWindows(now time.Time, n int) []Interval {
	var out []Interval
	t := now
	open, _, _ := c.openAt(now)
	for len(out) < n {
		if !open {
			if t = c.nextChange(t, false); t.IsZero() {
				break
			}
		}
		end := c.nextChange(t, true)
		out = append(out, Interval{Start: t.In(c.loc), End: end})
		if end.IsZero() {
			break
		}
		t, open = end, false
	}
	return out
}

// Summary is the one-line form of a state, for `ferry status` and events:
// "open (AllowWindow) until 04:00 CET Tue",
// "closed (OutsideAllowWindows) until 02:00 CET Tue". Times within a week
// show the weekday, later ones the date too.
func (s State) Summary(now time.Time, loc *time.Location) string {
	word := "closed"
	if s.Open {
		word = "open"
	}
	if s.Until.IsZero() {
		return fmt.Sprintf("%s (%s)", word, s.Reason)
	}
	return fmt.Sprintf("%s (%s) until %s", word, s.Reason, FormatTime(s.Until, now, loc))
}

// FormatTime prints t for a human at now: "02:00 CET Tue" within a week,
// "02:00 CET Tue 29 Dec" beyond.
func FormatTime(t, now time.Time, loc *time.Location) string {
	layout := "15:04 MST Mon"
	if t.Sub(now) >= 6*24*time.Hour {
		layout = "15:04 MST Mon 2 Jan 2006"
	}
	return t.In(loc).Format(layout)
}
