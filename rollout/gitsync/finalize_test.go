package gitsync_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/source/gittest"
)

// Deleting a GitSync deletes what it applied (its finalizer holds it until
// then), except objects annotated ferry.dev/prune: disabled; with
// spec.prune false everything stays.
func TestDeletingAGitSyncDeletesItsObjects(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	kept := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations: {ferry.dev/prune: disabled}\ndata: {value: \"1\"}\n"
	rev := repo.Commit(map[string]string{
		"app/kustomization.yaml":   kustomization("a.yaml", "kept.yaml"),
		"app/a.yaml":               configMap("a", "1"),
		"app/kept.yaml":            kept,
		"other/kustomization.yaml": kustomization("b.yaml"),
		"other/b.yaml":             configMap("b", "1"),
	}, "two GitSyncs")
	e.createGitSync("app", spec(repo.FileURL()))
	noPrune := spec(repo.FileURL())
	noPrune.Path, noPrune.Prune = "other", new(bool)
	e.createGitSync("other", noPrune)
	e.start(nil)
	for _, name := range []string{"app", "other"} {
		gs := e.waitFor(name, 30*time.Second, "first sync", appliedAt(rev))
		if !slices.Contains(gs.Finalizers, gitsync.Finalizer) {
			t.Fatalf("GitSync %s finalizers %v, want %s", name, gs.Finalizers, gitsync.Finalizer)
		}
	}
	if got := keys(e.configMaps()); !slices.Equal(got, []string{"a", "b", "kept"}) {
		t.Fatalf("applied ConfigMaps %v, want [a b kept]", got)
	}

	for _, name := range []string{"app", "other"} {
		if err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitGone(name)
	}
	got := slices.Sorted(maps.Keys(e.configMaps()))
	if !slices.Equal(got, []string{"b", "kept"}) {
		t.Fatalf("after deleting both GitSyncs the ConfigMaps are %v, want [b kept]: a deleted, kept annotated, b from a GitSync with prune false", got)
	}
	e.waitEvent(10*time.Second, string(gitsync.ReasonGarbageCollected), "ConfigMap/"+e.ns+"/a deleted")
}
