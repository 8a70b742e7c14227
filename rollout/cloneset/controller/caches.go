package controller

import (
	"context"
	"fmt"

	kruiseclient "github.com/openkruise/kruise-api/client/clientset/versioned"
	kruiseinformers "github.com/openkruise/kruise-api/client/informers/externalversions"
	kruiselisters "github.com/openkruise/kruise-api/client/listers/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// indexController indexes pods, PVCs and revisions by the UID of their
// controller, so a reconcile finds what a CloneSet owns without scanning
// the namespace.
const indexController = "controllerUID"

// indexOrphan indexes objects that have no controller by namespace: the
// candidates for adoption, usually none.
const indexOrphan = "orphan"

// caches are the informers the engine reads from. Nothing in them may be
// mutated: DeepCopy first (the plan's object builders do).
type caches struct {
	kubeFactory   informers.SharedInformerFactory
	kruiseFactory kruiseinformers.SharedInformerFactory

	cloneSets   kruiselisters.CloneSetLister
	cloneSetInf cache.SharedIndexInformer
	pods        corelisters.PodLister
	podInf      cache.SharedIndexInformer
	revisions   appslisters.ControllerRevisionLister
	revisionInf cache.SharedIndexInformer
	claimInf    cache.SharedIndexInformer
	nodes       corelisters.NodeLister
	synced      []cache.InformerSynced
	started     bool
}

func newCaches(kube kubernetes.Interface, kruise kruiseclient.Interface, namespace string) (*caches, error) {
	c := &caches{}
	c.kubeFactory = informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithNamespace(namespace), informers.WithTransform(stripManagedFields))
	c.kruiseFactory = kruiseinformers.NewSharedInformerFactoryWithOptions(kruise, 0,
		kruiseinformers.WithNamespace(namespace), kruiseinformers.WithTransform(stripManagedFields))

	csi := c.kruiseFactory.Apps().V1alpha1().CloneSets()
	c.cloneSets, c.cloneSetInf = csi.Lister(), csi.Informer()
	pi := c.kubeFactory.Core().V1().Pods()
	c.pods, c.podInf = pi.Lister(), pi.Informer()
	ri := c.kubeFactory.Apps().V1().ControllerRevisions()
	c.revisions, c.revisionInf = ri.Lister(), ri.Informer()
	ci := c.kubeFactory.Core().V1().PersistentVolumeClaims()
	c.claimInf = ci.Informer()
	ni := c.kubeFactory.Core().V1().Nodes()
	c.nodes = ni.Lister()

	for _, inf := range []cache.SharedIndexInformer{c.podInf, c.revisionInf, c.claimInf} {
		if err := inf.AddIndexers(cache.Indexers{indexController: byControllerUID, indexOrphan: orphanByNamespace}); err != nil {
			return nil, fmt.Errorf("add controller index: %w", err)
		}
	}
	c.synced = []cache.InformerSynced{c.cloneSetInf.HasSynced, c.podInf.HasSynced, c.revisionInf.HasSynced,
		c.claimInf.HasSynced, ni.Informer().HasSynced}
	return c, nil
}

// stripManagedFields drops metadata.managedFields from cached objects: the
// engine never reads them, and at a thousand pods they are most of the
// cache's memory.
func stripManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

func byControllerUID(obj any) ([]string, error) {
	m, err := metaOf(obj)
	if err != nil {
		return nil, err
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

func orphanByNamespace(obj any) ([]string, error) {
	m, err := metaOf(obj)
	if err != nil {
		return nil, err
	}
	if metav1.GetControllerOfNoCopy(m) == nil {
		return []string{m.GetNamespace()}, nil
	}
	return nil, nil
}

func metaOf(obj any) (metav1.Object, error) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("object of type %T has no metadata", obj)
	}
	return m, nil
}

// start runs the informers until ctx ends and waits for their first list.
func (c *caches) start(ctx context.Context) error {
	c.kubeFactory.Start(ctx.Done())
	c.kruiseFactory.Start(ctx.Done())
	c.started = true
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return fmt.Errorf("wait for caches to sync: %w", ctx.Err())
	}
	return nil
}

// shutdown waits for the informer goroutines to end (after ctx ended).
func (c *caches) shutdown() {
	if !c.started {
		return
	}
	c.kubeFactory.Shutdown()
	c.kruiseFactory.Shutdown()
}

// owned returns the objects in an informer whose controller has the UID.
func owned[T any](inf cache.SharedIndexInformer, uid types.UID) ([]T, error) {
	return byIndex[T](inf, indexController, string(uid))
}

// orphansIn returns the objects in a namespace that have no controller.
func orphansIn[T any](inf cache.SharedIndexInformer, namespace string) ([]T, error) {
	return byIndex[T](inf, indexOrphan, namespace)
}

func byIndex[T any](inf cache.SharedIndexInformer, index, value string) ([]T, error) {
	objs, err := inf.GetIndexer().ByIndex(index, value)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out, nil
}
