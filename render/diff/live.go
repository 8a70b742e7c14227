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
	// namespace, the GitSync's labels), so the dry-run is the real one.
	Apply apply.ApplyOptions
}

// RunLive is `ferry diff --live`: it renders every path at head and asks
// the cluster what applying it would change. Base is each object as it is
// live, head the API server's dry-run result of applying git's copy
// (defaults, admission and field ownership included), so the object diff is
// drift plus whatever head changes, and the rollouts are those applying
// head would trigger, from the live specs. Objects in the cluster that git
// no longer has are not listed: which ones ferry would prune depends on a
// GitSync's inventory (see `ferry status`). Git history is not searched:
// the rollout notes say what was assumed about held-back pods.
func RunLive(ctx context.Context, req LiveRequest, d LiveDiffer, opts Options) (*Preview, error) {
	if len(req.Paths) == 0 {
		return nil, errors.New("no path to compare")
	}
	src, err := render.Open(ctx, req.Repo, req.Head)
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", revName(req.Head), err)
	}
	var renders []Renders
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
