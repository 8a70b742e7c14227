package schedule

import (
	"testing"
	"time"
	_ "time/tzdata"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

var schedulePath = field.NewPath("spec", "schedule")

// compileYAML compiles a spec.schedule written as YAML, which also checks the
// json tags against the documented field names.
func compileYAML(t testing.TB, text string) *Calendar {
	t.Helper()
	var s Schedule
	if err := yaml.UnmarshalStrict([]byte(text), &s); err != nil {
		t.Fatalf("unmarshal schedule: %v", err)
	}
	opts := DefaultOptions()
	opts.Cron.Seconds = true
	c, err := Compile(&s, schedulePath, opts)
	if err != nil {
		t.Fatalf("compile schedule: %v", err)
	}
	return c
}

// issueSchedule is the example of issue 7.
const issueSchedule = `
timeZone: Europe/Amsterdam
windows:
  - {kind: Allow, cron: "0 2 * * 2-4", duration: 2h}
  - {kind: Deny, dates: ["2026-12-24", "2026-12-25"]}
  - {kind: Deny, cron: "0 0 * * 0", duration: 24h}
advance:
  - {cron: "*/30 2-3 * * 2-4", requireHealthyFor: 15m}
`

// at is a wall-clock time in Europe/Amsterdam, or an RFC 3339 instant for
// wall times that happen twice.
func at(t testing.TB, text string) time.Time {
	t.Helper()
	if ts, err := time.Parse(time.RFC3339, text); err == nil {
		return ts
	}
	ts, err := time.ParseInLocation("2006-01-02 15:04", text, mustLoad(t, "Europe/Amsterdam"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("Mon 01-02 15:04 MST")
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
