package diff

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// fieldText prints changes one per line, as the text output does.
func fieldText(cs []FieldChange) string {
	var b strings.Builder
	for _, c := range cs {
		for _, l := range fieldLines(c) {
			b.WriteString(l.String() + "\n")
		}
	}
	return b.String()
}

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		name, base, head, want string
	}{
		{
			name: "scalar changes, sorted by key",
			base: "spec: {replicas: 5, paused: false}\nmetadata: {name: a}",
			head: "spec: {replicas: 8, paused: true}\nmetadata: {name: a}",
			want: "  spec.paused: false → true\n  spec.replicas: 5 → 8\n",
		},
		{
			name: "key order, quoting and number spelling are no change",
			base: "a: {x: 1, y: \"s\"}\nb: 2.0",
			head: "b: 2\na: {y: s, x: 1}",
			want: "",
		},
		{
			name: "null is the same as absent",
			base: "metadata: {name: a, labels: null}",
			head: "metadata: {name: a}",
			want: "",
		},
		{
			name: "containers keyed by name: one added, one changed",
			base: "containers: [{name: app, image: 'a:1'}]",
			head: "containers: [{name: log, image: 'l:1'}, {name: app, image: 'a:2'}]",
			want: "  containers[name=app].image: a:1 → a:2\n" +
				"+ containers[name=log]:\n+     image: l:1\n+     name: log\n",
		},
		{
			name: "containers keyed by name: reordered",
			base: "containers: [{name: a}, {name: b}]",
			head: "containers: [{name: b}, {name: a}]",
			want: "  containers: order [a, b] → [b, a]\n",
		},
		{
			name: "env keyed by name inside a container",
			base: "containers: [{name: app, env: [{name: A, value: '1'}, {name: B, value: x}]}]",
			head: "containers: [{name: app, env: [{name: B, value: x}]}]",
			want: "- containers[name=app].env[name=A]:\n-     name: A\n-     value: \"1\"\n",
		},
		{
			name: "scalar lists compare whole",
			base: "args: [--a, --b]",
			head: "args: [--x, --a, --b]",
			want: "  args: [--a, --b] → [--x, --a, --b]\n",
		},
		{
			name: "lists without names compare by index",
			base: "rules: [{host: a}, {host: b}]",
			head: "rules: [{host: a}, {host: c}, {host: d}]",
			want: "  rules[1].host: b → c\n+ rules[2]:\n+     host: d\n",
		},
		{
			name: "duplicate names fall back to index",
			base: "mounts: [{name: v, path: /a}, {name: v, path: /b}]",
			head: "mounts: [{name: v, path: /a}, {name: v, path: /c}]",
			want: "  mounts[1].path: /b → /c\n",
		},
		{
			name: "keys that are not identifiers are quoted",
			base: "metadata: {annotations: {ferry.dev/batches: '3,1,0'}}",
			head: "metadata: {annotations: {ferry.dev/batches: '5,0'}}",
			want: "  metadata.annotations[\"ferry.dev/batches\"]: 3,1,0 → 5,0\n",
		},
		{
			name: "strings that read as other types are quoted",
			base: "v: '5'\nw: ''\nx: 'true'",
			head: "v: 5\nw: ' x'\nx: true",
			want: "  v: \"5\" → 5\n  w: \"\" → \" x\"\n  x: \"true\" → true\n",
		},
		{
			name: "a multi-line string shows as a line diff",
			base: "data: {app.properties: \"a=1\\nb=2\\nc=3\\n\"}",
			head: "data: {app.properties: \"a=1\\nb=3\\nc=3\\n\"}",
			want: "  data[\"app.properties\"]:\n      a=1\n-     b=2\n+     b=3\n      c=3\n",
		},
		{
			name: "a map replaced by a scalar",
			base: "x: {a: 1}",
			head: "x: 2",
			want: "- x:\n-     a: 1\n+ x: 2\n",
		},
		{
			name: "a JSON annotation compares field by field",
			base: `a: '{"s":{"hash":"h1","list":["c"]}}'`,
			head: `a: '{"s":{"hash":"h2","list":["c"]}}'`,
			want: "  a{s.hash}: h1 → h2\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldText(Fields(obj(t, tc.base), obj(t, tc.head)))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// The JSON of a field change leaves out the side where the field is absent.
func TestFieldChangeJSON(t *testing.T) {
	cs := Fields(obj(t, "a: 1\nb: {c: x}\nd: false"), obj(t, "a: 2\ne: 0\nd: true"))
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"path":"a","from":1,"to":2},{"path":"b","from":{"c":"x"}},{"path":"d","from":false,"to":true},{"path":"e","to":0}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestNormalizeDropsServerFields(t *testing.T) {
	live := obj(t, `metadata: {name: a, uid: u, resourceVersion: "7", generation: 2, creationTimestamp: "2026-01-01T00:00:00Z", managedFields: [{}], labels: {x: y}}
status: {ready: true}
spec: {replicas: 1}`)
	rendered := obj(t, "metadata: {name: a, labels: {x: y}}\nspec: {replicas: 1}")
	if cs := Fields(Normalize(rendered), Normalize(live)); len(cs) != 0 {
		t.Errorf("changes %s", fieldText(cs))
	}
	if _, ok := live["status"]; !ok {
		t.Error("Normalize changed its input")
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff([]string{"a", "b", "c", "d"}, []string{"a", "c", "x", "d", "e"})
	var b strings.Builder
	for _, l := range got {
		b.WriteString(string(l.mark) + l.text + " ")
	}
	if want := " a -b  c +x  d +e "; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
