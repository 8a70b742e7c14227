package diff

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/apply"
)

// LiveDiffer dry-runs a set of objects against a cluster: rollout/apply's
// Manager.
type LiveDiffer interface {
	Diff(ctx context.Context, objects []*unstructured.Unstructured, opts apply.ApplyOptions) (*apply.ChangeSet, error)
	Prune(ctx context.Context, previous, current apply.Inventory, opts apply.PruneOptions) (*apply.ChangeSet, error)
}

// LiveRequest says what to compare with a cluster.
type LiveRequest struct {
	// Repo, Head and Paths are as in Request: the revision the cluster is
	// compared with.
	Repo, Head string
	Paths      []string
	// Cluster names the cluster in the output, e.g. "cluster kind-prod".
	Cluster string
	// Apply are the options the GitOps loop would apply with (default
	// namespace, the GitSync's labels). The dry-run runs with the caller's
	// credentials, not a GitSync's spec.serviceAccountName.
	Apply apply.ApplyOptions
	// Inventory, when set, is what a GitSync applied last (its
	// status.inventory; nil when it does not prune): the objects of it that
	// head no longer renders are listed as removed, exactly those ferry's
	// prune would delete.
	Inventory *apply.Inventory
}

// RunLive is `ferry diff --live`: it renders every path at head and asks
// the cluster what applying it would change. Base is each object as it is
// live, head the API server's dry-run result of applying git's copy
// (defaults, admission and field ownership included), so the object diff is
// drift plus whatever head changes, and the rollouts are those applying
// head would trigger, from the live specs. Objects in the cluster that git
// no longer has are listed as removed when req.Inventory says what a
// GitSync applied (the ones its prune would delete, by a prune dry-run);
// without it they are not listed. Git history is not searched: the
// rollout notes say what was assumed about held-back pods.
func RunLive(ctx context.Context, req LiveRequest, d LiveDiffer, opts Options) (*Preview, error) {
	if len(req.Paths) == 0 {
		return nil, errors.New("no path to compare")
	}
	src, err := render.Open(ctx, req.Repo, req.Head)
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", revName(req.Head), err)
	}
	var renders []Renders
	var current apply.Inventory
	for _, path := range req.Paths {
		res, err := render.Build(ctx, src, path, opts.Render)
		if err != nil {
			return nil, err
		}
		cs, err := d.Diff(ctx, res.Objects, req.Apply)
		if err != nil {
			return nil, fmt.Errorf("dry-run %s at %s: %w", path, src.Revision(), err)
		}
		renders = append(renders, liveRenders(path, cs))
		refs, err := apply.InventoryOf(cs).Refs()
		if err == nil {
			current, err = current.Merge(refs...)
		}
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", path, src.Revision(), err)
		}
	}
	if req.Inventory != nil {
		opts := apply.DefaultPruneOptions()
		opts.DryRun = true
		pruned, err := d.Prune(ctx, *req.Inventory, current, opts)
		if err != nil {
			return nil, fmt.Errorf("prune dry-run at %s: %w", src.Revision(), err)
		}
		for _, e := range pruned.Entries {
			if e.Action == apply.Deleted && e.Live != nil {
				renders[0].Base = append(renders[0].Base, e.Live)
			}
		}
	}
	p, err := Compute(renders, nil, opts.Compare)
	if err != nil {
		return nil, err
	}
	p.Base, p.Head = req.Cluster, src.Revision()
	if p.Base == "" {
		p.Base = "cluster"
	}
	return p, nil
}

// liveRenders turns a dry-run change set into the two sides of a
// comparison: live objects as base, dry-run results as head.
func liveRenders(path string, cs *apply.ChangeSet) Renders {
	r := Renders{Path: path}
	for _, e := range cs.Entries {
		if e.Live != nil {
			r.Base = append(r.Base, e.Live)
		}
		if e.Merged != nil {
			r.Head = append(r.Head, e.Merged)
		}
	}
	return r
}
