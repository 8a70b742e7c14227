package gitsync

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
)

// FieldManager is ferry's name on the GitSync status it writes.
const FieldManager = "ferry"

// FromUnstructured converts a GitSync read through a dynamic client or
// informer.
func FromUnstructured(u *unstructured.Unstructured) (*v1alpha1.GitSync, error) {
	var gs v1alpha1.GitSync
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &gs); err != nil {
		return nil, fmt.Errorf("GitSync %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return &gs, nil
}

// ToUnstructured converts a GitSync for a dynamic client.
func ToUnstructured(gs *v1alpha1.GitSync) (*unstructured.Unstructured, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(gs)
	if err != nil {
		return nil, fmt.Errorf("GitSync %s/%s: %w", gs.Namespace, gs.Name, err)
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion(v1alpha1.GroupVersion.String())
	u.SetKind("GitSync")
	return u, nil
}

// writeStatus replaces the status subresource and returns the new
// resourceVersion. The object's resourceVersion guards the write: a
// concurrent spec change makes it fail and the next reconcile starts from
// the new spec.
func writeStatus(ctx context.Context, dyn dynamic.Interface, gs *v1alpha1.GitSync) (string, error) {
	u, err := ToUnstructured(gs)
	if err != nil {
		return "", err
	}
	out, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(gs.Namespace).UpdateStatus(ctx, u, metav1.UpdateOptions{FieldManager: FieldManager})
	if err != nil {
		return "", fmt.Errorf("GitSync %s/%s: write status: %w", gs.Namespace, gs.Name, err)
	}
	return out.GetResourceVersion(), nil
}
