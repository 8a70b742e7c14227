package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/batch"
)

func TestDecide(t *testing.T) {
	issue := compileYAML(t, issueSchedule)
	twoTriggers := compileYAML(t, `
timeZone: Europe/Amsterdam
advance:
  - {cron: "0 2 * * *", requireHealthyFor: 1h}
  - {cron: "0 2 * * *", requireHealthyFor: 10m}
`)
	noTriggers := compileYAML(t, `{timeZone: Europe/Amsterdam}`)
	cases := []struct {
		name                    string
		cal                     *Calendar
		last, now, healthySince string
		done                    bool
		want                    string
	}{
		{"tick due, open, healthy", issue, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-01 12:00", false,
			"advance=true Advance trigger=0 tick=Tue 06-02 02:00 CEST missed=0 window=AllowWindow healthyAt=- through=Tue 06-02 02:00 CEST next=Tue 06-02 02:30 CEST"},
		{"a little late", issue, "2026-06-02 01:59", "2026-06-02 02:07", "2026-06-01 12:00", false,
			"advance=true Advance trigger=0 tick=Tue 06-02 02:00 CEST missed=0 window=AllowWindow healthyAt=- through=Tue 06-02 02:07 CEST next=Tue 06-02 02:30 CEST"},
		{"already evaluated", issue, "2026-06-02 02:00", "2026-06-02 02:05", "2026-06-01 12:00", false,
			"advance=false NoTickDue trigger=-1 tick=- missed=0 window= healthyAt=- through=Tue 06-02 02:05 CEST next=Tue 06-02 02:30 CEST"},
		{"first evaluation ignores the past", issue, "", "2026-06-02 02:05", "2026-06-01 12:00", false,
			"advance=false NoTickDue trigger=-1 tick=- missed=0 window= healthyAt=- through=Tue 06-02 02:05 CEST next=Tue 06-02 02:30 CEST"},
		{"not healthy", issue, "2026-06-02 01:59", "2026-06-02 02:00", "", false,
			"advance=false NotHealthy trigger=0 tick=Tue 06-02 02:00 CEST missed=0 window=AllowWindow healthyAt=- through=Tue 06-02 02:00 CEST next=Tue 06-02 02:30 CEST"},
		{"healthy, not long enough", issue, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-02 01:50", false,
			"advance=false NotHealthyLongEnough trigger=0 tick=Tue 06-02 02:00 CEST missed=0 window=AllowWindow healthyAt=Tue 06-02 02:05 CEST through=Tue 06-02 02:00 CEST next=Tue 06-02 02:30 CEST"},
		{"deny date", issue, "2026-12-24 02:29", "2026-12-24 02:30", "2026-12-20 12:00", false,
			"advance=false WindowClosed trigger=0 tick=Thu 12-24 02:30 CET missed=0 window=DenyWindow healthyAt=- through=Thu 12-24 02:30 CET next=Thu 12-24 03:00 CET"},
		{"done", issue, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-01 12:00", true,
			"advance=false Done trigger=-1 tick=- missed=0 window= healthyAt=- through=Tue 06-02 02:00 CEST next=Tue 06-02 02:30 CEST"},
		{"no triggers", noTriggers, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-01 12:00", false,
			"advance=false NoTriggers trigger=-1 tick=- missed=0 window= healthyAt=- through=Tue 06-02 02:00 CEST next=-"},
		// Down from Mon 12:00 to Wed 03:05: seven ticks, one decision, on the latest.
		{"outage, latest tick recent", issue, "2026-06-01 12:00", "2026-06-03 03:05", "2026-06-01 11:00", false,
			"advance=true Advance trigger=0 tick=Wed 06-03 03:00 CEST missed=6 window=AllowWindow healthyAt=- through=Wed 06-03 03:05 CEST next=Wed 06-03 03:30 CEST"},
		// Down until Wed 12:00: every tick is stale; none fires.
		{"outage, all ticks stale", issue, "2026-06-01 12:00", "2026-06-03 12:00", "2026-06-01 11:00", false,
			"advance=false TicksMissed trigger=-1 tick=- missed=8 window= healthyAt=- through=Wed 06-03 12:00 CEST next=Thu 06-04 02:00 CEST"},
		// The clock went back: nothing is due and the mark does not move back.
		{"clock went back", issue, "2026-06-02 02:10", "2026-06-02 02:00", "2026-06-01 12:00", false,
			"advance=false NoTickDue trigger=-1 tick=- missed=0 window= healthyAt=- through=Tue 06-02 02:10 CEST next=Tue 06-02 02:30 CEST"},
		{"two triggers, the second passes", twoTriggers, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-02 01:30", false,
			"advance=true Advance trigger=1 tick=Tue 06-02 02:00 CEST missed=0 window=NoAllowWindows healthyAt=- through=Tue 06-02 02:00 CEST next=Wed 06-03 02:00 CEST"},
		{"two triggers, neither passes", twoTriggers, "2026-06-02 01:59", "2026-06-02 02:00", "2026-06-02 01:55", false,
			"advance=false NotHealthyLongEnough trigger=0 tick=Tue 06-02 02:00 CEST missed=0 window=NoAllowWindows healthyAt=Tue 06-02 02:05 CEST through=Tue 06-02 02:00 CEST next=Wed 06-03 02:00 CEST"},
	}
	for _, tc := range cases {
		in := AdvanceInput{Now: at(t, tc.now), Done: tc.done}
		if tc.last != "" {
			in.LastEvaluated = at(t, tc.last)
		}
		if tc.healthySince != "" {
			in.HealthySince = at(t, tc.healthySince)
		}
		if got := describe(tc.cal.Decide(in)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func describe(d Decision) string {
	return fmt.Sprintf("advance=%v %s trigger=%d tick=%s missed=%d window=%s healthyAt=%s through=%s next=%s",
		d.Advance, d.Reason, d.Trigger, fmtTime(d.Tick), d.MissedTicks, d.Window, fmtTime(d.HealthyAt),
		fmtTime(d.EvaluatedThrough), fmtTime(d.NextTick))
}

// loop is the caller's side of Decide, driven by a fake clock, with a real
// batch plan: it persists EvaluatedThrough, resolves the target batch at
// decision time and commits it with ToBatch, and makes each new batch healthy
// after healthyAfter.
type loop struct {
	cal          *Calendar
	clk          *FakeClock
	plan         *batch.Resolved
	partition    intstr.IntOrString
	last         time.Time
	healthySince time.Time
	healthyAfter time.Duration
	advances     []string
}

func newLoop(t *testing.T, cal *Calendar, start time.Time, plan string, replicas int32) *loop {
	p, err := batch.Parse(plan)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Resolve(replicas)
	if err != nil {
		t.Fatal(err)
	}
	return &loop{cal: cal, clk: NewFakeClock(start), plan: r, partition: intstr.FromInt32(replicas), last: start}
}

func (l *loop) evaluate(t *testing.T) Decision {
	pos, err := l.plan.Position(l.partition)
	if err != nil {
		t.Fatal(err)
	}
	d := l.cal.Decide(AdvanceInput{Now: l.clk.Now(), LastEvaluated: l.last,
		HealthySince: l.healthySince, Done: pos.Done()})
	l.last = d.EvaluatedThrough
	if d.Advance {
		step, err := l.plan.ToBatch(l.partition, pos.Batch+1, batch.StepOptions{})
		if err != nil {
			t.Fatalf("advance at %s: %v", fmtTime(l.clk.Now()), err)
		}
		l.partition = step.To.Value
		l.advances = append(l.advances, fmtTime(l.clk.Now())+" "+step.String())
		l.healthySince = l.clk.Now().Add(l.healthyAfter)
	}
	return d
}

// TestNoBurstAfterOutage: ferry is down from Mon 12:00 to Wed 03:05 while a
// trigger ticks every half hour, and nothing but the ticks holds a batch back
// (no window, no health requirement). On restart it advances once, and
// calling again at the same instant, as a restarted controller does for each
// event it catches up on, advances nothing more.
func TestNoBurstAfterOutage(t *testing.T) {
	cal := compileYAML(t, `
timeZone: Europe/Amsterdam
advance:
  - {cron: "*/30 2-3 * * 2-4"}
`)
	l := newLoop(t, cal, at(t, "2026-06-01 12:00"), "9,8,7,6,5,4,3,2,1,0", 10)
	l.healthySince = at(t, "2026-06-01 11:00")
	l.clk.SetTime(at(t, "2026-06-03 03:05")) // the outage
	for range 10 {
		l.evaluate(t)
	}
	if got := strings.Join(l.advances, ", "); got != "Wed 06-03 03:05 CEST batch 0 → 1 of 10 (partition 10 → 9)" {
		t.Fatalf("advances right after the outage = %q, want exactly one at 03:05", got)
	}
	l.clk.SetTime(at(t, "2026-06-03 03:30"))
	for range 10 {
		l.evaluate(t)
	}
	if len(l.advances) != 2 {
		t.Errorf("advances by 03:30 = %q, want two", l.advances)
	}
}

// TestAdvanceLoop runs the issue's schedule the way the controller will:
// sleep until the next tick, decide, commit, and let the new batch become
// healthy five minutes later.
func TestAdvanceLoop(t *testing.T) {
	l := newLoop(t, compileYAML(t, issueSchedule), at(t, "2026-06-01 12:00"), "80%,50%,0", 10)
	l.healthyAfter = 5 * time.Minute
	l.healthySince = at(t, "2026-06-01 11:00")
	l.clk.SetTime(at(t, "2026-06-03 03:05")) // after an outage
	for range 50 {
		d := l.evaluate(t)
		if d.NextTick.IsZero() || d.Reason == ReasonDone {
			break
		}
		l.clk.SetTime(d.NextTick)
	}
	// 03:05 decides the 03:00 tick; 03:30: healthy since 03:10, 20m of the
	// 15m needed; Thu 02:00: the last batch. Three batches, three commits.
	want := []string{
		"Wed 06-03 03:05 CEST batch 0 → 1 of 3 (partition 10 → 80% = 8)",
		"Wed 06-03 03:30 CEST batch 1 → 2 of 3 (partition 80% = 8 → 50% = 5)",
		"Thu 06-04 02:00 CEST batch 2 → 3 of 3 (partition 50% = 5 → 0)",
	}
	if got := strings.Join(l.advances, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("advances:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestAdvanceAcrossDST polls every minute across both 2026 transitions in
// Amsterdam with a daily 02:30 trigger: one advance per night, including the
// night without 02:30 and the night with two.
func TestAdvanceAcrossDST(t *testing.T) {
	cal := compileYAML(t, `
timeZone: Europe/Amsterdam
advance:
  - {cron: "30 2 * * *"}
`)
	for _, night := range []struct{ from, want string }{
		{"2026-03-28 22:00", "Sun 03-29 03:00 CEST batch 0 → 1 of 9 (partition 9 → 8)"},
		{"2026-10-24 22:00", "Sun 10-25 02:30 CEST batch 0 → 1 of 9 (partition 9 → 8)"},
	} {
		l := newLoop(t, cal, at(t, night.from), "8,7,6,5,4,3,2,1,0", 9)
		l.healthySince = l.clk.Now().Add(-time.Hour)
		for range 8 * 60 {
			l.clk.Step(time.Minute)
			l.evaluate(t)
		}
		if got := strings.Join(l.advances, ", "); got != night.want {
			t.Errorf("night from %s: advances = %q, want %q", night.from, got, night.want)
		}
	}
}

func TestNextTicks(t *testing.T) {
	cal := compileYAML(t, `
timeZone: Europe/Amsterdam
advance:
  - {cron: "0 2 * * 2-4"}
  - {cron: "0 3 * * 2"}
  - {cron: "0 2 * * 2"}
`)
	var got []string
	for _, tk := range cal.NextTicks(at(t, "2026-06-01 12:00"), 5) {
		got = append(got, fmt.Sprintf("%s #%d", fmtTime(tk.Time), tk.Trigger))
	}
	want := "Tue 06-02 02:00 CEST #0, Tue 06-02 02:00 CEST #2, Tue 06-02 03:00 CEST #1, Wed 06-03 02:00 CEST #0, Thu 06-04 02:00 CEST #0"
	if strings.Join(got, ", ") != want {
		t.Errorf("NextTicks:\n got %s\nwant %s", strings.Join(got, ", "), want)
	}
}
