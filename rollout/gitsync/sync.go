package gitsync

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/source"
)

// Labels ferry puts on every object it applies, so `kubectl get -l` finds
// what a GitSync owns, CloneSet events reach their GitSync, and every object
// has a field ferry owns (prune refuses objects ferry no longer manages).
const (
	LabelName      = "ferry.dev/gitsync-name"
	LabelNamespace = "ferry.dev/gitsync-namespace"
)

// render builds spec.path at the fetched commit.
func (r *Reconciler) render(ctx context.Context, gs *v1alpha1.GitSync, res source.Result) (*render.Result, error) {
	src, err := render.FromCommit(res.Commit, res.Revision)
	if err != nil {
		return nil, failStep(ReasonRenderFailed, false, err)
	}
	opts := r.opts.Render
	opts.DefaultNamespace = gs.Namespace
	out, err := render.Build(ctx, src, pathOf(gs), opts)
	if err != nil {
		return nil, failStep(ReasonRenderFailed, false, err)
	}
	return out, nil
}

func pathOf(gs *v1alpha1.GitSync) string {
	if gs.Spec.Path == "" {
		return "."
	}
	return gs.Spec.Path
}

// applyAndPrune applies the render and prunes what left git. It returns the
// inventory to record: the applied objects, plus any the prune could not
// delete (so the next attempt tries again).
func (r *Reconciler) applyAndPrune(ctx context.Context, gs *v1alpha1.GitSync, objs []*unstructured.Unstructured) (*apply.ChangeSet, apply.Inventory, error) {
	mgr, err := r.managerFor(gs)
	if err != nil {
		return nil, apply.Inventory{}, err
	}
	cs, err := mgr.Apply(ctx, objs, apply.ApplyOptions{
		DefaultNamespace: gs.Namespace,
		Labels:           map[string]string{LabelName: gs.Name, LabelNamespace: gs.Namespace},
		WaitTimeout:      r.timeout(gs),
	})
	if err != nil {
		var ve *apply.ValidationError
		if errors.As(err, &ve) {
			return cs, apply.Inventory{}, failStep(ReasonValidationFailed, false, err)
		}
		return cs, apply.Inventory{}, failStep(ReasonApplyFailed, true, err)
	}
	inv := apply.InventoryOf(cs)
	previous := PruneInventory(gs)
	if previous == nil {
		return cs, inv, nil
	}
	pruned, err := mgr.Prune(ctx, *previous, inv, apply.DefaultPruneOptions())
	if pruned != nil {
		cs.Add(pruned.Entries...)
	}
	if err != nil {
		var empty *apply.EmptyRenderError
		var pe *apply.PruneError
		switch {
		case errors.As(err, &empty):
			return cs, inv, failStep(ReasonPruneRefused, false, err)
		case errors.As(err, &pe):
			kept, merr := inv.Merge(pe.Refs()...)
			if merr != nil {
				return cs, inv, fmt.Errorf("%w; %v", err, merr)
			}
			return cs, kept, failStep(ReasonPruneFailed, true, err)
		default:
			return cs, inv, failStep(ReasonPruneFailed, true, err)
		}
	}
	return cs, inv, nil
}

// inventoryOf and statusInventory convert between the API's inventory and
// apply's, which have the same shape: the API package stays free of ferry's
// internals.
func inventoryOf(inv *v1alpha1.Inventory) apply.Inventory {
	var out apply.Inventory
	if inv == nil {
		return out
	}
	for _, e := range inv.Entries {
		out.Entries = append(out.Entries, apply.InventoryEntry{ID: e.ID, Version: e.Version})
	}
	return out
}

// PruneInventory is what ferry would prune from for gs: the inventory of
// its last apply, or nil when it does not prune (spec.prune false).
func PruneInventory(gs *v1alpha1.GitSync) *apply.Inventory {
	if gs.Spec.Prune != nil && !*gs.Spec.Prune {
		return nil
	}
	inv := inventoryOf(gs.Status.Inventory)
	return &inv
}

func statusInventory(inv apply.Inventory) *v1alpha1.Inventory {
	out := &v1alpha1.Inventory{Entries: make([]v1alpha1.InventoryEntry, 0, len(inv.Entries))}
	for _, e := range inv.Entries {
		out.Entries = append(out.Entries, v1alpha1.InventoryEntry{ID: e.ID, Version: e.Version})
	}
	return out
}
