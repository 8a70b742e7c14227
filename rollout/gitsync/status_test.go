package gitsync

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
)

const (
	revA = "main@sha1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	revB = "main@sha1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func heldBatch() v1alpha1.BatchStatus {
	return v1alpha1.BatchStatus{Namespace: "default", Name: "demo", Partition: 3, Batch: ptr.To[int32](1), Of: 3,
		Desired: 5, Replicas: 5, Updated: 2, Ready: 5, Healthy: true}
}

func cond(st v1alpha1.GitSyncStatus, typ string) string {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return string(c.Status) + " " + c.Reason + ": " + c.Message
		}
	}
	return "-"
}

func TestNextStatusConditions(t *testing.T) {
	applied := v1alpha1.GitSyncStatus{LastAppliedRevision: revA, Inventory: &v1alpha1.Inventory{Entries: []v1alpha1.InventoryEntry{{ID: "default_demo_apps.kruise.io_CloneSet", Version: "v1alpha1"}}}}
	tests := []struct {
		name                      string
		old                       v1alpha1.GitSyncStatus
		out                       Outcome
		ready, reconciling, stall string
		lastApplied               string
	}{{
		name:        "applied and held at batch 1",
		out:         Outcome{Revision: revA, Result: ResultApplied, Batches: []v1alpha1.BatchStatus{heldBatch()}, Health: &HealthSummary{}},
		ready:       "True BatchHeld: Applied; demo batch 1/3",
		reconciling: "-", stall: "-", lastApplied: revA,
	}, {
		name: "rolling out",
		out: Outcome{Revision: revB, Result: ResultApplied,
			Health: &HealthSummary{InProgress: []string{"CloneSet default/demo: 3/5 updated"}}},
		ready:       "Unknown Progressing: Rolling out: CloneSet default/demo: 3/5 updated",
		reconciling: "True Progressing: Rolling out: CloneSet default/demo: 3/5 updated",
		stall:       "-", lastApplied: revB,
	}, {
		name:        "render error keeps the last applied revision and stalls",
		old:         applied,
		out:         Outcome{Revision: revB, Result: ResultFailed, Reason: ReasonRenderFailed, Message: "overlays/prod/kustomization.yaml: invalid YAML at line 3"},
		ready:       "False RenderFailed: overlays/prod/kustomization.yaml: invalid YAML at line 3; main@aaaaaaa keeps running",
		reconciling: "-",
		stall:       "True RenderFailed: overlays/prod/kustomization.yaml: invalid YAML at line 3",
		lastApplied: revA,
	}, {
		name:        "a network error retries",
		old:         applied,
		out:         Outcome{Result: ResultFailed, Reason: ReasonFetchFailed, Message: "connection refused", Retryable: true},
		ready:       "False FetchFailed: connection refused; main@aaaaaaa keeps running",
		reconciling: "True FetchFailed: retrying: connection refused",
		stall:       "-", lastApplied: revA,
	}, {
		name: "a failed object",
		out: Outcome{Revision: revA, Result: ResultUnchanged,
			Health: &HealthSummary{Failed: []string{"Job default/migrate: BackoffLimitExceeded"}}},
		ready:       "False HealthCheckFailed: unhealthy: Job default/migrate: BackoffLimitExceeded",
		reconciling: "-", stall: "-", lastApplied: revA,
	}, {
		name: "a new revision waits for its window",
		old:  applied,
		out: Outcome{Revision: revB, Result: ResultWaiting, WaitingUntil: "02:00 CET Tue",
			Batches: []v1alpha1.BatchStatus{heldBatch()}, Health: &HealthSummary{}},
		ready:       "True WindowClosed: Applied; demo batch 1/3; main@bbbbbbb waits for the schedule window until 02:00 CET Tue",
		reconciling: "-", stall: "-", lastApplied: revA,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.out.Now, tc.out.Generation = t0, 4
			st := NextStatus(tc.old, tc.out)
			if got := cond(st, TypeReady); got != tc.ready {
				t.Errorf("Ready = %q\n want %q", got, tc.ready)
			}
			if got := cond(st, TypeReconciling); got != tc.reconciling {
				t.Errorf("Reconciling = %q\n want %q", got, tc.reconciling)
			}
			if got := cond(st, TypeStalled); got != tc.stall {
				t.Errorf("Stalled = %q\n want %q", got, tc.stall)
			}
			if st.LastAppliedRevision != tc.lastApplied {
				t.Errorf("lastAppliedRevision = %q, want %q", st.LastAppliedRevision, tc.lastApplied)
			}
			if st.ObservedGeneration != 4 {
				t.Errorf("observedGeneration = %d, want 4", st.ObservedGeneration)
			}
			if tc.out.Result == ResultFailed && st.Inventory != tc.old.Inventory && st.Inventory.Entries[0] != tc.old.Inventory.Entries[0] {
				t.Errorf("a failed attempt changed the inventory")
			}
		})
	}
}

func TestNextStatusKeepsFailureStatusFieldsFromTheLastGoodRevision(t *testing.T) {
	old := NextStatus(v1alpha1.GitSyncStatus{}, Outcome{Now: t0, Revision: revA, Result: ResultApplied,
		Inventory: &v1alpha1.Inventory{Entries: []v1alpha1.InventoryEntry{{ID: "x", Version: "v1"}}},
		Batches:   []v1alpha1.BatchStatus{heldBatch()}, Health: &HealthSummary{}})
	st := NextStatus(old, Outcome{Now: t0.Add(time.Minute), Revision: revB, Result: ResultFailed,
		Reason: ReasonValidationFailed, Message: "CloneSet default/demo: spec.replicas: Invalid value: -1"})
	if st.LastAttemptedRevision != revB || st.LastAppliedRevision != revA {
		t.Fatalf("attempted %q applied %q, want %q and %q", st.LastAttemptedRevision, st.LastAppliedRevision, revB, revA)
	}
	if len(st.Inventory.Entries) != 1 || st.BatchSummary != "1/3" || len(st.Batches) != 1 {
		t.Fatalf("failed attempt lost the last good state: %+v", st)
	}
}

func TestHistory(t *testing.T) {
	var st v1alpha1.GitSyncStatus
	step := func(d time.Duration, rev string, r Result, msg string) {
		st = NextStatus(st, Outcome{Now: t0.Add(d), Revision: rev, Result: r, Message: msg, Health: &HealthSummary{}})
	}
	step(0, revA, ResultApplied, "")
	for i := 1; i <= 30; i++ { // idle polls
		step(time.Duration(i)*time.Minute, revA, ResultUnchanged, "")
	}
	step(31*time.Minute, revB, ResultFailed, "bad")
	step(32*time.Minute, revB, ResultFailed, "bad")
	var got []string
	for _, h := range st.History {
		got = append(got, ShortRevision(h.Revision)+" "+h.Result+" "+h.Time.UTC().Format("15:04"))
	}
	want := "main@bbbbbbb Failed 10:32, main@aaaaaaa Applied 10:00"
	if strings.Join(got, ", ") != want {
		t.Fatalf("history = %q\n want %q", strings.Join(got, ", "), want)
	}
	for i := 0; i < 20; i++ {
		step(time.Hour+time.Duration(i)*time.Minute, revA, Result([]string{"Applied", "Failed"}[i%2]), "")
	}
	if len(st.History) != maxHistory {
		t.Fatalf("history keeps %d entries, want %d", len(st.History), maxHistory)
	}
}

func TestHealthySinceIsCarried(t *testing.T) {
	first := metav1.NewTime(t0)
	b := heldBatch()
	got := carryHealthySince(nil, []v1alpha1.BatchStatus{b}, first)
	if got[0].HealthySince == nil || !got[0].HealthySince.Equal(&first) {
		t.Fatalf("healthySince = %v, want %v", got[0].HealthySince, first)
	}
	later := metav1.NewTime(t0.Add(10 * time.Minute))
	again := carryHealthySince(got, []v1alpha1.BatchStatus{b}, later)
	if !again[0].HealthySince.Equal(&first) {
		t.Fatalf("healthySince moved to %v, want kept at %v", again[0].HealthySince, first)
	}
	b.Partition = 1 // the next batch starts: the clock restarts when it is healthy
	moved := carryHealthySince(again, []v1alpha1.BatchStatus{b}, later)
	if !moved[0].HealthySince.Equal(&later) {
		t.Fatalf("healthySince after a new batch = %v, want %v", moved[0].HealthySince, later)
	}
	b.Healthy = false
	if carryHealthySince(moved, []v1alpha1.BatchStatus{b}, later)[0].HealthySince != nil {
		t.Fatal("an unhealthy batch has a healthySince")
	}
}

func TestShortRevision(t *testing.T) {
	for in, want := range map[string]string{revA: "main@aaaaaaa", "v1.2@sha1:0123456789": "v1.2@0123456", "": ""} {
		if got := ShortRevision(in); got != want {
			t.Errorf("ShortRevision(%q) = %q, want %q", in, got, want)
		}
	}
}
