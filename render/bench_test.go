package render

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// benchRepo is a repository of 20 overlays over one base of 10 CloneSets
// (each overlay its own name prefix, namespace and partition), and an "all"
// kustomization that renders the 20 overlays together: 200 CloneSets, plus a
// SidecarSet selecting half of them.
func benchRepo(b *testing.B) map[string]string {
	b.Helper()
	files := map[string]string{}
	var base strings.Builder
	base.WriteString("resources:\n")
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("svc-%02d", i)
		base.WriteString("- " + name + ".yaml\n")
		files["base/"+name+".yaml"] = strings.NewReplacer("demo", name,
			"        image: app:v1\n", "        image: app:v1\n      - name: proxy\n        image: proxy:v1\n").Replace(goodCloneSet)
	}
	files["base/kustomization.yaml"] = base.String()
	var all strings.Builder
	all.WriteString("resources:\n- sidecarset.yaml\n")
	for o := 0; o < 20; o++ {
		dir := fmt.Sprintf("overlays/o%02d", o)
		all.WriteString("- ../" + dir + "\n")
		files[dir+"/kustomization.yaml"] = fmt.Sprintf(
			"namePrefix: o%02d-\nnamespace: team-%02d\nresources: [../../base]\npatches:\n- path: partition.yaml\n  target: {kind: CloneSet}\nimages:\n- name: app\n  newTag: v%d\n", o, o, o)
		files[dir+"/partition.yaml"] = fmt.Sprintf(
			"apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata: {name: any}\nspec:\n  updateStrategy:\n    partition: %d\n", o%4)
	}
	files["all/kustomization.yaml"] = all.String()
	files["all/sidecarset.yaml"] = "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata: {name: logs}\n" +
		"spec:\n  selector: {matchLabels: {app: svc-03}}\n  containers: [{name: collector, image: collector:v1}]\n"
	return files
}

func benchmarkBuild(b *testing.B, path string, want, wantInjected int) {
	dir := gitRepo(b, benchRepo(b))
	src := headSource(b, dir)
	opts := DefaultOptions() // the real injector: one SidecarSet selects 20 of the CloneSets
	res, err := Build(context.Background(), src, path, opts)
	if err != nil {
		b.Fatal(err)
	}
	if n := countKind(res, "CloneSet"); n != want {
		b.Fatalf("rendered %d CloneSets, want %d", n, want)
	}
	injected := 0
	for _, p := range res.Provenance {
		injected += len(p.Sidecars)
	}
	if injected != wantInjected {
		b.Fatalf("injected into %d CloneSets, want %d", injected, wantInjected)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(context.Background(), src, path, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/render")
}

// BenchmarkBuild200CloneSets renders all 20 overlays at once: 200
// CloneSets, 20 of which the SidecarSet selects.
func BenchmarkBuild200CloneSets(b *testing.B) { benchmarkBuild(b, "all", 200, 20) }

// BenchmarkBuildOverlay renders one overlay of the same repository: 10
// CloneSets, no SidecarSet (the per-GitSync cost).
func BenchmarkBuildOverlay(b *testing.B) { benchmarkBuild(b, "overlays/o07", 10, 0) }

func countKind(res *Result, kind string) int {
	n := 0
	for _, o := range res.Objects {
		if o.GetKind() == kind {
			n++
		}
	}
	return n
}

// BenchmarkKustomizeOnDisk200CloneSets is the baseline: kustomize alone,
// reading a checkout on disk, no preflight, provenance or injection.
func BenchmarkKustomizeOnDisk200CloneSets(b *testing.B) {
	dir := gitRepo(b, benchRepo(b))
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "all"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.AsYaml(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/render")
}
