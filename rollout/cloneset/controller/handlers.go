package controller

import (
	"slices"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// The event handlers turn informer events into queue keys and feed the
// expectations: a pod added or deleted is the observation of the engine's
// own create or delete; every cached version is offered to the version
// expectations.

func (c *Controller) addHandlers() error {
	regs := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{c.caches.cloneSetInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    c.onCloneSet,
			UpdateFunc: c.onCloneSetUpdate,
			DeleteFunc: c.onCloneSetDelete,
		}},
		{c.caches.podInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.onOwned(obj, "pod/", ExpectCreate) },
			UpdateFunc: c.onPodUpdate,
			DeleteFunc: func(obj any) { c.onOwned(obj, "pod/", ExpectDelete) },
		}},
		{c.caches.revisionInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.onOwned(obj, "revision/", ExpectCreate) },
			UpdateFunc: func(_, obj any) { c.onOwned(obj, "revision/", "") },
			DeleteFunc: func(obj any) { c.onOwned(obj, "revision/", ExpectDelete) },
		}},
		{c.caches.claimInf, cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.onOwned(obj, "pvc/", ExpectCreate) },
			DeleteFunc: func(obj any) { c.onOwned(obj, "pvc/", ExpectDelete) },
		}},
	}
	for _, r := range regs {
		if _, err := r.inf.AddEventHandler(r.h); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) onCloneSet(obj any) {
	cs, ok := obj.(*appsv1alpha1.CloneSet)
	if !ok {
		return
	}
	c.versions.Observe(cs.UID, cs.ResourceVersion)
	if key, err := cache.MetaNamespaceKeyFunc(cs); err == nil {
		c.enqueue(key)
	}
}

// onCloneSetUpdate skips updates that changed nothing but status: the
// engine is the status's only writer, and the version expectation already
// makes the next pass wait for its own write. Every other change (spec,
// labels, annotations, deletion) enqueues.
func (c *Controller) onCloneSetUpdate(oldObj, newObj any) {
	old, ok1 := oldObj.(*appsv1alpha1.CloneSet)
	cs, ok2 := newObj.(*appsv1alpha1.CloneSet)
	if !ok1 || !ok2 {
		return
	}
	if statusOnly(old, cs) {
		c.versions.Observe(cs.UID, cs.ResourceVersion)
		return
	}
	c.onCloneSet(cs)
}

func statusOnly(old, cs *appsv1alpha1.CloneSet) bool {
	return old.Generation == cs.Generation && cs.Generation != 0 &&
		labels.Equals(old.Labels, cs.Labels) && labels.Equals(old.Annotations, cs.Annotations) &&
		old.DeletionTimestamp.Equal(cs.DeletionTimestamp) && slices.Equal(old.Finalizers, cs.Finalizers)
}

func (c *Controller) onCloneSetDelete(obj any) {
	m, err := metaOf(obj)
	if err != nil {
		return
	}
	c.versions.Forget(m.GetUID())
	key := m.GetNamespace() + "/" + m.GetName()
	c.scale.Forget(key)
	c.planCost.Delete(key)
	c.enqueue(key)
}

// onOwned handles a pod, revision or PVC event: the owning CloneSet is
// enqueued and the expectation for the object observed. An orphan pod or
// revision enqueues every CloneSet whose selector matches it, which may
// adopt it.
func (c *Controller) onOwned(obj any, kind string, action ScaleAction) {
	m, err := metaOf(obj)
	if err != nil {
		return
	}
	if action == ExpectDelete {
		c.versions.Forget(m.GetUID())
	} else {
		c.versions.Observe(m.GetUID(), m.GetResourceVersion())
	}
	if key, ok := c.ownerKey(m); ok {
		if action != "" {
			c.scale.Observe(key, action, kind+m.GetName())
		}
		c.enqueueBatched(key)
		return
	}
	if metav1.GetControllerOfNoCopy(m) == nil && kind != "pvc/" {
		c.enqueueMatching(m)
	}
}

// onPodUpdate: a pod that starts terminating is, for the engine, deleted
// (it is no longer active); a pod whose controller changed concerns both
// the old and the new owner.
func (c *Controller) onPodUpdate(oldObj, newObj any) {
	oldPod, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 {
		return
	}
	if pod.ResourceVersion == oldPod.ResourceVersion {
		return
	}
	action := ScaleAction("")
	if pod.DeletionTimestamp != nil && oldPod.DeletionTimestamp == nil {
		action = ExpectDelete
	}
	oldRef, newRef := metav1.GetControllerOfNoCopy(oldPod), metav1.GetControllerOfNoCopy(pod)
	if oldRef != nil && (newRef == nil || oldRef.UID != newRef.UID) {
		if key, ok := c.ownerKey(oldPod); ok {
			c.enqueue(key)
		}
	}
	c.versions.Observe(pod.UID, pod.ResourceVersion)
	if key, ok := c.ownerKey(pod); ok {
		if action != "" {
			c.scale.Observe(key, action, "pod/"+pod.Name)
		}
		c.enqueueBatched(key)
		return
	}
	if newRef == nil && (oldRef != nil || !labels.Equals(oldPod.Labels, pod.Labels)) {
		c.enqueueMatching(pod)
	}
}

var cloneSetGroup = appsv1alpha1.SchemeGroupVersion.Group

// ownerKey is the queue key of the CloneSet controlling obj, if that
// CloneSet is in the cache with the same UID.
func (c *Controller) ownerKey(obj metav1.Object) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != "CloneSet" {
		return "", false
	}
	if gv, err := schema.ParseGroupVersion(ref.APIVersion); err != nil || gv.Group != cloneSetGroup {
		return "", false
	}
	cs, err := c.caches.cloneSets.CloneSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || cs.UID != ref.UID {
		return "", false
	}
	return cs.Namespace + "/" + cs.Name, true
}

// enqueueMatching enqueues the CloneSets whose selector matches an orphan.
func (c *Controller) enqueueMatching(obj metav1.Object) {
	list, err := c.caches.cloneSets.CloneSets(obj.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, cs := range list {
		if cs.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(cs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		c.enqueue(cs.Namespace + "/" + cs.Name)
	}
}
