package source

import (
	"context"
	"fmt"
	"testing"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// benchRepo serves a repository shaped like a small GitOps repo: 40
// manifests in 10 overlays, with a few commits of history.
func benchRepo(b *testing.B) (*gittest.HTTPServer, string) {
	root := b.TempDir()
	repo := gittest.NewRepo(b, root, "org/fleet.git")
	for c := range 3 {
		files := map[string]string{}
		for i := range 40 {
			files[fmt.Sprintf("apps/app%d/overlay%d/cloneset.yaml", i/4, i%4)] =
				fmt.Sprintf("apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata:\n  name: app%d\nspec:\n  replicas: 10\n  updateStrategy:\n    partition: %d\n", i, 3-c)
		}
		repo.Commit(files, fmt.Sprintf("commit %d", c))
	}
	srv := gittest.NewHTTPServer(b, root, gittest.HTTPOptions{BearerToken: testToken})
	return srv, srv.RepoURL("org/fleet.git")
}

// BenchmarkIdlePoll measures a poll that finds nothing new: the requests
// and bytes it costs the git host. Expect 1 request and 0 request bytes.
func BenchmarkIdlePoll(b *testing.B) {
	srv, url := benchRepo(b)
	auth, err := AuthFromSecret(map[string][]byte{"bearerToken": []byte(testToken)}, url)
	if err != nil {
		b.Fatal(err)
	}
	f := NewFetcher(DefaultFetcherOptions())
	req := Request{URL: url, Auth: auth, Ref: Ref{Branch: "main"}}
	first, err := f.Fetch(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	req.LastRevision = first.Revision
	srv.Reset()
	for b.Loop() {
		res, err := f.Fetch(context.Background(), req)
		if err != nil || res.Fetched {
			b.Fatalf("idle poll: fetched=%v err=%v", res.Fetched, err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(srv.Requests())/n, "requests/poll")
	b.ReportMetric(float64(srv.BytesOut())/n, "resp-bytes/poll")
	b.ReportMetric(float64(srv.BytesIn())/n, "req-bytes/poll")
}

// BenchmarkFirstFetch measures a cold fetch (new Fetcher): ls-remote plus
// a shallow transfer of the whole tree.
func BenchmarkFirstFetch(b *testing.B) {
	srv, url := benchRepo(b)
	auth, err := AuthFromSecret(map[string][]byte{"bearerToken": []byte(testToken)}, url)
	if err != nil {
		b.Fatal(err)
	}
	srv.Reset()
	for b.Loop() {
		if _, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), Request{URL: url, Auth: auth}); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(srv.Requests())/n, "requests/fetch")
	b.ReportMetric(float64(srv.BytesOut())/n, "resp-bytes/fetch")
	b.ReportMetric(float64(srv.BytesIn())/n, "req-bytes/fetch")
}
