package advance

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/source"
)

// CloneSetResource is apps.kruise.io/v1alpha1 clonesets.
var CloneSetResource = schema.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "clonesets"}

// Live is what the cluster says about one CloneSet: the object, and the
// GitSync that applies it (whose spec says where it comes from in git and
// whose status says since when its batch is healthy).
type Live struct {
	CloneSet *unstructured.Unstructured // nil when it does not exist
	GitSync  *v1alpha1.GitSync          // nil when no GitSync lists it
}

// ReadLive reads CloneSet namespace/name and the GitSyncs of its
// namespace, and picks the GitSync whose inventory lists the CloneSet
// (the first by name, if several do). A cluster without the GitSync
// resource, or that forbids listing it, just has no GitSync.
func ReadLive(ctx context.Context, dyn dynamic.Interface, namespace, name string) (Live, error) {
	var l Live
	cs, err := dyn.Resource(CloneSetResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		l.CloneSet = cs
	case !apierrors.IsNotFound(err):
		return l, fmt.Errorf("read CloneSet %s/%s: %w", namespace, name, err)
	}
	list, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(namespace).List(ctx, metav1.ListOptions{})
	switch {
	case apierrors.IsNotFound(err), apierrors.IsForbidden(err):
		return l, nil
	case err != nil:
		return l, fmt.Errorf("list GitSyncs in %s: %w", namespace, err)
	}
	id := fmt.Sprintf("%s_%s_apps.kruise.io_CloneSet", namespace, name)
	items := list.Items
	sort.Slice(items, func(i, j int) bool { return items[i].GetName() < items[j].GetName() })
	for _, u := range items {
		var gs v1alpha1.GitSync
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &gs); err != nil {
			continue
		}
		if gs.Status.Inventory == nil {
			continue
		}
		for _, e := range gs.Status.Inventory.Entries {
			if e.ID == id {
				l.GitSync = &gs
				return l, nil
			}
		}
	}
	return l, nil
}

// Health is the reading of the CloneSet at now.
func (l Live) Health(now time.Time) *Health {
	var batches []v1alpha1.BatchStatus
	if l.GitSync != nil {
		batches = l.GitSync.Status.Batches
	}
	return HealthOf(l.CloneSet, batches, now)
}

// GitSyncAuth returns the credentials of a GitSync's spec.secretRef for
// url, when url is the GitSync's repository; nil (anonymous) otherwise.
func GitSyncAuth(ctx context.Context, kube kubernetes.Interface, gs *v1alpha1.GitSync, url string) (*source.Auth, error) {
	if gs == nil || gs.Spec.SecretRef == nil || !source.SameRepository(url, gs.Spec.URL) {
		return nil, nil
	}
	s, err := kube.CoreV1().Secrets(gs.Namespace).Get(ctx, gs.Spec.SecretRef.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("GitSync %s/%s: read secret %s: %w", gs.Namespace, gs.Name, gs.Spec.SecretRef.Name, err)
	}
	return source.AuthFromSecret(s.Data, url)
}
