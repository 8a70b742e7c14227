package diff

import (
	"context"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/render/diff/impact"
)

// gitHistory finds the template a CloneSet's partition holds pods at in
// base: the CloneSet's template in the newest commit before base (first
// parents only, the order commits reached the branch) where it differs from
// base's. Since git is the only writer of desired state, that is the
// revision the cluster's held-back pods run, unless an older rollout was
// itself unfinished then.
//
// Only a local repository has history to search; a URL, a shallow clone
// that ends early, or depth commits without a change leave the CloneSet
// without an answer, and the preview says what it assumed instead.
type gitHistory struct {
	ctx    context.Context
	repo   string
	base   string
	depth  int
	render render.Options
}

func (g *gitHistory) find(path string, need map[ObjectKey]*unstructured.Unstructured) map[ObjectKey]*impact.History {
	out := make(map[ObjectKey]*impact.History, len(need))
	for k := range need {
		out[k] = &impact.History{}
	}
	c, err := g.baseCommit()
	if err != nil {
		return out
	}
	open := make(map[ObjectKey]*unstructured.Unstructured, len(need))
	for k, v := range need {
		open[k] = v
	}
	for n := 1; n <= g.depth && len(open) > 0; n++ {
		if c.NumParents() == 0 {
			g.settle(open, out, func(h *impact.History) { h.Created = true })
			break
		}
		if c, err = c.Parent(0); err != nil {
			break // a shallow clone ends here
		}
		for k := range open {
			out[k].Searched = n
		}
		src, err := render.Open(g.ctx, g.repo, c.Hash.String())
		if err != nil {
			break
		}
		res, err := render.Build(g.ctx, src, path, g.render)
		if isMissingPath(err) {
			g.settle(open, out, func(h *impact.History) { h.Created = true })
			break
		}
		if err != nil {
			continue // a commit that did not render was never applied
		}
		g.compare(path, res, src.Revision(), open, out)
	}
	return out
}

// compare settles each open CloneSet that is missing from, or has another
// template in, the render of an older commit.
func (g *gitHistory) compare(path string, res *render.Result, rev string, open map[ObjectKey]*unstructured.Unstructured, out map[ObjectKey]*impact.History) {
	older := make(map[ObjectKey]*unstructured.Unstructured, len(res.Objects))
	for _, o := range res.Objects {
		older[keyOf(path, o)] = o
	}
	for k, base := range open {
		o := older[k]
		if o == nil {
			out[k].Created = true
			delete(open, k)
			continue
		}
		bt, _, _ := unstructured.NestedMap(base.Object, "spec", "template")
		ot, _, _ := unstructured.NestedMap(o.Object, "spec", "template")
		if equal(bt, ot) {
			continue
		}
		cs, err := impact.Decode(o)
		if err == nil {
			out[k].Previous, out[k].Revision = cs, rev
		}
		delete(open, k)
	}
}

func (g *gitHistory) settle(open map[ObjectKey]*unstructured.Unstructured, out map[ObjectKey]*impact.History, f func(*impact.History)) {
	for k := range open {
		f(out[k])
		delete(open, k)
	}
}

// baseCommit opens the local repository and resolves base.
func (g *gitHistory) baseCommit() (*object.Commit, error) {
	abs, err := filepath.Abs(g.repo)
	if err != nil {
		return nil, err
	}
	r, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, err
	}
	h, err := r.ResolveRevision(plumbing.Revision(g.base))
	if err != nil {
		return nil, err
	}
	return r.CommitObject(*h)
}
