package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Cron is a cron spec read in one time zone, with ticks corrected for
// daylight-saving transitions. robfig/cron v3.0.1 alone gets them wrong for
// ferry's purpose (pinned by TestRobfigDSTBehaviour):
//
//   - Spring forward (Europe/Amsterdam 2026-03-29 02:00 CET → 03:00 CEST): a
//     tick at 02:30 has no instant and robfig skips it, so a weekly 02:30
//     window would vanish for a week. Cron fires such ticks once, at the
//     transition instant (03:00 CEST); several gap ticks (02:00 and 02:30)
//     and a tick at 03:00 itself collapse into that one fire.
//   - Fall back (2026-10-25 03:00 CEST → 02:00 CET): 02:30 happens twice and
//     robfig fires at both. Cron fires at the first (02:30 CEST) only, so an
//     advance trigger never commits two batches for one wall-clock time.
//   - Zones with 30-minute shifts (Australia/Lord_Howe): robfig skips whole
//     days and fires at wall times the spec does not name.
//
// So Cron uses robfig/cron for parsing and for field matching on naive wall
// times (in UTC, where there is no DST), and maps each matching wall time to
// an instant itself. Every tick is a distinct instant, at most one per
// wall-clock time, and Next(t) is the first of them strictly after t.
type Cron struct {
	text  string
	naive *cron.SpecSchedule // the spec evaluated in UTC: naive wall times
	loc   *time.Location
}

// CronOptions choose the cron dialect.
type CronOptions struct {
	// Seconds accepts an optional leading seconds field ("*/5 * * * * *"),
	// for tests and e2e runs that cannot wait minutes. Off in production.
	Seconds bool
}

// ParseCron reads a standard 5-field spec (or 6 with Seconds) or a
// descriptor such as @daily in loc. Time-zone prefixes (CRON_TZ=, TZ=) are
// refused, since the zone is spec.schedule.timeZone, and so is @every, which
// is an interval rather than a wall-clock schedule.
func ParseCron(text string, loc *time.Location, opts CronOptions) (*Cron, error) {
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ=") {
		return nil, errors.New("time zone prefixes are not allowed; set spec.schedule.timeZone instead")
	}
	fields := cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor
	if opts.Seconds {
		fields |= cron.SecondOptional
	}
	parsed, err := cron.NewParser(fields).Parse(trimmed)
	if err != nil {
		return nil, err
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q is an interval, not a calendar schedule; write it as a cron spec", trimmed)
	}
	spec.Location = time.UTC
	c := &Cron{text: trimmed, naive: spec, loc: loc}
	if c.Next(cronReference).IsZero() {
		return nil, errors.New("never fires")
	}
	return c, nil
}

// cronReference is where ParseCron looks for a first tick; robfig/cron
// searches five years ahead, so specs like "0 0 30 2 *" are caught.
var cronReference = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// String is the spec as written.
func (c *Cron) String() string { return c.text }

// Next returns the first tick strictly after t, in the cron's time zone, or
// the zero time if there is none within robfig/cron's five-year search.
func (c *Cron) Next(t time.Time) time.Time {
	w := c.wall(t)
	if end, repeated := c.repeatedUntil(t); repeated {
		// Every wall time before end already had its tick in the first pass.
		w = c.wall(end).Add(-time.Second)
	}
	for range 8 {
		next := c.naive.Next(w)
		if next.IsZero() {
			return next
		}
		if at := c.instant(next); at.After(t) {
			return at.In(c.loc)
		}
		w = next // only with transitions days apart; bounded regardless
	}
	return time.Time{}
}

// wall is t's local wall-clock time, to the second, as a naive UTC time.
func (c *Cron) wall(t time.Time) time.Time {
	l := t.In(c.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// instant maps a naive wall time to the instant it fires at: the first
// instant whose wall clock reads w, or, if the clock jumps over w, the
// instant of that jump. The offsets tried are those in effect a day either
// side of w, which covers every transition in the tz database (transitions
// are weeks apart).
func (c *Cron) instant(w time.Time) time.Time {
	var first, jump time.Time
	for _, probe := range []time.Duration{-30 * time.Hour, 0, 30 * time.Hour} {
		_, off := w.Add(probe).In(c.loc).Zone()
		at := w.Add(-time.Duration(off) * time.Second)
		switch got := c.wall(at); {
		case got.Equal(w):
			if first.IsZero() || at.Before(first) {
				first = at
			}
		case got.After(w):
			// Past w: if the zone began after w's wall time, that start is
			// the jump over w.
			start, _ := at.In(c.loc).ZoneBounds()
			if !start.IsZero() && c.wall(start.Add(-time.Nanosecond)).Before(w) && (jump.IsZero() || start.Before(jump)) {
				jump = start
			}
		}
	}
	if !first.IsZero() {
		return first
	}
	return jump
}

// repeatedUntil reports whether t falls in the second pass of a fall-back
// hour, and when that repeated stretch ends.
func (c *Cron) repeatedUntil(t time.Time) (time.Time, bool) {
	local := t.In(c.loc)
	start, _ := local.ZoneBounds()
	if start.IsZero() {
		return time.Time{}, false
	}
	_, now := local.Zone()
	_, before := start.Add(-time.Nanosecond).In(c.loc).Zone()
	if before <= now {
		return time.Time{}, false
	}
	end := start.Add(time.Duration(before-now) * time.Second)
	return end, t.Before(end)
}
