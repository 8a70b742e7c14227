package advance

import (
	"slices"
	"testing"
)

func TestGraphOthers(t *testing.T) {
	_, commit := commitFiles(t, map[string]string{
		"base/kustomization.yaml": kustomization("resources:\n- cloneset.yaml\n"),
		"base/cloneset.yaml":      "kind: CloneSet\n",
		"components/canary/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" +
			"patches:\n- path: canary.yaml\n",
		"components/canary/canary.yaml": "kind: CloneSet\n",
		"shared/partition.yaml":         "kind: CloneSet\n",
		"overlays/a/kustomization.yaml": kustomization("resources:\n- ../../base\ncomponents:\n- ../../components/canary\n" +
			"patches:\n- path: ../../shared/partition.yaml\n"),
		"overlays/b/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: ../../shared/partition.yaml\n"),
		"overlays/c/kustomization.yaml": kustomization("resources:\n- ../a\n"),
		"overlays/d/kustomization.yaml": kustomization("components:\n- ../../components/canary\nresources:\n- ../../base\n"),
		"broken/kustomization.yaml":     "resources: [\n",
	})
	tree, err := commit.Tree()
	if err != nil {
		t.Fatal(err)
	}
	g, err := loadGraph(tree)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.closure("overlays/a"), []string{"base", "components/canary", "overlays/a"}; !slices.Equal(got, want) {
		t.Errorf("closure(overlays/a) = %q, want %q", got, want)
	}
	cases := []struct {
		root, target string
		want         []string
	}{
		// the base: b and d include it beside a; c builds on a.
		{"overlays/a", "base/cloneset.yaml", []string{"overlays/b", "overlays/d"}},
		// a patch file two overlays list.
		{"overlays/a", "shared/partition.yaml", []string{"overlays/b"}},
		// a component's patch.
		{"overlays/a", "components/canary/canary.yaml", []string{"overlays/d"}},
		// an inline patch of a's own kustomization: only what builds on a.
		{"overlays/a", "overlays/a", nil},
		// from c, a is part of the build: a's own file is c's too.
		{"overlays/c", "overlays/a", nil},
		{"overlays/c", "shared/partition.yaml", []string{"overlays/b"}},
		{"overlays/b", "shared/partition.yaml", []string{"overlays/a"}},
	}
	for _, tc := range cases {
		if got := g.others(tc.root, tc.target); !slices.Equal(got, tc.want) {
			t.Errorf("others(%s, %s) = %q, want %q", tc.root, tc.target, got, tc.want)
		}
	}
}
