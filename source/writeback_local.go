package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// writeBackLocal commits into a clone's checked-out branch. The recipe:
//
//  1. refuse unless the file is clean in both the index and the working tree;
//  2. with Push, refuse unless the remote branch is an ancestor of HEAD;
//  3. build the commit from HEAD's tree (not from the index, so the user's
//     staged changes stay staged and out of ferry's commit);
//  4. move the branch with compare-and-swap, so a concurrent `git commit`
//     wins and ferry reports ErrNonFastForward;
//  5. write the file (staged beside it before the branch moves, renamed
//     after) and update its index entry only;
//  6. push, if asked.
func writeBackLocal(ctx context.Context, req WriteBackRequest, timeout time.Duration) (WriteBackResult, error) {
	fail := func(kind, cause error) (WriteBackResult, error) {
		return WriteBackResult{}, newError("write-back", req.Dir, kind, cause, nil)
	}
	repo, err := git.PlainOpenWithOptions(req.Dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return fail(ErrNotFound, err)
	} else if err != nil {
		return fail(ErrInvalid, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return fail(ErrInvalid, fmt.Errorf("no working tree (use URL for bare repositories): %w", err))
	}
	branch, head, err := checkedOutBranch(repo, req.Branch)
	if err != nil {
		return fail(ErrInvalid, err)
	}
	idx, err := repo.Storer.Index()
	if err != nil {
		return fail(ErrInvalid, err)
	}
	if idx.Version > index.EncodeVersionSupported {
		return fail(ErrInvalid, fmt.Errorf("git index version %d cannot be rewritten safely; run `git update-index --index-version 3`", idx.Version))
	}
	var remote *git.Remote
	if req.Push {
		if remote, err = pushableRemote(ctx, repo, req, branch, head.Hash(), timeout); err != nil {
			return WriteBackResult{}, err
		}
	}
	if err := checkClean(repo, wt.Filesystem, idx, head.Hash(), req.Path); err != nil {
		return fail(ErrLocalChanges, err)
	}
	res, edit, err := commitEdit(repo.Storer, head.Hash(), req)
	if err != nil || !res.Changed {
		return res, err
	}
	tmp, err := stageWorktreeFile(wt.Filesystem, req.Path, edit.content, edit.mode)
	if err != nil {
		return fail(ErrTransient, fmt.Errorf("write %s: %w", req.Path, err))
	}
	if err := repo.Storer.CheckAndSetReference(plumbing.NewHashReference(branch, res.Hash), head); err != nil {
		_ = wt.Filesystem.Remove(tmp)
		return fail(ErrNonFastForward, fmt.Errorf("%s moved while ferry was committing: %w", branch.Short(), err))
	}
	if err := wt.Filesystem.Rename(tmp, req.Path); err != nil {
		return res, newError("write-back", req.Dir, ErrTransient, fmt.Errorf("committed %s but could not update the working tree: %w", res.Hash, err), nil)
	}
	if err := wt.AddWithOptions(&git.AddOptions{Path: req.Path, SkipStatus: true}); err != nil {
		return res, newError("write-back", req.Dir, ErrTransient, fmt.Errorf("committed %s but could not update the index: %w", res.Hash, err), nil)
	}
	if remote == nil {
		return res, nil
	}
	ep, err := parseURL(remote.Config().URLs[0])
	if err != nil {
		return res, err
	}
	if err := pushBranch(ctx, remote, req, ep, branch, res.Parent, timeout); err != nil {
		return res, err
	}
	res.Pushed = true
	return res, nil
}

// checkedOutBranch returns the branch HEAD points to and its reference,
// refusing a detached HEAD or a different branch than asked for.
func checkedOutBranch(repo *git.Repository, want string) (plumbing.ReferenceName, *plumbing.Reference, error) {
	sym, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return "", nil, err
	}
	if sym.Type() != plumbing.SymbolicReference {
		return "", nil, errors.New("HEAD is detached; check out a branch")
	}
	branch := sym.Target()
	if want != "" && fullName(want, "refs/heads/") != branch {
		return "", nil, fmt.Errorf("branch %s is not checked out (HEAD is on %s)", want, branch.Short())
	}
	head, err := repo.Reference(branch, false)
	if err != nil {
		return "", nil, fmt.Errorf("branch %s has no commits: %w", branch.Short(), err)
	}
	return branch, head, nil
}

// checkClean refuses when the file differs between HEAD, the index and the
// working tree in any way: modified, staged, deleted, untracked in the way,
// or in conflict. Content is compared by blob hash, so line-ending or
// smudge filters also count as changes (a safe refusal).
func checkClean(repo *git.Repository, fs billy.Filesystem, idx *index.Index, head plumbing.Hash, p string) error {
	commit, err := repo.CommitObject(head)
	if err != nil {
		return err
	}
	tree, err := commit.Tree()
	if err != nil {
		return err
	}
	var want plumbing.Hash // zero: the file is not in HEAD
	if e, err := tree.FindEntry(p); err == nil {
		want = e.Hash
	}
	for _, e := range idx.Entries {
		if e.Name != p {
			continue
		}
		// Stage 0 is a resolved entry. (go-git's index.Merged constant is
		// 1, the conflict base stage, so it cannot be used here.)
		if e.Stage != 0 {
			return fmt.Errorf("%s: unresolved merge conflict", p)
		}
		if e.Hash != want {
			return fmt.Errorf("%s: staged changes", p)
		}
	}
	if _, err := idx.Entry(p); err != nil && !want.IsZero() {
		return fmt.Errorf("%s: removal staged", p)
	}
	fi, err := fs.Lstat(p)
	switch {
	case os.IsNotExist(err) && want.IsZero():
		return nil
	case os.IsNotExist(err):
		return fmt.Errorf("%s: deleted in the working tree", p)
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file in the working tree", p)
	}
	data, err := readAll(fs, p)
	if err != nil {
		return err
	}
	if plumbing.ComputeHash(plumbing.BlobObject, data) != want {
		if want.IsZero() {
			return fmt.Errorf("%s: untracked file in the way", p)
		}
		return fmt.Errorf("%s: modified in the working tree", p)
	}
	return nil
}

// pushableRemote refuses to commit when the push is bound to fail: the
// remote branch has commits HEAD does not contain.
func pushableRemote(ctx context.Context, repo *git.Repository, req WriteBackRequest, branch plumbing.ReferenceName, head plumbing.Hash, timeout time.Duration) (*git.Remote, error) {
	remote, err := repo.Remote(req.Remote)
	if err != nil {
		return nil, newError("write-back", req.Dir, ErrInvalid, fmt.Errorf("remote %q: %w", req.Remote, err), nil)
	}
	url := remote.Config().URLs[0]
	ep, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	at, err := remoteHead(ctx, url, req.Auth, ep, branch, timeout)
	if err != nil {
		return nil, err
	}
	if at.IsZero() || at == head {
		return remote, nil
	}
	if isAncestor(repo, at, head) {
		return remote, nil // local is ahead; the push carries those commits too
	}
	return nil, newError("write-back", url, ErrNonFastForward,
		fmt.Errorf("%s/%s is at %s, which %s does not contain; pull first", req.Remote, branch.Short(), at, branch.Short()),
		req.Auth.secretsFor(url))
}

func isAncestor(repo *git.Repository, ancestor, of plumbing.Hash) bool {
	a, err := repo.CommitObject(ancestor)
	if err != nil {
		return false
	}
	c, err := repo.CommitObject(of)
	if err != nil {
		return false
	}
	ok, err := a.IsAncestor(c)
	return err == nil && ok
}

// stageWorktreeFile writes content next to p under a temporary name, so
// that after the commit only a rename is left to do. The executable bit
// follows the tree entry.
func stageWorktreeFile(fs billy.Filesystem, p string, content []byte, mode filemode.FileMode) (string, error) {
	dir := path.Dir(p)
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	perm := os.FileMode(0o644)
	if mode == filemode.Executable {
		perm = 0o755
	}
	tmp := path.Join(dir, ".ferry-"+plumbing.ComputeHash(plumbing.BlobObject, content).String()[:12]+".tmp")
	f, err := fs.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return "", err
	}
	_, werr := f.Write(content)
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = fs.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func readAll(fs billy.Filesystem, p string) ([]byte, error) {
	f, err := fs.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
