package gitsync

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
)

// Controller feeds GitSyncs to the Reconciler: a GitSync informer (any
// change of a GitSync), a CloneSet informer limited to objects ferry
// applied (their status moves while a batch rolls out, and the GitSync's
// status follows), push webhooks (RequestSync), and timers.
type Controller struct {
	rec       *Reconciler
	queue     workqueue.TypedRateLimitingInterface[string]
	gitsyncs  cache.SharedIndexInformer
	clonesets cache.SharedIndexInformer
	factory   dynamicinformer.DynamicSharedInformerFactory
	workers   int
}

// NewController watches GitSyncs in namespace (all when empty).
func NewController(rec *Reconciler, namespace string) *Controller {
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(rec.dyn, 10*time.Minute, namespace, nil)
	clonesets := dynamicinformer.NewFilteredDynamicInformer(rec.dyn, cloneSetResource, metav1.NamespaceAll, 10*time.Minute,
		cache.Indexers{}, func(o *metav1.ListOptions) { o.LabelSelector = LabelName })
	c := &Controller{
		rec:       rec,
		queue:     workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](), workqueue.TypedRateLimitingQueueConfig[string]{Name: "gitsync"}),
		gitsyncs:  factory.ForResource(v1alpha1.GitSyncResource).Informer(),
		clonesets: clonesets.Informer(),
		factory:   factory,
		workers:   rec.opts.Workers,
	}
	_, _ = c.gitsyncs.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			// Status writes of our own come back as updates; only a spec
			// (generation) or metadata change needs a reconcile.
			o, n := old.(*unstructured.Unstructured), cur.(*unstructured.Unstructured)
			if o.GetAnnotations()[AnnotationRequestedAt] != n.GetAnnotations()[AnnotationRequestedAt] {
				rec.RequestSync(n.GetNamespace() + "/" + n.GetName())
			}
			if o.GetGeneration() != n.GetGeneration() || !equalStrings(o.GetAnnotations(), n.GetAnnotations()) ||
				(o.GetDeletionTimestamp() == nil) != (n.GetDeletionTimestamp() == nil) {
				c.enqueue(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				rec.Forget(key)
			}
		},
	})
	_, _ = c.clonesets.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, cur any) { c.enqueueOwner(cur) },
	})
	return c
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// enqueueOwner maps a CloneSet to the GitSync named by its labels.
func (c *Controller) enqueueOwner(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	l := u.GetLabels()
	if l[LabelName] != "" && l[LabelNamespace] != "" {
		c.queue.Add(l[LabelNamespace] + "/" + l[LabelName])
	}
}

// Run starts the informers and workers and blocks until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	c.factory.Start(ctx.Done())
	go c.clonesets.Run(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.gitsyncs.HasSynced, c.clonesets.HasSynced) {
		return fmt.Errorf("gitsync controller: caches did not sync")
	}
	c.rec.opts.Log.Info("gitsync controller started", "workers", c.workers)
	var wg sync.WaitGroup
	for i := 0; i < c.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	after, err := c.reconcile(ctx, key)
	if err != nil {
		c.rec.opts.Log.Error("reconcile failed", "gitsync", key, "error", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	if after > 0 {
		c.queue.AddAfter(key, after)
	}
	return true
}

func (c *Controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	obj, exists, err := c.gitsyncs.GetStore().GetByKey(key)
	if err != nil {
		return 0, err
	}
	if !exists {
		c.rec.Forget(key)
		return 0, nil
	}
	gs, err := FromUnstructured(obj.(*unstructured.Unstructured))
	if err != nil {
		return 0, err
	}
	after, err := c.rec.Reconcile(ctx, gs)
	if apierrors.IsConflict(err) {
		// The cached GitSync is older than the stored one: a spec change
		// (whose event requeues it anyway) or, as often, this loop's own
		// last status write, whose event does not requeue. Look again once
		// the cache has caught up; returning nothing here once left a
		// GitSync unreconciled until its next spec change.
		return conflictRetry, nil
	}
	return after, err
}

// conflictRetry is how soon a reconcile that lost a write conflict runs
// again.
const conflictRetry = 200 * time.Millisecond
