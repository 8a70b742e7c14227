package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/robfig/cron/v3"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCron(t testing.TB, spec string, loc *time.Location) *Cron {
	t.Helper()
	c, err := ParseCron(spec, loc, CronOptions{Seconds: true})
	if err != nil {
		t.Fatalf("ParseCron(%q): %v", spec, err)
	}
	return c
}

// ticks lists c's ticks in (from, to], formatted in c's zone.
func ticks(c *Cron, from, to time.Time) []string {
	var out []string
	for t := c.Next(from); !t.IsZero() && !t.After(to); t = c.Next(t) {
		out = append(out, t.In(c.loc).Format("01-02 15:04 MST"))
	}
	return out
}

func TestCronDST(t *testing.T) {
	ams := mustLoad(t, "Europe/Amsterdam")
	spring := time.Date(2026, 3, 28, 12, 0, 0, 0, ams)
	fall := time.Date(2026, 10, 24, 12, 0, 0, 0, ams)
	cases := []struct {
		spec string
		from time.Time
		want string
	}{
		// 2026-03-29 02:30 does not exist: it fires once, when the clock jumps.
		{"30 2 * * *", spring, "03-29 03:00 CEST, 03-30 02:30 CEST"},
		// Two gap ticks and the 03:00 tick collapse into one fire at 03:00.
		{"*/30 2-3 * * *", spring, "03-29 03:00 CEST, 03-29 03:30 CEST, 03-30 02:00 CEST, 03-30 02:30 CEST, 03-30 03:00 CEST, 03-30 03:30 CEST"},
		{"0 * * * *", time.Date(2026, 3, 29, 0, 30, 0, 0, ams), "03-29 01:00 CET, 03-29 03:00 CEST, 03-29 04:00 CEST, 03-29 05:00 CEST"},
		{"15 3 * * *", spring, "03-29 03:15 CEST, 03-30 03:15 CEST"},
		// 2026-10-25 02:30 happens twice: it fires at the first only.
		{"30 2 * * *", fall, "10-25 02:30 CEST, 10-26 02:30 CET"},
		{"*/30 2-3 * * *", fall, "10-25 02:00 CEST, 10-25 02:30 CEST, 10-25 03:00 CET, 10-25 03:30 CET, 10-26 02:00 CET, 10-26 02:30 CET, 10-26 03:00 CET, 10-26 03:30 CET"},
		{"0 * * * *", time.Date(2026, 10, 25, 0, 30, 0, 0, ams), "10-25 01:00 CEST, 10-25 02:00 CEST, 10-25 03:00 CET"},
		{"0 2 * * 0", fall, "10-25 02:00 CEST"},
	}
	for _, tc := range cases {
		c := mustCron(t, tc.spec, ams)
		to := tc.from.Add(48 * time.Hour)
		if strings.HasPrefix(tc.spec, "0 * ") {
			to = tc.from.Add(4 * time.Hour)
		}
		if got := strings.Join(ticks(c, tc.from, to), ", "); got != tc.want {
			t.Errorf("%q from %s:\n got %s\nwant %s", tc.spec, tc.from.Format(time.RFC3339), got, tc.want)
		}
	}
}

// TestCronNextFromRepeatedHour: from inside the second pass of 02:00-03:00,
// every wall time up to 03:00 already fired in the first pass.
func TestCronNextFromRepeatedHour(t *testing.T) {
	ams := mustLoad(t, "Europe/Amsterdam")
	secondPass := time.Date(2026, 10, 25, 1, 10, 0, 0, time.UTC) // 02:10 CET
	firstPass := time.Date(2026, 10, 25, 0, 10, 0, 0, time.UTC)  // 02:10 CEST
	cases := []struct {
		spec string
		from time.Time
		want string
	}{
		{"* * * * *", secondPass, "2026-10-25T03:00:00+01:00"},
		{"*/5 * * * * *", secondPass, "2026-10-25T03:00:00+01:00"},
		{"30 2 * * *", secondPass, "2026-10-26T02:30:00+01:00"},
		{"* * * * *", firstPass, "2026-10-25T02:11:00+02:00"},
		{"0 3 * * *", firstPass, "2026-10-25T03:00:00+01:00"},
	}
	for _, tc := range cases {
		got := mustCron(t, tc.spec, ams).Next(tc.from).Format(time.RFC3339)
		if got != tc.want {
			t.Errorf("%q.Next(%s) = %s, want %s", tc.spec, tc.from.In(ams).Format("15:04 MST"), got, tc.want)
		}
	}
}

// TestRobfigDSTBehaviour pins what robfig/cron v3.0.1 does on its own, which
// is why Cron corrects it. If a new robfig version changes this, revisit the
// corrections.
func TestRobfigDSTBehaviour(t *testing.T) {
	ams := mustLoad(t, "Europe/Amsterdam")
	s, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s.(*cron.SpecSchedule).Location = ams
	var got []string
	for tt, i := time.Date(2026, 3, 28, 12, 0, 0, 0, ams), 0; i < 2; i++ {
		tt = s.Next(tt)
		got = append(got, tt.Format("01-02 15:04 MST"))
	}
	for tt, i := time.Date(2026, 10, 24, 12, 0, 0, 0, ams), 0; i < 2; i++ {
		tt = s.Next(tt)
		got = append(got, tt.Format("01-02 15:04 MST"))
	}
	want := "03-30 02:30 CEST, 03-31 02:30 CEST, 10-25 02:30 CEST, 10-25 02:30 CET"
	if strings.Join(got, ", ") != want {
		t.Errorf("robfig/cron alone: got %s, want %s", strings.Join(got, ", "), want)
	}
}

// TestCronMatchesReference compares Cron with an independent, slow model of
// the same rules: walk every wall-clock minute; a matching wall time with two
// instants fires at the first, with none (a gap) at the transition; equal
// instants fire once.
func TestCronMatchesReference(t *testing.T) {
	zones := []struct {
		name  string
		dates []string // a few days around each transition of 2026
	}{
		{"Europe/Amsterdam", []string{"2026-03-28", "2026-10-24"}},
		{"America/New_York", []string{"2026-03-07", "2026-10-31"}},
		{"Australia/Lord_Howe", []string{"2026-04-04", "2026-10-03"}}, // 30-minute shifts
		{"America/Santiago", []string{"2026-04-04", "2026-09-05"}},    // transitions at midnight
		{"America/Havana", []string{"2026-03-07", "2026-10-31"}},      // midnight gap
		{"Asia/Kolkata", []string{"2026-03-28"}},                      // no DST
		{"UTC", []string{"2026-03-28"}},
	}
	specs := []string{
		"30 2 * * *", "*/30 2-3 * * *", "0 * * * *", "*/15 * * * *", "0 0 * * *",
		"30 0 * * *", "45 1 * * 0", "0 2 * * 0", "30 23 * * *", "0 0 * * 0", "10 0-3 * * *", "0 0 1-7 * 0",
	}
	for _, z := range zones {
		loc := mustLoad(t, z.name)
		for _, day := range z.dates {
			d, err := time.ParseInLocation("2006-01-02", day, loc)
			if err != nil {
				t.Fatal(err)
			}
			from, to := d, d.Add(72*time.Hour)
			table := newWallTable(loc, from, to)
			for _, spec := range specs {
				c := mustCron(t, spec, loc)
				got := strings.Join(ticks(c, from, to), ", ")
				want := strings.Join(table.ticks(t, spec), ", ")
				if got != want {
					t.Errorf("%s %s from %s:\n got %s\nwant %s", z.name, spec, day, got, want)
				}
			}
		}
	}
}

// wallTable is every minute instant around a range with its wall clock, and
// the first instant of each wall time.
type wallTable struct {
	loc      *time.Location
	from, to time.Time
	minutes  []struct{ at, wall time.Time }
	first    map[time.Time]time.Time
}

func newWallTable(loc *time.Location, from, to time.Time) *wallTable {
	tb := &wallTable{loc: loc, from: from, to: to, first: map[time.Time]time.Time{}}
	for i := from.Add(-48 * time.Hour).Truncate(time.Minute); i.Before(to.Add(48 * time.Hour)); i = i.Add(time.Minute) {
		w := tb.naive(i)
		tb.minutes = append(tb.minutes, struct{ at, wall time.Time }{i, w})
		if _, ok := tb.first[w]; !ok {
			tb.first[w] = i
		}
	}
	return tb
}

func (tb *wallTable) naive(x time.Time) time.Time {
	l := x.In(tb.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
}

func (tb *wallTable) ticks(t *testing.T, spec string) []string {
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := parsed.(*cron.SpecSchedule)
	var out []time.Time
	for w := tb.naive(tb.from).Add(-24 * time.Hour); w.Before(tb.naive(tb.to).Add(24 * time.Hour)); w = w.Add(time.Minute) {
		if !wallMatches(s, w) {
			continue
		}
		inst, ok := tb.first[w]
		if !ok { // a gap: the first instant whose wall clock is past w
			for k := 1; k < len(tb.minutes); k++ {
				if tb.minutes[k].wall.After(w) && tb.minutes[k-1].wall.Before(w) {
					inst = tb.minutes[k].at
					break
				}
			}
		}
		if inst.IsZero() || !inst.After(tb.from) || inst.After(tb.to) {
			continue
		}
		if len(out) > 0 && !inst.After(out[len(out)-1]) {
			continue
		}
		out = append(out, inst)
	}
	texts := make([]string, len(out))
	for i, x := range out {
		texts[i] = x.In(tb.loc).Format("01-02 15:04 MST")
	}
	return texts
}

// wallMatches applies the spec's fields to a naive wall time, with cron's
// rule that day-of-month and day-of-week are ORed when both are restricted.
func wallMatches(s *cron.SpecSchedule, w time.Time) bool {
	const star = 1 << 63
	bit := func(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }
	if !bit(s.Minute, w.Minute()) || !bit(s.Hour, w.Hour()) || !bit(s.Month, int(w.Month())) {
		return false
	}
	dom, dow := bit(s.Dom, w.Day()), bit(s.Dow, int(w.Weekday()))
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

func TestParseCron(t *testing.T) {
	cases := []struct {
		spec    string
		seconds bool
		wantErr string
	}{
		{spec: "0 2 * * 2-4"},
		{spec: "@daily"},
		{spec: "*/10 * * * * *", seconds: true},
		{spec: "*/10 * * * * *", wantErr: "expected exactly 5 fields, found 6: [*/10 * * * * *]"},
		{spec: "CRON_TZ=Europe/Amsterdam 0 2 * * *", wantErr: "time zone prefixes are not allowed; set spec.schedule.timeZone instead"},
		{spec: "TZ=UTC 0 2 * * *", wantErr: "time zone prefixes are not allowed; set spec.schedule.timeZone instead"},
		{spec: "@every 5m", wantErr: `"@every 5m" is an interval, not a calendar schedule; write it as a cron spec`},
		{spec: "0 0 30 2 *", wantErr: "never fires"},
		{spec: "61 * * * *", wantErr: "end of range (61) above maximum (59): 61"},
		{spec: "", wantErr: "empty spec string"},
	}
	for _, tc := range cases {
		_, err := ParseCron(tc.spec, time.UTC, CronOptions{Seconds: tc.seconds})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.wantErr {
			t.Errorf("ParseCron(%q, seconds=%v) error = %q, want %q", tc.spec, tc.seconds, got, tc.wantErr)
		}
	}
}

func ExampleCron_Next() {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	c, _ := ParseCron("30 2 * * *", ams, CronOptions{})
	t := time.Date(2026, 10, 24, 12, 0, 0, 0, ams)
	for range 3 {
		t = c.Next(t)
		fmt.Println(t.Format("Mon 2006-01-02 15:04 MST"))
	}
	// Output:
	// Sun 2026-10-25 02:30 CEST
	// Mon 2026-10-26 02:30 CET
	// Tue 2026-10-27 02:30 CET
}
