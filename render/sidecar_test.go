package render

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/sidecar"
)

// The SidecarSet log collector of the render is injected into the CloneSet
// it selects (namespace rule from the Namespace object included), with the
// pod's own log-volume kept; the Deployment it does not select and the
// SidecarSet for staging namespaces leave everything as kustomize rendered it.
func TestBuildInjectsSidecarSets(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "sidecar"))
	src := headSource(t, dir)
	res, err := Build(context.Background(), src, "overlays/prod", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sidecar-prod.yaml", res.YAML)

	cs := find(t, res, "CloneSet", "demo")
	tplContainers := []string{"spec", "template", "spec", "containers"}
	if got := containerImages(t, cs, tplContainers); !reflect.DeepEqual(got, []string{
		"app=registry.example/demo:1.1", "log-collector=registry.example/fluent-bit:2.2"}) {
		t.Errorf("CloneSet containers = %v", got)
	}
	vols, _, _ := unstructured.NestedSlice(cs.Object, "spec", "template", "spec", "volumes")
	if len(vols) != 1 || vols[0].(map[string]any)["emptyDir"] == nil {
		t.Errorf("CloneSet volumes = %v, want the pod's own emptyDir log-volume only", vols)
	}
	if got := res.Provenance[indexOf(res, cs)].Sidecars; !reflect.DeepEqual(got, []string{"log-collector"}) {
		t.Errorf("CloneSet provenance sidecars = %v", got)
	}

	plainOpts := DefaultOptions()
	plainOpts.Injector = nil
	plain, err := Build(context.Background(), src, "overlays/prod", plainOpts)
	if err != nil {
		t.Fatal(err)
	}
	docs, plainDocs := splitDocs(res.YAML), splitDocs(plain.YAML)
	for i := range docs {
		isCloneSet := strings.Contains(docs[i], "kind: CloneSet")
		if (docs[i] != plainDocs[i]) != isCloneSet {
			t.Errorf("document %d changed = %v, want %v:\n%s", i, docs[i] != plainDocs[i], isCloneSet, docs[i])
		}
	}
	if got := res.Provenance[indexOf(res, find(t, res, "Deployment", "api"))].Sidecars; got != nil {
		t.Errorf("Deployment provenance sidecars = %v", got)
	}

	again, err := Build(context.Background(), src, "overlays/prod", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if string(again.YAML) != string(res.YAML) {
		t.Errorf("two injected renders of one commit differ")
	}
}

// A SidecarSet the injector refuses fails the render, naming its file.
func TestBuildRejectsInvalidSidecarSet(t *testing.T) {
	files := withFiles(fixtureFiles(t, "sidecar"), map[string]string{
		"base/sidecarsets.yaml": "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata:\n  name: empty\nspec:\n  selector:\n    matchLabels: {app: demo}\n",
	})
	dir := gitRepo(t, files)
	res, err := Build(context.Background(), headSource(t, dir), "overlays/prod", DefaultOptions())
	if res != nil || !errors.Is(err, ErrInjection) || !errors.Is(err, sidecar.ErrInvalidSidecarSet) {
		t.Fatalf("got %v, %v; want ErrInjection and sidecar.ErrInvalidSidecarSet", res, err)
	}
	if !strings.Contains(err.Error(), "base/sidecarsets.yaml: ") || !strings.Contains(err.Error(), `SidecarSet "empty"`) {
		t.Errorf("error %q does not name the SidecarSet and its file", err)
	}
}
