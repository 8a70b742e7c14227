package schedule

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

// Clocks from k8s.io/utils/clock fit the interface too.
var (
	_ Clock = RealClock{}
	_ Clock = (*FakeClock)(nil)
	_ Clock = clock.RealClock{}
	_ Clock = (*clocktesting.FakeClock)(nil)
)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-c:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestFakeClockTimers(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f := NewFakeClock(start)
	a := f.NewTimer(10 * time.Second)
	b := f.After(5 * time.Second)
	stopped := f.NewTimer(time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop: want true for an armed timer, then false")
	}
	if f.Waiters() != 2 {
		t.Errorf("Waiters = %d, want 2", f.Waiters())
	}
	f.Step(4 * time.Second)
	if _, ok := fired(a.C()); ok {
		t.Error("10s timer fired after 4s")
	}
	if _, ok := fired(b); ok {
		t.Error("5s timer fired after 4s")
	}
	f.Step(time.Second)
	if got, ok := fired(b); !ok || !got.Equal(start.Add(5*time.Second)) {
		t.Errorf("5s timer after 5s: fired=%v at %s", ok, got)
	}
	if a.Reset(time.Minute) != true {
		t.Error("Reset of an armed timer: want true")
	}
	f.SetTime(start.Add(time.Minute))
	if _, ok := fired(a.C()); ok {
		t.Error("reset timer fired before its new deadline")
	}
	f.Step(5 * time.Second)
	if _, ok := fired(a.C()); !ok {
		t.Error("reset timer did not fire at its new deadline")
	}
	if _, ok := fired(stopped.C()); ok {
		t.Error("stopped timer fired")
	}
	if f.Waiters() != 0 {
		t.Errorf("Waiters = %d after every timer fired, want 0", f.Waiters())
	}
	if _, ok := fired(f.After(0)); !ok {
		t.Error("After(0) did not fire at once")
	}
}

// TestSleepUntilWithFakeClock drives a waiting goroutine the way a scheduler
// test does: wait until it is blocked on the clock, then step the clock.
func TestSleepUntilWithFakeClock(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f := NewFakeClock(start)
	done := make(chan error, 1)
	go func() { done <- SleepUntil(context.Background(), f, start.Add(time.Hour)) }()
	for f.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.Step(59 * time.Minute)
	select {
	case <-done:
		t.Fatal("SleepUntil returned an hour early")
	default:
	}
	f.Step(time.Minute)
	if err := <-done; err != nil {
		t.Errorf("SleepUntil = %v, want nil", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- SleepUntil(ctx, f, f.Now().Add(time.Hour)) }()
	for f.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("SleepUntil after cancel = %v, want context.Canceled", err)
	}
	if f.Waiters() != 0 {
		t.Error("SleepUntil left its timer armed")
	}
	if err := SleepUntil(context.Background(), f, start); err != nil {
		t.Errorf("SleepUntil for a past time = %v, want nil at once", err)
	}
}
