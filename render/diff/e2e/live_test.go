package e2e

import (
	"fmt"
	"strings"
	"testing"

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
