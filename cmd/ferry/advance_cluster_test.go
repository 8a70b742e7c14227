package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/advance"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/source/gittest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// TestAdvanceOnCluster is issue 7's acceptance for `ferry advance`, on the
// local control plane with a real git remote served over HTTP:
//
//  1. ferry's apply step applies overlays/prod at main (partition 3, batch
//     1 of 3), and a GitSync records it in its inventory, as the loop does;
//  2. while batch 1 is not complete, `ferry advance --next --push` refuses
//     and commits nothing;
//  3. once it is, the same command commits batch 2 (one changed line) and
//     pushes it; the repo, path and branch come from the GitSync;
//  4. running it again is a no-op ("already at batch 2");
//  5. ferry applies the new commit: the CloneSet runs partition 1.
//
// No engine runs here: the CloneSet's status is written through the status
// subresource, as a controller would.
func TestAdvanceOnCluster(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Apply(ctx, crds(t), apply.DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(c.Config)
	root := t.TempDir()
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	r := advanceRepo(t, root)
	url := srv.RepoURL("app.git")

	applyMain(t, mgr, url, ns)
	createGitSync(t, dyn, ns, url)
	args := []string{"advance", ns + "/demo", "--next", "--push", "--kubeconfig", c.Kubeconfig}

	// 2. One of the batch's two pods is updated, a surge pod still runs.
	setCloneSetStatus(t, dyn, ns, 1, 5, 6)
	before := r.Head()
	out, err := runFerry(t, args...)
	var exit *exitError
	if !errors.As(err, &exit) || exit.code != 1 || out != "" {
		t.Fatalf("unhealthy batch: out %q, err %v; want a refusal (exit 1)", out, err)
	}
	want := "CloneSet " + ns + "/demo: batch 1 of 3 (partition 3) is not healthy: InProgress (RollingOut): " +
		"1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods; use --force to advance anyway"
	if err.Error() != want {
		t.Errorf("refusal:\n%s\nwant:\n%s", err, want)
	}
	if r.Head() != before {
		t.Fatal("a refused advance committed")
	}

	// 3. The batch is complete and has been for 12 minutes.
	setCloneSetStatus(t, dyn, ns, 2, 5, 5)
	setHealthySince(t, dyn, ns, time.Now().Add(-12*time.Minute))
	out, err = runFerry(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	after := r.Head()
	wantOut := "demo: batch 1 → 2 of 3 (partition 3 → 1); batch 1 healthy for 12m (5/5 ready)\n" +
		"edited overlays/prod/partition.yaml:9 (spec.updateStrategy.partition)\n" +
		`committed ` + after[:7] + ` "rollout(` + ns + `/demo): batch 2/3 (partition 3→1)" and pushed to main` + "\n"
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
	if got := r.BareGit("rev-list", "--count", before+".."+after); got != "1" {
		t.Fatalf("%s commits pushed, want 1", got)
	}
	if got := r.BareGit("diff", "--numstat", before, after); got != "1\t1\toverlays/prod/partition.yaml" {
		t.Errorf("git diff --numstat = %q, want exactly one line changed", got)
	}
	if got := r.BareGit("log", "-1", "--format=%s", after); got != "rollout("+ns+"/demo): batch 2/3 (partition 3→1)" {
		t.Errorf("commit message %q", got)
	}

	// 4. Again, before ferry applied it: nothing to do.
	out, err = runFerry(t, args...)
	if err != nil || out != "demo: already at batch 2 of 3 (partition 1); nothing to commit\n" {
		t.Errorf("second run: out %q, err %v", out, err)
	}
	if r.Head() != after {
		t.Error("the second run committed")
	}

	// 5. ferry applies the new commit; the cluster runs batch 2, and the next
	// advance, once it is complete, would be batch 3.
	applyMain(t, mgr, url, ns)
	live, err := advance.ReadLive(ctx, dyn, ns, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if p, _, _ := unstructured.NestedInt64(live.CloneSet.Object, "spec", "updateStrategy", "partition"); p != 1 {
		t.Errorf("live partition = %d after applying the advance, want 1", p)
	}
	setCloneSetStatus(t, dyn, ns, 4, 5, 5)
	out, err = runFerry(t, append(args, "--dry-run", "-o", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		To struct{ Batch, Partition int } `json:"to"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || plan.To.Batch != 3 || plan.To.Partition != 0 {
		t.Errorf("next plan: %v\n%s", err, out)
	}
}

// crds are the CustomResourceDefinitions ferry ships (CloneSet, SidecarSet,
// GitSync).
func crds(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	files, err := deploy.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*unstructured.Unstructured
	for _, n := range names {
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(files[n]), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(u); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			if len(u.Object) > 0 {
				out = append(out, u)
			}
		}
	}
	return out
}

// applyMain does what the GitOps loop does with a new commit: render the
// path at the branch tip and apply it.
func applyMain(t *testing.T, mgr *apply.Manager, url, ns string) {
	t.Helper()
	ctx := context.Background()
	src, err := render.Open(ctx, url, "main")
	if err != nil {
		t.Fatal(err)
	}
	opts := render.DefaultOptions()
	opts.DefaultNamespace = ns
	res, err := render.Build(ctx, src, "overlays/prod", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Apply(ctx, res.Objects, apply.ApplyOptions{DefaultNamespace: ns}); err != nil {
		t.Fatal(err)
	}
}

// createGitSync creates the GitSync that applies overlays/prod, with the
// status the loop would write: the CloneSet in its inventory.
func createGitSync(t *testing.T, dyn dynamic.Interface, ns, url string) {
	t.Helper()
	gs := &v1alpha1.GitSync{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GitSync"},
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec:       v1alpha1.GitSyncSpec{URL: url, Path: "overlays/prod", Ref: v1alpha1.GitRef{Branch: "main"}},
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(gs)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: obj}
	created, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv := map[string]any{"entries": []any{map[string]any{"id": ns + "_demo_apps.kruise.io_CloneSet", "v": "v1alpha1"}}}
	if err := unstructured.SetNestedField(created.Object, inv, "status", "inventory"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setHealthySince records in the GitSync's status that batch 1 has been
// healthy since `since`.
func setHealthySince(t *testing.T, dyn dynamic.Interface, ns string, since time.Time) {
	t.Helper()
	res := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns)
	u, err := res.Get(context.Background(), "app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := map[string]any{"namespace": ns, "name": "demo", "partition": int64(3), "batch": int64(1), "of": int64(3),
		"replicas": int64(5), "updated": int64(2), "ready": int64(5), "healthy": true,
		"healthySince": since.UTC().Format(time.RFC3339)}
	if err := unstructured.SetNestedSlice(u.Object, []any{b}, "status", "batches"); err != nil {
		t.Fatal(err)
	}
	if _, err := res.UpdateStatus(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setCloneSetStatus writes the CloneSet's status as its controller would
// after observing the current spec.
func setCloneSetStatus(t *testing.T, dyn dynamic.Interface, ns string, updatedReady, ready, pods int64) {
	t.Helper()
	res := dyn.Resource(advance.CloneSetResource).Namespace(ns)
	u, err := res.Get(context.Background(), "demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := map[string]any{"observedGeneration": u.GetGeneration(), "replicas": pods, "readyReplicas": ready,
		"availableReplicas": ready, "updatedReplicas": updatedReady, "updatedReadyReplicas": updatedReady}
	if err := unstructured.SetNestedMap(u.Object, st, "status"); err != nil {
		t.Fatal(err)
	}
	if _, err := res.UpdateStatus(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
