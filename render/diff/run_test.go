package diff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/source/gittest"
)

func appFiles(image, partition string) map[string]string {
	return map[string]string{
		"app/kustomization.yaml": "resources: [cloneset.yaml]\n",
		"app/cloneset.yaml": fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "%s"}]}
  updateStrategy: {type: InPlaceIfPossible, maxUnavailable: 1, partition: %s}
`, image, partition),
	}
}

func newRepo(t *testing.T, commits ...map[string]string) *gittest.Repo {
	t.Helper()
	r := gittest.NewRepo(t, t.TempDir(), "app.git")
	for i, c := range commits {
		r.Commit(c, fmt.Sprint("commit ", i))
	}
	return r
}

func runPreview(t *testing.T, r *gittest.Repo, base, head string, depth int, paths ...string) *Preview {
	t.Helper()
	opts := DefaultOptions()
	opts.HistoryDepth = depth
	p, err := Run(context.Background(), Request{Repo: r.Work, Base: base, Head: head, Paths: paths}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The template base's partition holds pods at comes from git history.
func TestRunHistory(t *testing.T) {
	unrelated := map[string]string{"README.md": "docs only\n"}
	for _, tc := range []struct {
		name     string
		commits  []map[string]string
		depth    int
		previous bool
		moved    int
		note     string
	}{
		{
			name:    "release two commits back, unrelated commit between",
			commits: []map[string]string{appFiles("web:1", "0"), appFiles("web:2", "3"), unrelated, appFiles("web:2", "1")},
			depth:   5, previous: true, moved: 2,
		},
		{
			name:    "created with base's template: nothing is held back",
			commits: []map[string]string{unrelated, appFiles("web:2", "3"), appFiles("web:2", "1")},
			depth:   5, moved: 0,
		},
		{
			name:    "history too short to find it",
			commits: []map[string]string{appFiles("web:1", "0"), appFiles("web:2", "3"), unrelated, appFiles("web:2", "1")},
			depth:   1, moved: 2, note: "was not found in the last 1 commits",
		},
		{
			name:    "history search off",
			commits: []map[string]string{appFiles("web:1", "0"), appFiles("web:2", "3"), appFiles("web:2", "1")},
			depth:   0, moved: 2, note: "git history was not searched",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t, tc.commits...)
			p := runPreview(t, r, "HEAD~1", "HEAD", tc.depth, "app")
			if len(p.Rollouts) != 1 {
				t.Fatalf("%d rollouts", len(p.Rollouts))
			}
			ro := p.Rollouts[0]
			if (ro.Previous != "") != tc.previous || ro.PodsToUpdate != tc.moved {
				t.Errorf("previous %q, %d pods move; want previous %v, %d", ro.Previous, ro.PodsToUpdate, tc.previous, tc.moved)
			}
			notes := strings.Join(ro.Notes, "\n")
			if tc.note == "" && notes != "" || !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q, want %q", notes, tc.note)
			}
			if tc.previous && ro.Images[0].From != "web:1" {
				t.Errorf("images %+v, want from web:1", ro.Images)
			}
		})
	}
}

// A path that exists at one revision only is all added (or removed); one
// that exists at neither is the render error.
func TestRunMissingPath(t *testing.T) {
	r := newRepo(t, map[string]string{"README.md": "x\n"}, appFiles("web:1", "0"))
	p := runPreview(t, r, "HEAD~1", "HEAD", 5, "app")
	if p.Summary.Added != 1 || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "app does not exist at base") {
		t.Errorf("summary %+v, notes %q", p.Summary, p.Notes)
	}
	p = runPreview(t, r, "HEAD", "HEAD~1", 5, "app")
	if p.Summary.Removed != 1 || !strings.Contains(p.Notes[0], "app does not exist at head") {
		t.Errorf("summary %+v, notes %q", p.Summary, p.Notes)
	}
	_, err := Run(context.Background(), Request{Repo: r.Work, Base: "HEAD~1", Head: "HEAD", Paths: []string{"nope"}}, DefaultOptions())
	var re *render.Error
	if !errors.As(err, &re) || !errors.Is(err, render.ErrMissingResource) {
		t.Errorf("error %v, want a render.Error for the missing path", err)
	}
}

// --head "" compares with the working tree, uncommitted edits included.
func TestRunWorkingTree(t *testing.T) {
	r := newRepo(t, appFiles("web:1", "0"))
	if err := os.WriteFile(filepath.Join(r.Work, "app", "cloneset.yaml"), []byte(appFiles("web:2", "0")["app/cloneset.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	p := runPreview(t, r, "HEAD", "", 5, "app")
	if !strings.HasPrefix(p.Head, "working tree ") || len(p.Rollouts) != 1 || p.Rollouts[0].PodsToUpdate != 4 {
		t.Errorf("head %q, rollouts %+v", p.Head, p.Rollouts)
	}
	if _, err := Run(context.Background(), Request{Repo: r.Work, Base: "no-such-branch", Paths: []string{"app"}}, DefaultOptions()); err == nil ||
		!strings.Contains(err.Error(), "base no-such-branch") {
		t.Errorf("error %v, want one naming the base revision", err)
	}
}

// --repo may be a URL: each revision (a branch or tag) is cloned shallow;
// there is no history to search, and the notes say so.
func TestRunURL(t *testing.T) {
	r := newRepo(t, appFiles("web:1", "0"), appFiles("web:2", "2"))
	r.Tag("v2", "")
	r.Git("checkout", "--quiet", "-b", "batch", "HEAD")
	r.Commit(appFiles("web:2", "0"), "next batch")
	p, err := Run(context.Background(), Request{Repo: r.FileURL(), Base: "v2", Head: "batch", Paths: []string{"app"}}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rollouts) != 1 || p.Rollouts[0].PodsToUpdate != 2 || !strings.HasPrefix(p.Base, "v2 (") || !strings.HasPrefix(p.Head, "batch (") {
		t.Fatalf("base %q head %q rollouts %+v", p.Base, p.Head, p.Rollouts)
	}
	if notes := strings.Join(p.Rollouts[0].Notes, "\n"); !strings.Contains(notes, "no git history") {
		t.Errorf("notes %q", notes)
	}
}
