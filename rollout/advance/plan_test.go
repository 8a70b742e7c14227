package advance

import (
	"context"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/object"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/render"
)

const baseKust = "resources:\n- cloneset.yaml\n"

var overlayOnBase = kustomization("resources:\n- ../../base\n")

// TestPlanFindsTheValue checks, for each place a partition can be set,
// that Plan edits exactly that value (one line, every other byte kept) and
// that the edit renders as the target.
func TestPlanFindsTheValue(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		path   string
		target Target
		file   string // the file edited
		line   string // the line before
		want   string // the line after
		field  string
	}{{
		name: "partition in the base only",
		files: map[string]string{
			"base/kustomization.yaml":          kustomization(baseKust),
			"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 3   # batch 1"),
			"overlays/prod/kustomization.yaml": overlayOnBase,
		},
		path: "overlays/prod", target: Next(),
		file: "base/cloneset.yaml", line: "    partition: 3   # batch 1", want: "    partition: 1   # batch 1",
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "overlay strategic-merge patch file",
		files: map[string]string{
			"base/kustomization.yaml":          kustomization(baseKust),
			"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: partition.yaml\n"),
			"overlays/prod/partition.yaml": "# batch position\napiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\n" +
				"metadata:\n  name: demo\nspec:\n  updateStrategy:\n    partition: 3 # batch 1 of 3\n",
		},
		path: "overlays/prod", target: Next(),
		file: "overlays/prod/partition.yaml", line: "    partition: 3 # batch 1 of 3", want: "    partition: 1 # batch 1 of 3",
		field: "spec.updateStrategy.partition",
	}, {
		name: "patchesStrategicMerge file",
		files: map[string]string{
			"base/kustomization.yaml":          kustomization(baseKust),
			"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\npatchesStrategicMerge:\n- partition.yaml\n"),
			"overlays/prod/partition.yaml":     "kind: CloneSet\napiVersion: apps.kruise.io/v1alpha1\nmetadata: {name: demo}\nspec: {updateStrategy: {partition: 3}}\n",
		},
		path: "overlays/prod", target: ToBatch(2),
		file: "overlays/prod/partition.yaml", line: "spec: {updateStrategy: {partition: 3}}", want: "spec: {updateStrategy: {partition: 1}}",
		field: "spec.updateStrategy.partition",
	}, {
		name: "inline patch in kustomization.yaml",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\n" +
				"patches:\n- target:\n    kind: CloneSet\n    name: demo\n  patch: |-\n    apiVersion: apps.kruise.io/v1alpha1\n" +
				"    kind: CloneSet\n    metadata:\n      name: demo\n    spec:\n      updateStrategy:\n        partition: 3  # batch 1\n"),
		},
		path: "overlays/prod", target: Next(),
		file: "overlays/prod/kustomization.yaml", line: "        partition: 3  # batch 1", want: "        partition: 1  # batch 1",
		field: "patches[0].patch: spec.updateStrategy.partition",
	}, {
		name: "JSON6902 patch file",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\n" +
				"patches:\n- path: partition.json6902.yaml\n  target: {kind: CloneSet, name: demo}\n"),
			"overlays/prod/partition.json6902.yaml": "- op: replace\n  path: /spec/updateStrategy/partition\n  value: 3\n",
		},
		path: "overlays/prod", target: Next(),
		file: "overlays/prod/partition.json6902.yaml", line: "  value: 3", want: "  value: 1",
		field: "op 0 (replace /spec/updateStrategy/partition)",
	}, {
		name: "JSON6902 op on a parent path, inline on one line",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\n" +
				"patches:\n- target: {kind: CloneSet, name: demo}\n" +
				`  patch: '[{"op": "add", "path": "/spec/updateStrategy", "value": {"maxSurge": "20%", "partition": 3}}]'` + "\n"),
		},
		path: "overlays/prod", target: Next(),
		file:  "overlays/prod/kustomization.yaml",
		line:  `  patch: '[{"op": "add", "path": "/spec/updateStrategy", "value": {"maxSurge": "20%", "partition": 3}}]'`,
		want:  `  patch: '[{"op": "add", "path": "/spec/updateStrategy", "value": {"maxSurge": "20%", "partition": 1}}]'`,
		field: "patches[0].patch: op 0 (add /spec/updateStrategy)",
	}, {
		name: "percent in double quotes stays double-quoted",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "60%,20%,0", `    partition: "60%" # batch 1`),
		},
		path: "base", target: Next(),
		file: "base/cloneset.yaml", line: `    partition: "60%" # batch 1`, want: `    partition: "20%" # batch 1`,
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "percent in single quotes stays single-quoted",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "60%,20%,0", `    partition: '60%'`),
		},
		path: "base", target: Next(),
		file: "base/cloneset.yaml", line: `    partition: '60%'`, want: `    partition: '20%'`,
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "plain percent stays plain",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "60%,20%,0", `    partition: 60%`),
		},
		path: "base", target: Next(),
		file: "base/cloneset.yaml", line: `    partition: 60%`, want: `    partition: 20%`,
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "percent to the last batch's 0 drops the quotes",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "60%,20%,0", `    partition: "20%"`),
		},
		path: "base", target: Next(),
		file: "base/cloneset.yaml", line: `    partition: "20%"`, want: `    partition: 0`,
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "no plan: an explicit partition",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "", "    partition: 4"),
		},
		path: "base", target: ToPartition(intstr.FromInt32(2)),
		file: "base/cloneset.yaml", line: "    partition: 4", want: "    partition: 2",
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "a CloneSet in two overlays: only the synced overlay's patch changes",
		files: map[string]string{
			"base/kustomization.yaml":       kustomization(baseKust),
			"base/cloneset.yaml":            cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/a/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: partition.yaml\n"),
			"overlays/a/partition.yaml":     smPatch("demo", "3"),
			"overlays/b/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: partition.yaml\n"),
			"overlays/b/partition.yaml":     smPatch("demo", "3"),
		},
		path: "overlays/a", target: Next(),
		file: "overlays/a/partition.yaml", line: "    partition: 3", want: "    partition: 1",
		field: "spec.updateStrategy.partition",
	}, {
		name: "partition in a shared base that the other overlay overrides",
		files: map[string]string{
			"base/kustomization.yaml":             kustomization(baseKust),
			"base/cloneset.yaml":                  cloneSet("demo", "3,1,0", "    partition: 3"),
			"overlays/staging/kustomization.yaml": overlayOnBase,
			"overlays/prod/kustomization.yaml":    kustomization("resources:\n- ../../base\npatches:\n- path: p.yaml\n"),
			"overlays/prod/p.yaml":                smPatch("demo", "5"),
		},
		path: "overlays/staging", target: Next(),
		file: "base/cloneset.yaml", line: "    partition: 3", want: "    partition: 1",
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "the same value in base and overlay: the overlay wins",
		files: map[string]string{
			"base/kustomization.yaml":          kustomization(baseKust),
			"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 3"),
			"overlays/prod/kustomization.yaml": kustomization("resources:\n- ../../base\npatches:\n- path: p.yaml\n"),
			"overlays/prod/p.yaml":             smPatch("demo", "3"),
		},
		path: "overlays/prod", target: Next(),
		file: "overlays/prod/p.yaml", line: "    partition: 3", want: "    partition: 1",
		field: "spec.updateStrategy.partition",
	}, {
		name: "two CloneSets with the same partition in one file: only this one changes",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml": cloneSet("web", "3,1,0", "    partition: 3 # web") + "---\n" +
				cloneSet("demo", "3,1,0", "    partition: 3 # demo"),
		},
		path: "base", target: Next(),
		file: "base/cloneset.yaml", line: "    partition: 3 # demo", want: "    partition: 1 # demo",
		field: "spec.updateStrategy.partition of CloneSet demo",
	}, {
		name: "a name prefix in the overlay",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 5"),
			"overlays/prod/kustomization.yaml": kustomization("namePrefix: prod-\nresources:\n- ../../base\n" +
				"patches:\n- path: p.yaml\n"),
			"overlays/prod/p.yaml": smPatch("demo", "3"),
		},
		path: "overlays/prod", target: Next(),
		file: "overlays/prod/p.yaml", line: "    partition: 3", want: "    partition: 1",
		field: "spec.updateStrategy.partition",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, commit := commitFiles(t, tc.files)
			name := "demo"
			if strings.Contains(tc.files["overlays/prod/kustomization.yaml"], "namePrefix") {
				name = "prod-demo"
			}
			ch, err := Plan(context.Background(), Request{Commit: commit, Path: tc.path, Namespace: "default", Name: name, Target: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			if ch.Site.File != tc.file || ch.Site.Field != tc.field {
				t.Errorf("site = %s (%s), want %s (%s)", ch.Site.File, ch.Site.Field, tc.file, tc.field)
			}
			old := tc.files[tc.file]
			if string(ch.Old) != old {
				t.Fatalf("Change.Old is not the committed file")
			}
			want := strings.Replace(old, tc.line+"\n", tc.want+"\n", 1)
			if want == old {
				t.Fatalf("test case: line %q not in %s", tc.line, tc.file)
			}
			if string(ch.New) != want {
				t.Errorf("new %s:\n%s\nwant:\n%s", tc.file, ch.New, want)
			}
			if d := changedLines(old, string(ch.New)); len(d) != 1 {
				t.Errorf("changed lines = %q, want exactly one", d)
			}
			if ch.Parent != commit.Hash {
				t.Errorf("parent = %s, want %s", ch.Parent, commit.Hash)
			}
			checkRendered(t, commit, tc.path, tc.file, ch.New, name, ch.Step.To.Value)
		})
	}
}

// checkRendered renders path with file replaced and checks the partition
// of CloneSet default/name: independent of Plan's own proof.
func checkRendered(t *testing.T, commit *object.Commit, path, file string, content []byte, name string, want intstr.IntOrString) {
	t.Helper()
	src, err := render.FromCommit(commit, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Build(context.Background(), render.WithFiles(src, map[string][]byte{file: content}), path, render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	i, _, err := findCloneSet(res, "default", name, "default")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := partitionOf(res.Objects[i]); got != want {
		t.Errorf("rendered partition = %s, want %s", got.String(), want.String())
	}
}
