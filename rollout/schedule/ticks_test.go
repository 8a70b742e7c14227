package schedule

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestStatus: the JSON the GitSync status carries.
func TestStatus(t *testing.T) {
	c := compileYAML(t, issueSchedule)
	cases := map[string]string{
		"2026-06-01 12:00": `{"state":"Closed","reason":"OutsideAllowWindows","nextOpen":"2026-06-02T00:00:00Z","nextClose":"2026-06-02T02:00:00Z","nextAdvance":"2026-06-02T00:00:00Z"}`,
		"2026-06-02 02:10": `{"state":"Open","reason":"AllowWindow","nextOpen":"2026-06-03T00:00:00Z","nextClose":"2026-06-02T02:00:00Z","nextAdvance":"2026-06-02T00:30:00Z"}`,
	}
	for now, want := range cases {
		b, err := json.Marshal(c.Status(at(t, now)))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("Status at %s:\n got %s\nwant %s", now, b, want)
		}
	}
	b, _ := json.Marshal(compileYAML(t, `{}`).Status(at(t, "2026-06-01 12:00")))
	if want := `{"state":"Open","reason":"NoAllowWindows"}`; string(b) != want {
		t.Errorf("Status without a schedule = %s, want %s", b, want)
	}
}

func ExampleCalendar_Decide() {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	cal, _ := Compile(&Schedule{
		TimeZone: "Europe/Amsterdam",
		Advance:  []AdvanceTrigger{{Cron: "*/30 2-3 * * 2-4", RequireHealthyFor: duration(15 * time.Minute)}},
	}, schedulePath, DefaultOptions())

	// The controller persisted Monday noon, then was down until Wednesday 03:05.
	d := cal.Decide(AdvanceInput{
		Now:           time.Date(2026, 6, 3, 3, 5, 0, 0, ams),
		LastEvaluated: time.Date(2026, 6, 1, 12, 0, 0, 0, ams),
		HealthySince:  time.Date(2026, 6, 1, 11, 0, 0, 0, ams),
	})
	fmt.Println(d.Advance, d.Reason, d.Tick.Format("Mon 15:04"), "missed:", d.MissedTicks, "next:", d.NextTick.Format("Mon 15:04"))

	// Asked again right away (persisting EvaluatedThrough): nothing more.
	d = cal.Decide(AdvanceInput{Now: d.EvaluatedThrough.Add(time.Second), LastEvaluated: d.EvaluatedThrough,
		HealthySince: time.Date(2026, 6, 1, 11, 0, 0, 0, ams)})
	fmt.Println(d.Advance, d.Reason)
	// Output:
	// true Advance Wed 03:00 missed: 6 next: Wed 03:30
	// false NoTickDue
}
