package apply

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager of every write ferry
// makes to the objects it syncs from git.
const FieldManager = "ferry"

// Options configure a Manager.
type Options struct {
	// FieldManager names ferry in managedFields.
	FieldManager string
	// PollInterval is how often Wait (and the wait for CRDs) re-reads objects.
	PollInterval time.Duration
	// Concurrency bounds the requests in flight for objects of one kind. The
	// kind order is kept: kinds are written one after the other.
	Concurrency int
}

// DefaultOptions returns the options ferry runs with.
func DefaultOptions() Options {
	return Options{FieldManager: FieldManager, PollInterval: 500 * time.Millisecond, Concurrency: 8}
}

// Manager applies sets of objects with server-side apply, prunes what left
// git, and reads health. It holds a dynamic client and a discovery-backed
// RESTMapper; it is safe for concurrent use.
type Manager struct {
	client dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
	opts   Options
}

// NewManager builds a Manager from a rest.Config. A config without rate
// limits gets 50 QPS / 100 burst instead of client-go's 5 / 10, which would
// make applying a hundred objects take many seconds.
func NewManager(cfg *rest.Config, opts Options) (*Manager, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	return NewManagerFor(client, disc, opts), nil
}

// NewManagerFor builds a Manager from clients the caller already has.
func NewManagerFor(client dynamic.Interface, disc discovery.DiscoveryInterface, opts Options) *Manager {
	def := DefaultOptions()
	if opts.FieldManager == "" {
		opts.FieldManager = def.FieldManager
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = def.PollInterval
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	return &Manager{
		client: client,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
		opts:   opts,
	}
}

// resource returns the client for an object's resource and namespace.
func (m *Manager) resource(mapping *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		return m.client.Resource(mapping.Resource).Namespace(namespace)
	}
	return m.client.Resource(mapping.Resource)
}

// Client is the dynamic client the manager reads and writes with (an
// impersonating one for a GitSync's service account), for callers that
// must read as the manager does.
func (m *Manager) Client() dynamic.Interface { return m.client }

// get reads the live object; a missing object is (nil, nil).
func (m *Manager) get(ctx context.Context, mapping *meta.RESTMapping, ref ObjectRef) (*unstructured.Unstructured, error) {
	live, err := m.resource(mapping, ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return live, err
}

// serverApply sends obj as a server-side apply patch; with dryRun the
// apiserver runs defaulting, validation and admission and returns the
// result without storing it. Force takes over fields another manager set:
// git is the source of truth for every field ferry declares.
func (m *Manager) serverApply(ctx context.Context, mapping *meta.RESTMapping, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	opts := metav1.ApplyOptions{FieldManager: m.opts.FieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return m.resource(mapping, obj.GetNamespace()).Apply(ctx, obj.GetName(), obj, opts)
}

// forEach runs fn(i) for i in [0, n) with at most limit calls at once.
func forEach(n, limit int, fn func(i int)) {
	if limit <= 1 || n <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
