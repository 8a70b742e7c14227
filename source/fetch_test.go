package source

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// readFile returns the content of path in the fetched commit.
func readFile(t *testing.T, c *object.Commit, path string) string {
	t.Helper()
	f, err := c.File(path)
	if err != nil {
		t.Fatalf("commit %s: %s: %v", c.Hash, path, err)
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustFetch(t *testing.T, f *Fetcher, req Request) Result {
	t.Helper()
	res, err := f.Fetch(context.Background(), req)
	if err != nil {
		t.Fatalf("Fetch(%s, %s): %v", req.URL, req.Ref, err)
	}
	return res
}

// The poll cycle over file://: first fetch, idle poll, new commit.
func TestFetchPollCycleFile(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	first := repo.Commit(map[string]string{"app/cloneset.yaml": "partition: 3\n"}, "first")
	f := NewFetcher(DefaultFetcherOptions())
	req := Request{URL: repo.FileURL(), Ref: Ref{Branch: "main"}}

	res := mustFetch(t, f, req)
	if res.Hash.String() != first || !res.Changed || !res.Fetched {
		t.Fatalf("first fetch = %s changed=%v fetched=%v, want %s changed fetched", res.Hash, res.Changed, res.Fetched, first)
	}
	if res.Revision != "main@sha1:"+first {
		t.Errorf("Revision = %q", res.Revision)
	}
	if got := readFile(t, res.Commit, "app/cloneset.yaml"); got != "partition: 3\n" {
		t.Errorf("file = %q", got)
	}
	if len(res.Commit.ParentHashes) != 0 {
		t.Errorf("parents = %v", res.Commit.ParentHashes)
	}

	req.LastRevision = res.Revision
	idle := mustFetch(t, f, req)
	if idle.Changed || idle.Fetched || idle.Hash != res.Hash {
		t.Fatalf("idle poll changed=%v fetched=%v hash=%s", idle.Changed, idle.Fetched, idle.Hash)
	}
	if got := f.Stats(); got != (Stats{LsRemotes: 2, Fetches: 1, CacheHits: 1}) {
		t.Errorf("stats = %+v", got)
	}

	second := repo.Commit(map[string]string{"app/cloneset.yaml": "partition: 2\n"}, "second")
	next := mustFetch(t, f, req)
	if next.Hash.String() != second || !next.Changed || !next.Fetched {
		t.Fatalf("after push: %s changed=%v fetched=%v, want %s", next.Hash, next.Changed, next.Fetched, second)
	}
	if got := readFile(t, next.Commit, "app/cloneset.yaml"); got != "partition: 2\n" {
		t.Errorf("file = %q", got)
	}
	// The shallow fetch holds the new commit but not its parent.
	if _, err := next.Commit.Parent(0); err == nil {
		t.Error("parent of a depth-1 fetch is readable; fetch was not shallow")
	}
	// The old Result stays readable after the snapshot was replaced.
	if got := readFile(t, res.Commit, "app/cloneset.yaml"); got != "partition: 3\n" {
		t.Errorf("old snapshot file = %q", got)
	}
}

// An idle poll over smart HTTP is one request: GET info/refs.
func TestFetchIdlePollIsOneRequest(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "org/app.git")
	repo.Commit(map[string]string{"a.yaml": "a: 1\n"}, "first")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	f := NewFetcher(DefaultFetcherOptions())
	req := Request{URL: srv.RepoURL("org/app.git"), Ref: Ref{Branch: "main"}}

	res := mustFetch(t, f, req)
	if srv.Requests() != 3 { // ls-remote, then info/refs + upload-pack for the fetch
		t.Errorf("first fetch made %d requests, want 3", srv.Requests())
	}
	req.LastRevision = res.Revision
	for i := range 3 {
		srv.Reset()
		idle := mustFetch(t, f, req)
		if idle.Fetched || idle.Changed {
			t.Fatalf("poll %d: fetched=%v changed=%v", i, idle.Fetched, idle.Changed)
		}
		if srv.Requests() != 1 || srv.BytesIn() != 0 {
			t.Fatalf("idle poll %d made %d requests with %d request bytes, want 1 GET", i, srv.Requests(), srv.BytesIn())
		}
	}
}

func TestFetchRefs(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	c1 := repo.Commit(map[string]string{"v": "1"}, "one")
	repo.Tag("v1.0.0", "release 1") // annotated
	repo.Tag("light", "")           // lightweight
	repo.Git("checkout", "--quiet", "-b", "feature")
	c2 := repo.Commit(map[string]string{"v": "2"}, "two")
	c4 := repo.Commit(map[string]string{"v": "4"}, "four")
	repo.Git("checkout", "--quiet", "main")
	c3 := repo.Commit(map[string]string{"v": "3"}, "three")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	content := map[string]string{c1: "1", c2: "2", c3: "3", c4: "4"}

	tests := []struct {
		name     string
		ref      Ref
		want     string
		revision string
		tagged   bool
	}{
		{"default branch", Ref{}, c3, "main@sha1:" + c3, false},
		{"branch", Ref{Branch: "feature"}, c4, "feature@sha1:" + c4, false},
		{"full branch name", Ref{Branch: "refs/heads/main"}, c3, "main@sha1:" + c3, false},
		{"annotated tag", Ref{Tag: "v1.0.0"}, c1, "v1.0.0@sha1:" + c1, true},
		{"lightweight tag", Ref{Tag: "light"}, c1, "light@sha1:" + c1, false},
		{"commit behind a branch tip", Ref{Commit: c2}, c2, "sha1:" + c2, false},
		{"commit under a tag", Ref{Commit: c1}, c1, "sha1:" + c1, false},
	}
	for _, proto := range []struct{ name, url string }{{"file", repo.FileURL()}, {"http", srv.RepoURL("app.git")}} {
		for _, tt := range tests {
			t.Run(proto.name+"/"+tt.name, func(t *testing.T) {
				res := mustFetch(t, NewFetcher(DefaultFetcherOptions()), Request{URL: proto.url, Ref: tt.ref})
				if res.Hash.String() != tt.want || res.Revision != tt.revision {
					t.Errorf("got %s (%s), want %s (%s)", res.Hash, res.Revision, tt.want, tt.revision)
				}
				if (res.Tag != nil) != tt.tagged {
					t.Errorf("tag object = %v, want annotated=%v", res.Tag, tt.tagged)
				}
				if res.Tag != nil && res.Tag.Message != "release 1\n" {
					t.Errorf("tag message = %q", res.Tag.Message)
				}
				if got := readFile(t, res.Commit, "v"); got != content[tt.want] {
					t.Errorf("file v = %q", got)
				}
			})
		}
	}
}

// A pinned commit is immutable: once cached, a poll makes no request.
func TestFetchPinnedCommitCachedWithoutRequests(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	c1 := repo.Commit(map[string]string{"v": "1"}, "one")
	repo.Commit(map[string]string{"v": "2"}, "two")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	f := NewFetcher(DefaultFetcherOptions())
	req := Request{URL: srv.RepoURL("app.git"), Ref: Ref{Commit: c1}}
	mustFetch(t, f, req)
	srv.Reset()
	res := mustFetch(t, f, req)
	if res.Fetched || srv.Requests() != 0 {
		t.Errorf("cached pin: fetched=%v requests=%d, want no request", res.Fetched, srv.Requests())
	}
}

func TestFetchNotFound(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	repo.Commit(map[string]string{"v": "1"}, "one")
	bySHA := gittest.NewRepo(t, root, "by-sha.git")
	bySHA.Commit(map[string]string{"v": "1"}, "one")
	bySHA.AllowFetchBySHA() // the server answers "not our ref" for a missing commit
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	tests := []struct {
		name string
		req  Request
	}{
		{"missing branch", Request{URL: srv.RepoURL("app.git"), Ref: Ref{Branch: "nope"}}},
		{"missing tag", Request{URL: srv.RepoURL("app.git"), Ref: Ref{Tag: "v9"}}},
		{"missing commit", Request{URL: repo.FileURL(), Ref: Ref{Commit: "0123456789012345678901234567890123456789"}}},
		{"missing commit, fetch by hash allowed", Request{URL: bySHA.FileURL(), Ref: Ref{Commit: "0123456789012345678901234567890123456789"}}},
		{"missing repository http", Request{URL: srv.RepoURL("other.git")}},
		{"missing repository file", Request{URL: "file://" + root + "/other.git"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), tt.req)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.URL == "" {
				t.Errorf("error %v does not carry the URL", err)
			}
		})
	}
}

func TestFetchInvalidRequest(t *testing.T) {
	tests := []Request{
		{URL: ""},
		{URL: "git://example.com/app.git"},
		{URL: "file:///x", Ref: Ref{Branch: "main", Tag: "v1"}},
		{URL: "file:///x", Ref: Ref{Commit: "abc123"}},
	}
	for _, req := range tests {
		_, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), req)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Fetch(%+v) = %v, want ErrInvalid", req, err)
		}
	}
}

// A server that accepts and never answers: the timeout ends the fetch with
// a transient error.
func TestFetchTimeout(t *testing.T) {
	url := gittest.NewSilentServer(t)
	_, err := NewFetcher(FetcherOptions{Timeout: 300 * time.Millisecond}).Fetch(context.Background(), Request{URL: url + "/app.git"})
	if !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
}

// A burst of polls for one source (webhook plus timer) transfers once.
func TestFetchConcurrentSameSource(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	want := repo.Commit(map[string]string{"v": "1"}, "one")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	f := NewFetcher(DefaultFetcherOptions())
	req := Request{URL: srv.RepoURL("app.git")}
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			res, err := f.Fetch(context.Background(), req)
			if err == nil && res.Hash.String() != want {
				err = errors.New("wrong commit " + res.Hash.String())
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := f.Stats(); got != (Stats{LsRemotes: n, Fetches: 1, CacheHits: n - 1}) {
		t.Errorf("stats = %+v, want %d ls-remotes and one fetch", got, n)
	}
}

// The cache keeps MaxCacheEntries snapshots and evicts the least recently
// used one.
func TestFetchCacheEviction(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{"v": "1"}, "one")
	repo.Tag("a", "")
	repo.Tag("b", "")
	f := NewFetcher(FetcherOptions{MaxCacheEntries: 2})
	fetch := func(tag string) bool {
		return mustFetch(t, f, Request{URL: repo.FileURL(), Ref: Ref{Tag: tag}}).Fetched
	}
	fetch("a")
	fetch("b")
	if fetch("a") {
		t.Error("a was evicted while the cache had room")
	}
	fetch("") // HEAD: evicts b, the least recently used
	if fetch("a") {
		t.Error("a was evicted; b was older")
	}
	if !fetch("b") {
		t.Error("b was not evicted")
	}
	f.Forget(repo.FileURL())
	if !fetch("a") {
		t.Error("Forget kept a snapshot")
	}
}
