package advance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// cloneSet is a CloneSet manifest; plan is its ferry.dev/batches annotation
// ("" for none) and partition the whole partition line as written (with
// its indentation, so tests can give it a comment), or "" for none.
func cloneSet(name, plan, partition string) string {
	ann := ""
	if plan != "" {
		ann = fmt.Sprintf("  annotations:\n    ferry.dev/batches: %q # the plan\n", plan)
	}
	if partition != "" {
		partition += "\n"
	}
	return fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: %[1]s
%[2]sspec:
  replicas: 5
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - name: app
        image: registry.example/%[1]s:1.0
  updateStrategy:
    maxSurge: 20%%      # one extra pod
%[3]s    maxUnavailable: 0
`, name, ann, partition)
}

// kustomization is a kustomization.yaml with the given body.
func kustomization(body string) string {
	return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + body
}

// commitFiles commits files to a fresh repository and returns the commit.
func commitFiles(t testing.TB, files map[string]string) (*gittest.Repo, *object.Commit) {
	t.Helper()
	r := gittest.NewRepo(t, t.TempDir(), "app.git")
	h := r.Commit(files, "initial")
	return r, headCommit(t, r.Work, h)
}

func headCommit(t testing.TB, dir, hash string) *object.Commit {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	if hash != "" && head.Hash().String() != hash {
		t.Fatalf("HEAD is %s, want %s", head.Hash(), hash)
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// changedLines returns the lines that differ between two texts with the
// same number of lines, as "old → new" pairs; a different line count is
// reported as such.
func changedLines(old, new string) []string {
	a, b := strings.Split(old, "\n"), strings.Split(new, "\n")
	if len(a) != len(b) {
		return []string{fmt.Sprintf("line count %d → %d", len(a), len(b))}
	}
	var out []string
	for i := range a {
		if a[i] != b[i] {
			out = append(out, a[i]+" → "+b[i])
		}
	}
	return out
}

// smPatch is a strategic-merge patch file setting a CloneSet's partition.
func smPatch(name, partition string) string {
	return "apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata:\n  name: " + name +
		"\nspec:\n  updateStrategy:\n    partition: " + partition + "\n"
}
