package render

import (
	"bytes"
	"context"
	"testing"
)

// WithFiles renders as if a file had other content; the snapshot itself is
// not changed.
func TestWithFiles(t *testing.T) {
	ctx := context.Background()
	src, err := Open(ctx, "../examples", "")
	if err != nil {
		t.Fatal(err)
	}
	patch := []byte("apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata:\n  name: demo\nspec:\n  updateStrategy:\n    partition: 3\n")
	replaced := WithFiles(src, map[string][]byte{"examples/overlays/prod/partition.yaml": patch})
	got, err := Build(ctx, replaced, "overlays/prod", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	orig, err := Build(ctx, src, "overlays/prod", DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.YAML, []byte("    partition: 3\n")) || !bytes.Contains(orig.YAML, []byte("    partition: 0\n")) {
		t.Errorf("replaced render:\n%s\noriginal render:\n%s", got.YAML, orig.YAML)
	}
	if want := bytes.Replace(orig.YAML, []byte("    partition: 0\n"), []byte("    partition: 3\n"), 1); !bytes.Equal(got.YAML, want) {
		t.Errorf("the replaced render differs from the original beyond the partition:\n%s", got.YAML)
	}
}
