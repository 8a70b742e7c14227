package render

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// scpLike matches git's scp-style addresses, "user@host:path".
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:`)

// isURL reports whether repo names a remote repository rather than a path.
func isURL(repo string) bool {
	return strings.Contains(repo, "://") || scpLike.MatchString(repo)
}

var hexRev = regexp.MustCompile(`^[0-9a-f]{4,40}$`)

// cloneRevision fetches rev of url into memory and returns its commit.
//
// This is the small path behind `ferry render --repo URL`: anonymous access,
// no caching. The GitOps loop gets its commits from the source package, which
// owns authentication and fetch policy, and hands them to FromCommit.
//
// A branch or tag found by listing the remote is cloned shallow (depth 1); a
// commit hash cannot be asked for by name over the git protocol, so it costs
// a full clone.
func cloneRevision(ctx context.Context, url, rev string) (*object.Commit, error) {
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	refs, err := rem.ListContext(ctx, &git.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", url, err)
	}
	opts := &git.CloneOptions{URL: url, NoCheckout: true, Tags: git.NoTags}
	if name, ok := findRef(refs, rev); ok {
		opts.ReferenceName, opts.SingleBranch, opts.Depth = name, true, 1
	} else if !hexRev.MatchString(rev) {
		return nil, fmt.Errorf("%s has no branch or tag %q", url, rev)
	}
	r, err := git.CloneContext(ctx, memory.NewStorage(), nil, opts)
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", url, err)
	}
	target := plumbing.Revision(rev)
	if opts.ReferenceName != "" {
		target = plumbing.Revision(opts.ReferenceName)
	}
	h, err := r.ResolveRevision(target)
	if err != nil {
		return nil, fmt.Errorf("resolve %q in %s: %w", rev, url, err)
	}
	return r.CommitObject(*h)
}

// findRef picks the advertised reference rev names: HEAD, a full reference
// name, a branch, then a tag (git's own order for an ambiguous short name).
func findRef(refs []*plumbing.Reference, rev string) (plumbing.ReferenceName, bool) {
	if rev == "" || rev == "HEAD" {
		return plumbing.HEAD, true
	}
	byName := map[plumbing.ReferenceName]bool{}
	for _, r := range refs {
		byName[r.Name()] = true
	}
	for _, n := range []plumbing.ReferenceName{
		plumbing.ReferenceName(rev),
		plumbing.NewBranchReferenceName(rev),
		plumbing.NewTagReferenceName(rev),
	} {
		if byName[n] {
			return n, true
		}
	}
	return "", false
}
