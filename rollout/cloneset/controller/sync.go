package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// staleRetry is how soon a pass that found the cache behind the engine's
// own writes tries again. The informer event that brings the cache up to
// date enqueues the CloneSet anyway; this is the safety net.
const staleRetry = time.Second

func (c *Controller) planCostOf(key string) time.Duration {
	v, _ := c.planCost.Load(key)
	d, _ := v.(time.Duration)
	return d
}

// pass is what one reconcile works on.
type pass struct {
	key        string
	cached     *appsv1alpha1.CloneSet // as cached: status is written onto it
	cs         *appsv1alpha1.CloneSet // with Kruise's defaults filled in
	pods       []*corev1.Pod          // claimed and active
	claimed    []*corev1.Pod          // claimed, active or not (instance ids in use)
	byName     map[string]*corev1.Pod
	pvcs       []*corev1.PersistentVolumeClaim
	revisions  []*appsv1.ControllerRevision
	choice     plan.RevisionChoice
	now        time.Time
	nodeLabels map[string]map[string]string // for topology-spread victim ranking; nil otherwise
	written    *written                     // what this pass's writes returned (see chain.go)
	deleted    map[string]bool              // pods earlier passes of this reconcile deleted
}

func (p *pass) revision(name string) *appsv1.ControllerRevision {
	for _, r := range p.revisions {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// sync reconciles one CloneSet: one pass of the recipe in the package doc.
// It returns when the CloneSet should be looked at again even if no event
// arrives (0: only on events).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.caches.cloneSets.CloneSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.scale.Forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cloneset %s: %w", key, err)
	}
	if cached.DeletionTimestamp != nil {
		return 0, nil // the garbage collector removes its pods
	}

	// 1. the cache must show the engine's own earlier writes
	if ok, wait := c.scale.Satisfied(key); !ok {
		c.metrics.waits.Add(1)
		return wait, nil
	}
	if c.cacheBehind(key) {
		c.metrics.waits.Add(1)
		return staleRetry, nil
	}
	now := c.opts.Now()
	cs := plan.WithDefaults(cached)

	// 2. a CloneSet Kruise would reject is not acted on
	if errs := plan.Validate(cs); len(errs) > 0 {
		return 0, c.reportInvalid(ctx, cached, errs, now)
	}

	// 3. claim pods and revisions
	started := time.Now()
	p, stale, err := c.load(ctx, key, cached, cs, now)
	if err != nil || stale {
		return staleRetry, err
	}

	// 4. revisions
	if err := c.syncRevisions(ctx, p); err != nil {
		c.recorder.Eventf(cached, corev1.EventTypeWarning, string(ReasonFailedRevision), "%v", err)
		return 0, err
	}

	// 5. plan one pass and carry it out
	result, planErr := c.planPass(p)
	c.planCost.Store(key, time.Since(started))
	c.metrics.observePhase(string(result.Phase))
	var podErr *plan.PodError
	if planErr != nil && !errors.As(planErr, &podErr) {
		return 0, planErr
	}
	// 6. status (computed from the pods as read, so it is written while
	// the plan is carried out: one API round trip less per pass). While a
	// FailedScale or FailedUpdate condition stands, it waits for the
	// outcome instead: an early write would drop the condition and the
	// late one put it back, two writes and a flicker per failing pass.
	first := outcome{phase: result.Phase, planErr: planErr}
	early := !hasFailure(cached.Status.Conditions)
	statusDone := make(chan error, 1)
	if early {
		go func() { statusDone <- c.writeStatus(ctx, p, first) }()
	} else {
		statusDone <- nil
	}
	execErr := c.executeLogged(ctx, p, result)

	// 7. the passes that follow, planned on this pass's writes (chain.go)
	last, firstPlanErr := p, planErr
	for range maxChain - 1 {
		if planErr != nil || !canChain(last, result, execErr) {
			break
		}
		next := last.next(c.opts.Now())
		nextResult, nextErr := c.planPass(next)
		if nextErr != nil && !errors.As(nextErr, &podErr) {
			break // the next reconcile plans it again from the cache and reports it
		}
		result, planErr = nextResult, nextErr
		if result.IsEmpty() {
			break
		}
		c.metrics.chained.Add(1)
		c.metrics.observePhase(string(result.Phase))
		last = next
		execErr = c.executeLogged(ctx, last, result)
	}
	statusErr := <-statusDone
	switch {
	case execErr != nil || planErr != firstPlanErr:
		// the failure belongs in FailedScale/FailedUpdate: write it too
		statusErr = errors.Join(statusErr, c.writeStatus(ctx, p, outcome{phase: result.Phase, planErr: planErr, execErr: execErr}))
	case !early:
		statusErr = c.writeStatus(ctx, p, first)
	}
	// 8. podsToDelete and history, judged on the pods as read: a pod deleted
	// by this reconcile may still be terminating
	truncErr := c.truncatePodsToDelete(ctx, p)
	histErr := c.truncateHistory(ctx, p)
	return result.RequeueAfter, errors.Join(execErr, statusErr, truncErr, histErr)
}

// planPass runs the planner on a pass.
func (c *Controller) planPass(p *pass) (plan.Plan, error) {
	return plan.Pass(c.planInput(p))
}

// planInput is what the planner reads of a pass.
func (c *Controller) planInput(p *pass) plan.Input {
	return plan.Input{
		CloneSet:        p.cs,
		Pods:            p.pods,
		Revisions:       p.revisions,
		CurrentRevision: p.choice.Current,
		UpdateRevision:  p.choice.Update,
		NodeLabels:      p.nodeLabels,
		Now:             p.now,
		Options:         c.opts.Plan,
	}
}

// executeLogged carries out a plan and logs the pass at debug level.
func (c *Controller) executeLogged(ctx context.Context, p *pass, result plan.Plan) error {
	start := time.Now()
	err := c.execute(ctx, p, result)
	c.opts.Log.Debug("pass", "cloneset", p.key, "phase", result.Phase, "pods", len(p.pods),
		"read+plan", c.planCostOf(p.key), "write", time.Since(start), "creates", len(result.Creates), "deletes", len(result.Deletes),
		"updates", len(result.Updates), "lifecycle", len(result.Lifecycle), "refresh", len(result.Refresh))
	return err
}

// load reads what a pass needs from the caches, claiming pods and revisions
// on the way. stale reports that a pod or revision is older in the cache
// than the engine's own last write to it.
func (c *Controller) load(ctx context.Context, key string, cached, cs *appsv1alpha1.CloneSet, now time.Time) (*pass, bool, error) {
	sel, err := metav1.LabelSelectorAsSelector(cs.Spec.Selector)
	if err != nil {
		return nil, false, fmt.Errorf("cloneset %s: spec.selector: %w", key, err)
	}
	claimed, err := c.claimPods(ctx, cs, sel)
	if err != nil {
		return nil, false, err
	}
	revs, err := c.claimRevisions(ctx, cs, sel)
	if err != nil {
		return nil, false, err
	}
	pvcs, err := owned[*corev1.PersistentVolumeClaim](c.caches.claimInf, cs.UID)
	if err != nil {
		return nil, false, err
	}
	p := &pass{key: key, cached: cached, cs: cs, claimed: claimed, pvcs: pvcs, revisions: revs, now: now,
		byName: make(map[string]*corev1.Pod, len(claimed)), nodeLabels: c.nodeLabels(cs), written: newWritten()}
	for _, pod := range claimed {
		if !c.versions.Satisfied(pod.UID, pod.ResourceVersion) {
			return nil, true, nil
		}
		if isActive(pod) {
			p.pods = append(p.pods, pod)
			p.byName[pod.Name] = pod
		}
	}
	for _, r := range revs {
		if !c.versions.Satisfied(r.UID, r.ResourceVersion) {
			return nil, true, nil
		}
	}
	return p, false, nil
}

// cacheBehind reports whether an object the engine wrote for the CloneSet
// is older in the cache than the write. It reads only the few objects with
// writes in flight, so a pass that has to wait costs next to nothing.
func (c *Controller) cacheBehind(key string) bool {
	for _, ref := range c.versions.Pending(key) {
		var obj metav1.Object
		var err error
		switch ref.Kind {
		case kindPod:
			obj, err = c.caches.pods.Pods(ref.Namespace).Get(ref.Name)
		case kindCloneSet:
			obj, err = c.caches.cloneSets.CloneSets(ref.Namespace).Get(ref.Name)
		case kindRevision:
			obj, err = c.caches.revisions.ControllerRevisions(ref.Namespace).Get(ref.Name)
		}
		switch {
		case apierrors.IsNotFound(err), err == nil && obj.GetUID() != ref.UID:
			c.versions.Forget(ref.UID) // gone: nothing left to wait for
		case err != nil:
			return true
		case !c.versions.Satisfied(ref.UID, obj.GetResourceVersion()):
			return true
		}
	}
	return false
}

// Kinds of objects the engine writes, for ObjectRef.
const (
	kindPod      = "pod"
	kindCloneSet = "cloneset"
	kindRevision = "revision"
)

func refOf(kind string, obj metav1.Object) ObjectRef {
	return ObjectRef{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID()}
}

// isActive is Kubernetes' IsPodActive: not finished and not terminating.
// Only active pods count anywhere in the plan.
func isActive(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed && pod.DeletionTimestamp == nil
}

// nodeLabels are only needed to rank scale-in victims of a CloneSet whose
// template spreads pods by topology.
func (c *Controller) nodeLabels(cs *appsv1alpha1.CloneSet) map[string]map[string]string {
	if len(cs.Spec.Template.Spec.TopologySpreadConstraints) == 0 {
		return nil
	}
	nodes, err := c.caches.nodes.List(labels.Everything())
	if err != nil {
		return nil
	}
	out := make(map[string]map[string]string, len(nodes))
	for _, n := range nodes {
		out[n.Name] = n.Labels
	}
	return out
}
