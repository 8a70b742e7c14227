package source

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Identity is a commit author and committer.
type Identity struct {
	Name  string
	Email string
}

// DefaultIdentity is who ferry commits as unless configured otherwise.
func DefaultIdentity() Identity { return Identity{Name: "ferry", Email: "ferry@ferry.dev"} }

// WriteBackRequest describes one commit of one file. Set exactly one of
// Dir (a local clone with a working tree) or URL (a remote, edited in
// memory and pushed).
type WriteBackRequest struct {
	Dir  string
	URL  string
	Auth *Auth // for URL, or for pushing from Dir

	// Branch to commit to. Required with URL; with Dir it must be the
	// checked-out branch and defaults to it.
	Branch string
	// Path of the file in the repository, slash-separated.
	Path string
	Edit EditFunc

	Message string
	Author  Identity  // defaults to DefaultIdentity
	When    time.Time // commit time; required (no clock is read here)
	// SignKey, if set, signs the commit so it passes ferry's own verify.
	SignKey CommitSigner
	// Expect, if set, is the commit hash the edit was planned against; a
	// branch at any other commit fails with ErrNonFastForward and nothing
	// is written.
	Expect string

	// Push, with Dir, pushes the branch to Remote (default "origin") after
	// committing. With URL the commit is always pushed.
	Push   bool
	Remote string
	// Timeout bounds the whole write-back; 0 means 60s.
	Timeout time.Duration
}

// WriteBackResult is what a write-back did.
type WriteBackResult struct {
	// Hash is the new commit, or the unchanged head when Changed is false.
	Hash plumbing.Hash
	// Parent is the head the commit was made on.
	Parent plumbing.Hash
	// Changed is false when the edit returned the file unchanged.
	Changed bool
	// Pushed is true when the remote branch now points to Hash.
	Pushed bool
}

// WriteBack applies req.Edit to one file, commits with req.Author and
// pushes. It fails with ErrNonFastForward when the branch moved under it
// (the caller re-reads and retries), ErrLocalChanges when a working tree
// has uncommitted changes to the file, and leaves every other file of a
// working tree, staged or not, as it was.
//
// When a commit was made in Dir but the push failed, the error is returned
// together with a result whose Hash is the local commit and Pushed is false.
func WriteBack(ctx context.Context, req WriteBackRequest) (WriteBackResult, error) {
	if err := req.validate(); err != nil {
		return WriteBackResult{}, newError("write-back", req.URL, ErrInvalid, err, nil)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultFetcherOptions().Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if req.Author == (Identity{}) {
		req.Author = DefaultIdentity()
	}
	if req.Remote == "" {
		req.Remote = git.DefaultRemoteName
	}
	if req.Dir != "" {
		return writeBackLocal(ctx, req, timeout)
	}
	return writeBackRemote(ctx, req, timeout)
}

func (req WriteBackRequest) validate() error {
	switch {
	case (req.Dir == "") == (req.URL == ""):
		return errors.New("set exactly one of Dir and URL")
	case req.URL != "" && req.Branch == "":
		return errors.New("a remote write-back needs a branch")
	case req.Edit == nil:
		return errors.New("no edit function")
	case req.Message == "":
		return errors.New("empty commit message")
	case req.When.IsZero():
		return errors.New("commit time not set")
	case req.Expect != "" && !isFullHash(req.Expect):
		return fmt.Errorf("expected commit %q: want a full hash", req.Expect)
	}
	_, err := splitRepoPath(req.Path)
	return err
}

// writeBackRemote fetches the branch tip shallowly into memory, commits
// there and pushes. The push carries only the new blob, trees and commit.
func writeBackRemote(ctx context.Context, req WriteBackRequest, timeout time.Duration) (WriteBackResult, error) {
	ep, err := parseURL(req.URL)
	if err != nil {
		return WriteBackResult{}, err
	}
	branch := fullName(req.Branch, "refs/heads/")
	fail := func(kind, cause error) (WriteBackResult, error) {
		return WriteBackResult{}, newError("write-back", req.URL, kind, cause, req.Auth.secretsFor(req.URL))
	}
	st := memory.NewStorage()
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", branch, branch))
	if err := fetchRefs(ctx, st, Request{URL: req.URL, Auth: req.Auth}, ep, []config.RefSpec{spec}, 1, timeout); err != nil {
		return WriteBackResult{}, err
	}
	ref, err := st.Reference(branch)
	if err != nil {
		return fail(ErrNotFound, fmt.Errorf("branch %s: %w", branch.Short(), err))
	}
	res, _, err := commitEdit(st, ref.Hash(), req)
	if err != nil || !res.Changed {
		return res, err
	}
	if err := st.SetReference(plumbing.NewHashReference(branch, res.Hash)); err != nil {
		return fail(ErrTransient, err)
	}
	remote := git.NewRemote(st, &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{req.URL}})
	if err := pushBranch(ctx, remote, req, ep, branch, res.Parent, timeout); err != nil {
		return WriteBackResult{}, err
	}
	res.Pushed = true
	return res, nil
}

// commitEdit applies the edit on parent's tree and stores a commit in st.
// It also returns the edit, whose content a working tree needs.
func commitEdit(st storer.EncodedObjectStorer, parent plumbing.Hash, req WriteBackRequest) (WriteBackResult, fileEdit, error) {
	fail := func(kind, cause error) (WriteBackResult, fileEdit, error) {
		return WriteBackResult{}, fileEdit{}, newError("write-back", req.URL+req.Dir, kind, cause, nil)
	}
	if req.Expect != "" && parent != plumbing.NewHash(req.Expect) {
		return fail(ErrNonFastForward, fmt.Errorf("branch is at %s, edit was planned on %s", parent, req.Expect))
	}
	head, err := object.GetCommit(st, parent)
	if err != nil {
		return fail(ErrNotFound, err)
	}
	tree, err := head.Tree()
	if err != nil {
		return fail(ErrNotFound, err)
	}
	edit, err := editTree(st, tree, req.Path, req.Edit)
	if err != nil {
		return fail(ErrInvalid, err)
	}
	if !edit.changed {
		return WriteBackResult{Hash: parent, Parent: parent}, edit, nil
	}
	h, err := writeCommit(st, edit.tree, parent, req)
	if err != nil {
		return fail(ErrInvalid, err)
	}
	return WriteBackResult{Hash: h, Parent: parent, Changed: true}, edit, nil
}

// writeCommit stores a commit of tree on parent, signed when asked.
func writeCommit(st storer.EncodedObjectStorer, tree, parent plumbing.Hash, req WriteBackRequest) (plumbing.Hash, error) {
	who := object.Signature{Name: req.Author.Name, Email: req.Author.Email, When: req.When}
	c := &object.Commit{
		Author: who, Committer: who,
		Message:      req.Message,
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{parent},
	}
	if req.SignKey != nil {
		message, err := encodedBytes(c.EncodeWithoutSignature)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		sig, err := req.SignKey.SignCommit(message, req.When)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("sign commit with %s: %w", req.SignKey.KeyName(), err)
		}
		c.PGPSignature = sig
	}
	obj := st.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// pushBranch pushes branch and turns a refusal into ErrNonFastForward when
// the remote branch is no longer at parent. That is decided by listing the
// remote again, not by reading the refusal's text.
func pushBranch(ctx context.Context, remote *git.Remote, req WriteBackRequest, ep *transport.Endpoint, branch plumbing.ReferenceName, parent plumbing.Hash, timeout time.Duration) error {
	url := remote.Config().URLs[0]
	method, att, err := req.Auth.transportFor(ep, timeout)
	if err != nil {
		return newError("push", url, ErrInvalid, err, nil)
	}
	ca, cert, key := req.Auth.tlsOptions()
	spec := config.RefSpec(fmt.Sprintf("%s:%s", branch, branch))
	err = remote.PushContext(ctx, &git.PushOptions{
		RemoteName: remote.Config().Name,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       method, CABundle: ca, ClientCert: cert, ClientKey: key,
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	secrets := req.Auth.secretsFor(url)
	kind := classify(err, att)
	// A moved branch shows up as a refusal, or as go-git failing to find
	// the new remote head locally; either way, look at the remote.
	if kind != ErrAuth && kind != ErrServerIdentity {
		if now, lerr := remoteHead(ctx, url, req.Auth, ep, branch, timeout); lerr == nil && now != parent {
			return newError("push", url, ErrNonFastForward,
				fmt.Errorf("%s is now at %s, not %s: %w", branch.Short(), now, parent, err), secrets)
		}
	}
	return newError("push", url, kind, err, secrets)
}

// remoteHead lists the remote and returns where branch points (zero if the
// branch is gone).
func remoteHead(ctx context.Context, url string, auth *Auth, ep *transport.Endpoint, branch plumbing.ReferenceName, timeout time.Duration) (plumbing.Hash, error) {
	refs, err := listRefs(ctx, Request{URL: url, Auth: auth}, ep, timeout)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for _, r := range refs {
		if r.Name() == branch {
			return r.Hash(), nil
		}
	}
	return plumbing.ZeroHash, nil
}
