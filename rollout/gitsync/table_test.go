package gitsync

import (
	"bytes"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/schedule"
)

func TestWriteTable(t *testing.T) {
	b := heldBatch()
	b.Message = "batch 1 of 3 (partition 3): 2/5 updated, 5 ready"
	gs := v1alpha1.GitSync{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "default", CreationTimestamp: metav1.NewTime(t0.Add(-4 * time.Minute))}}
	open, next := metav1.NewTime(t0.Add(16*time.Hour)), metav1.NewTime(t0.Add(16*time.Hour+30*time.Minute))
	gs.Status = NextStatus(gs.Status, Outcome{Now: t0, Revision: revA, Result: ResultApplied,
		Batches: []v1alpha1.BatchStatus{b}, Health: &HealthSummary{},
		Schedule: &schedule.Status{State: "Closed", Reason: "OutsideAllowWindows", NextOpen: &open, NextAdvance: &next}})
	var out bytes.Buffer
	if err := WriteTable(&out, []v1alpha1.GitSync{gs}, TableOptions{Now: t0, Bars: true}); err != nil {
		t.Fatal(err)
	}
	want := `NAME   REVISION       READY   STATUS                    BATCH   AGE
app    main@aaaaaaa   True    Applied; demo batch 1/3   1/3     4m
  CloneSet default/demo  batch 1 of 3 (partition 3)  [########------------] 2/5 updated, 5 ready, 5 total  held
  Schedule: Closed (OutsideAllowWindows) until 2026-11-28 02:00 UTC; next advance 2026-11-28 02:30 UTC
`
	if out.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}
