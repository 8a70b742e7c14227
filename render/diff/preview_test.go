package diff

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func objects(t *testing.T, docs ...string) []*unstructured.Unstructured {
	t.Helper()
	out := make([]*unstructured.Unstructured, len(docs))
	for i, d := range docs {
		out[i] = &unstructured.Unstructured{Object: obj(t, d)}
	}
	return out
}

func configMap(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: prod}\ndata: {key: %q}", name, value)
}

const secretDoc = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: prod}\ndata: {password: c2VjcmV0}\nstringData: {token: plain}"

func TestCompareAddedChangedRemoved(t *testing.T) {
	base := objects(t, configMap("keep", "1"), configMap("gone", "x"), configMap("same", "s"))
	head := objects(t, configMap("same", "s"), configMap("keep", "2"), configMap("new", "y"), secretDoc)
	p, err := Compute([]Renders{{Path: "overlays/prod", Base: base, Head: head}}, nil, DefaultCompareOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `ferry diff overlays/prod:  → 
1 changed, 2 added, 1 removed; 0 rollouts

- ConfigMap prod/gone
~ ConfigMap prod/keep
    data.key: "1" → "2"
+ ConfigMap prod/new
  + apiVersion: v1
  + data:
  +   key: "y"
  + kind: ConfigMap
  + metadata:
  +   name: new
  +   namespace: prod
+ Secret prod/creds
  + apiVersion: v1
  + data:
  +   password: '***'
  + kind: Secret
  + metadata:
  +   name: creds
  +   namespace: prod
  + stringData:
  +   token: '***'
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if !p.HasChanges() || p.Summary != (Summary{Added: 2, Changed: 1, Removed: 1}) {
		t.Errorf("summary %+v", p.Summary)
	}
	shown, err := Compute([]Renders{{Path: "p", Head: objects(t, secretDoc)}}, nil, CompareOptions{ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := shown.Objects[0].Body["data"].(map[string]any)["password"]; got != "c2VjcmV0" {
		t.Errorf("--show-secrets body password %v", got)
	}
}

// With several paths the same object may come from each; they are told
// apart by path.
func TestComputeSeveralPaths(t *testing.T) {
	p, err := Compute([]Renders{
		{Path: "overlays/us", Base: objects(t, configMap("c", "1")), Head: objects(t, configMap("c", "2"))},
		{Path: "overlays/eu", Base: objects(t, configMap("c", "1")), Head: objects(t, configMap("c", "3"))},
	}, nil, DefaultCompareOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"~ ConfigMap prod/c  (overlays/eu)\n    data.key: \"1\" → \"3\"\n~ ConfigMap prod/c  (overlays/us)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestMarkdownTruncation(t *testing.T) {
	var base, head []*unstructured.Unstructured
	for i := range 200 {
		name := fmt.Sprintf("cm-%03d", i)
		base = append(base, objects(t, configMap(name, "old value"))...)
		head = append(head, objects(t, configMap(name, "new value é"))...)
	}
	p, err := Compute([]Renders{{Path: "p", Base: base, Head: head}}, nil, DefaultCompareOptions())
	if err != nil {
		t.Fatal(err)
	}
	var full bytes.Buffer
	if err := WriteMarkdown(&full, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int{4000, 10000, full.Len() - 1} {
		var b bytes.Buffer
		if err := WriteMarkdown(&b, p, MarkdownOptions{MaxBytes: max}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if len(out) > max || !utf8.ValidString(out) {
			t.Errorf("max %d: %d bytes, valid UTF-8 %v", max, len(out), utf8.ValidString(out))
		}
		shown := strings.Count(out, "<details>")
		note := fmt.Sprintf("Output truncated at %d bytes: %d of 200 objects and 0 of 0 rollouts shown.", max, shown)
		if !strings.Contains(out, note) || shown == 0 || shown >= 200 {
			t.Errorf("max %d: %d sections, note %q missing:\n%s", max, shown, note, out[len(out)-300:])
		}
		if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
			t.Errorf("max %d: a section was cut in the middle", max)
		}
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, p, MarkdownOptions{MaxBytes: full.Len()}); err != nil {
		t.Fatal(err)
	}
	if b.String() != full.String() {
		t.Error("output that fits exactly was changed")
	}
}

func TestMarkdownEscapes(t *testing.T) {
	p, err := Compute([]Renders{{Path: "p",
		Base: objects(t, configMap("c", "```x```")), Head: objects(t, configMap("c", "````y````"))}}, nil, DefaultCompareOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "`````diff\n") {
		t.Errorf("fence not longer than the backticks inside:\n%s", b.String())
	}
}

func TestTextColor(t *testing.T) {
	p, err := Compute([]Renders{{Path: "p", Base: objects(t, configMap("a", "1")), Head: objects(t, configMap("b", "1"))}}, nil, DefaultCompareOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ansiRed + "- ConfigMap prod/a" + ansiReset, ansiGreen + "+ ConfigMap prod/b" + ansiReset, ansiBold + "ferry diff p"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%q", want, b.String())
		}
	}
}
