package render

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// workloadsYAML has one of every kind ferry injects into, all labelled
// app=web, and a Deployment labelled app=other.
const workloadsYAML = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {tier: frontend}
---
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:v1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:v1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: shop}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: app, image: other:v1, resources: {}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec:
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:v1}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: app:v1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app:v1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: web, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: web}}
        spec:
          restartPolicy: Never
          containers: [{name: app, image: app:v1}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: app, image: app:v1}]
---
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: collector, image: collector:v1}]
`

// call records one call of the fake injector.
type call struct {
	labels map[string]string
	ns     NamespaceInfo
	sets   []string
}

// fakeInject stands in for sidecar.InjectTemplate: it appends the
// containers of every set whose selector matches the template labels and
// records what it was given.
func fakeInject(calls *[]call) InjectFunc {
	return func(tpl *corev1.PodTemplateSpec, ns NamespaceInfo, sets []*appsv1alpha1.SidecarSet) ([]string, error) {
		c := call{labels: tpl.Labels, ns: ns}
		var injected []string
		for _, s := range sets {
			c.sets = append(c.sets, s.Name)
			if !labels.SelectorFromSet(s.Spec.Selector.MatchLabels).Matches(labels.Set(tpl.Labels)) {
				continue
			}
			for _, sc := range s.Spec.Containers {
				tpl.Spec.Containers = append(tpl.Spec.Containers, sc.Container)
			}
			if tpl.Annotations == nil {
				tpl.Annotations = map[string]string{}
			}
			tpl.Annotations["kruise.io/sidecarset-injected-list"] = s.Name
			injected = append(injected, s.Name)
		}
		*calls = append(*calls, c)
		return injected, nil
	}
}

func TestInjectWalksEveryWorkloadKind(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"app/kustomization.yaml": "resources: [all.yaml]\n",
		"app/all.yaml":           workloadsYAML,
	})
	var calls []call
	opts := testOptions()
	opts.DefaultNamespace = "fallback"
	opts.Injector = PerTemplate(fakeInject(&calls))
	res, err := Build(context.Background(), headSource(t, dir), "app", opts)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Build(context.Background(), headSource(t, dir), "app", testOptions())
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		kind, name string
		path       []string
	}{
		{"CloneSet", "web", []string{"spec", "template", "spec", "containers"}},
		{"Deployment", "web", []string{"spec", "template", "spec", "containers"}},
		{"StatefulSet", "web", []string{"spec", "template", "spec", "containers"}},
		{"DaemonSet", "web", []string{"spec", "template", "spec", "containers"}},
		{"Job", "web", []string{"spec", "template", "spec", "containers"}},
		{"CronJob", "web", []string{"spec", "jobTemplate", "spec", "template", "spec", "containers"}},
		{"Pod", "web", []string{"spec", "containers"}},
	} {
		o := find(t, res, tc.kind, tc.name)
		if got := containerImages(t, o, tc.path); !reflect.DeepEqual(got, []string{"app=app:v1", "collector=collector:v1"}) {
			t.Errorf("%s containers = %v", tc.kind, got)
		}
		if p := res.Provenance[indexOf(res, o)].Sidecars; !reflect.DeepEqual(p, []string{"logs"}) {
			t.Errorf("%s provenance sidecars = %v", tc.kind, p)
		}
	}
	if len(calls) != 8 {
		t.Errorf("injector called %d times, want 8 (7 selected workloads + 1 other)", len(calls))
	}
	nsByLabels := map[string]NamespaceInfo{}
	for _, c := range calls {
		if !reflect.DeepEqual(c.sets, []string{"logs"}) {
			t.Errorf("injector got sets %v", c.sets)
		}
		nsByLabels[c.labels["app"]+"/"+c.ns.Name] = c.ns
	}
	// Namespace labels come from the Namespace object of the render, plus
	// the name label the API server sets; without a namespace the object
	// goes to DefaultNamespace.
	if got := nsByLabels["web/shop"].Labels; !reflect.DeepEqual(got, map[string]string{"tier": "frontend", "kubernetes.io/metadata.name": "shop"}) {
		t.Errorf("namespace shop labels = %v", got)
	}
	if got := nsByLabels["web/fallback"].Labels; !reflect.DeepEqual(got, map[string]string{"kubernetes.io/metadata.name": "fallback"}) {
		t.Errorf("namespace fallback labels = %v", got)
	}

	// The unselected workload is exactly as kustomize rendered it (even its
	// empty resources: {} stays), and so is every non-workload.
	docs, plainDocs := splitDocs(res.YAML), splitDocs(plain.YAML)
	same := 0
	for i := range docs {
		if docs[i] == plainDocs[i] {
			same++
			continue
		}
		if strings.Contains(docs[i], "name: other") {
			t.Errorf("unselected Deployment changed:\n%s", docs[i])
		}
	}
	if want := len(docs) - 7; same != want {
		t.Errorf("%d documents unchanged, want %d", same, want)
	}
	// The injected template has no noise from the Go types.
	if strings.Contains(string(res.YAML), "creationTimestamp") {
		t.Errorf("injected templates carry creationTimestamp")
	}
}

func TestInjectErrorFailsRender(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"app/kustomization.yaml": "resources: [all.yaml]\n",
		"app/all.yaml":           workloadsYAML,
	})
	opts := testOptions()
	boom := errors.New("conflicting volume")
	opts.Injector = PerTemplate(func(*corev1.PodTemplateSpec, NamespaceInfo, []*appsv1alpha1.SidecarSet) ([]string, error) {
		return nil, boom
	})
	res, err := Build(context.Background(), headSource(t, dir), "app", opts)
	if res != nil || !errors.Is(err, ErrInjection) || !errors.Is(err, boom) {
		t.Fatalf("got %v, %v; want ErrInjection wrapping the injector's error", res, err)
	}
	if !strings.Contains(err.Error(), "app/all.yaml: Deployment shop/other: spec.template: sidecar injection failed: conflicting volume") {
		t.Errorf("error %q does not name file, object and field", err)
	}
}

func TestInjectNotCalledWithoutSidecarSets(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	var calls []call
	opts := testOptions()
	opts.Injector = PerTemplate(fakeInject(&calls))
	if _, err := Build(context.Background(), headSource(t, dir), "overlays/batch-1", opts); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("injector called %d times for a render without SidecarSets", len(calls))
	}
}

func TestResultJSONIsAList(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	res, err := Build(context.Background(), headSource(t, dir), "overlays/batch-2", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "demo-batch-2.json", b)
	list := &unstructured.UnstructuredList{}
	if err := list.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range list.Items {
		kinds = append(kinds, o.GetKind())
	}
	if !reflect.DeepEqual(kinds, []string{"Namespace", "Service", "CloneSet"}) || list.GetKind() != "List" {
		t.Errorf("list kind %q items %v", list.GetKind(), kinds)
	}
}

func splitDocs(y []byte) []string { return strings.Split(string(y), "\n---\n") }

func indexOf(res *Result, o *unstructured.Unstructured) int {
	for i := range res.Objects {
		if res.Objects[i] == o {
			return i
		}
	}
	return -1
}
