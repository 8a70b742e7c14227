package schedule

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Options tune how a schedule is read and how far its questions look ahead.
// Zero fields take their DefaultOptions values.
type Options struct {
	// Cron chooses the cron dialect (Seconds for tests and e2e).
	Cron CronOptions
	// MaxLateness is how late an advance tick may be decided. Ticks missed by
	// more (ferry was down) are dropped rather than replayed; see Decide.
	MaxLateness time.Duration
	// Horizon bounds how far State and NextWindows look for the next change.
	Horizon time.Duration
	// MaxEdges bounds the window edges (openings and closings of single
	// windows) examined per look-ahead, so a per-minute window that never
	// lets the state change costs bounded work; past it, times are zero.
	MaxEdges int
}

// DefaultOptions: standard 5-field cron, ticks decided up to 10 minutes
// late, and look-ahead over a bit more than a year (so yearly dates are
// seen) but at most 5000 window edges (about 20 ms of work).
func DefaultOptions() Options {
	return Options{MaxLateness: 10 * time.Minute, Horizon: 400 * 24 * time.Hour, MaxEdges: 5000}
}

// Calendar is a validated, compiled Schedule: the questions ferry asks of it
// (State, Decide, NextWindows, NextTicks, Status) are its methods, and each
// takes the time as an argument.
type Calendar struct {
	loc      *time.Location
	windows  []window
	hasAllow bool
	triggers []trigger
	opts     Options
}

type trigger struct {
	cron              *Cron
	requireHealthyFor time.Duration
}

// Location is the schedule's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Compile validates s and compiles it. fldPath is where s sits in its object,
// normally field.NewPath("spec", "schedule"), so errors read like
// "spec.schedule.windows[1].cron: Invalid value: ...". A nil schedule is
// always open and never advances.
func Compile(s *Schedule, fldPath *field.Path, opts Options) (*Calendar, error) {
	c, errs := compile(s, fldPath, opts)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return c, nil
}

// Validate returns every problem in s, each with its field path.
func Validate(s *Schedule, fldPath *field.Path, opts Options) field.ErrorList {
	_, errs := compile(s, fldPath, opts)
	return errs
}

func compile(s *Schedule, fldPath *field.Path, opts Options) (*Calendar, field.ErrorList) {
	def := DefaultOptions()
	if opts.MaxLateness <= 0 {
		opts.MaxLateness = def.MaxLateness
	}
	if opts.Horizon <= 0 {
		opts.Horizon = def.Horizon
	}
	if opts.MaxEdges <= 0 {
		opts.MaxEdges = def.MaxEdges
	}
	c := &Calendar{loc: time.UTC, opts: opts}
	if s == nil {
		return c, nil
	}
	var errs field.ErrorList
	if s.TimeZone != "" {
		loc, err := loadLocation(s.TimeZone)
		if err != nil {
			errs = append(errs, field.Invalid(fldPath.Child("timeZone"), s.TimeZone, err.Error()))
		} else {
			c.loc = loc
		}
	}
	for i := range s.Windows {
		w, werrs := compileWindow(&s.Windows[i], i, c.loc, fldPath.Child("windows").Index(i), opts.Cron)
		errs = append(errs, werrs...)
		if len(werrs) == 0 {
			c.windows = append(c.windows, w)
			c.hasAllow = c.hasAllow || w.kind == WindowAllow
		}
	}
	for i, a := range s.Advance {
		p := fldPath.Child("advance").Index(i)
		t := trigger{}
		if a.Cron == "" {
			errs = append(errs, field.Required(p.Child("cron"), "the ticks at which ferry commits the next batch"))
		} else if cr, err := ParseCron(a.Cron, c.loc, opts.Cron); err != nil {
			errs = append(errs, field.Invalid(p.Child("cron"), a.Cron, err.Error()))
		} else {
			t.cron = cr
		}
		if a.RequireHealthyFor != nil {
			if a.RequireHealthyFor.Duration < 0 {
				errs = append(errs, field.Invalid(p.Child("requireHealthyFor"), a.RequireHealthyFor.Duration.String(), "must not be negative"))
			}
			t.requireHealthyFor = a.RequireHealthyFor.Duration
		}
		c.triggers = append(c.triggers, t)
	}
	return c, errs
}

// loadLocation accepts IANA names only: "Local" would make the schedule
// depend on the machine ferry runs on.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("must be an IANA time zone such as Europe/Amsterdam; Local depends on the machine")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown IANA time zone: %w", err)
	}
	return loc, nil
}
