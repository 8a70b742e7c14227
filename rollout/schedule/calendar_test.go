package schedule

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestValidate(t *testing.T) {
	bad := `
timeZone: Mars/Olympus
windows:
  - {kind: Maybe, cron: "0 2 * * *", duration: 1h}
  - {kind: Allow, cron: "0 25 * * *", duration: 1h}
  - {kind: Allow, cron: "0 2 * * *"}
  - {kind: Deny, cron: "0 2 * * *", duration: 0s}
  - {kind: Deny, cron: "0 2 * * *", duration: 1h, dates: ["2026-12-24"]}
  - {kind: Deny}
  - {kind: Deny, duration: 1h, dates: ["2026-12-24", "24-12-2026", "2026-12-24", "2026-2-3"]}
  - {cron: "CRON_TZ=UTC 0 2 * * *", duration: 1h}
advance:
  - {cron: ""}
  - {cron: "@every 1h"}
  - {cron: "0 2 * * *", requireHealthyFor: -1m}
  - {cron: "0 0 31 2 *"}
`
	var s Schedule
	if err := yaml.UnmarshalStrict([]byte(bad), &s); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`spec.schedule.timeZone: Invalid value: "Mars/Olympus": unknown IANA time zone: unknown time zone Mars/Olympus`,
		`spec.schedule.windows[0].kind: Unsupported value: "Maybe": supported values: "Allow", "Deny"`,
		`spec.schedule.windows[1].cron: Invalid value: "0 25 * * *": end of range (25) above maximum (23): 25`,
		`spec.schedule.windows[2].duration: Required value: how long the window stays open after each tick`,
		`spec.schedule.windows[3].duration: Invalid value: "0s": must be greater than 0`,
		`spec.schedule.windows[4].dates: Forbidden: may not be set together with cron: a window is either recurring or a list of days`,
		`spec.schedule.windows[5]: Required value: one of cron (with duration) or dates`,
		`spec.schedule.windows[6].duration: Forbidden: dates windows last whole days`,
		`spec.schedule.windows[6].dates[1]: Invalid value: "24-12-2026": must be a date as YYYY-MM-DD`,
		`spec.schedule.windows[6].dates[2]: Duplicate value: "2026-12-24"`,
		`spec.schedule.windows[6].dates[3]: Invalid value: "2026-2-3": must be a date as YYYY-MM-DD`,
		`spec.schedule.windows[7].kind: Required value: Allow or Deny`,
		`spec.schedule.windows[7].cron: Invalid value: "CRON_TZ=UTC 0 2 * * *": time zone prefixes are not allowed; set spec.schedule.timeZone instead`,
		`spec.schedule.advance[0].cron: Required value: the ticks at which ferry commits the next batch`,
		`spec.schedule.advance[1].cron: Invalid value: "@every 1h": "@every 1h" is an interval, not a calendar schedule; write it as a cron spec`,
		`spec.schedule.advance[2].requireHealthyFor: Invalid value: "-1m0s": must not be negative`,
		`spec.schedule.advance[3].cron: Invalid value: "0 0 31 2 *": never fires`,
	}
	errs := Validate(&s, schedulePath, DefaultOptions())
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Validate:\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Compile(&s, schedulePath, DefaultOptions()); err == nil {
		t.Error("Compile of an invalid schedule: want an error")
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, text := range []string{
		issueSchedule,
		`{}`,
		`timeZone: UTC`,
		`{windows: [{kind: Allow, cron: "@daily", duration: 90m}]}`,
		`{advance: [{cron: "0 2 * * 1-5"}]}`,
	} {
		var s Schedule
		if err := yaml.UnmarshalStrict([]byte(text), &s); err != nil {
			t.Fatal(err)
		}
		if errs := Validate(&s, schedulePath, DefaultOptions()); len(errs) > 0 {
			t.Errorf("Validate(%s) = %v, want no errors", text, errs)
		}
	}
	if errs := Validate(nil, schedulePath, DefaultOptions()); len(errs) > 0 {
		t.Errorf("Validate(nil) = %v", errs)
	}
	local := &Schedule{TimeZone: "Local"}
	if errs := Validate(local, schedulePath, DefaultOptions()); len(errs) != 1 {
		t.Errorf("Validate(timeZone: Local) = %v, want one error", errs)
	}
}

// TestSecondsOption: six-field specs only with Options.Cron.Seconds.
func TestSecondsOption(t *testing.T) {
	s := &Schedule{Advance: []AdvanceTrigger{{Cron: "*/10 * * * * *"}}}
	if errs := Validate(s, schedulePath, DefaultOptions()); len(errs) != 1 {
		t.Errorf("six fields without Seconds: errors = %v, want one", errs)
	}
	opts := DefaultOptions()
	opts.Cron.Seconds = true
	c, err := Compile(s, schedulePath, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 3, 0, time.UTC)
	if got := c.NextTicks(now, 1)[0].Time; !got.Equal(now.Add(7 * time.Second)) {
		t.Errorf("next tick = %s, want 12:00:10", got)
	}
}

// TestDeepCopy: the API types copy deeply, as the GitSync CRD type needs.
func TestDeepCopy(t *testing.T) {
	var s Schedule
	if err := yaml.UnmarshalStrict([]byte(issueSchedule), &s); err != nil {
		t.Fatal(err)
	}
	cp := s.DeepCopy()
	cp.Windows[0].Duration.Duration = time.Minute
	cp.Windows[1].Dates[0] = "2027-01-01"
	cp.Advance[0].RequireHealthyFor.Duration = time.Hour
	if s.Windows[0].Duration.Duration != 2*time.Hour || s.Windows[1].Dates[0] != "2026-12-24" ||
		s.Advance[0].RequireHealthyFor.Duration != 15*time.Minute {
		t.Errorf("DeepCopy shares memory with the original: %+v", s)
	}
}
