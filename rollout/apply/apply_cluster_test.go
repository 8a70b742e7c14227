package apply

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestApplyCreatesThenSkipsUnchangedThenConfigures(t *testing.T) {
	e := newEnv(t)
	objs := fixture(t, "basic.yaml", e.ns)

	cs := e.apply(t, objs)
	want := fmt.Sprintf("ServiceAccount/%[1]s/web created; Role/%[1]s/web-reader created; RoleBinding/%[1]s/web-reader created; "+
		"ConfigMap/%[1]s/web-config created; Secret/%[1]s/web-token created; Service/%[1]s/web created; Deployment/%[1]s/web created", e.ns)
	if got := subjects(cs); got != want {
		t.Fatalf("first apply:\n%s\nwant:\n%s", got, want)
	}
	if got := len(e.writes.reset()); got != 7 {
		t.Fatalf("first apply made %d writes, want 7", got)
	}
	dep := e.get(t, gvrDeployments, e.ns, "web")
	if _, ok := appliedFields(dep, FieldManager); !ok {
		t.Fatalf("Deployment has no %q apply entry: %v", FieldManager, managers(dep))
	}
	// The Deployment controller writes status, so the ConfigMap's
	// resourceVersion is the one that shows whether ferry wrote.
	rv := e.get(t, gvrConfigMaps, e.ns, "web-config").GetResourceVersion()
	gen := dep.GetGeneration()

	// The caller's objects are not modified (the namespace went on ferry's copy).
	if objs[0].GetNamespace() != "" {
		t.Fatalf("Apply changed its input: namespace %q", objs[0].GetNamespace())
	}

	cs = e.apply(t, objs)
	if cs.Count(Unchanged) != 7 || cs.HasChanges() {
		t.Fatalf("re-apply:\n%s", cs)
	}
	if w := e.writes.reset(); len(w) != 0 {
		t.Fatalf("re-apply of an unchanged set wrote: %v", w)
	}
	if got := e.get(t, gvrConfigMaps, e.ns, "web-config").GetResourceVersion(); got != rv {
		t.Fatalf("ConfigMap resourceVersion moved from %s to %s without a change", rv, got)
	}
	if got := e.get(t, gvrDeployments, e.ns, "web").GetGeneration(); got != gen {
		t.Fatalf("Deployment generation moved from %d to %d without a change", gen, got)
	}

	objs = fixture(t, "basic.yaml", e.ns)
	for _, u := range objs {
		switch u.GetKind() {
		case "ConfigMap":
			unstructured.SetNestedField(u.Object, "debug", "data", "LOG_LEVEL")
		case "Deployment":
			containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
			containers[0].(map[string]any)["image"] = "example.com/web:v2"
			unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
		}
	}
	cs = e.apply(t, objs)
	changed := []string{}
	for _, en := range cs.Entries {
		if en.Action != Unchanged {
			changed = append(changed, en.String())
		}
	}
	if got, want := strings.Join(changed, "; "), fmt.Sprintf("ConfigMap/%[1]s/web-config configured; Deployment/%[1]s/web configured", e.ns); got != want {
		t.Fatalf("changed:\n%s\nwant:\n%s", got, want)
	}
	if w := e.writes.reset(); len(w) != 2 {
		t.Fatalf("change wrote %v, want 2 writes", w)
	}
	if v, _, _ := unstructured.NestedString(e.get(t, gvrConfigMaps, e.ns, "web-config").Object, "data", "LOG_LEVEL"); v != "debug" {
		t.Fatalf("LOG_LEVEL = %q", v)
	}
}

func TestApplyCRDWithItsCustomResourceAndNamespaceInOneSet(t *testing.T) {
	e := newEnv(t)
	extra := e.ns + "-extra"
	t.Cleanup(func() {
		_ = e.dyn.Resource(gvrCRDs).Delete(e.ctx, "widgets.test.ferry.dev", metav1.DeleteOptions{})
		_ = e.dyn.Resource(gvrNamespaces).Delete(e.ctx, extra, metav1.DeleteOptions{})
	})
	objs := fixture(t, "crd-and-cr.yaml", e.ns)

	// Diff cannot dry-run what waits for a definition of the same set; it
	// says so instead of failing.
	diff, err := e.m.Diff(e.ctx, objs, e.opts())
	if err != nil {
		t.Fatalf("diff: %v", err)
	}
	w, ok := diff.Entry(e.ns + "_first_test.ferry.dev_Widget")
	if !ok || w.Action != Created || w.Reason != "not dry-run: waits for CustomResourceDefinition widgets.test.ferry.dev of this set" {
		t.Fatalf("diff entry for the Widget: %+v", w)
	}
	if w := e.writes.reset(); len(w) != 0 {
		t.Fatalf("Diff wrote %v", w)
	}

	cs := e.apply(t, objs)
	want := fmt.Sprintf("CustomResourceDefinition/widgets.test.ferry.dev created; Namespace/%[1]s-extra created; "+
		"ConfigMap/%[1]s-extra/settings created; Widget/%[1]s/first created", e.ns)
	if got := subjects(cs); got != want {
		t.Fatalf("apply:\n%s\nwant:\n%s", got, want)
	}
	widget, err := e.dyn.Resource(gvrOf("test.ferry.dev", "v1", "widgets")).Namespace(e.ns).Get(e.ctx, "first", metaGet)
	if err != nil {
		t.Fatalf("widget not created: %v", err)
	}
	if size, _, _ := unstructured.NestedInt64(widget.Object, "spec", "size"); size != 3 {
		t.Fatalf("widget size %d", size)
	}
	if !e.exists(t, gvrConfigMaps, extra, "settings") {
		t.Fatal("ConfigMap in the new namespace not created")
	}

	cs = e.apply(t, fixture(t, "crd-and-cr.yaml", e.ns))
	if cs.HasChanges() {
		t.Fatalf("second apply:\n%s", cs)
	}
}

func TestInvalidObjectAppliesNothing(t *testing.T) {
	e := newEnv(t)
	cs, err := e.m.Apply(e.ctx, fixture(t, "invalid.yaml", e.ns), e.opts())
	if cs != nil {
		t.Fatalf("change set from a rejected set: %s", cs)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *ValidationError", err, err)
	}
	if len(ve.Errors) != 3 || ve.Total != 5 || len(ve.Applied) != 0 {
		t.Fatalf("validation error: %v", err)
	}
	byObject := map[string]*ObjectError{}
	for _, oe := range ve.Errors {
		byObject[oe.Ref.Describe()] = oe
	}
	neg := byObject["Deployment "+e.ns+"/negative"]
	if neg == nil || !apierrors.IsInvalid(neg) || !hasCause(neg, "spec.replicas") {
		t.Fatalf("Deployment negative: %+v", neg)
	}
	svc := byObject["Service "+e.ns+"/portless"]
	if svc == nil || !hasCause(svc, "spec.ports[0].port") {
		t.Fatalf("Service portless: %+v", svc)
	}
	if ghost := byObject["Ghost boo"]; ghost == nil || !errors.Is(ghost, ErrUnknownKind) {
		t.Fatalf("Ghost: %+v", ghost)
	}
	if !errors.Is(err, ErrUnknownKind) {
		t.Fatal("errors.Is does not see through ValidationError")
	}
	for _, s := range []string{"Deployment " + e.ns + "/negative: dry-run:", "spec.replicas", "nothing applied"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
	if e.exists(t, gvrConfigMaps, e.ns, "fine") || e.exists(t, gvrDeployments, e.ns, "fine") {
		t.Fatal("valid objects of a rejected set were created")
	}
	if w := e.writes.reset(); len(w) != 0 {
		t.Fatalf("a rejected set wrote %v", w)
	}
}

func hasCause(oe *ObjectError, field string) bool {
	for _, c := range oe.Causes {
		if c.Field == field {
			return true
		}
	}
	return false
}

func TestClusterScopedNamespaceClearedAndDefaultNamespaceSet(t *testing.T) {
	e := newEnv(t)
	sidecar := e.ns + "-log-agent"
	t.Cleanup(func() { _ = e.dyn.Resource(gvrSidecarSets).Delete(e.ctx, sidecar, metav1.DeleteOptions{}) })
	e.apply(t, kruiseCRDs(t))

	objs := fixture(t, "kruise.yaml", e.ns)
	if objs[0].GetKind() != "SidecarSet" || objs[0].GetNamespace() != e.ns || objs[1].GetNamespace() != "" {
		t.Fatal("fixture no longer has a namespaced SidecarSet and a namespace-less CloneSet")
	}
	cs := e.apply(t, objs)
	want := fmt.Sprintf("SidecarSet/%[1]s-log-agent created; CloneSet/%[1]s/demo created", e.ns)
	if got := subjects(cs); got != want {
		t.Fatalf("apply:\n%s\nwant:\n%s", got, want)
	}
	ss, err := e.dyn.Resource(gvrSidecarSets).Get(e.ctx, sidecar, metaGet)
	if err != nil || ss.GetNamespace() != "" {
		t.Fatalf("SidecarSet: %v, namespace %q", err, ss.GetNamespace())
	}
	if !e.exists(t, gvrCloneSets, e.ns, "demo") {
		t.Fatal("CloneSet not created in the default namespace")
	}
	inv := InventoryOf(cs)
	if inv.Entries[0].ID != "_"+sidecar+"_apps.kruise.io_SidecarSet" {
		t.Fatalf("inventory: %+v", inv)
	}
}

func TestNamespacedObjectWithoutAnyNamespaceIsRejected(t *testing.T) {
	e := newEnv(t)
	_, err := e.m.Apply(e.ctx, fixture(t, "drift.yaml", e.ns), DefaultApplyOptions())
	if !errors.Is(err, ErrNoNamespace) {
		t.Fatalf("error %v, want ErrNoNamespace", err)
	}
}

func TestDuplicateObjectsAreRejected(t *testing.T) {
	e := newEnv(t)
	objs := fixture(t, "drift.yaml", e.ns)
	_, err := e.m.Apply(e.ctx, append(objs, objs[1]), e.opts())
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), "ConfigMap "+e.ns+"/api-config") {
		t.Fatalf("error %v, want ErrDuplicate naming the ConfigMap", err)
	}
}
