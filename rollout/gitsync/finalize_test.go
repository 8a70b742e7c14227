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
// spec.prune false, or suspended, everything stays.
func TestDeletingAGitSyncDeletesItsObjects(t *testing.T) {
	e := newEnv(t)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	kept := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations: {ferry.dev/prune: disabled}\ndata: {value: \"1\"}\n"
	rev := repo.Commit(map[string]string{
		"app/kustomization.yaml":    kustomization("a.yaml", "kept.yaml"),
		"app/a.yaml":                configMap("a", "1"),
		"app/kept.yaml":             kept,
		"other/kustomization.yaml":  kustomization("b.yaml"),
		"other/b.yaml":              configMap("b", "1"),
		"paused/kustomization.yaml": kustomization("c.yaml"),
		"paused/c.yaml":             configMap("c", "1"),
	}, "three GitSyncs")
	e.createGitSync("app", spec(repo.FileURL()))
	noPrune := spec(repo.FileURL())
	noPrune.Path, noPrune.Prune = "other", new(bool)
	e.createGitSync("other", noPrune)
	paused := spec(repo.FileURL())
	paused.Path = "paused"
	e.createGitSync("paused", paused)
	e.start(nil)
	for _, name := range []string{"app", "other", "paused"} {
		gs := e.waitFor(name, 30*time.Second, "first sync", appliedAt(rev))
		if !slices.Contains(gs.Finalizers, gitsync.Finalizer) {
			t.Fatalf("GitSync %s finalizers %v, want %s", name, gs.Finalizers, gitsync.Finalizer)
		}
	}
	if got := keys(e.configMaps()); !slices.Equal(got, []string{"a", "b", "c", "kept"}) {
		t.Fatalf("applied ConfigMaps %v, want [a b c kept]", got)
	}
	e.updateGitSync("paused", func(gs *v1alpha1.GitSync) { gs.Spec.Suspend = true })
	e.waitFor("paused", 30*time.Second, "suspend observed", func(gs *v1alpha1.GitSync) bool { return gs.Status.ObservedGeneration == gs.Generation })

	for _, name := range []string{"app", "other", "paused"} {
		if err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitGone(name)
	}
	got := slices.Sorted(maps.Keys(e.configMaps()))
	if !slices.Equal(got, []string{"b", "c", "kept"}) {
		t.Fatalf("after deleting the GitSyncs the ConfigMaps are %v, want [b c kept]: a deleted, kept annotated, b from a GitSync with prune false, c from a suspended one", got)
	}
	e.waitEvent(10*time.Second, string(gitsync.ReasonGarbageCollected), "ConfigMap/"+e.ns+"/a deleted")
	e.waitEvent(10*time.Second, string(gitsync.ReasonGarbageCollected), "suspended: 1 objects left in place")
}
