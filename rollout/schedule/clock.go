package schedule

import (
	"context"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Clock is the time source of the loops that ask a Calendar for decisions.
// The Calendar itself never reads a clock: its methods take the time.
//
// The method set is a subset of k8s.io/utils/clock.Clock, so that package's
// real and fake clocks (and client-go's) can be passed as well as RealClock
// and FakeClock here.
type Clock interface {
	Now() time.Time
	// After fires once, d from now.
	After(d time.Duration) <-chan time.Time
	// NewTimer is a stoppable After.
	NewTimer(d time.Duration) clock.Timer
}

// RealClock is the system clock.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (RealClock) NewTimer(d time.Duration) clock.Timer   { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// FakeClock only moves when told to (Step, SetTime); timers whose deadline
// is reached then fire, in deadline order. Safe for concurrent use, so a
// test can drive a loop running in another goroutine.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// NewFakeClock starts at now.
func NewFakeClock(now time.Time) *FakeClock { return &FakeClock{now: now} }

func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *FakeClock) After(d time.Duration) <-chan time.Time { return f.NewTimer(d).C() }

func (f *FakeClock) NewTimer(d time.Duration) clock.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clock: f, ch: make(chan time.Time, 1)}
	f.arm(t, d)
	return t
}

// Step moves the clock forward by d.
func (f *FakeClock) Step(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(f.now.Add(d))
}

// SetTime moves the clock to t (forward or back); timers due by t fire.
func (f *FakeClock) SetTime(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(t)
}

// Waiters is the number of armed timers, so a test can wait until a loop
// is blocked on the clock before stepping it.
func (f *FakeClock) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

func (f *FakeClock) setLocked(t time.Time) {
	f.now = t
	slices.SortStableFunc(f.timers, func(a, b *fakeTimer) int { return a.deadline.Compare(b.deadline) })
	kept := f.timers[:0]
	for _, tm := range f.timers {
		if tm.deadline.After(t) {
			kept = append(kept, tm)
			continue
		}
		select {
		case tm.ch <- t:
		default: // an unread earlier fire is still buffered, as with time.Timer
		}
	}
	clear(f.timers[len(kept):])
	f.timers = kept
}

// arm (re)schedules t; f.mu is held. A timer for 0 or less fires at once.
func (f *FakeClock) arm(t *fakeTimer, d time.Duration) {
	t.deadline = f.now.Add(d)
	if d <= 0 {
		select {
		case t.ch <- f.now:
		default:
		}
		return
	}
	f.timers = append(f.timers, t)
}

// disarm removes t; f.mu is held. It reports whether t was armed.
func (f *FakeClock) disarm(t *fakeTimer) bool {
	i := slices.Index(f.timers, t)
	if i < 0 {
		return false
	}
	f.timers = slices.Delete(f.timers, i, i+1)
	return true
}

type fakeTimer struct {
	clock    *FakeClock
	ch       chan time.Time
	deadline time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	return t.clock.disarm(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	armed := t.clock.disarm(t)
	t.clock.arm(t, d)
	return armed
}

// SleepUntil blocks until clk reaches t or ctx ends, for loops that wait for
// Decision.NextTick or State.Until. It returns ctx.Err() if ctx ended first.
func SleepUntil(ctx context.Context, clk Clock, t time.Time) error {
	d := t.Sub(clk.Now())
	if d <= 0 {
		return ctx.Err()
	}
	timer := clk.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C():
		return nil
	}
}
