package gitsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/source"
)

var cloneSetResource = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "clonesets"}

// Reconciler runs the recipe of one GitSync. It holds no state that matters
// across restarts: the schedule of full syncs is rebuilt on start (every
// GitSync syncs once), everything else is in the GitSync's status.
type Reconciler struct {
	kube     kubernetes.Interface
	dyn      dynamic.Interface
	fetcher  *source.Fetcher
	apply    *apply.Manager
	recorder record.EventRecorder
	metrics  *Metrics
	opts     Options

	mu       sync.Mutex
	nextSync map[string]time.Time // key → when the next full sync is due
	failures map[string]int       // key → consecutive failures, for backoff
	rand     *rand.Rand
	// calendars caches each GitSync's compiled schedule by generation: a
	// reconcile consults it up to three times (gate, status, advance), and
	// compiling loads the time zone from disk.
	calendars map[string]compiledSchedule
}

// NewReconciler wires the pipeline's stages together.
func NewReconciler(kube kubernetes.Interface, dyn dynamic.Interface, fetcher *source.Fetcher, mgr *apply.Manager,
	recorder record.EventRecorder, metrics *Metrics, opts Options) *Reconciler {
	return &Reconciler{kube: kube, dyn: dyn, fetcher: fetcher, apply: mgr, recorder: recorder, metrics: metrics, opts: opts,
		nextSync: map[string]time.Time{}, failures: map[string]int{}, calendars: map[string]compiledSchedule{}, rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))}
}

// Reconcile brings one GitSync a step closer to git and reports how far it
// got. It returns when to look again.
//
// A full sync (fetch, render, apply, prune) runs when one is due: on the
// first sight of the GitSync, after a spec change, a push webhook, or once
// per interval (which also corrects drift). In between, events of the
// CloneSets it applied only refresh health and batches in status.
func (r *Reconciler) Reconcile(ctx context.Context, gs *v1alpha1.GitSync) (time.Duration, error) {
	key := gs.Namespace + "/" + gs.Name
	now := r.opts.Clock.Now()
	if gs.DeletionTimestamp != nil {
		return r.finalize(ctx, gs)
	}
	if err := r.ensureFinalizer(ctx, gs); err != nil {
		return 0, err
	}
	if gs.Spec.Suspend {
		return 0, r.writeIfChanged(ctx, gs, suspendedStatus(gs))
	}
	if !r.due(key, gs, now) {
		return r.refresh(ctx, gs)
	}
	o, rendered, known := r.sync(ctx, gs)
	o.Now, o.Generation, o.Duration = r.opts.Clock.Now(), gs.Generation, r.opts.Clock.Now().Sub(now)
	if o.Result != ResultFailed {
		inv := inventoryOf(o.Inventory)
		if o.Result == ResultWaiting {
			inv = inventoryOf(gs.Status.Inventory)
		}
		var err error
		if o.Health, o.Batches, err = r.observe(ctx, gs, inv, rendered, known); err != nil {
			o.Health, o.Batches = nil, nil
			r.opts.Log.Warn("health check failed", "gitsync", key, "error", err)
		}
	}
	r.metrics.observe(gs, o)
	next := NextStatus(gs.Status, o)
	r.event(gs, o)
	if err := r.writeIfChanged(ctx, gs, next); err != nil {
		return 0, err
	}
	wait := r.schedule(key, gs, o)
	tick, err := r.advanceBatches(ctx, gs)
	return sooner(wait, tick), err
}

// sooner is the earlier of two waits, where zero means "no wait asked".
func sooner(a, b time.Duration) time.Duration {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// sync is steps 1-6 of the recipe. It returns the outcome so far (a
// failure is an outcome, not an error: it goes into status), the rendered
// objects, and the applied objects as the apiserver returned them, by
// inventory ID.
func (r *Reconciler) sync(ctx context.Context, gs *v1alpha1.GitSync) (Outcome, []*unstructured.Unstructured, map[string]*unstructured.Unstructured) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout(gs))
	defer cancel()
	var o Outcome
	phase := r.metrics.phase(gs)

	res, err := r.fetch(ctx, gs)
	phase("fetch")
	if err != nil {
		o.Revision = res.Revision // a commit that was fetched and then refused (verification) was attempted
		return failed(o, err), nil, nil
	}
	o.Revision = res.Revision
	o.Schedule = r.scheduleStatus(gs)
	if wait, until := r.gate(gs, res.Revision); wait {
		o.Result, o.WaitingUntil = ResultWaiting, until
		return o, nil, nil
	}
	out, err := r.render(ctx, gs, res)
	phase("render")
	if err != nil {
		return failed(o, err), nil, nil
	}
	cs, inv, err := r.applyAndPrune(ctx, gs, out.Objects)
	phase("apply")
	r.metrics.applied(cs)
	if err != nil {
		return failed(o, err), out.Objects, nil
	}
	o.Inventory = statusInventory(inv)
	o.Result = ResultUnchanged
	if cs.HasChanges() {
		o.Result = ResultApplied
		o.Message = cs.String()
	}
	known := map[string]*unstructured.Unstructured{}
	for _, e := range cs.Entries {
		if e.Live != nil {
			known[e.Ref.ID()] = e.Live
		}
	}
	return o, out.Objects, known
}

func failed(o Outcome, err error) Outcome {
	o.Result, o.Reason, o.Message = ResultFailed, ReasonApplyFailed, err.Error()
	var se *stepError
	if errors.As(err, &se) {
		o.Reason, o.Retryable = se.reason, se.retryable
	}
	return o
}

// refresh re-reads health and batches of what the last sync applied.
func (r *Reconciler) refresh(ctx context.Context, gs *v1alpha1.GitSync) (time.Duration, error) {
	if gs.Status.LastAppliedRevision == "" {
		return r.untilFullSync(gs), nil
	}
	h, batches, err := r.observe(ctx, gs, inventoryOf(gs.Status.Inventory), nil, nil)
	if err != nil {
		return sooner(r.opts.ProgressInterval, r.untilFullSync(gs)), err
	}
	next := NextStatus(gs.Status, Outcome{Now: r.opts.Clock.Now(), Generation: gs.Generation,
		Revision: gs.Status.LastAppliedRevision, Result: ResultUnchanged,
		Inventory: gs.Status.Inventory, Health: h, Batches: batches, Schedule: r.scheduleStatus(gs)})
	r.metrics.batches(gs, batches)
	if err := r.writeIfChanged(ctx, gs, next); err != nil {
		return 0, err
	}
	tick, err := r.advanceBatches(ctx, gs)
	wait := sooner(r.untilFullSync(gs), tick)
	if len(h.InProgress) > 0 {
		wait = sooner(r.opts.ProgressInterval, wait)
	}
	return wait, err
}

// untilFullSync is how long until the next full sync of gs is due.
func (r *Reconciler) untilFullSync(gs *v1alpha1.GitSync) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.nextSync[gs.Namespace+"/"+gs.Name].Sub(r.opts.Clock.Now())
	if d <= 0 {
		return time.Millisecond
	}
	return d
}

// due reports whether a full sync is due for key: none recorded yet (a new
// GitSync, or a restarted ferry), a spec change not yet observed, or the
// interval has passed.
func (r *Reconciler) due(key string, gs *v1alpha1.GitSync, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	next, ok := r.nextSync[key]
	return !ok || gs.Status.ObservedGeneration != gs.Generation || !now.Before(next)
}

// schedule records when the next full sync is due and returns how long to
// wait before looking again: soon while a rollout moves (to keep the
// status live), otherwise the interval with jitter, backed off after
// failures.
func (r *Reconciler) schedule(key string, gs *v1alpha1.GitSync, o Outcome) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.Result == ResultFailed && o.Retryable {
		r.failures[key]++
	} else {
		delete(r.failures, key)
	}
	wait := source.NextPoll(r.opts.Poll, r.interval(gs), r.failures[key], r.rand)
	r.nextSync[key] = r.opts.Clock.Now().Add(wait)
	if o.Health != nil && len(o.Health.InProgress) > 0 && r.opts.ProgressInterval < wait {
		return r.opts.ProgressInterval
	}
	return wait
}

// Forget drops the in-memory schedule of a deleted GitSync.
func (r *Reconciler) Forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.nextSync, key)
	delete(r.failures, key)
	delete(r.calendars, key)
}

// RequestSync makes the next reconcile of key a full sync (a push webhook).
func (r *Reconciler) RequestSync(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextSync[key] = time.Time{}
}

func (r *Reconciler) interval(gs *v1alpha1.GitSync) time.Duration {
	if gs.Spec.Interval != nil && gs.Spec.Interval.Duration > 0 {
		return gs.Spec.Interval.Duration
	}
	return r.opts.Interval
}

func (r *Reconciler) timeout(gs *v1alpha1.GitSync) time.Duration {
	if gs.Spec.Timeout != nil && gs.Spec.Timeout.Duration > 0 {
		return gs.Spec.Timeout.Duration
	}
	return r.opts.Timeout
}

// writeIfChanged writes next as gs's status when it differs, and keeps gs
// (the caller's copy) in step: its status and resourceVersion, so later
// steps of the same reconcile write on top of it.
func (r *Reconciler) writeIfChanged(ctx context.Context, gs *v1alpha1.GitSync, next v1alpha1.GitSyncStatus) error {
	if equality.Semantic.DeepEqual(gs.Status, next) {
		return nil
	}
	out := gs.DeepCopy()
	out.Status = next
	rv, err := writeStatus(ctx, r.dyn, out)
	if err != nil {
		return err
	}
	gs.Status, gs.ResourceVersion = next, rv
	return nil
}

// suspendedStatus only acknowledges the spec: a suspended GitSync keeps
// its last status, so `ferry status` still says what runs.
func suspendedStatus(gs *v1alpha1.GitSync) v1alpha1.GitSyncStatus {
	st := *gs.Status.DeepCopy()
	st.ObservedGeneration = gs.Generation
	return st
}

// event records what changed, once: an event per applied revision or
// failure, not per poll.
func (r *Reconciler) event(gs *v1alpha1.GitSync, o Outcome) {
	if r.recorder == nil {
		return
	}
	prev := gs.Status.LastAttemptedRevision
	switch {
	case o.Result == ResultFailed && (prev != o.Revision || readyReason(gs.Status) != string(o.Reason)):
		r.recorder.Event(gs, corev1.EventTypeWarning, string(o.Reason), fmt.Sprintf("%s: %s", ShortRevision(o.Revision), o.Message))
	case o.Result == ResultApplied:
		r.recorder.Event(gs, corev1.EventTypeNormal, string(ReasonApplied), fmt.Sprintf("%s: %s", ShortRevision(o.Revision), o.Message))
	case o.Result == ResultWaiting && prev != o.Revision:
		r.recorder.Event(gs, corev1.EventTypeNormal, string(ReasonWindowClosed),
			fmt.Sprintf("%s waits for the schedule window until %s", ShortRevision(o.Revision), o.WaitingUntil))
	}
}

func readyReason(st v1alpha1.GitSyncStatus) string {
	for _, c := range st.Conditions {
		if c.Type == TypeReady {
			return c.Reason
		}
	}
	return ""
}
