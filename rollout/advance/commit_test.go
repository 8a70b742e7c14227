package advance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/rollout/batch"
	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
)

var demoRepo = map[string]string{
	"base/kustomization.yaml":          kustomization(baseKust),
	"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 3   # batch 1"),
	"overlays/prod/kustomization.yaml": overlayOnBase,
	"README.md":                        "demo\n",
}

var when = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func demoRequest(target Target) Request {
	return Request{Path: "overlays/prod", Namespace: "default", Name: "demo", Target: target}
}

// TestRunLocalClone commits into a working tree with unrelated changes,
// pushes, and changes exactly one line; a second run is a no-op.
func TestRunLocalClone(t *testing.T) {
	r := gittest.NewRepo(t, t.TempDir(), "app.git")
	r.Commit(demoRepo, "initial")
	r.WriteFiles(map[string]string{"README.md": "demo, edited\n", "notes.txt": "staged\n"})
	r.Git("add", "notes.txt")

	ch, res, err := Run(context.Background(), LocalSnapshot(r.Work, ""), demoRequest(Next()),
		source.WriteBackRequest{Dir: r.Work, Push: true, When: when})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !res.Pushed || r.Head() != res.Hash.String() {
		t.Fatalf("result %+v; remote main at %s", res, r.Head())
	}
	if got := r.BareGit("diff", "--numstat", "main~1", "main"); got != "1\t1\tbase/cloneset.yaml" {
		t.Errorf("git diff --numstat = %q, want one line changed in base/cloneset.yaml", got)
	}
	if got := r.BareGit("log", "-1", "--format=%s|%an <%ae>", "main"); got != "rollout(default/demo): batch 2/3 (partition 3→1)|ferry <ferry@ferry.dev>" {
		t.Errorf("commit = %q", got)
	}
	if ch.Site.File != "base/cloneset.yaml" || ch.Step.To.Batch != 2 {
		t.Errorf("change %s, %s", ch.Site, ch.Step)
	}
	// The working tree has the new file, and the user's changes as they were.
	if b, _ := os.ReadFile(filepath.Join(r.Work, "base", "cloneset.yaml")); !strings.Contains(string(b), "    partition: 1   # batch 1\n") {
		t.Errorf("working tree file not updated:\n%s", b)
	}
	if got := r.Git("status", "--porcelain"); got != "M README.md\nA  notes.txt" {
		t.Errorf("git status = %q, want the user's changes kept", got)
	}

	_, res2, err := Run(context.Background(), LocalSnapshot(r.Work, ""), demoRequest(ToBatch(2)),
		source.WriteBackRequest{Dir: r.Work, Push: true, When: when})
	if !errors.Is(err, batch.ErrAlreadyAtBatch) || res2.Changed || r.Head() != res.Hash.String() {
		t.Errorf("second run: err %v, result %+v; want ErrAlreadyAtBatch and no commit", err, res2)
	}
}

// TestRunRemoteRetriesOnce: the branch moves between the plan and the
// commit; Run plans again on the new tip and commits there, or commits
// nothing when the new tip already holds the target.
func TestRunRemoteRetriesOnce(t *testing.T) {
	cases := []struct {
		name    string
		race    map[string]string // pushed by someone else after the first snapshot
		wantErr error
		commits string // commits on main after the race
	}{
		{name: "an unrelated commit", race: map[string]string{"README.md": "demo, again\n"}, commits: "1"},
		{name: "the same advance", race: map[string]string{
			"base/cloneset.yaml": cloneSet("demo", "3,1,0", "    partition: 1   # batch 1"),
		}, wantErr: batch.ErrAlreadyAtBatch, commits: "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
			r := gittest.NewRepo(t, root, "app.git")
			r.Commit(demoRepo, "initial")
			url := srv.RepoURL("app.git")
			fetch := RemoteSnapshot(source.NewFetcher(source.DefaultFetcherOptions()), url, "main", nil)
			calls, raced := 0, ""
			snapshot := func(ctx context.Context) (*object.Commit, error) {
				c, err := fetch(ctx)
				if calls++; calls == 1 {
					raced = r.Commit(tc.race, "someone else")
				}
				return c, err
			}
			_, res, err := Run(context.Background(), snapshot, demoRequest(ToBatch(2)),
				source.WriteBackRequest{URL: url, Branch: "main", When: when})
			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if calls != 2 {
				t.Errorf("snapshots taken = %d, want 2", calls)
			}
			if got := r.BareGit("rev-list", "--count", raced+"..main"); got != tc.commits {
				t.Errorf("commits after the race = %s, want %s", got, tc.commits)
			}
			if tc.commits == "1" {
				if res.Parent.String() != raced || !res.Pushed {
					t.Errorf("result %+v, want a pushed commit on %s", res, raced)
				}
				if got := r.BareGit("diff", "--numstat", "main~1", "main"); got != "1\t1\tbase/cloneset.yaml" {
					t.Errorf("git diff --numstat = %q", got)
				}
			}
		})
	}
}
