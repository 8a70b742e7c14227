package apply

import (
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPrune(t *testing.T) {
	e := newEnv(t)
	before := append(fixture(t, "basic.yaml", e.ns), fixture(t, "prune.yaml", e.ns)...)
	previous := InventoryOf(e.apply(t, before))

	// An object ferry does not own (created by another tool) that a previous
	// inventory nonetheless lists, e.g. because someone deleted and recreated
	// it; and one no inventory lists.
	for _, name := range []string{"foreign", "bystander"} {
		_, err := e.c.Client.CoreV1().ConfigMaps(e.ns).Create(e.ctx,
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"owner": "other-tool"}}, metav1.CreateOptions{FieldManager: "other-tool"})
		if err != nil {
			t.Fatal(err)
		}
	}
	previous, err := previous.Merge(ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: e.ns, Name: "foreign"})
	if err != nil {
		t.Fatal(err)
	}

	// The next revision drops the Deployment and both prune.yaml ConfigMaps.
	after := fixture(t, "basic.yaml", e.ns)
	if after[0].GetKind() != "Deployment" {
		t.Fatal("basic.yaml no longer starts with the Deployment")
	}
	after = after[1:]
	current := InventoryOf(e.apply(t, after))
	e.writes.reset()

	cs, err := e.m.Prune(e.ctx, previous, current, DefaultPruneOptions())
	if err != nil {
		t.Fatalf("prune: %v", err)
	}
	want := fmt.Sprintf("Deployment/%[1]s/web deleted; "+
		"ConfigMap/%[1]s/keep skipped (prune disabled by annotation ferry.dev/prune); "+
		"ConfigMap/%[1]s/gone deleted; "+
		"ConfigMap/%[1]s/foreign skipped (no longer managed by ferry; field managers: other-tool)", e.ns)
	if got := subjects(cs); got != want {
		t.Fatalf("prune:\n%s\nwant:\n%s", got, want)
	}
	if w := e.writes.reset(); len(w) != 2 {
		t.Fatalf("prune writes %v, want the two deletes", w)
	}
	if e.exists(t, gvrDeployments, e.ns, "web") || e.exists(t, gvrConfigMaps, e.ns, "gone") {
		t.Fatal("pruned objects still exist")
	}
	for _, name := range []string{"keep", "foreign", "bystander", "web-config"} {
		if !e.exists(t, gvrConfigMaps, e.ns, name) {
			t.Fatalf("ConfigMap %s was deleted", name)
		}
	}

	// Pruning the same difference again finds nothing left to delete.
	cs, err = e.m.Prune(e.ctx, previous, current, DefaultPruneOptions())
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := cs.Entry(e.ns + "_gone__ConfigMap"); !ok || e.Action != Deleted || e.Reason != "already gone" {
		t.Fatalf("second prune: %s", cs)
	}
}

func TestPruneRefusesAnEmptyRender(t *testing.T) {
	e := newEnv(t)
	previous := InventoryOf(e.apply(t, fixture(t, "drift.yaml", e.ns)))
	empty := InventoryOf(e.apply(t, nil))
	e.writes.reset()

	cs, err := e.m.Prune(e.ctx, previous, empty, DefaultPruneOptions())
	var ee *EmptyRenderError
	if !errors.As(err, &ee) || ee.Count != 2 || cs != nil {
		t.Fatalf("prune of an empty render: %v, %v", cs, err)
	}
	if got := err.Error(); got != "render is empty; refusing to prune 2 objects" {
		t.Fatalf("message %q", got)
	}
	if w := e.writes.reset(); len(w) != 0 || !e.exists(t, gvrDeployments, e.ns, "api") {
		t.Fatalf("refused prune deleted something: %v", w)
	}

	opts := DefaultPruneOptions()
	opts.AllowEmpty = true
	cs, err = e.m.Prune(e.ctx, previous, empty, opts)
	if err != nil || cs.Count(Deleted) != 2 {
		t.Fatalf("allowed empty prune: %v\n%s", err, cs)
	}
	if e.exists(t, gvrDeployments, e.ns, "api") || e.exists(t, gvrConfigMaps, e.ns, "api-config") {
		t.Fatal("allowed empty prune left objects")
	}
}
