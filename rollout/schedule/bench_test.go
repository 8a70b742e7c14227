package schedule

import (
	"testing"
	"time"
)

// Benchmarks of the questions a reconcile asks; run with
// go test -bench . ./rollout/schedule/

func BenchmarkCronNext(b *testing.B) {
	c := mustCron(b, "*/30 2-3 * * 2-4", mustLoad(b, "Europe/Amsterdam"))
	t := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		c.Next(t)
	}
}

func BenchmarkState(b *testing.B) {
	c := compileYAML(b, issueSchedule)
	now := at(b, "2026-06-01 12:00")
	for b.Loop() {
		c.State(now)
	}
}

func BenchmarkDecide(b *testing.B) {
	c := compileYAML(b, issueSchedule)
	in := AdvanceInput{Now: at(b, "2026-06-02 02:00"), LastEvaluated: at(b, "2026-06-02 01:59"), HealthySince: at(b, "2026-06-01 12:00")}
	for b.Loop() {
		c.Decide(in)
	}
}

// BenchmarkStateAlwaysOpen is the worst case the MaxEdges bound exists for:
// a window that never lets the state change.
func BenchmarkStateAlwaysOpen(b *testing.B) {
	c := compileYAML(b, `{windows: [{kind: Allow, cron: "*/10 * * * *", duration: 1h}]}`)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		c.State(now)
	}
}
