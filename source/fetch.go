package source

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
)

// FetcherOptions tunes a Fetcher.
type FetcherOptions struct {
	// Timeout bounds one Fetch (ls-remote plus transfer) when the Request
	// has none. GitSync's spec.timeout overrides it per object.
	Timeout time.Duration
	// MaxCacheEntries bounds the number of (URL, ref, credentials) snapshots
	// kept; the least recently used goes first.
	MaxCacheEntries int
}

// DefaultFetcherOptions: 60s like Flux's default timeout, and room for a few
// hundred GitSyncs before snapshots are evicted.
func DefaultFetcherOptions() FetcherOptions {
	return FetcherOptions{Timeout: 60 * time.Second, MaxCacheEntries: 256}
}

// Fetcher resolves refs and keeps the last fetched commit of each
// (URL, ref, credentials) in memory. It is safe for concurrent use; fetches
// of the same key are serialized so a burst of webhooks costs one transfer.
//
// Memory: each snapshot is one shallow commit with its full tree, held in a
// go-git in-memory store. A changed commit gets a fresh store (old objects
// are dropped with the old snapshot once the caller lets go of its Result),
// so memory is bounded by MaxCacheEntries × the size of one checkout. An
// on-disk cache would save the re-transfer after a restart, but a restart
// re-fetches once per source anyway and ferry's pod need not have a
// writable disk.
type Fetcher struct {
	opts  FetcherOptions
	cache *snapshotCache
	stats stats
}

// NewFetcher returns a Fetcher; zero fields of opts take their defaults.
func NewFetcher(opts FetcherOptions) *Fetcher {
	def := DefaultFetcherOptions()
	if opts.Timeout <= 0 {
		opts.Timeout = def.Timeout
	}
	if opts.MaxCacheEntries <= 0 {
		opts.MaxCacheEntries = def.MaxCacheEntries
	}
	return &Fetcher{opts: opts, cache: newSnapshotCache(opts.MaxCacheEntries)}
}

// Request is one poll of one GitSync.
type Request struct {
	URL  string
	Ref  Ref
	Auth *Auth // nil for anonymous
	// LastRevision is the revision the caller last applied ("main@sha1:…"
	// or a bare hash); it only decides Result.Changed.
	LastRevision string
	// Timeout overrides FetcherOptions.Timeout when positive.
	Timeout time.Duration
}

// Result is the commit a Request resolved to.
type Result struct {
	// Revision is "<ref>@sha1:<hash>", the value to record in status.
	Revision string
	// Hash is the commit hash.
	Hash plumbing.Hash
	// RefName is the reference that was matched (refs/heads/main, or the
	// branch the remote HEAD points to); empty for a pinned commit.
	RefName plumbing.ReferenceName
	// Commit is readable: Commit.Tree() gives the files for render. It stays
	// valid after later fetches replace the cached snapshot.
	Commit *object.Commit
	// Tag is the annotated tag object when the Ref named one, else nil.
	Tag *object.Tag
	// Changed is true when Hash differs from Request.LastRevision.
	Changed bool
	// Fetched is true when objects were transferred to answer this call.
	Fetched bool
}

// Stats counts the network work a Fetcher has done. An idle poll adds one
// to LsRemotes and nothing else (see BenchmarkIdlePoll for bytes).
type Stats struct {
	LsRemotes int64 // reference listings (one HTTP request each)
	Fetches   int64 // object transfers, including fallbacks
	CacheHits int64 // Fetch calls answered without a transfer
}

type stats struct{ lsRemotes, fetches, hits atomic.Int64 }

// Stats returns the counters since NewFetcher.
func (f *Fetcher) Stats() Stats {
	return Stats{LsRemotes: f.stats.lsRemotes.Load(), Fetches: f.stats.fetches.Load(), CacheHits: f.stats.hits.Load()}
}

// Forget drops every cached snapshot of url, e.g. when its GitSync is deleted.
func (f *Fetcher) Forget(url string) { f.cache.forget(url) }

// Fetch resolves req.Ref on the remote and returns its commit. The remote
// refs are listed first; objects are transferred only when the resolved
// commit is not already cached. A pinned commit that is cached costs no
// request at all.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (Result, error) {
	ep, err := parseURL(req.URL)
	if err != nil {
		return Result{}, err
	}
	if err := req.Ref.Validate(); err != nil {
		return Result{}, newError("fetch", req.URL, ErrInvalid, err, nil)
	}
	timeout := f.opts.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	snap := f.cache.get(snapshotKey{url: req.URL, ref: req.Ref, auth: req.Auth.cacheID()})
	snap.mu.Lock()
	defer snap.mu.Unlock()

	target := resolved{Commit: plumbing.NewHash(req.Ref.Commit)}
	if req.Ref.Commit == "" {
		refs, err := f.lsRemote(ctx, req, ep, timeout)
		if err != nil {
			return Result{}, err
		}
		if target, err = resolveRef(req.Ref, refs); err != nil {
			return Result{}, newError("ls-remote", req.URL, ErrNotFound, err, nil)
		}
	}
	fetched := false
	if !snap.holds(target) {
		s, err := f.transfer(ctx, req, ep, target, timeout)
		if err != nil {
			return Result{}, err
		}
		snap.snapshot, fetched = s, true
	} else {
		f.stats.hits.Add(1)
	}
	return snap.result(req.LastRevision, fetched), nil
}

// lsRemote counts and runs listRefs.
func (f *Fetcher) lsRemote(ctx context.Context, req Request, ep *transport.Endpoint, timeout time.Duration) ([]*plumbing.Reference, error) {
	f.stats.lsRemotes.Add(1)
	return listRefs(ctx, req, ep, timeout)
}

// listRefs lists the remote references with annotated tags peeled.
func listRefs(ctx context.Context, req Request, ep *transport.Endpoint, timeout time.Duration) ([]*plumbing.Reference, error) {
	method, att, err := req.Auth.transportFor(ep, timeout)
	if err != nil {
		return nil, newError("ls-remote", req.URL, ErrInvalid, err, nil)
	}
	ca, cert, key := req.Auth.tlsOptions()
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{req.URL}})
	refs, err := remote.ListContext(ctx, &git.ListOptions{
		Auth: method, CABundle: ca, ClientCert: cert, ClientKey: key,
		PeelingOption: git.AppendPeeled,
	})
	if err != nil {
		return nil, newError("ls-remote", req.URL, classify(err, att), err, req.Auth.secretsFor(req.URL))
	}
	return refs, nil
}

// transfer fetches target shallowly into a fresh in-memory store.
func (f *Fetcher) transfer(ctx context.Context, req Request, ep *transport.Endpoint, target resolved, timeout time.Duration) (*snapshot, error) {
	st := memory.NewStorage()
	var specs []config.RefSpec
	depth := 1
	if target.Name != "" {
		specs = []config.RefSpec{config.RefSpec(fmt.Sprintf("+%s:%s", target.Name, target.Name))}
	} else {
		specs = []config.RefSpec{config.RefSpec(target.Commit.String() + ":" + pinnedRef)}
	}
	err := f.fetchInto(ctx, st, req, ep, specs, depth, timeout)
	if target.Name == "" && (errors.Is(err, git.ErrExactSHA1NotSupported) || errors.Is(err, ErrTransient)) {
		// The server does not serve unadvertised commits by hash (plain
		// git-upload-pack over ssh and file without
		// uploadpack.allowReachableSHA1InWant), or it refused this one
		// ("not our ref" arrives as untyped text). Fetch all branches and
		// tags in full and look the commit up: a missing commit then ends
		// as a typed ErrNotFound. This happens once per pin.
		st = memory.NewStorage()
		specs = []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}
		err = f.fetchInto(ctx, st, req, ep, specs, 0, timeout)
	}
	if err != nil {
		return nil, err
	}
	snap, err := loadSnapshot(st, target)
	if err != nil {
		return nil, newError("fetch", req.URL, ErrNotFound, err, nil)
	}
	return snap, nil
}

// pinnedRef is where a commit fetched by hash is recorded in the store.
const pinnedRef = "refs/ferry/pinned"

// fetchInto counts and runs fetchRefs.
func (f *Fetcher) fetchInto(ctx context.Context, st *memory.Storage, req Request, ep *transport.Endpoint, specs []config.RefSpec, depth int, timeout time.Duration) error {
	f.stats.fetches.Add(1)
	return fetchRefs(ctx, st, req, ep, specs, depth, timeout)
}

// fetchRefs fetches specs from req.URL into st, without tags.
func fetchRefs(ctx context.Context, st *memory.Storage, req Request, ep *transport.Endpoint, specs []config.RefSpec, depth int, timeout time.Duration) error {
	method, att, err := req.Auth.transportFor(ep, timeout)
	if err != nil {
		return newError("fetch", req.URL, ErrInvalid, err, nil)
	}
	ca, cert, key := req.Auth.tlsOptions()
	remote := git.NewRemote(st, &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{req.URL}})
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		RefSpecs:   specs,
		Depth:      depth,
		Tags:       git.NoTags,
		Auth:       method, CABundle: ca, ClientCert: cert, ClientKey: key,
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case errors.Is(err, git.ErrExactSHA1NotSupported):
		return err // the caller falls back
	}
	return newError("fetch", req.URL, classify(err, att), err, req.Auth.secretsFor(req.URL))
}
