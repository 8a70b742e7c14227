package gitsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/advance"
	"github.com/ferry-gitops/ferry/rollout/batch"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/source"
)

// advanceBatches is the last step of the recipe. On a tick of
// spec.schedule.advance, when a window is open and every CloneSet's current
// batch has been healthy for requireHealthyFor, ferry commits the next batch
// of each to git itself, with the same code as `ferry advance`; the next
// sync applies it. Git stays the only writer of desired state.
//
// The tick is recorded as evaluated (status.schedule.lastEvaluated) before
// anything is committed, so a tick commits at most once even if ferry dies
// in between; the target batch is fixed when the tick is decided, so a
// retried commit of a batch that did land changes nothing.
//
// It returns when to look again (the next tick), or zero.
func (r *Reconciler) advanceBatches(ctx context.Context, gs *v1alpha1.GitSync) (time.Duration, error) {
	cal, err := r.calendar(gs)
	if err != nil || cal == nil || len(gs.Spec.Schedule.Advance) == 0 || gs.Status.LastAppliedRevision == "" {
		return 0, nil
	}
	now := r.opts.Clock.Now()
	candidates, healthySince := advanceCandidates(gs.Status.Batches)
	var last time.Time
	if st := gs.Status.Schedule; st != nil && st.LastEvaluated != nil {
		last = st.LastEvaluated.Time
	}
	d := cal.Decide(schedule.AdvanceInput{Now: now, LastEvaluated: last, HealthySince: healthySince, Done: len(candidates) == 0})
	wait := time.Duration(0)
	if !d.NextTick.IsZero() {
		wait = d.NextTick.Sub(now)
	}
	if !d.EvaluatedThrough.IsZero() && !d.EvaluatedThrough.Equal(last) {
		next := gs.Status.DeepCopy()
		if next.Schedule == nil {
			next.Schedule = &schedule.Status{}
		}
		next.Schedule.LastEvaluated = metaTimePtr(d.EvaluatedThrough)
		if err := r.writeIfChanged(ctx, gs, *next); err != nil {
			return 0, err
		}
	}
	if !d.Advance {
		if d.Trigger >= 0 && d.Reason != schedule.ReasonDone {
			r.eventf(gs, corev1.EventTypeNormal, ReasonAdvanceSkipped, "advance tick %s skipped: %s", d.Tick.Format(time.RFC3339), d.Reason)
		}
		return wait, nil
	}
	w, setupErr := r.writer(ctx, gs, now)
	committed := false
	for _, b := range candidates {
		ok, err := false, setupErr // a tick that cannot commit fails every candidate
		if err == nil {
			ok, err = r.commitNextBatch(ctx, gs, w, b)
		}
		if err != nil {
			r.eventf(gs, corev1.EventTypeWarning, ReasonAdvanceFailed, "CloneSet %s/%s: %v", b.Namespace, b.Name, err)
			continue
		}
		committed = committed || ok
	}
	if committed {
		r.RequestSync(gs.Namespace + "/" + gs.Name)
		return time.Millisecond, nil // sync the new commit now
	}
	return wait, nil
}

// advanceCandidates are the CloneSets with a batch plan that is not done;
// healthySince is when the last of them became healthy, zero when any is
// not healthy.
func advanceCandidates(bs []v1alpha1.BatchStatus) ([]v1alpha1.BatchStatus, time.Time) {
	var out []v1alpha1.BatchStatus
	var since time.Time
	healthy := true
	for _, b := range bs {
		if b.Batch == nil || *b.Batch >= b.Of {
			continue
		}
		out = append(out, b)
		if !b.Healthy || b.HealthySince == nil {
			healthy = false
			continue
		}
		if b.HealthySince.Time.After(since) {
			since = b.HealthySince.Time
		}
	}
	if !healthy {
		since = time.Time{}
	}
	return out, since
}

// advanceWriter is what every advance commit of one tick shares: where
// and as whom to commit, and the commit the branch must be at. That is the
// revision ferry applied last, then each commit the tick itself made: ferry
// never commits on top of a commit it has not applied (one its
// verification refused, or one that arrived since the last sync), because
// its own signed commit would then carry that commit in.
type advanceWriter struct {
	branch   string
	wb       source.WriteBackRequest
	snapshot advance.SnapshotFunc
	expect   string // hash the branch must be at
}

// writer prepares the tick's commits: branch, credentials and signing key
// are read once, not per CloneSet. An error means no commit can be made
// this tick.
func (r *Reconciler) writer(ctx context.Context, gs *v1alpha1.GitSync, now time.Time) (*advanceWriter, error) {
	branch := sourceRef(gs.Spec.Ref).Branch
	if branch == "" {
		return nil, fmt.Errorf("spec.ref follows a tag or commit; ferry can only commit to a branch")
	}
	auth, err := advance.GitSyncAuth(ctx, r.kube, gs, gs.Spec.URL)
	if err != nil {
		return nil, err
	}
	signKey, err := r.signingKey(ctx, gs)
	if err != nil {
		return nil, err
	}
	return &advanceWriter{
		branch:   branch,
		wb:       source.WriteBackRequest{URL: gs.Spec.URL, Auth: auth, Branch: branch, When: now, Push: true, Timeout: r.timeout(gs), SignKey: signKey},
		snapshot: advance.RemoteSnapshot(r.fetcher, gs.Spec.URL, branch, auth),
		expect:   source.RevisionHash(gs.Status.LastAppliedRevision),
	}, nil
}

// commitNextBatch commits batch+1 of one CloneSet to the GitSync's branch.
func (r *Reconciler) commitNextBatch(ctx context.Context, gs *v1alpha1.GitSync, w *advanceWriter, b v1alpha1.BatchStatus) (bool, error) {
	snapshot := func(ctx context.Context) (*object.Commit, error) {
		c, err := w.snapshot(ctx)
		if err == nil && c.Hash.String() != w.expect {
			return nil, fmt.Errorf("branch %s is at %s, not at %s, the revision ferry applied: ferry advances only on top of what it applied",
				w.branch, ShortRevision(c.Hash.String()), ShortRevision(w.expect))
		}
		return c, err
	}
	opts := r.opts.Render
	opts.DefaultNamespace = gs.Namespace
	target := int(*b.Batch) + 1
	ch, res, err := advance.Run(ctx, snapshot,
		advance.Request{Revision: w.branch, Path: gs.Spec.Path, Namespace: b.Namespace, Name: b.Name,
			Target: advance.ToBatch(target), Render: &opts}, w.wb)
	if errors.Is(err, batch.ErrAlreadyAtBatch) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if res.Changed {
		w.expect = res.Hash.String()
	}
	r.eventf(gs, corev1.EventTypeNormal, ReasonBatchAdvanced, "CloneSet %s/%s: %s; committed %s %q",
		b.Namespace, b.Name, ch.Step.String(), res.Hash.String()[:7], ch.Message())
	return res.Changed, nil
}

func (r *Reconciler) eventf(gs *v1alpha1.GitSync, typ string, reason Reason, format string, args ...any) {
	r.opts.Log.Info(fmt.Sprintf(format, args...), "gitsync", gs.Namespace+"/"+gs.Name, "reason", reason)
	if r.recorder != nil {
		r.recorder.Eventf(gs, typ, string(reason), format, args...)
	}
}

func metaTimePtr(t time.Time) *metav1.Time {
	m := metav1.NewTime(t)
	return &m
}

// signingKey is the key ferry signs its advance commits with: none when
// the GitSync does not verify commits; the key of spec.verify.signingKeyRef
// when it does. A verified GitSync without one does not advance, since
// ferry would refuse its own unsigned commit at the next sync and the
// rollout would stall on it.
func (r *Reconciler) signingKey(ctx context.Context, gs *v1alpha1.GitSync) (source.CommitSigner, error) {
	v := gs.Spec.Verify
	if v == nil {
		return nil, nil
	}
	if v.SigningKeyRef == nil {
		return nil, fmt.Errorf("spec.verify requires signed commits and spec.verify.signingKeyRef is not set: " +
			"an unsigned advance commit would not be applied")
	}
	data, err := secretData(ctx, r.kube, gs.Namespace, v.SigningKeyRef.Name)
	if err != nil {
		return nil, fmt.Errorf("spec.verify.signingKeyRef: %w", err)
	}
	key, err := source.SigningKeyFromSecret(data)
	if err != nil {
		return nil, fmt.Errorf("spec.verify.signingKeyRef: Secret %s/%s: %w", gs.Namespace, v.SigningKeyRef.Name, err)
	}
	return key, nil
}
