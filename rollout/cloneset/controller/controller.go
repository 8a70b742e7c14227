package controller

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	kruiseclient "github.com/openkruise/kruise-api/client/clientset/versioned"
	kruisescheme "github.com/openkruise/kruise-api/client/clientset/versioned/scheme"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// Clients are the API clients the engine writes with.
type Clients struct {
	Kube   kubernetes.Interface
	Kruise kruiseclient.Interface
}

// NewClients builds the clients from a rest config, with FieldManager as
// the user agent. The Kubernetes client speaks protobuf, as
// kube-controller-manager does: pods are most of the engine's traffic, and
// protobuf is several times cheaper for the API server to decode and
// encode than JSON; its watch events are encoded once for every protobuf
// watcher (the scheduler, the controller manager, the engine), while a
// JSON watcher costs the API server a second encoding of each. CloneSets
// are custom resources, which only speak JSON.
func NewClients(cfg *rest.Config) (Clients, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = FieldManager
	pb := rest.CopyConfig(cfg)
	pb.ContentType = runtime.ContentTypeProtobuf
	pb.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	kube, err := kubernetes.NewForConfig(pb)
	if err != nil {
		return Clients{}, fmt.Errorf("kubernetes client: %w", err)
	}
	kruise, err := kruiseclient.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("kruise client: %w", err)
	}
	return Clients{Kube: kube, Kruise: kruise}, nil
}

// Controller runs CloneSets: the client-go controller shape around the
// pure planner.
type Controller struct {
	clients  Clients
	opts     Options
	caches   *caches
	queue    workqueue.TypedRateLimitingInterface[string]
	scale    *ScaleExpectations
	versions *VersionExpectations
	events   record.EventBroadcaster
	recorder record.EventRecorder
	metrics  *Metrics
	ready    atomic.Bool
	planCost sync.Map // key -> time.Duration the last pass spent reading and planning
}

// New wires a controller. Nothing runs until Run.
func New(clients Clients, opts Options) (*Controller, error) {
	opts = opts.withDefaults()
	caches, err := newCaches(clients.Kube, clients.Kruise, opts.Namespace)
	if err != nil {
		return nil, err
	}
	events := record.NewBroadcaster()
	c := &Controller{
		clients: clients,
		opts:    opts,
		caches:  caches,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "cloneset"}),
		scale:    NewScaleExpectations(opts.Now, opts.ExpectationTimeout),
		versions: NewVersionExpectations(opts.Now, opts.ExpectationTimeout),
		events:   events,
		recorder: events.NewRecorder(kruisescheme.Scheme, corev1.EventSource{Component: FieldManager}), // events are about CloneSets
		metrics:  opts.Metrics,
	}
	if err := c.addHandlers(); err != nil {
		return nil, err
	}
	return c, nil
}

// Metrics returns the controller's counters.
func (c *Controller) Metrics() *Metrics { return c.metrics }

// Ready reports whether the caches have synced and workers run.
func (c *Controller) Ready() bool { return c.ready.Load() }

// Run starts the informers, waits for them to sync, and reconciles with
// opts.Workers workers until ctx ends; then it drains: the workers finish
// the pass they are in (their API calls are cancelled with ctx) and Run
// returns once every goroutine it started has stopped. A Controller runs once.
func (c *Controller) Run(ctx context.Context) error {
	log := c.opts.Log
	c.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.clients.Kube.CoreV1().Events("")})
	defer c.events.Shutdown()
	defer c.caches.shutdown()
	defer c.queue.ShutDown()

	log.Info("cloneset engine starting", "namespace", c.opts.Namespace, "workers", c.opts.Workers)
	if err := c.caches.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	for range c.opts.Workers {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	c.ready.Store(true)
	<-ctx.Done()
	c.ready.Store(false)
	c.queue.ShutDown()
	wg.Wait()
	log.Info("cloneset engine stopped")
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	start := time.Now()
	after, err := c.sync(ctx, key)
	c.metrics.observeSync(time.Since(start), err)
	switch {
	case ctx.Err() != nil:
		// shutting down: the next leader starts from fresh caches
	case err != nil:
		c.opts.Log.Error("reconcile failed", "cloneset", key, "error", err)
		c.queue.AddRateLimited(key)
	default:
		c.queue.Forget(key)
		if after > 0 {
			c.queue.AddAfter(key, after)
		}
	}
	return true
}

func (c *Controller) enqueue(key string) { c.queue.Add(key) }

// enqueueBatched enqueues key after the batching delay (see
// Options.BatchFactor).
func (c *Controller) enqueueBatched(key string) {
	delay := min(time.Duration(c.opts.BatchFactor*float64(c.planCostOf(key))), c.opts.MaxBatchDelay)
	if delay < time.Millisecond {
		c.queue.Add(key)
		return
	}
	c.queue.AddAfter(key, delay)
}
