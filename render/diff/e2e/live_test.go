package e2e

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/test/cluster"
)

func liveApp(ns, image, key string) map[string]string {
	return map[string]string{
		"app/kustomization.yaml": "namespace: " + ns + "\nresources: [cloneset.yaml, config.yaml]\n",
		"app/config.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {key: " + key + "}\n",
		"app/cloneset.yaml": fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "%s"}]}
  updateStrategy: {type: InPlaceIfPossible, maxUnavailable: 1}
`, image),
	}
}

// ferry diff --live compares the cluster with git through a server-side
// dry-run: an in-sync cluster shows nothing (the server's defaults are not
// a change), drift and head's changes show field by field.
func TestLiveDiff(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	m := manager(t, c)
	r := newRepo(t, liveApp(ns, "web:1", "v1"), liveApp(ns, "web:2", "v1"))
	applyRevision(t, m, r.Work, "HEAD~1", "app", ns)
	args := []string{"diff", "--live", "--kubeconfig", c.Kubeconfig, "-n", ns, "--repo", r.Work}

	out, errOut, code := runFerry(t, append(args, "--head", "HEAD~1", "app")...)
	if code != 0 || !strings.Contains(out, "0 changed, 0 added, 0 removed; 0 rollouts") {
		t.Fatalf("in sync: exit %d\n%s%s", code, out, errOut)
	}

	if _, err := c.Kubectl("-n", ns, "patch", "configmap", "settings", "--type", "merge", "-p", `{"data":{"key":"edited"}}`); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runFerry(t, append(args, "--head", "HEAD", "app")...)
	for _, want := range []string{
		"ferry diff app: cluster ",
		"~ ConfigMap " + ns + "/settings\n    data.key: edited → v1\n",
		"~ CloneSet " + ns + "/web\n    spec.template.spec.containers[name=web].image: web:1 → web:2\n",
		"3 pods will update in place (image-only change); at most 3 pods at once (maxSurge 0); at least 2 available (maxUnavailable 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	t.Logf("ferry diff --live:\n%s", out)
	if code != 1 || t.Failed() {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}

	_, _, code = runFerry(t, append(args, "--head", "HEAD", "--base", "HEAD~1", "app")...)
	if code != 2 {
		t.Errorf("--live with --base: exit %d, want 2", code)
	}
}

// A cluster a GitSync keeps in sync carries the GitSync's labels on every
// object. --live --gitsync dry-runs with them, so that cluster shows no
// change; without --gitsync the same dry-run would drop them, and says so.
func TestLiveDiffWithAGitSyncsLabels(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	m := manager(t, c)
	r := newRepo(t, liveApp(ns, "web:1", "v1"))
	labels := map[string]string{gitsync.LabelName: "app", gitsync.LabelNamespace: ns}
	objs := applyRevisionWith(t, m, r.Work, "HEAD", "app", apply.ApplyOptions{DefaultNamespace: ns, Labels: labels})
	createGitSync(t, c, ns, "app", true, inventoryOf(objs, ns))
	args := []string{"diff", "--live", "--kubeconfig", c.Kubeconfig, "-n", ns, "--repo", r.Work, "--head", "HEAD"}

	out, errOut, code := runFerry(t, append(args, "--gitsync", "app", "app")...)
	if code != 0 || !strings.Contains(out, "0 changed, 0 added, 0 removed; 0 rollouts") {
		t.Fatalf("--gitsync app on the cluster it applied: exit %d, want 0 and no change\n%s%s", code, out, errOut)
	}
	out, errOut, code = runFerry(t, append(args, "app")...)
	dropped := "~ ConfigMap " + ns + "/settings\n  - metadata.labels:\n  -     " + gitsync.LabelName + ": app\n"
	if code != 1 || !strings.Contains(out, dropped) || !strings.Contains(out, "2 changed, 0 added, 0 removed") {
		t.Fatalf("without --gitsync: exit %d, want 1 and the GitSync's label dropped\n%s%s", code, out, errOut)
	}
}

// With --gitsync, --live also lists what the GitSync's prune would delete:
// objects of its inventory that head no longer renders, but not one
// annotated ferry.dev/prune: disabled; with spec.prune false, none.
func TestLiveDiffListsWhatPruneWouldDelete(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	m := manager(t, c)
	before := liveApp(ns, "web:1", "v1")
	before["app/kustomization.yaml"] = "namespace: " + ns + "\nresources: [cloneset.yaml, config.yaml, old.yaml, kept.yaml]\n"
	before["app/old.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\ndata: {key: x}\n"
	before["app/kept.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, annotations: {ferry.dev/prune: disabled}}\ndata: {key: x}\n"
	r := newRepo(t, before, liveApp(ns, "web:1", "v1"))
	inv := inventoryOf(applyRevision(t, m, r.Work, "HEAD~1", "app", ns), ns)
	for _, prune := range []bool{true, false} {
		name := fmt.Sprintf("app-prune-%v", prune)
		createGitSync(t, c, ns, name, prune, inv)
		out, errOut, code := runFerry(t, "diff", "--live", "--kubeconfig", c.Kubeconfig, "-n", ns, "--repo", r.Work,
			"--gitsync", name, "--head", "HEAD", "app")
		t.Logf("prune %v:\n%s", prune, out)
		// (the GitSync's labels show as changes: the test applied without them)
		removed := strings.Contains(out, "- ConfigMap "+ns+"/old")
		switch {
		case code != 1:
			t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
		case prune && (!removed || !strings.Contains(out, " 0 added, 1 removed;")):
			t.Errorf("prune on: want ConfigMap old removed, and only it")
		case !prune && (removed || !strings.Contains(out, " 0 added, 0 removed;")):
			t.Errorf("prune off: want nothing removed")
		}
		if strings.Contains(out, "/kept") {
			t.Errorf("ConfigMap kept is annotated ferry.dev/prune: disabled and must not be listed")
		}
	}
	if _, err := c.Client.CoreV1().ConfigMaps(ns).Get(t.Context(), "old", metav1.GetOptions{}); err != nil {
		t.Fatalf("ConfigMap old after the diff: %v (a diff must delete nothing)", err)
	}
}

// inventoryOf is the inventory a GitSync records for objs applied in ns.
func inventoryOf(objs []*unstructured.Unstructured, ns string) apply.Inventory {
	refs := make([]apply.ObjectRef, 0, len(objs))
	for _, o := range objs {
		if o.GetNamespace() == "" {
			o.SetNamespace(ns)
		}
		refs = append(refs, apply.RefOf(o))
	}
	return apply.NewInventory(refs)
}

// createGitSync creates a GitSync whose status says it applied inv.
func createGitSync(t *testing.T, c *cluster.Cluster, ns, name string, prune bool, inv apply.Inventory) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	gs := &v1alpha1.GitSync{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.GitSyncSpec{URL: "file:///nowhere", Path: "app", Prune: &prune}}
	u, err := gitsync.ToUnstructured(gs)
	if err != nil {
		t.Fatal(err)
	}
	delete(u.Object, "status")
	api := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns)
	created, err := api.Create(t.Context(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]any, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		entries = append(entries, map[string]any{"id": e.ID, "v": e.Version})
	}
	created.Object["status"] = map[string]any{"inventory": map[string]any{"entries": entries}}
	if _, err := api.UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
