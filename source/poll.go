package source

import (
	"math"
	"math/rand/v2"
	"time"
)

// PollOptions shapes the delay between polls of one GitSync.
type PollOptions struct {
	// JitterFraction spreads polls by ±fraction of the delay, so GitSyncs
	// created together do not hit the git host in lockstep.
	JitterFraction float64
	// BackoffBase is the delay before the first retry after a failure.
	BackoffBase time.Duration
	// BackoffMax caps the retry delay. It may exceed the poll interval on
	// purpose: a source that keeps failing should cost the host little.
	BackoffMax time.Duration
}

// DefaultPollOptions: ±5% jitter like Flux, retries from 5s doubling to 5m.
func DefaultPollOptions() PollOptions {
	return PollOptions{JitterFraction: 0.05, BackoffBase: 5 * time.Second, BackoffMax: 5 * time.Minute}
}

// NextPoll is the delay before the next poll: the jittered interval after a
// success (failures == 0), the jittered backoff after consecutive failures.
func NextPoll(opts PollOptions, interval time.Duration, failures int, r *rand.Rand) time.Duration {
	d := interval
	if failures > 0 {
		d = Backoff(failures, opts.BackoffBase, opts.BackoffMax)
	}
	return Jitter(d, opts.JitterFraction, r)
}

// Jitter scales d by a factor drawn uniformly from [1-fraction, 1+fraction).
// With the same seeded r it returns the same sequence, so tests and
// simulations are reproducible; a nil r uses the process-wide source.
//
//	d = 1m, fraction = 0.05: a delay in [57s, 63s)
//	fraction <= 0: d unchanged
func Jitter(d time.Duration, fraction float64, r *rand.Rand) time.Duration {
	if fraction <= 0 || d <= 0 {
		return d
	}
	if fraction > 1 {
		fraction = 1
	}
	u := rand.Float64()
	if r != nil {
		u = r.Float64()
	}
	return time.Duration(float64(d) * (1 - fraction + 2*fraction*u))
}

// Backoff is the delay before retry number failures (1 = first retry):
// base doubled per earlier failure, capped at max.
//
//	base 5s, max 5m: 1 -> 5s, 2 -> 10s, 3 -> 20s, 6 -> 160s, 7 -> 5m, 100 -> 5m
//	failures <= 0:   0 (no failure, no backoff)
//	max <= 0:        no cap
func Backoff(failures int, base, max time.Duration) time.Duration {
	if failures <= 0 || base <= 0 {
		return 0
	}
	limit := max
	if limit <= 0 {
		limit = math.MaxInt64 / 2 // uncapped, short of overflow
	}
	d := base
	for i := 1; i < failures && d < limit; i++ {
		d *= 2 // stops once past the limit, so it cannot overflow
	}
	return min(d, limit)
}
