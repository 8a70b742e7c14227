package diff

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/render"
)

// Request says what to compare: paths of a repository at two revisions.
type Request struct {
	// Repo is a local repository (or a directory in one) or a URL.
	Repo string
	// Base is the revision the change starts from (the pull request's
	// target, e.g. origin/main); Head the revision it proposes (HEAD). An
	// empty revision is the working tree as it is on disk.
	Base, Head string
	// Paths are kustomization paths relative to Repo.
	Paths []string
}

// Options tune Run.
type Options struct {
	// Render are the options both revisions render with.
	Render render.Options
	// Compare tunes the object diff.
	Compare CompareOptions
	// HistoryDepth is how many commits before base are searched for the
	// template a CloneSet's partition holds pods at (see package impact);
	// 0 turns the search off.
	HistoryDepth int
}

// DefaultOptions render as the GitOps loop does, mask Secrets and search
// 30 commits of history.
func DefaultOptions() Options {
	return Options{Render: render.DefaultOptions(), Compare: DefaultCompareOptions(), HistoryDepth: 30}
}

// Run renders every path at base and at head (in parallel: Build is safe
// for concurrent use) and computes the preview. A render error at either
// revision is returned as the *render.Error, which names the path, the
// revision, and where known the file and line; nothing is compared then.
// A path that does not exist at one revision renders no objects there (a
// new or deleted overlay), and the preview notes it.
func Run(ctx context.Context, req Request, opts Options) (*Preview, error) {
	if len(req.Paths) == 0 {
		return nil, errors.New("no path to compare")
	}
	var baseSrc, headSrc render.Source
	var baseErr, headErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); baseSrc, baseErr = render.Open(ctx, req.Repo, req.Base) }()
	go func() { defer wg.Done(); headSrc, headErr = render.Open(ctx, req.Repo, req.Head) }()
	wg.Wait()
	if baseErr != nil {
		return nil, fmt.Errorf("base %s: %w", revName(req.Base), baseErr)
	}
	if headErr != nil {
		return nil, fmt.Errorf("head %s: %w", revName(req.Head), headErr)
	}
	var renders []Renders
	var notes []string
	for _, path := range req.Paths {
		r, note, err := renderBoth(ctx, baseSrc, headSrc, path, opts.Render)
		if err != nil {
			return nil, err
		}
		renders = append(renders, r)
		if note != "" {
			notes = append(notes, note)
		}
	}
	var history HistoryFunc
	if opts.HistoryDepth > 0 && req.Base != "" {
		h := &gitHistory{ctx: ctx, repo: req.Repo, base: req.Base, depth: opts.HistoryDepth, render: opts.Render}
		history = h.find
	}
	p, err := Compute(renders, history, opts.Compare)
	if err != nil {
		return nil, err
	}
	p.Base, p.Head = baseSrc.Revision(), headSrc.Revision()
	p.Notes = append(p.Notes, notes...)
	return p, nil
}

// renderBoth renders one path at both revisions.
func renderBoth(ctx context.Context, baseSrc, headSrc render.Source, path string, opts render.Options) (Renders, string, error) {
	var base, head []*unstructured.Unstructured
	var baseMissing, headMissing bool
	var baseErr, headErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); base, baseMissing, baseErr = build(ctx, baseSrc, path, opts) }()
	go func() { defer wg.Done(); head, headMissing, headErr = build(ctx, headSrc, path, opts) }()
	wg.Wait()
	switch {
	case headErr != nil:
		return Renders{}, "", headErr
	case baseErr != nil:
		return Renders{}, "", baseErr
	case baseMissing && headMissing:
		_, err := render.Build(ctx, headSrc, path, opts) // the error names the path
		return Renders{}, "", err
	}
	note := ""
	switch {
	case baseMissing:
		note = fmt.Sprintf("%s does not exist at base: every object it renders is added", path)
	case headMissing:
		note = fmt.Sprintf("%s does not exist at head: every object it rendered is removed", path)
	}
	return Renders{Path: path, Base: base, Head: head}, note, nil
}

// build renders a path; a path that is not there at all is reported as
// missing rather than as an error.
func build(ctx context.Context, src render.Source, path string, opts render.Options) ([]*unstructured.Unstructured, bool, error) {
	res, err := render.Build(ctx, src, path, opts)
	if err == nil {
		return res.Objects, false, nil
	}
	if isMissingPath(err) {
		return nil, true, nil
	}
	return nil, false, err
}

// isMissingPath reports whether a render failed because the kustomization
// directory itself does not exist (as opposed to something it refers to).
func isMissingPath(err error) bool {
	var re *render.Error
	if !errors.As(err, &re) || !errors.Is(err, render.ErrMissingResource) {
		return false
	}
	return re.File == re.Path || re.Path == "" && re.File == "."
}

func revName(rev string) string {
	if rev == "" {
		return "working tree"
	}
	return rev
}
