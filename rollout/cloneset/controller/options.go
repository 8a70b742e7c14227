package controller

import (
	"log/slog"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
)

// FieldManager is the field manager of every write the engine makes and
// the user agent of its clients, so `kubectl get -o yaml --show-managed-fields`
// and audit logs name the engine.
const FieldManager = "ferry-engine"

// Options configure a Controller.
type Options struct {
	// Namespace limits the engine to one namespace; "" watches all.
	Namespace string
	// Workers is how many CloneSets are reconciled at once (one CloneSet is
	// never reconciled by two workers).
	Workers int
	// Plan are the planner's switches (partition rollback, ...).
	Plan plan.Options
	// ExpectationTimeout is how long a reconcile waits for the cache to
	// show a create, delete or patch the engine made before it gives up
	// waiting and acts on what it sees (Kruise's --expectation-timeout).
	ExpectationTimeout time.Duration
	// WriteParallelism bounds concurrent API writes within one pass.
	// Creations additionally start slowly (1, 2, 4, ...), so a failing
	// create costs one request, not hundreds.
	WriteParallelism int
	// BatchFactor and MaxBatchDelay batch pod, PVC and revision events:
	// after such an event a CloneSet is reconciled BatchFactor times the
	// time its last pass spent reading caches and planning later (at most
	// MaxBatchDelay), and every event in between joins that pass. A
	// 100-pod CloneSet plans in well under a millisecond and is reconciled
	// almost at once; a 1,000-pod one plans in milliseconds and is
	// reconciled once per batch instead of once per pod event, which keeps
	// the engine off the CPU the API server and nodes need (Kubernetes'
	// Job controller batches pod events for the same reason). CloneSet
	// changes are never delayed. 0 turns batching off. The cap is low
	// because a reconcile runs a whole wave (chain.go): at 1,000 pods,
	// 200 ms of batching per wave made the rollout about 15% slower than
	// 50 ms, and no batching about 40% slower (CPU taken from the API
	// server).
	BatchFactor   float64
	MaxBatchDelay time.Duration
	// Now is the clock.
	Now func() time.Time
	// Log receives the engine's log lines.
	Log *slog.Logger
	// Metrics receives the counters; nil gives the controller its own.
	// Pass one in to keep counting across controllers (a new controller
	// runs each time leadership is won).
	Metrics *Metrics
}

// DefaultOptions: all namespaces, 4 workers, ferry's planner defaults
// (partition rollback on), Kruise's 5-minute expectation timeout.
func DefaultOptions() Options {
	return Options{
		Workers:            4,
		Plan:               plan.DefaultOptions(),
		ExpectationTimeout: 5 * time.Minute,
		WriteParallelism:   128,
		BatchFactor:        10,
		MaxBatchDelay:      50 * time.Millisecond,
		Now:                time.Now,
		Log:                slog.Default(),
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Workers <= 0 {
		o.Workers = d.Workers
	}
	if o.ExpectationTimeout <= 0 {
		o.ExpectationTimeout = d.ExpectationTimeout
	}
	if o.WriteParallelism <= 0 {
		o.WriteParallelism = d.WriteParallelism
	}
	if o.Now == nil {
		o.Now = d.Now
	}
	if o.Log == nil {
		o.Log = d.Log
	}
	if o.Metrics == nil {
		o.Metrics = &Metrics{}
	}
	return o
}
