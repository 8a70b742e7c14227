package render

import (
	"bytes"
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestBuildDemoOverlays(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	src := headSource(t, dir)
	for _, tc := range []struct {
		overlay   string
		partition int64
	}{
		{"overlays/batch-1", 3},
		{"overlays/batch-2", 0},
	} {
		t.Run(tc.overlay, func(t *testing.T) {
			res, err := Build(context.Background(), src, tc.overlay, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "demo-"+tc.overlay[len("overlays/"):]+".yaml", res.YAML)
			cs := find(t, res, "CloneSet", "demo")
			p, _, _ := unstructured.NestedFieldNoCopy(cs.Object, "spec", "updateStrategy", "partition")
			if p != tc.partition {
				t.Errorf("partition = %#v, want %d", p, tc.partition)
			}
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	dir := gitRepo(t, fixtureFiles(t, "demo"))
	a, err := Build(context.Background(), headSource(t, dir), "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(context.Background(), headSource(t, dir), "overlays/batch-1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.YAML, b.YAML) {
		t.Fatalf("two renders of one commit differ:\n%s\n---\n%s", a.YAML, b.YAML)
	}
}

// find returns the rendered object of kind and name.
func find(t *testing.T, res *Result, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range res.Objects {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the render", kind, name)
	return nil
}
