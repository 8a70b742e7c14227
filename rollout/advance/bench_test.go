package advance

import (
	"context"
	"testing"

	"github.com/ferry-gitops/ferry/render"
)

// BenchmarkPlan measures one plan of the overlay-patch layout: two renders
// (the current one and the proof) plus the repository's kustomization
// graph. BenchmarkRender is one render of the same path, for scale.
func BenchmarkPlan(b *testing.B) {
	_, commit := commitFiles(b, benchRepo)
	req := Request{Commit: commit, Path: "overlays/prod", Namespace: "default", Name: "demo", Target: Next()}
	for b.Loop() {
		if _, err := Plan(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	_, commit := commitFiles(b, benchRepo)
	src, err := render.FromCommit(commit, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := render.Build(context.Background(), src, "overlays/prod", render.DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

var benchRepo = map[string]string{
	"base/kustomization.yaml":             kustomization(baseKust),
	"base/cloneset.yaml":                  cloneSet("demo", "3,1,0", "    partition: 5"),
	"overlays/prod/kustomization.yaml":    kustomization("resources:\n- ../../base\npatches:\n- path: p.yaml\n"),
	"overlays/prod/p.yaml":                smPatch("demo", "3"),
	"overlays/staging/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: p.yaml\n"),
	"overlays/staging/p.yaml":             smPatch("demo", "0"),
}
