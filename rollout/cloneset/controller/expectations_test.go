package controller

import (
	"slices"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestScaleExpectations(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := NewScaleExpectations(clk.now, time.Minute)
	if ok, _ := e.Satisfied("ns/demo"); !ok {
		t.Fatal("nothing expected, yet not satisfied")
	}
	e.Expect("ns/demo", ExpectCreate, "pod/a")
	e.Expect("ns/demo", ExpectDelete, "pod/b")
	e.Observe("ns/other", ExpectCreate, "pod/a") // another CloneSet's pod
	e.Observe("ns/demo", ExpectDelete, "pod/a")  // wrong action
	clk.t = clk.t.Add(10 * time.Second)
	if ok, wait := e.Satisfied("ns/demo"); ok || wait != 50*time.Second || e.Outstanding("ns/demo") != 2 {
		t.Fatalf("Satisfied = %v, wait %s, outstanding %d; want false, 50s, 2", ok, wait, e.Outstanding("ns/demo"))
	}
	e.Observe("ns/demo", ExpectCreate, "pod/a")
	e.Observe("ns/demo", ExpectDelete, "pod/b")
	if ok, _ := e.Satisfied("ns/demo"); !ok {
		t.Fatal("all observed, yet not satisfied")
	}
}

func TestScaleExpectationsTimeout(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := NewScaleExpectations(clk.now, time.Minute)
	e.Expect("ns/demo", ExpectCreate, "pod/lost")
	clk.t = clk.t.Add(time.Minute)
	if ok, _ := e.Satisfied("ns/demo"); !ok {
		t.Fatal("expectation older than the timeout still blocks")
	}
	if e.Outstanding("ns/demo") != 0 {
		t.Fatal("timed-out expectation was not dropped")
	}
}

func TestVersionExpectations(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := NewVersionExpectations(clk.now, time.Minute)
	pod := ObjectRef{Kind: kindPod, Namespace: "ns", Name: "demo-a", UID: "u1"}
	e.Expect("ns/demo", pod, "100")
	e.Expect("ns/demo", pod, "90") // an older write never lowers the expectation
	if e.Satisfied("u1", "99") {
		t.Error("cache at 99 satisfies an expected 100")
	}
	if got := e.Pending("ns/demo"); !slices.Equal(got, []ObjectRef{pod}) {
		t.Errorf("Pending = %v, want the pod", got)
	}
	if len(e.Pending("ns/other")) != 0 {
		t.Error("another CloneSet sees this one's writes as pending")
	}
	e.Observe("u1", "101")
	if !e.Satisfied("u1", "99") || len(e.Pending("ns/demo")) != 0 {
		t.Error("observing a newer version did not clear the expectation")
	}
}

// The watch event of a write can arrive before the write's response: the
// expectation is then recorded after its only observation. Satisfied with
// the cached version must clear it (the pass reads the cache), or the
// CloneSet would wait for the timeout.
func TestVersionExpectationObservedBeforeRecorded(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := NewVersionExpectations(clk.now, time.Minute)
	ref := ObjectRef{Kind: kindPod, Namespace: "ns", Name: "demo-a", UID: "u1"}
	e.Observe("u1", "100") // the event
	e.Expect("ns/demo", ref, "100")
	if len(e.Pending("ns/demo")) != 1 {
		t.Fatal("expected a pending write to check against the cache")
	}
	if !e.Satisfied("u1", "100") || len(e.Pending("ns/demo")) != 0 {
		t.Fatal("the cached version equal to the written one did not satisfy it")
	}
}

func TestVersionExpectationsTimeoutAndForget(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := NewVersionExpectations(clk.now, time.Minute)
	e.Expect("ns/demo", ObjectRef{UID: "u1"}, "5")
	e.Expect("ns/demo", ObjectRef{UID: "u2"}, "5")
	e.Expect("ns/demo", ObjectRef{UID: "u3"}, "not-a-number") // opaque versions set nothing
	e.Forget("u2")
	if got := e.Pending("ns/demo"); len(got) != 1 || got[0].UID != "u1" {
		t.Fatalf("Pending = %v, want only u1", got)
	}
	clk.t = clk.t.Add(time.Minute)
	if len(e.Pending("ns/demo")) != 0 || !e.Satisfied("u1", "1") {
		t.Fatal("an expectation past the timeout still blocks")
	}
}
