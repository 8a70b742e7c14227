package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// claimAction is what a CloneSet does with a pod or revision it could own.
type claimAction int

const (
	claimIgnore  claimAction = iota // another controller's, or not a candidate
	claimKeep                       // controlled and matching
	claimAdopt                      // an orphan matching the selector
	claimRelease                    // controlled but no longer matching
)

// decideClaim is the Kubernetes controller-ref rule:
//
//	controlled by another owner                  ignore
//	controlled by us, matches                    keep
//	controlled by us, does not match             release (ignore while we are being deleted)
//	orphan, matches, neither side terminating    adopt
//	anything else                                ignore
func decideClaim(owner, obj metav1.Object, matches bool) claimAction {
	ref := metav1.GetControllerOfNoCopy(obj)
	switch {
	case ref != nil && ref.UID != owner.GetUID():
		return claimIgnore
	case ref != nil && matches:
		return claimKeep
	case ref != nil && owner.GetDeletionTimestamp() != nil:
		return claimIgnore
	case ref != nil:
		return claimRelease
	case !matches || obj.GetDeletionTimestamp() != nil || owner.GetDeletionTimestamp() != nil:
		return claimIgnore
	default:
		return claimAdopt
	}
}

// claimPods returns the pods the CloneSet controls after adopting matching
// orphans and releasing controlled pods that no longer match.
func (c *Controller) claimPods(ctx context.Context, cs *appsv1alpha1.CloneSet, sel labels.Selector) ([]*corev1.Pod, error) {
	ownedPods, err := owned[*corev1.Pod](c.caches.podInf, cs.UID)
	if err != nil {
		return nil, err
	}
	orphans, err := orphansIn[*corev1.Pod](c.caches.podInf, cs.Namespace)
	if err != nil {
		return nil, err
	}
	check := c.adoptionCheck(ctx, cs)
	out := make([]*corev1.Pod, 0, len(ownedPods))
	for _, pod := range append(ownedPods, orphans...) {
		switch decideClaim(cs, pod, sel.Matches(labels.Set(pod.Labels))) {
		case claimKeep:
			out = append(out, pod)
		case claimAdopt:
			if err := check(); err != nil {
				return nil, err
			}
			got, err := c.patchOwnerRef(ctx, cs, pod, true, c.podPatcher(cs.Namespace))
			if err != nil {
				return nil, err
			}
			if got != nil {
				out = append(out, got.(*corev1.Pod))
			}
		case claimRelease:
			if _, err := c.patchOwnerRef(ctx, cs, pod, false, c.podPatcher(cs.Namespace)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// claimRevisions does the same for ControllerRevisions, whose labels are
// the template's.
func (c *Controller) claimRevisions(ctx context.Context, cs *appsv1alpha1.CloneSet, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	ownedRevs, err := owned[*appsv1.ControllerRevision](c.caches.revisionInf, cs.UID)
	if err != nil {
		return nil, err
	}
	orphans, err := orphansIn[*appsv1.ControllerRevision](c.caches.revisionInf, cs.Namespace)
	if err != nil {
		return nil, err
	}
	check := c.adoptionCheck(ctx, cs)
	patch := func(ctx context.Context, name string, data []byte) (metav1.Object, error) {
		return c.clients.Kube.AppsV1().ControllerRevisions(cs.Namespace).Patch(ctx, name, types.StrategicMergePatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager})
	}
	var out []*appsv1.ControllerRevision
	for _, r := range append(ownedRevs, orphans...) {
		switch decideClaim(cs, r, sel.Matches(labels.Set(r.Labels))) {
		case claimKeep:
			out = append(out, r)
		case claimAdopt:
			if err := check(); err != nil {
				return nil, err
			}
			got, err := c.patchOwnerRef(ctx, cs, r, true, patch)
			if err != nil {
				return nil, err
			}
			if got != nil {
				out = append(out, got.(*appsv1.ControllerRevision))
			}
		case claimRelease:
			if _, err := c.patchOwnerRef(ctx, cs, r, false, patch); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

type patchFunc func(ctx context.Context, name string, data []byte) (metav1.Object, error)

func (c *Controller) podPatcher(ns string) patchFunc {
	return func(ctx context.Context, name string, data []byte) (metav1.Object, error) {
		return c.clients.Kube.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager})
	}
}

// patchOwnerRef adds (adopt) or removes (release) the CloneSet's controller
// reference. The object's UID in the patch makes it fail on an object that
// was replaced under the same name. A vanished object is skipped (nil, nil).
func (c *Controller) patchOwnerRef(ctx context.Context, cs *appsv1alpha1.CloneSet, obj metav1.Object, adopt bool, patch patchFunc) (metav1.Object, error) {
	var ref any = map[string]any{"$patch": "delete", "uid": cs.UID}
	if adopt {
		ref = metav1.NewControllerRef(cs, appsv1alpha1.SchemeGroupVersion.WithKind("CloneSet"))
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []any{ref},
		"uid":             obj.GetUID(),
	}})
	if err != nil {
		return nil, err
	}
	got, err := patch(ctx, obj.GetName(), data)
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil, nil
	}
	verb := "release"
	if adopt {
		verb = "adopt"
	}
	if err != nil {
		c.recorder.Eventf(cs, corev1.EventTypeWarning, string(ReasonFailedClaim), "failed to %s %s: %v", verb, obj.GetName(), err)
		return nil, fmt.Errorf("cloneset %s/%s: %s %s: %w", cs.Namespace, cs.Name, verb, obj.GetName(), err)
	}
	kind := kindPod
	if _, ok := got.(*appsv1.ControllerRevision); ok {
		kind = kindRevision
	}
	c.versions.Expect(cs.Namespace+"/"+cs.Name, refOf(kind, got), got.GetResourceVersion())
	c.metrics.writes.Add(1)
	return got, nil
}

// adoptionCheck returns a function that, the first time it is called,
// re-reads the CloneSet from the API server (not the cache) and fails if it
// is gone, replaced, or being deleted: adopting for a CloneSet that no
// longer exists would hand pods to the garbage collector.
func (c *Controller) adoptionCheck(ctx context.Context, cs *appsv1alpha1.CloneSet) func() error {
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			fresh, getErr := c.clients.Kruise.AppsV1alpha1().CloneSets(cs.Namespace).Get(ctx, cs.Name, metav1.GetOptions{})
			switch {
			case getErr != nil:
				err = fmt.Errorf("cloneset %s/%s: recheck before adopting: %w", cs.Namespace, cs.Name, getErr)
			case fresh.UID != cs.UID:
				err = fmt.Errorf("cloneset %s/%s: replaced (uid %s, cached %s); not adopting", cs.Namespace, cs.Name, fresh.UID, cs.UID)
			case fresh.DeletionTimestamp != nil:
				err = fmt.Errorf("cloneset %s/%s: being deleted; not adopting", cs.Namespace, cs.Name)
			}
		})
		return err
	}
}
