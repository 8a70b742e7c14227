package advance

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/batch"
)

// Request is one advance to plan.
type Request struct {
	// Commit is the snapshot to plan on: the tip of the branch the change
	// will be committed to.
	Commit *object.Commit
	// Revision is how messages name Commit ("main"); the short hash when
	// empty.
	Revision string
	// Path is the kustomize path that renders the CloneSet (a GitSync's
	// spec.path), repository-relative; "" is the repository root.
	Path string
	// Namespace and Name of the CloneSet.
	Namespace, Name string
	Target          Target
	// Force allows skipping batches, raising the partition, advancing an
	// unhealthy batch, and editing a value other paths render too.
	Force bool
	// Health is the cluster's reading of the batch running now; nil skips
	// the health gate (the caller has decided, as the loop's schedule does).
	Health *Health
	// Render options; nil means render.DefaultOptions() with
	// DefaultNamespace set to Namespace, as the GitOps loop renders.
	Render *render.Options
}

// Change is a planned advance: one value of one file, proven by a render.
type Change struct {
	Namespace, Name string
	Path            string
	// Parent is the commit the change was planned on; Commit refuses to
	// commit on any other.
	Parent plumbing.Hash
	Step   batch.Step
	// Site is the value edited; NewToken is what replaces Site.Token.
	Site     Site
	NewToken string
	// Old and New are the whole file before and after.
	Old, New []byte
	// Shared lists the other kustomizations that render Site.File (only
	// with Force; without it Plan refuses).
	Shared []string
	// Health is the reading the gate used (nil when not checked).
	Health *Health
}

// Plan finds the one YAML value in the repository that sets the CloneSet's
// partition for Path, computes the file with the target partition in it,
// and proves it by rendering again. It writes nothing. The recipe:
//
//  1. render Path at Commit and find the CloneSet;
//  2. resolve the step from its batch plan (ErrAlreadyAtBatch when git is
//     there already: a retried advance is a no-op);
//  3. unless forced, require the batch running now to be healthy;
//  4. find the value (see locate) and refuse if other paths render it.
func Plan(ctx context.Context, req Request) (*Change, error) {
	if req.Commit == nil {
		return nil, errors.New("advance: no commit to plan on")
	}
	id := req.Namespace + "/" + req.Name
	src, err := render.FromCommit(req.Commit, req.Revision)
	if err != nil {
		return nil, err
	}
	opts := renderOptions(req)
	res, err := render.Build(ctx, src, req.Path, opts)
	if err != nil {
		return nil, err
	}
	idx, cs, err := findCloneSet(res, req.Namespace, req.Name, opts.DefaultNamespace)
	if err != nil {
		return nil, err
	}
	r, err := batch.ForCloneSet(cs)
	if err != nil {
		return nil, err
	}
	var live *intstr.IntOrString
	if h := req.Health; h != nil && h.Unknown == "" {
		live = &h.Partition
	}
	st, err := step(r, batch.CurrentPartition(cs), live, req.Target, batch.StepOptions{Force: req.Force})
	if err != nil {
		return nil, fmt.Errorf("CloneSet %s: %w", id, err)
	}
	if req.Health != nil && !req.Force {
		if err := req.Health.check(st.From); err != nil {
			return nil, fmt.Errorf("CloneSet %s: %w", id, err)
		}
	}
	tree, err := req.Commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", req.Commit.Hash, err)
	}
	g, err := loadGraph(tree)
	if err != nil {
		return nil, err
	}
	l := locator{tree: tree, src: src, opts: opts, graph: g, before: res, index: idx, path: res.Path, object: "CloneSet " + id}
	ch, err := l.locate(ctx, st.From.Value, st.To.Value)
	if err != nil {
		return nil, err
	}
	ch.Namespace, ch.Name, ch.Path = req.Namespace, req.Name, res.Path
	ch.Parent, ch.Step, ch.Health = req.Commit.Hash, st, req.Health
	others, err := l.affected(ctx, g.others(res.Path, sharedTarget(ch.Site, g)), ch)
	if err != nil {
		return nil, err
	}
	if len(others) > 0 {
		if !req.Force {
			return nil, fmt.Errorf("CloneSet %s: %w", id, &SharedFileError{Site: ch.Site, Path: dirName(res.Path), Others: others})
		}
		ch.Shared = others
	}
	return ch, nil
}

func renderOptions(req Request) render.Options {
	if req.Render != nil {
		return *req.Render
	}
	o := render.DefaultOptions()
	o.DefaultNamespace = req.Namespace
	return o
}

// sharedTarget is what other kustomizations would have to read to render
// the site: its file, or for an inline patch the kustomization's directory.
func sharedTarget(s Site, g *repoGraph) string {
	d := parentDir(s.File)
	if n := g.nodes[d]; n != nil && n.file == s.File {
		return d
	}
	return s.File
}

// findCloneSet returns the rendered v1alpha1 CloneSet namespace/name. An
// object without a namespace is in defaultNS, where it will be applied.
func findCloneSet(res *render.Result, ns, name, defaultNS string) (int, *kruisev1alpha1.CloneSet, error) {
	for i, o := range res.Objects {
		gvk := o.GroupVersionKind()
		if gvk.Group != "apps.kruise.io" || gvk.Kind != "CloneSet" || o.GetName() != name || namespaceOf(o, defaultNS) != ns {
			continue
		}
		if gvk.Version != "v1alpha1" {
			return 0, nil, fmt.Errorf("CloneSet %s/%s is %s: ferry advances apps.kruise.io/v1alpha1 CloneSets", ns, name, o.GetAPIVersion())
		}
		var cs kruisev1alpha1.CloneSet
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &cs); err != nil {
			return 0, nil, fmt.Errorf("CloneSet %s/%s: %w", ns, name, err)
		}
		cs.Namespace = ns
		return i, &cs, nil
	}
	return 0, nil, fmt.Errorf("%w: %s does not render CloneSet %s/%s at %s", ErrNotRendered, dirName(res.Path), ns, name, res.Revision)
}

func namespaceOf(o *unstructured.Unstructured, defaultNS string) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns
	}
	return defaultNS
}
