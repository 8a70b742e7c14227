package advance

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source"
)

// LocalSnapshot plans on the checked-out branch of the clone containing
// dir, as committed (source.WriteBack commits onto HEAD's tree too, so
// uncommitted edits elsewhere in the working tree neither reach the plan
// nor the commit). branch, when set, must be the checked-out one.
func LocalSnapshot(dir, branch string) SnapshotFunc {
	return func(ctx context.Context) (*object.Commit, error) {
		repo, err := openClone(dir)
		if err != nil {
			return nil, err
		}
		name, err := checkedOut(repo, dir)
		if err != nil {
			return nil, err
		}
		if branch != "" && plumbing.NewBranchReferenceName(branch) != name && plumbing.ReferenceName(branch) != name {
			return nil, fmt.Errorf("%s: branch %s is not checked out (HEAD is on %s)", dir, branch, name.Short())
		}
		ref, err := repo.Reference(name, true)
		if err != nil {
			return nil, fmt.Errorf("%s: branch %s has no commits: %w", dir, name.Short(), err)
		}
		return repo.CommitObject(ref.Hash())
	}
}

// CheckedOutBranch is the short name of the branch checked out in the
// clone containing dir.
func CheckedOutBranch(dir string) (string, error) {
	repo, err := openClone(dir)
	if err != nil {
		return "", err
	}
	name, err := checkedOut(repo, dir)
	return name.Short(), err
}

func openClone(dir string) (*git.Repository, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s is not in a git repository: %w", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	return repo, nil
}

func checkedOut(repo *git.Repository, dir string) (plumbing.ReferenceName, error) {
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return "", fmt.Errorf("%s: read HEAD: %w", dir, err)
	}
	if head.Type() != plumbing.SymbolicReference {
		return "", fmt.Errorf("%s: HEAD is detached; check out a branch", dir)
	}
	return head.Target(), nil
}

// RemoteSnapshot plans on the tip of branch at url, fetched shallow into
// memory by f (which only lists refs when the tip is already cached).
func RemoteSnapshot(f *source.Fetcher, url, branch string, auth *source.Auth) SnapshotFunc {
	return func(ctx context.Context) (*object.Commit, error) {
		res, err := f.Fetch(ctx, source.Request{URL: url, Ref: source.Ref{Branch: branch}, Auth: auth})
		if err != nil {
			return nil, err
		}
		return res.Commit, nil
	}
}
