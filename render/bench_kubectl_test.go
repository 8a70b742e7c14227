package render

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// kubectlRounds is how many times each renderer runs, at least.
const kubectlRounds = 5

var cloneSetDoc = regexp.MustCompile(`(?m)^kind: CloneSet$`)

// BenchmarkRender200CloneSetsVsKubectl renders the 200-CloneSet repository
// (benchRepo, path "all") three ways in one run, round after round so that
// all three see the same machine:
//   - ferry: Build from the git object store, with preflight, provenance and
//     SidecarSet injection, what a GitSync pays;
//   - krusty: kustomize as a library on the checkout on disk, nothing else;
//   - kubectl: the real `kubectl kustomize` binary of the local control
//     plane (hack/build-controlplane.sh) on the same checkout, process start
//     included, what a user typing it pays.
//
// It reports ms per render of each, and kubectl's and krusty's time over
// ferry's. The work is at least kubectlRounds rounds, or b.N if larger.
func BenchmarkRender200CloneSetsVsKubectl(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: kubectl comes from the control-plane build")
	}
	bin, err := cluster.BuildBinaries()
	if err != nil {
		b.Skipf("no kubectl to compare with: hack/build-controlplane.sh failed: %v", err)
	}
	kubectl := filepath.Join(bin, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		b.Skipf("no kubectl to compare with: %v", err)
	}
	dir := gitRepo(b, benchRepo(b))
	src := headSource(b, dir)
	opts := DefaultOptions()
	kopts := krusty.MakeDefaultOptions()
	kopts.Reorder = krusty.ReorderOptionLegacy

	renderFerry := func() int {
		res, err := Build(context.Background(), src, "all", opts)
		if err != nil {
			b.Fatal(err)
		}
		return countKind(res, "CloneSet")
	}
	renderKrusty := func() int {
		m, err := krusty.MakeKustomizer(kopts).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "all"))
		if err != nil {
			b.Fatal(err)
		}
		out, err := m.AsYaml()
		if err != nil {
			b.Fatal(err)
		}
		return len(cloneSetDoc.FindAll(out, -1))
	}
	renderKubectl := func() int {
		cmd := exec.Command(kubectl, "kustomize", filepath.Join(dir, "all"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("kubectl kustomize: %v\n%s", err, stderr.String())
		}
		return len(cloneSetDoc.FindAll(out, -1))
	}
	renderers := []struct {
		name   string
		render func() int
		total  time.Duration
	}{{name: "ferry", render: renderFerry}, {name: "krusty", render: renderKrusty}, {name: "kubectl", render: renderKubectl}}

	// A first round, untimed, checks that all three render the 200
	// CloneSets and warms caches.
	for _, r := range renderers {
		if n := r.render(); n != 200 {
			b.Fatalf("%s rendered %d CloneSets, want 200", r.name, n)
		}
	}
	rounds := max(b.N, kubectlRounds)
	b.ResetTimer()
	for range rounds {
		for i := range renderers {
			start := time.Now()
			renderers[i].render()
			renderers[i].total += time.Since(start)
		}
	}
	perRender := func(i int) float64 { return float64(renderers[i].total.Microseconds()) / 1000 / float64(rounds) }
	for i, r := range renderers {
		b.ReportMetric(perRender(i), r.name+"-ms/render")
	}
	b.ReportMetric(perRender(2)/perRender(0), "kubectl/ferry")
	b.ReportMetric(perRender(1)/perRender(0), "krusty/ferry")
}
