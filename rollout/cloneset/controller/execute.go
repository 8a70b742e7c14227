package controller

import (
	"context"
	"errors"
	"sync"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	corev1 "k8s.io/api/core/v1"
)

// execute carries out a plan, in the order the planner assumes: lifecycle
// changes and refresh writes, creations (current-revision pods first),
// deletions, updates. A plan holds one kind of mutation (a refresh may come
// with updates), so in practice one of these steps runs. Items are
// independent: they are written in parallel, and every failure is returned.
func (c *Controller) execute(ctx context.Context, p *pass, pl plan.Plan) error {
	if d := pl.ScaleDiff; d.ScaleUpNum > d.ScaleUpLimit {
		c.recorder.Eventf(p.cached, corev1.EventTypeNormal, string(ReasonScaleUpLimited),
			"scaleStrategy.maxUnavailable limits this scale up to %d of %d pods", d.ScaleUpLimit, d.ScaleUpNum)
	}
	limit := c.opts.WriteParallelism
	// Lifecycle changes write labels, annotations and finalizers (and the
	// KruisePodReady condition); refresh items write the InPlaceUpdateReady
	// condition or a grace/template-hash patch. Pods go in parallel; the
	// items of one pod go in order (refresh first), so the object its last
	// write returns has them all (the next pass of a chain plans on it).
	// Updates wait for all of them: an in-place update of a pod refreshed
	// in the same pass must come after its refresh.
	work := byPod(pl)
	errs := []error{
		forEach(ctx, len(work), limit, func(ctx context.Context, i int) error {
			return c.writePodWork(ctx, p, work[i])
		}),
	}
	if len(pl.Creates) > 0 {
		errs = append(errs, c.createPods(ctx, p, pl.Creates))
	}
	errs = append(errs,
		forEach(ctx, len(pl.Deletes), limit, func(ctx context.Context, i int) error {
			return c.deletePod(ctx, p, pl.Deletes[i])
		}),
		forEach(ctx, len(pl.Updates), limit, func(ctx context.Context, i int) error {
			return c.updatePod(ctx, p, pl.Updates[i])
		}),
	)
	return errors.Join(errs...)
}

// podWork is the refresh and lifecycle items of one pod.
type podWork struct {
	refresh   []plan.PodRefresh
	lifecycle *plan.LifecycleChange
}

// writePodWork writes one pod's items in order (refresh first), in one
// status patch when they are the usual pair of a new pod (combined.go).
func (c *Controller) writePodWork(ctx context.Context, p *pass, w *podWork) error {
	if len(w.refresh) == 1 && w.lifecycle != nil {
		if done, err := c.refreshWithLifecycle(ctx, p, w.refresh[0], *w.lifecycle); done || err != nil {
			return err
		}
	}
	for _, r := range w.refresh {
		if err := c.refresh(ctx, p, r); err != nil {
			return err
		}
	}
	if ch := w.lifecycle; ch != nil {
		return c.changeLifecycle(ctx, p, *ch)
	}
	return nil
}

// byPod groups a plan's refresh and lifecycle items by pod, in the order
// the pods first appear.
func byPod(pl plan.Plan) []*podWork {
	var out []*podWork
	index := map[string]*podWork{}
	get := func(name string) *podWork {
		w := index[name]
		if w == nil {
			w = &podWork{}
			index[name] = w
			out = append(out, w)
		}
		return w
	}
	for _, r := range pl.Refresh {
		w := get(r.Pod)
		w.refresh = append(w.refresh, r)
	}
	for i := range pl.Lifecycle {
		get(pl.Lifecycle[i].Pod).lifecycle = &pl.Lifecycle[i]
	}
	return out
}

// forEach runs f for 0..n-1, at most limit at a time, and joins every error.
func forEach(ctx context.Context, n, limit int, f func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	errs := make([]error, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(ctx, i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// slowStart runs f for 0..n-1 in batches of 1, 2, 4, ... (each at most
// limit, run in parallel) and stops after the first batch with an error, so
// that a quota or admission failure costs one request instead of n (Kruise
// and Kubernetes' ReplicaSet controller do the same). done[i] says whether
// f(i) ran and succeeded.
func slowStart(ctx context.Context, n, limit int, f func(ctx context.Context, i int) error) (done []bool, err error) {
	done = make([]bool, n)
	for start, size := 0, 1; start < n; start, size = start+size, min(2*size, max(limit, 1)) {
		size = min(size, n-start)
		err := forEach(ctx, size, limit, func(ctx context.Context, j int) error {
			if err := f(ctx, start+j); err != nil {
				return err
			}
			done[start+j] = true
			return nil
		})
		if err != nil {
			return done, err
		}
	}
	return done, nil
}
