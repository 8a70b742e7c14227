package advance

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestFindSitesAndSplice: for each way of writing a partition, the site
// found (line, field, token) and the file after writing the new value.
func TestFindSitesAndSplice(t *testing.T) {
	cases := []struct {
		name    string
		role    fileRole
		content string
		to      intstr.IntOrString
		want    []string // "line field token"
		edited  string   // content after editing the last site
	}{{
		name:    "CRLF line endings are kept",
		role:    rolePatch,
		content: "kind: CloneSet\r\nspec:\r\n  updateStrategy:\r\n    partition: 3\r\n",
		to:      intstr.FromInt32(1),
		want:    []string{"4 spec.updateStrategy.partition 3"},
		edited:  "kind: CloneSet\r\nspec:\r\n  updateStrategy:\r\n    partition: 1\r\n",
	}, {
		name:    "columns count characters, not bytes",
		role:    rolePatch,
		content: "metadata: {name: démo, labels: {ä: ö}}\nspec: {updateStrategy: {\"é\": 1, partition: 3}}\n",
		to:      intstr.FromString("20%"),
		want:    []string{"2 spec.updateStrategy.partition 3"},
		edited:  "metadata: {name: démo, labels: {ä: ö}}\nspec: {updateStrategy: {\"é\": 1, partition: \"20%\"}}\n",
	}, {
		name:    "a resource file: only CloneSets",
		role:    roleResource,
		content: "kind: StatefulSet\nmetadata: {name: db}\nspec: {updateStrategy: {partition: 3}}\n---\nkind: CloneSet\nmetadata: {name: web}\nspec: {updateStrategy: {partition: 3}}\n",
		to:      intstr.FromInt32(2),
		want:    []string{"7 spec.updateStrategy.partition_of_CloneSet_web 3"},
		edited:  "kind: StatefulSet\nmetadata: {name: db}\nspec: {updateStrategy: {partition: 3}}\n---\nkind: CloneSet\nmetadata: {name: web}\nspec: {updateStrategy: {partition: 2}}\n",
	}, {
		name: "JSON6902 ops: add and replace only, on the partition or a parent",
		role: rolePatch,
		content: `[{"op": "test", "path": "/spec/updateStrategy/partition", "value": 3},
 {"op": "replace", "path": "/spec/updateStrategy/partitionX", "value": 3},
 {"op": "replace", "path": "/spec/update", "value": 3},
 {"op": "add", "path": "/spec", "value": {"updateStrategy": {"partition": 3}}},
 {"op": "replace", "path": "/spec/updateStrategy/partition", "value": "60%"}]
`,
		to:   intstr.FromString("20%"),
		want: []string{"4 op_3_(add_/spec) 3", `5 op_4_(replace_/spec/updateStrategy/partition) "60%"`},
		edited: `[{"op": "test", "path": "/spec/updateStrategy/partition", "value": 3},
 {"op": "replace", "path": "/spec/updateStrategy/partitionX", "value": 3},
 {"op": "replace", "path": "/spec/update", "value": 3},
 {"op": "add", "path": "/spec", "value": {"updateStrategy": {"partition": 3}}},
 {"op": "replace", "path": "/spec/updateStrategy/partition", "value": "20%"}]
`,
	}, {
		name: "inline literal block keeping trailing blank lines (|+)",
		role: roleKustomization,
		content: "patches:\n- patch: |+\n    kind: CloneSet\n\n    spec:\n      updateStrategy:\n        partition: 3 # b1\n\n\n" +
			"  target: {kind: CloneSet}\n",
		to:   intstr.FromInt32(1),
		want: []string{"7 patches[0].patch:_spec.updateStrategy.partition 3"},
		edited: "patches:\n- patch: |+\n    kind: CloneSet\n\n    spec:\n      updateStrategy:\n        partition: 1 # b1\n\n\n" +
			"  target: {kind: CloneSet}\n",
	}, {
		name:    "inline patchesStrategicMerge entry",
		role:    roleKustomization,
		content: "patchesStrategicMerge:\n- p.yaml\n- |-\n  kind: CloneSet\n  spec: {updateStrategy: {partition: 3}}\n",
		to:      intstr.FromInt32(1),
		want:    []string{"5 patchesStrategicMerge[1]:_spec.updateStrategy.partition 3"},
		edited:  "patchesStrategicMerge:\n- p.yaml\n- |-\n  kind: CloneSet\n  spec: {updateStrategy: {partition: 1}}\n",
	}, {
		name:    "inline patch in a folded block is left alone",
		role:    roleKustomization,
		content: "patches:\n- patch: >\n    kind: CloneSet\n\n    spec: {updateStrategy: {partition: 3}}\n",
	}, {
		name:    "inline patch with escapes is left alone",
		role:    roleKustomization,
		content: "patches:\n- patch: \"[{\\\"op\\\": \\\"replace\\\", \\\"path\\\": \\\"/spec/updateStrategy/partition\\\", \\\"value\\\": 3}]\"\n",
	}, {
		name:    "an alias is left alone",
		role:    rolePatch,
		content: "x: &p 3\nkind: CloneSet\nspec:\n  updateStrategy:\n    partition: *p\n",
	}, {
		name:    "a float, a bool or a null is not a partition",
		role:    rolePatch,
		content: "kind: CloneSet\nspec: {updateStrategy: {partition: 1.5}}\n---\nkind: CloneSet\nspec: {updateStrategy: {partition: null}}\n",
	}, {
		name:    "YAML that does not parse has no sites",
		role:    rolePatch,
		content: "kind: CloneSet\nspec: {updateStrategy: {partition: 3}\n",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sites := findSites("f.yaml", []byte(tc.content), tc.role)
			var got []string
			for _, s := range sites {
				got = append(got, fmt.Sprintf("%d %s %s", s.Line, strings.ReplaceAll(s.Field, " ", "_"), s.Token))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("sites:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(sites) == 0 {
				return
			}
			last := sites[len(sites)-1]
			out, ok := splice([]byte(tc.content), last, newToken(tc.to, last))
			if !ok || string(out) != tc.edited {
				t.Errorf("edited (ok %v):\n%q\nwant:\n%q", ok, out, tc.edited)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	plain := Site{Token: "3"}
	flow := Site{Token: "3", flow: true}
	double := findSites("f", []byte(`spec: {updateStrategy: {partition: "60%"}}`), rolePatch)[0]
	single := findSites("f", []byte(`spec: {updateStrategy: {partition: '60%'}}`), rolePatch)[0]
	cases := []struct {
		old  Site
		v    intstr.IntOrString
		want string
	}{
		{plain, intstr.FromInt32(1), "1"},
		{plain, intstr.FromString("20%"), "20%"},
		{flow, intstr.FromString("20%"), `"20%"`},
		{double, intstr.FromString("20%"), `"20%"`},
		{double, intstr.FromInt32(0), "0"},
		{single, intstr.FromString("20%"), "'20%'"},
		{single, intstr.FromInt32(2), "2"},
	}
	for _, tc := range cases {
		if got := newToken(tc.v, tc.old); got != tc.want {
			t.Errorf("newToken(%s, old %s) = %s, want %s", tc.v.String(), tc.old.Token, got, tc.want)
		}
	}
}

func TestSpliceRefusesMovedBytes(t *testing.T) {
	s := findSites("f", []byte("spec: {updateStrategy: {partition: 3}}\n"), rolePatch)[0]
	if _, ok := splice([]byte("spec: {updateStrategy: {partition: 4}}\n"), s, "1"); ok {
		t.Error("splice wrote over a byte that is not the token it was planned on")
	}
	if _, ok := splice([]byte("spec:"), s, "1"); ok {
		t.Error("splice past the end of the file")
	}
}
