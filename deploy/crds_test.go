package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCRDsUpToDate regenerates the CRDs from the kruise-api types and fails
// when the checked-in files differ: run `make generate` and commit.
func TestCRDsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./hack/gencrds", "-out", out)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/gencrds: %v\n%s", err, b)
	}
	checked, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	generated, err := filepath.Glob(filepath.Join(out, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) != len(checked) {
		t.Fatalf("generator wrote %d CRDs, deploy/crds has %d: run make generate", len(generated), len(checked))
	}
	for _, g := range generated {
		want, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if got := checked[filepath.Base(g)]; !bytes.Equal(got, want) {
			t.Errorf("deploy/crds/%s is stale: run make generate", filepath.Base(g))
		}
	}
}
