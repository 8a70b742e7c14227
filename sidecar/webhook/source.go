package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ferry-gitops/ferry/sidecar"
)

// SidecarSetResource is the cluster-scoped OpenKruise SidecarSet resource.
var SidecarSetResource = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}

// ClusterSource serves SidecarSets and Namespaces from informer caches, so an
// admission never waits for the API server. SidecarSets are read through the
// dynamic client (kruise-api's generated clientset targets an older
// client-go) and converted to the typed object as they enter the cache; each
// is prepared (defaulted, validated, hashed) once per resourceVersion. An
// invalid SidecarSet, which Kruise's own admission would have refused, is
// logged and not injected.
type ClusterSource struct {
	sets       cache.SharedIndexInformer
	namespaces cache.SharedIndexInformer
	log        *slog.Logger

	mu       sync.Mutex
	prepared map[string]preparedEntry // by name
}

type preparedEntry struct {
	resourceVersion string
	prepared        *sidecar.Prepared // nil if invalid
}

// NewClusterSource sets up the informers; Start runs them.
func NewClusterSource(dyn dynamic.Interface, kube kubernetes.Interface, resync time.Duration, log *slog.Logger) (*ClusterSource, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sets := dynamicinformer.NewDynamicSharedInformerFactory(dyn, resync).ForResource(SidecarSetResource).Informer()
	if err := sets.SetTransform(toSidecarSet); err != nil {
		return nil, fmt.Errorf("SidecarSet informer: %w", err)
	}
	namespaces := informers.NewSharedInformerFactory(kube, resync).Core().V1().Namespaces().Informer()
	return &ClusterSource{sets: sets, namespaces: namespaces, log: log, prepared: map[string]preparedEntry{}}, nil
}

// toSidecarSet converts SidecarSets to the typed object on their way into the
// cache; tombstones and anything else pass through.
func toSidecarSet(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	set := &appsv1alpha1.SidecarSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, set); err != nil {
		return nil, fmt.Errorf("SidecarSet %s: %w", u.GetName(), err)
	}
	return set, nil
}

// Start runs the informers until ctx ends.
func (s *ClusterSource) Start(ctx context.Context) {
	go s.sets.RunWithContext(ctx)
	go s.namespaces.RunWithContext(ctx)
}

// HasSynced reports whether both caches hold a full listing.
func (s *ClusterSource) HasSynced() bool {
	return s.sets.HasSynced() && s.namespaces.HasSynced()
}

// WaitForSync blocks until the caches are synced or ctx ends.
func (s *ClusterSource) WaitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), s.sets.HasSynced, s.namespaces.HasSynced)
}

// Prepared returns the valid SidecarSets in the cache, prepared.
func (s *ClusterSource) Prepared() []*sidecar.Prepared {
	objs := s.sets.GetStore().List()
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(objs))
	out := make([]*sidecar.Prepared, 0, len(objs))
	for _, obj := range objs {
		set, ok := obj.(*appsv1alpha1.SidecarSet)
		if !ok {
			continue
		}
		seen[set.Name] = true
		e, ok := s.prepared[set.Name]
		if !ok || e.resourceVersion != set.ResourceVersion {
			p, err := sidecar.Prepare(set)
			if err != nil {
				s.log.Warn("SidecarSet not injected", "sidecarSet", set.Name, "err", err)
			}
			e = preparedEntry{resourceVersion: set.ResourceVersion, prepared: p}
			s.prepared[set.Name] = e
		}
		if e.prepared != nil {
			out = append(out, e.prepared)
		}
	}
	for name := range s.prepared {
		if !seen[name] {
			delete(s.prepared, name)
		}
	}
	return out
}

// Namespace returns a namespace's labels from the cache.
func (s *ClusterSource) Namespace(name string) (sidecar.NamespaceInfo, bool) {
	obj, ok, err := s.namespaces.GetStore().GetByKey(name)
	if err != nil || !ok {
		return sidecar.NamespaceInfo{}, false
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return sidecar.NamespaceInfo{}, false
	}
	return sidecar.NamespaceInfo{Name: ns.Name, Labels: ns.Labels}, true
}
