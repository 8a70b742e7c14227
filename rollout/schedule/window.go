package schedule

import (
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// window is one compiled entry of spec.schedule.windows: either a cron tick
// plus a duration, or a sorted list of whole local days.
type window struct {
	index    int
	kind     WindowKind
	cron     *Cron
	duration time.Duration
	days     []Interval
}

// Interval is the half-open stretch [Start, End).
type Interval struct {
	Start, End time.Time
}

func compileWindow(w *Window, index int, loc *time.Location, p *field.Path, copts CronOptions) (window, field.ErrorList) {
	out := window{index: index, kind: w.Kind}
	var errs field.ErrorList
	switch w.Kind {
	case WindowAllow, WindowDeny:
	case "":
		errs = append(errs, field.Required(p.Child("kind"), "Allow or Deny"))
	default:
		errs = append(errs, field.NotSupported(p.Child("kind"), w.Kind, []WindowKind{WindowAllow, WindowDeny}))
	}
	switch {
	case w.Cron != "" && len(w.Dates) > 0:
		errs = append(errs, field.Forbidden(p.Child("dates"), "may not be set together with cron: a window is either recurring or a list of days"))
	case w.Cron == "" && len(w.Dates) == 0:
		errs = append(errs, field.Required(p, "one of cron (with duration) or dates"))
	case w.Cron != "":
		c, err := ParseCron(w.Cron, loc, copts)
		if err != nil {
			errs = append(errs, field.Invalid(p.Child("cron"), w.Cron, err.Error()))
		}
		out.cron = c
		switch {
		case w.Duration == nil:
			errs = append(errs, field.Required(p.Child("duration"), "how long the window stays open after each tick"))
		case w.Duration.Duration <= 0:
			errs = append(errs, field.Invalid(p.Child("duration"), w.Duration.Duration.String(), "must be greater than 0"))
		default:
			out.duration = w.Duration.Duration
		}
	default:
		if w.Duration != nil {
			errs = append(errs, field.Forbidden(p.Child("duration"), "dates windows last whole days"))
		}
		days, derrs := compileDates(w.Dates, loc, p.Child("dates"))
		errs = append(errs, derrs...)
		out.days = days
	}
	return out, errs
}

// compileDates turns YYYY-MM-DD dates into local days [00:00, next 00:00) in
// loc, sorted. A day is 23 or 25 hours long on a DST transition.
func compileDates(dates []string, loc *time.Location, p *field.Path) ([]Interval, field.ErrorList) {
	var errs field.ErrorList
	seen := map[string]bool{}
	days := make([]Interval, 0, len(dates))
	for j, d := range dates {
		day, err := time.Parse(time.DateOnly, d)
		if err != nil {
			errs = append(errs, field.Invalid(p.Index(j), d, "must be a date as YYYY-MM-DD"))
			continue
		}
		if seen[d] {
			errs = append(errs, field.Duplicate(p.Index(j), d))
			continue
		}
		seen[d] = true
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
		end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		days = append(days, Interval{Start: start, End: end})
	}
	slices.SortFunc(days, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	return days, errs
}

// activeAt reports whether t lies in one of the window's stretches. For a
// cron window that is a tick in (t-duration, t]: the tick may be well before
// t, so the look-back is what finds a window opened before ferry looked.
func (w *window) activeAt(t time.Time) bool {
	if w.cron != nil {
		tick := w.cron.Next(t.Add(-w.duration))
		return !tick.IsZero() && !tick.After(t)
	}
	for _, d := range w.days {
		if !t.Before(d.Start) && t.Before(d.End) {
			return true
		}
	}
	return false
}

// nextEdge is the first instant after t at which one of the window's
// stretches starts or ends, or zero if there is none. Between edges activeAt
// cannot change.
func (w *window) nextEdge(t time.Time) time.Time {
	if w.cron != nil {
		start := w.cron.Next(t)
		end := w.cron.Next(t.Add(-w.duration))
		if !end.IsZero() {
			end = end.Add(w.duration)
		}
		return earliest(start, end)
	}
	for _, d := range w.days {
		if d.Start.After(t) {
			return d.Start
		}
		if d.End.After(t) {
			return d.End
		}
	}
	return time.Time{}
}

// earliest of the non-zero times, or zero.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
