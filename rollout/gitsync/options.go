package gitsync

import (
	"log/slog"
	"time"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/source"
)

// Options tune the loop. Start from DefaultOptions.
type Options struct {
	// Interval is the poll (and drift-correction) interval of a GitSync
	// without spec.interval.
	Interval time.Duration
	// Timeout bounds one fetch-render-apply of a GitSync without spec.timeout.
	Timeout time.Duration
	// ProgressInterval is how often status is refreshed while a rollout
	// moves, between CloneSet events.
	ProgressInterval time.Duration
	// Poll adds jitter to intervals and backs off after failures.
	Poll source.PollOptions
	// Render is passed to render.Build; its DefaultNamespace is replaced by
	// each GitSync's namespace.
	Render render.Options
	// Schedule compiles spec.schedule.
	Schedule schedule.Options
	// Workers is how many GitSyncs reconcile at once.
	Workers int
	// ManagerFor builds the apply manager for a GitSync with
	// spec.serviceAccountName (see Impersonating); nil refuses such
	// GitSyncs.
	ManagerFor ManagerFunc
	// Clock decides everything time-based; tests pass a fake one.
	Clock schedule.Clock
	Log   *slog.Logger
}

// DefaultOptions: poll every minute like Flux's documented default, refresh
// a moving rollout every two seconds, four workers.
func DefaultOptions() Options {
	return Options{
		Interval:         time.Minute,
		Timeout:          2 * time.Minute,
		ProgressInterval: 2 * time.Second,
		Poll:             source.DefaultPollOptions(),
		Render:           render.DefaultOptions(),
		Schedule:         schedule.DefaultOptions(),
		Workers:          4,
		Clock:            schedule.RealClock{},
		Log:              slog.Default(),
	}
}
