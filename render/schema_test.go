package render

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const smpBase = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: app:v1
      - name: proxy
        image: proxy:v1
---
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: logs
spec:
  selector:
    matchLabels: {app: web}
  containers:
  - name: collector
    image: collector:v1
  - name: rotator
    image: rotator:v1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: app
        image: api:v1
      - name: proxy
        image: proxy:v1
`

const smpPatch = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:v2
        env:
        - name: MODE
          value: fast
---
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: logs
spec:
  containers:
  - name: collector
    image: collector:v2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: app
        image: api:v2
`

// A strategic-merge patch naming one container must keep the others, for
// CloneSet and SidecarSet (Kruise schema) as for Deployment (built in).
func TestStrategicMergeKeepsOtherContainers(t *testing.T) {
	for name, kust := range map[string]string{
		"patchesStrategicMerge": "resources: [all.yaml]\npatchesStrategicMerge: [patch.yaml]\n",
		"patches":               "resources: [all.yaml]\npatches:\n- path: patch.yaml\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := gitRepo(t, map[string]string{
				"app/kustomization.yaml": kust,
				"app/all.yaml":           smpBase,
				"app/patch.yaml":         smpPatch,
			})
			opts := testOptions()
			opts.Injector = nil // the SidecarSet selects the CloneSet; this test is about patches
			res, err := Build(context.Background(), headSource(t, dir), "app", opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				kind, name string
				path       []string
				want       []string // name=image of each container, in order
			}{
				{"CloneSet", "web", []string{"spec", "template", "spec", "containers"}, []string{"app=app:v2", "proxy=proxy:v1"}},
				{"SidecarSet", "logs", []string{"spec", "containers"}, []string{"collector=collector:v2", "rotator=rotator:v1"}},
				{"Deployment", "api", []string{"spec", "template", "spec", "containers"}, []string{"app=api:v2", "proxy=proxy:v1"}},
			} {
				got := containerImages(t, find(t, res, tc.kind, tc.name), tc.path)
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s %s containers = %v, want %v", tc.kind, tc.name, got, tc.want)
				}
			}
			env, _, _ := unstructured.NestedSlice(find(t, res, "CloneSet", "web").Object,
				"spec", "template", "spec", "containers")
			if e := env[0].(map[string]any)["env"]; e == nil {
				t.Errorf("CloneSet container app lost the patched env")
			}
		})
	}
}

func containerImages(t *testing.T, o *unstructured.Unstructured, path []string) []string {
	t.Helper()
	cs, _, err := unstructured.NestedSlice(o.Object, path...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		m := c.(map[string]any)
		out = append(out, m["name"].(string)+"="+m["image"].(string))
	}
	return out
}

// The overlay namespace goes on CloneSets but not on cluster-scoped
// SidecarSets.
func TestNamespaceTransformerKnowsKruiseScopes(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"app/kustomization.yaml": "namespace: shop\nresources: [all.yaml]\n",
		"app/all.yaml":           smpBase,
	})
	res, err := Build(context.Background(), headSource(t, dir), "app", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if ns := find(t, res, "CloneSet", "web").GetNamespace(); ns != "shop" {
		t.Errorf("CloneSet namespace = %q, want shop", ns)
	}
	if ns := find(t, res, "SidecarSet", "logs").GetNamespace(); ns != "" {
		t.Errorf("SidecarSet namespace = %q, want none (cluster-scoped)", ns)
	}
}

// The definitions ferry registers are the ones kruise-api publishes in
// schema/openkruise_kruise_kustomize_schema.json, merge keys included.
func TestKruiseSchemaMatchesPublishedFile(t *testing.T) {
	published := readPublishedSchema(t)
	defs, _, err := kruiseDefinitions()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, want := range published {
		if !strings.HasPrefix(name, "io.kruise.") {
			continue
		}
		d, ok := defs[name]
		if !ok {
			t.Errorf("definition %s missing", name)
			continue
		}
		n++
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		// The published file tags every io.kruise type with a
		// group-version-kind derived from its name; ferry tags only kinds.
		delete(want, "x-kubernetes-group-version-kind")
		delete(got, "x-kubernetes-group-version-kind")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("definition %s differs from the published schema", name)
		}
	}
	if n < 100 {
		t.Errorf("compared only %d definitions", n)
	}
}

func readPublishedSchema(t *testing.T) map[string]map[string]any {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openkruise/kruise-api").Output()
	if err != nil {
		t.Skipf("cannot locate the kruise-api module: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "schema", "openkruise_kruise_kustomize_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Definitions
}

// Every Kruise kind the schemes know has a scope, and the cluster-scoped
// list matches the CRD markers of the module.
func TestClusterScopedKruiseKindsMatchModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openkruise/kruise-api").Output()
	if err != nil {
		t.Skipf("cannot locate the kruise-api module: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	files, _ := filepath.Glob(filepath.Join(dir, "apps", "*", "*_types.go"))
	pfiles, _ := filepath.Glob(filepath.Join(dir, "policy", "*", "*_types.go"))
	found := map[string]bool{}
	for _, f := range append(files, pfiles...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if !strings.Contains(l, "+kubebuilder:resource:") || !strings.Contains(l, "scope=Cluster") {
				continue
			}
			for _, next := range lines[i+1:] {
				if kind, ok := strings.CutPrefix(next, "type "); ok {
					found[strings.Fields(kind)[0]] = true
					break
				}
			}
		}
	}
	if !reflect.DeepEqual(found, clusterScopedKruiseKinds) {
		t.Errorf("cluster-scoped kinds in kruise-api = %v, ferry has %v", found, clusterScopedKruiseKinds)
	}
}
