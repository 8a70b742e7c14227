package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Source is a repository snapshot to render from. Build reads it through a
// confined, read-only filesystem; nothing is checked out.
//
// The GitOps loop's source package hands Build a commit it fetched
// (FromCommit); `ferry render` opens a local repository, a URL, or a plain
// directory (Open).
type Source interface {
	// Revision names the snapshot in errors and results:
	// "v1.2 (1a2b3c4d5e6f)", "working tree /src/app".
	Revision() string
	// Base is the repository-relative directory that render paths are
	// relative to ("" for the repository root).
	Base() string
	open() backend
}

type treeSource struct {
	tree     *object.Tree
	revision string
	base     string
}

func (s treeSource) Revision() string { return s.revision }
func (s treeSource) Base() string     { return s.base }
func (s treeSource) open() backend    { return newTreeBackend(s.tree) }

// FromTree renders from a git tree. revision is what errors call it.
func FromTree(t *object.Tree, revision string) Source {
	return treeSource{tree: t, revision: revision}
}

// FromCommit renders from a commit's tree. name is how the user asked for
// it ("HEAD", "v1.2"); the revision shown is "name (short hash)".
func FromCommit(c *object.Commit, name string) (Source, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of commit %s: %w", c.Hash, err)
	}
	return treeSource{tree: t, revision: describe(name, c.Hash)}, nil
}

func describe(name string, h plumbing.Hash) string {
	short := h.String()[:12]
	if name == "" || name == h.String() || strings.HasPrefix(h.String(), name) {
		return short
	}
	return fmt.Sprintf("%s (%s)", name, short)
}

type dirSource struct {
	root string
	base string
}

func (s dirSource) Revision() string {
	return "working tree " + filepath.Join(s.root, filepath.FromSlash(s.base))
}
func (s dirSource) Base() string  { return s.base }
func (s dirSource) open() backend { return diskBackend{root: s.root} }

// FromDir renders a directory as it is on disk (uncommitted changes
// included). Reads are confined to the enclosing git working tree, or to dir
// itself when it is not inside one, so bases elsewhere in the repository
// resolve exactly as they would from a commit.
func FromDir(dir string) (Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	abs, err = filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	root := abs
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	base, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, err
	}
	return dirSource{root: root, base: cleanBase(base)}, nil
}

func cleanBase(b string) string {
	b = path.Clean(filepath.ToSlash(b))
	if b == "." {
		return ""
	}
	return b
}

// Open returns the snapshot `ferry render --repo REPO --rev REV` means:
//   - REPO a URL (scheme://… or user@host:path): a shallow in-memory clone of
//     REV (a branch, a tag, or HEAD; a commit hash costs a full clone);
//   - REPO a local path and REV non-empty: that revision of the repository
//     containing REPO, read from the object store;
//   - REPO a local path and REV empty: the directory as it is on disk.
//
// Render paths are relative to REPO, even when REPO is a subdirectory of the
// repository.
func Open(ctx context.Context, repo, rev string) (Source, error) {
	if isURL(repo) {
		c, err := cloneRevision(ctx, repo, rev)
		if err != nil {
			return nil, err
		}
		return FromCommit(c, revName(rev))
	}
	if rev == "" {
		return FromDir(repo)
	}
	abs, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	r, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s is not in a git repository (use --rev \"\" to render the directory as it is): %w", repo, err)
		}
		return nil, fmt.Errorf("open repository %s: %w", repo, err)
	}
	h, err := r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("resolve revision %q in %s: %w", rev, repo, err)
	}
	c, err := r.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	src, err := FromCommit(c, rev)
	if err != nil {
		return nil, err
	}
	ts := src.(treeSource)
	ts.base, err = worktreeBase(r, abs)
	return ts, err
}

// worktreeBase is dir relative to the working tree root of r.
func worktreeBase(r *git.Repository, dir string) (string, error) {
	wt, err := r.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return "", nil // paths are from the repository root
	}
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return "", err
	}
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	b, err := filepath.Rel(root, d)
	if err != nil || strings.HasPrefix(b, "..") {
		return "", fmt.Errorf("%s is outside the working tree %s", dir, root)
	}
	return cleanBase(b), nil
}

func revName(rev string) string {
	if rev == "" {
		return "HEAD"
	}
	return rev
}
