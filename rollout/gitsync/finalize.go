package gitsync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
)

// Finalizer holds a deleted GitSync until ferry has deleted what it
// applied, as Flux does for a Kustomization: removing the GitSync from
// the cluster removes its objects, unless spec.prune is false or the
// GitSync is suspended. Objects annotated ferry.dev/prune: disabled, or
// taken over by another field manager, stay (apply.Prune's rules).
const Finalizer = "ferry.dev/finalizer"

// finalizeRetry is how soon a failed garbage collection is tried again.
const finalizeRetry = 5 * time.Second

// ensureFinalizer adds Finalizer to a live GitSync that lacks it. The
// patch carries the resourceVersion, so a concurrent change conflicts
// instead of losing a finalizer someone else added.
func (r *Reconciler) ensureFinalizer(ctx context.Context, gs *v1alpha1.GitSync) error {
	if slices.Contains(gs.Finalizers, Finalizer) {
		return nil
	}
	return r.setFinalizers(ctx, gs, append(slices.Clone(gs.Finalizers), Finalizer))
}

// finalize runs for a GitSync being deleted: it deletes the objects of
// its inventory, then lets the deletion finish. A failure keeps the
// finalizer and is retried, except in a namespace that is itself being
// deleted, where the namespace takes the namespaced objects with it and a
// stuck finalizer would hold the namespace forever.
func (r *Reconciler) finalize(ctx context.Context, gs *v1alpha1.GitSync) (time.Duration, error) {
	if !slices.Contains(gs.Finalizers, Finalizer) {
		return 0, nil
	}
	inv := inventoryOf(gs.Status.Inventory)
	switch {
	case PruneInventory(gs) == nil:
		r.eventf(gs, corev1.EventTypeNormal, ReasonGarbageCollected, "spec.prune is false: %d objects left in place", inv.Len())
	case gs.Spec.Suspend:
		r.eventf(gs, corev1.EventTypeNormal, ReasonGarbageCollected, "suspended: %d objects left in place", inv.Len())
	case inv.Len() > 0:
		if err := r.collect(ctx, gs, inv); err != nil {
			if !r.namespaceTerminating(ctx, gs.Namespace) {
				r.eventf(gs, corev1.EventTypeWarning, ReasonPruneFailed, "deleting the GitSync's objects: %v", err)
				return finalizeRetry, nil
			}
			r.eventf(gs, corev1.EventTypeWarning, ReasonPruneFailed, "deleting the GitSync's objects: %v; namespace %s is being deleted, giving up", err, gs.Namespace)
		}
	}
	return 0, r.setFinalizers(ctx, gs, slices.DeleteFunc(slices.Clone(gs.Finalizers), func(f string) bool { return f == Finalizer }))
}

// collect deletes every object of inv.
func (r *Reconciler) collect(ctx context.Context, gs *v1alpha1.GitSync, inv apply.Inventory) error {
	mgr, err := r.managerFor(gs)
	if err != nil {
		return err
	}
	opts := apply.DefaultPruneOptions()
	opts.AllowEmpty = true // the GitSync is gone: its whole inventory goes
	cs, err := mgr.Prune(ctx, inv, apply.Inventory{}, opts)
	if cs != nil && cs.HasChanges() {
		r.eventf(gs, corev1.EventTypeNormal, ReasonGarbageCollected, "%s", cs.String())
	}
	return err
}

func (r *Reconciler) namespaceTerminating(ctx context.Context, ns string) bool {
	n, err := r.kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	return apierrors.IsNotFound(err) || err == nil && n.DeletionTimestamp != nil
}

func (r *Reconciler) setFinalizers(ctx context.Context, gs *v1alpha1.GitSync, finalizers []string) error {
	if finalizers == nil {
		finalizers = []string{}
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers": finalizers, "resourceVersion": gs.ResourceVersion}})
	if err != nil {
		return err
	}
	out, err := r.dyn.Resource(v1alpha1.GitSyncResource).Namespace(gs.Namespace).Patch(ctx, gs.Name, types.MergePatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("GitSync %s/%s: finalizers: %w", gs.Namespace, gs.Name, err)
	}
	// the status write that follows in this reconcile needs the new version
	gs.Finalizers, gs.ResourceVersion = finalizers, out.GetResourceVersion()
	return nil
}
