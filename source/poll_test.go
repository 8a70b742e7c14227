package source

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0}, {0, 0},
		{1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second},
		{6, 160 * time.Second}, {7, 5 * time.Minute}, {100, 5 * time.Minute},
		{1 << 30, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := Backoff(tt.failures, 5*time.Second, 5*time.Minute); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	if got := Backoff(3, 5*time.Second, 0); got != 20*time.Second {
		t.Errorf("uncapped Backoff(3) = %v", got)
	}
}

func TestJitterBoundsAndDeterminism(t *testing.T) {
	r1, r2 := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	lo, hi := 57*time.Second, 63*time.Second
	var sawLow, sawHigh bool
	for i := range 2000 {
		a, b := Jitter(time.Minute, 0.05, r1), Jitter(time.Minute, 0.05, r2)
		if a != b {
			t.Fatalf("draw %d: %v != %v with the same seed", i, a, b)
		}
		if a < lo || a >= hi {
			t.Fatalf("draw %d: %v outside [%v, %v)", i, a, lo, hi)
		}
		sawLow = sawLow || a < 58*time.Second
		sawHigh = sawHigh || a >= 62*time.Second
	}
	if !sawLow || !sawHigh {
		t.Errorf("2000 draws did not reach both ends of the range (low %v, high %v)", sawLow, sawHigh)
	}
	if got := Jitter(time.Minute, 0, r1); got != time.Minute {
		t.Errorf("zero fraction: %v", got)
	}
}

func TestNextPoll(t *testing.T) {
	opts := DefaultPollOptions()
	opts.JitterFraction = 0
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, time.Minute}, {1, 5 * time.Second}, {4, 40 * time.Second}, {9, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := NextPoll(opts, time.Minute, tt.failures, nil); got != tt.want {
			t.Errorf("NextPoll(failures=%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}
