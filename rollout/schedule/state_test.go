package schedule

import (
	"fmt"
	"testing"
	"time"
)

func TestState(t *testing.T) {
	issue := compileYAML(t, issueSchedule)
	denyOnly := compileYAML(t, `
timeZone: Europe/Amsterdam
windows:
  - {kind: Deny, cron: "0 0 * * 0", duration: 24h}
`)
	denyInAllow := compileYAML(t, `
timeZone: Europe/Amsterdam
windows:
  - {kind: Allow, cron: "0 8 * * *", duration: 10h}
  - {kind: Deny, cron: "0 12 * * *", duration: 1h}
`)
	dst := compileYAML(t, `
timeZone: Europe/Amsterdam
windows:
  - {kind: Allow, cron: "30 2 * * 0", duration: 1h}
`)
	none := compileYAML(t, `{}`)
	cases := []struct {
		name string
		cal  *Calendar
		now  string
		// open, reason, window, until, next open, next close
		want string
	}{
		{"outside allow", issue, "2026-06-01 12:00",
			"closed OutsideAllowWindows -1 until=Tue 06-02 02:00 CEST open=Tue 06-02 02:00 CEST close=Tue 06-02 04:00 CEST"},
		{"allow opens at its tick", issue, "2026-06-02 02:00",
			"open AllowWindow 0 until=Tue 06-02 04:00 CEST open=Wed 06-03 02:00 CEST close=Tue 06-02 04:00 CEST"},
		{"inside allow, tick before now", issue, "2026-06-02 03:59",
			"open AllowWindow 0 until=Tue 06-02 04:00 CEST open=Wed 06-03 02:00 CEST close=Tue 06-02 04:00 CEST"},
		{"allow end is exclusive", issue, "2026-06-04 04:00",
			"closed OutsideAllowWindows -1 until=Tue 06-09 02:00 CEST open=Tue 06-09 02:00 CEST close=Tue 06-09 04:00 CEST"},
		{"deny date wins over allow", issue, "2026-12-24 03:00",
			"closed DenyWindow 1 until=Tue 12-29 02:00 CET open=Tue 12-29 02:00 CET close=Tue 12-29 04:00 CET"},
		{"deny only: open before", denyOnly, "2026-06-06 23:00",
			"open NoAllowWindows -1 until=Sun 06-07 00:00 CEST open=Mon 06-08 00:00 CEST close=Sun 06-07 00:00 CEST"},
		{"deny only: inside, tick 12h before now", denyOnly, "2026-06-07 12:00",
			"closed DenyWindow 0 until=Mon 06-08 00:00 CEST open=Mon 06-08 00:00 CEST close=Sun 06-14 00:00 CEST"},
		{"deny inside allow", denyInAllow, "2026-06-01 12:30",
			"closed DenyWindow 1 until=Mon 06-01 13:00 CEST open=Mon 06-01 13:00 CEST close=Mon 06-01 18:00 CEST"},
		{"allow around deny", denyInAllow, "2026-06-01 11:00",
			"open AllowWindow 0 until=Mon 06-01 12:00 CEST open=Mon 06-01 13:00 CEST close=Mon 06-01 12:00 CEST"},
		// 2026-03-29 02:30 does not exist: the window opens when the clock jumps.
		{"spring forward: before", dst, "2026-03-29 01:59",
			"closed OutsideAllowWindows -1 until=Sun 03-29 03:00 CEST open=Sun 03-29 03:00 CEST close=Sun 03-29 04:00 CEST"},
		{"spring forward: inside", dst, "2026-03-29 03:10",
			"open AllowWindow 0 until=Sun 03-29 04:00 CEST open=Sun 04-05 02:30 CEST close=Sun 03-29 04:00 CEST"},
		// 2026-10-25 02:30 happens twice; the window opens at the first and
		// lasts one elapsed hour, to the second.
		{"fall back: inside, 02:45 CEST", dst, "2026-10-25T02:45:00+02:00",
			"open AllowWindow 0 until=Sun 10-25 02:30 CET open=Sun 11-01 02:30 CET close=Sun 10-25 02:30 CET"},
		{"fall back: after, 02:45 CET", dst, "2026-10-25T02:45:00+01:00",
			"closed OutsideAllowWindows -1 until=Sun 11-01 02:30 CET open=Sun 11-01 02:30 CET close=Sun 11-01 03:30 CET"},
		{"no windows", none, "2026-06-01 12:00", "open NoAllowWindows -1 until=- open=- close=-"},
	}
	for _, tc := range cases {
		s := tc.cal.State(at(t, tc.now))
		word := "closed"
		if s.Open {
			word = "open"
		}
		got := fmt.Sprintf("%s %s %d until=%s open=%s close=%s", word, s.Reason, s.Window,
			fmtTime(s.Until), fmtTime(s.NextOpen), fmtTime(s.NextClose))
		if got != tc.want {
			t.Errorf("%s (%s):\n got %s\nwant %s", tc.name, tc.now, got, tc.want)
		}
	}
}

// TestDatesUseTheScheduleTimeZone: 2026-12-23 23:30 UTC is already the 24th
// in Amsterdam.
func TestDatesUseTheScheduleTimeZone(t *testing.T) {
	instant := time.Date(2026, 12, 23, 23, 30, 0, 0, time.UTC)
	for zone, wantOpen := range map[string]bool{"Europe/Amsterdam": false, "UTC": true, "America/New_York": true} {
		c := compileYAML(t, fmt.Sprintf(`
timeZone: %s
windows:
  - {kind: Deny, dates: ["2026-12-24"]}
`, zone))
		if got := c.State(instant).Open; got != wantOpen {
			t.Errorf("%s: open = %v at %s, want %v", zone, got, instant, wantOpen)
		}
	}
}

// TestDateOnTransitionDay: a deny date lasts the whole local day, 23 hours on
// the spring-forward day.
func TestDateOnTransitionDay(t *testing.T) {
	c := compileYAML(t, `
timeZone: Europe/Amsterdam
windows:
  - {kind: Deny, dates: ["2026-03-29"]}
`)
	s := c.State(at(t, "2026-03-29 12:00"))
	if s.Open || !s.Until.Equal(at(t, "2026-03-30 00:00")) {
		t.Errorf("state = %+v, want closed until 03-30 00:00", s)
	}
	if d := s.Until.Sub(at(t, "2026-03-29 00:00")); d != 23*time.Hour {
		t.Errorf("day length = %s, want 23h", d)
	}
}

// TestStateOverlappingTicks: windows longer than their tick interval merge;
// a window that never closes gives no Until, in bounded work.
func TestStateOverlappingTicks(t *testing.T) {
	c := compileYAML(t, `
windows:
  - {kind: Allow, cron: "0 * * * *", duration: 90m}
  - {kind: Deny, cron: "0 12 * * *", duration: 1h}
`)
	s := c.State(time.Date(2026, 6, 1, 9, 10, 0, 0, time.UTC))
	if !s.Open || !s.Until.Equal(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("state = %+v, want open until 12:00 UTC", s)
	}
	always := compileYAML(t, `
windows:
  - {kind: Allow, cron: "*/10 * * * *", duration: 1h}
`)
	s = always.State(time.Date(2026, 6, 1, 9, 10, 0, 0, time.UTC))
	if !s.Open || !s.Until.IsZero() {
		t.Errorf("always-open state = %+v, want open with no Until", s)
	}
}

func TestNextWindows(t *testing.T) {
	c := compileYAML(t, issueSchedule)
	var got []string
	for _, w := range c.NextWindows(at(t, "2026-12-21 12:00"), 5) {
		got = append(got, fmtTime(w.Start)+" – "+fmtTime(w.End))
	}
	want := []string{
		"Tue 12-22 02:00 CET – Tue 12-22 04:00 CET",
		"Wed 12-23 02:00 CET – Wed 12-23 04:00 CET",
		// Thu 12-24: a deny date.
		"Tue 12-29 02:00 CET – Tue 12-29 04:00 CET",
		"Wed 12-30 02:00 CET – Wed 12-30 04:00 CET",
		"Thu 12-31 02:00 CET – Thu 12-31 04:00 CET",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NextWindows:\n got %q\nwant %q", got, want)
	}
	// Open now: the first stretch starts now.
	ws := c.NextWindows(at(t, "2026-12-22 03:00"), 1)
	if len(ws) != 1 || !ws[0].Start.Equal(at(t, "2026-12-22 03:00")) || !ws[0].End.Equal(at(t, "2026-12-22 04:00")) {
		t.Errorf("NextWindows while open = %v", ws)
	}
	// No windows: open for good, one stretch with no end.
	ws = compileYAML(t, `{}`).NextWindows(at(t, "2026-12-22 03:00"), 3)
	if len(ws) != 1 || !ws[0].End.IsZero() {
		t.Errorf("NextWindows without windows = %v, want one open-ended stretch", ws)
	}
}

func TestSummary(t *testing.T) {
	c := compileYAML(t, issueSchedule)
	loc := c.Location()
	cases := map[string]string{
		"2026-12-21 12:00": "closed (OutsideAllowWindows) until 02:00 CET Tue",
		"2026-12-22 03:00": "open (AllowWindow) until 04:00 CET Tue",
		"2026-12-23 12:00": "closed (OutsideAllowWindows) until 02:00 CET Tue",
	}
	for now, want := range cases {
		n := at(t, now)
		if got := c.State(n).Summary(n, loc); got != want {
			t.Errorf("Summary at %s = %q, want %q", now, got, want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	ams := mustLoad(t, "Europe/Amsterdam")
	now := at(t, "2026-12-23 12:00")
	for _, tc := range []struct{ t, want string }{
		{"2026-12-29 02:00", "02:00 CET Tue"},
		{"2026-12-29 12:00", "12:00 CET Tue 29 Dec 2026"}, // 6 days or more ahead
		{"2027-04-06 02:00", "02:00 CEST Tue 6 Apr 2027"},
	} {
		if got := FormatTime(at(t, tc.t), now, ams); got != tc.want {
			t.Errorf("FormatTime(%s) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func ExampleCalendar_State() {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	cal, err := Compile(&Schedule{
		TimeZone: "Europe/Amsterdam",
		Windows: []Window{
			{Kind: WindowAllow, Cron: "0 2 * * 2-4", Duration: duration(2 * time.Hour)},
			{Kind: WindowDeny, Dates: []string{"2026-12-24", "2026-12-25"}},
		},
	}, schedulePath, DefaultOptions())
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 12, 21, 12, 0, 0, 0, ams) // a Monday
	fmt.Println(cal.State(now).Summary(now, ams))
	for _, w := range cal.NextWindows(now, 3) {
		fmt.Println(w.Start.Format("Mon 2 Jan 15:04"), "–", w.End.Format("15:04 MST"))
	}
	// Output:
	// closed (OutsideAllowWindows) until 02:00 CET Tue
	// Tue 22 Dec 02:00 – 04:00 CET
	// Wed 23 Dec 02:00 – 04:00 CET
	// Tue 29 Dec 02:00 – 04:00 CET
}
