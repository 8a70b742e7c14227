package advance

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/ferry-gitops/ferry/internal/yamlnode"
)

// Site is one YAML value in the repository that may set a CloneSet's
// partition: the field of a resource, of a strategic-merge patch, or the
// value of a JSON6902 op, in a file of its own or inline in a
// kustomization.
type Site struct {
	File  string // repository-relative, slash-separated
	Line  int    // 1-based line of the value in File
	Field string // where in the file, e.g. "patches[0].patch: spec.updateStrategy.partition"
	// Value is the partition as written; Token is its text in the file
	// (3, "60%", '60%').
	Value intstr.IntOrString
	Token string

	offset int         // byte offset of Token in File
	style  kyaml.Style // of the value node
	flow   bool        // inside a {...} or [...] collection
}

func (s Site) String() string { return fmt.Sprintf("%s:%d (%s)", s.File, s.Line, s.Field) }

// fileRole says how a file takes part in a build, which decides what in
// it can set a partition.
type fileRole int

const (
	roleResource      fileRole = iota // a resource file: CloneSet objects
	rolePatch                         // a patch file: strategic merge or JSON6902
	roleKustomization                 // a kustomization: inline patches
)

// partitionPath is where a v1alpha1 CloneSet keeps its partition.
var partitionPath = []string{"spec", "updateStrategy", "partition"}

// placer turns a node position into a byte offset and line of the file:
// the identity for a file's own YAML, a shift for YAML inline in a scalar.
type placer struct {
	file            text
	lineBase, shift int // file line = lineBase + line - 1; file column = shift + column
}

func (p placer) place(n *kyaml.Node) (offset, line int, ok bool) {
	line = p.lineBase + n.Line - 1
	offset, ok = p.file.offset(line, p.shift+n.Column)
	return offset, line, ok
}

// findSites returns every scalar of the file that sets a CloneSet
// partition, in file order. A file that does not parse has none: the
// render already reported it, or it is not what the build reads.
func findSites(file string, content []byte, role fileRole) []Site {
	f := finder{file: file, at: placer{file: newText(content), lineBase: 1}}
	f.stream(string(content), role, "")
	return f.sites
}

type finder struct {
	file  string
	at    placer
	sites []Site
}

// stream walks each document of a YAML stream.
func (f *finder) stream(src string, role fileRole, prefix string) {
	dec := kyaml.NewDecoder(strings.NewReader(src))
	for {
		var doc kyaml.Node
		if err := dec.Decode(&doc); err != nil {
			return // io.EOF, or YAML the build would not have read either
		}
		if len(doc.Content) == 1 {
			f.document(doc.Content[0], role, prefix)
		}
	}
}

func (f *finder) document(root *kyaml.Node, role fileRole, prefix string) {
	switch role {
	case roleResource:
		if kindOf(root) == "CloneSet" {
			f.field(root, prefix+"spec.updateStrategy.partition of CloneSet "+nameOf(root), partitionPath...)
		}
	case rolePatch:
		if root.Kind == kyaml.SequenceNode {
			f.jsonPatch(root, prefix)
		} else if k := kindOf(root); k == "" || k == "CloneSet" {
			f.field(root, prefix+"spec.updateStrategy.partition", partitionPath...)
		}
	case roleKustomization:
		f.inline(root)
	}
}

// field records the scalar at path below n.
func (f *finder) field(n *kyaml.Node, desc string, path ...string) {
	parent := n
	for _, key := range path {
		parent, n = n, yamlnode.Child(n, key)
		if n == nil {
			return
		}
	}
	v, ok := partitionValue(n)
	if !ok {
		return
	}
	tok, ok := tokenOf(n.Value, n.Style)
	if !ok {
		return
	}
	off, line, ok := f.at.place(n)
	if !ok || off+len(tok) > len(f.at.file.src) || string(f.at.file.src[off:off+len(tok)]) != tok {
		return // written differently from what the parser says: leave it alone
	}
	f.sites = append(f.sites, Site{File: f.file, Line: line, Field: desc, Value: v, Token: tok,
		offset: off, style: n.Style, flow: parent.Style&kyaml.FlowStyle != 0})
}

// jsonPatch records the values of add/replace ops that set the partition:
// the op on /spec/updateStrategy/partition itself, or one on a parent path
// whose value holds it.
func (f *finder) jsonPatch(ops *kyaml.Node, prefix string) {
	want := "/" + strings.Join(partitionPath, "/")
	for i, op := range ops.Content {
		verb, p := scalarOf(yamlnode.Child(op, "op")), scalarOf(yamlnode.Child(op, "path"))
		if (verb != "add" && verb != "replace") || !strings.HasPrefix(want, p) || (p != want && !strings.HasPrefix(want, p+"/")) {
			continue
		}
		rest := strings.Split(strings.TrimPrefix(strings.TrimPrefix(want, p), "/"), "/")
		if p == want {
			rest = nil
		}
		desc := fmt.Sprintf("%sop %d (%s %s)", prefix, i, verb, p)
		f.field(op, desc, append([]string{"value"}, rest...)...)
	}
}

// inline walks the inline patches of a kustomization. Only patches
// written as a literal block (|) or on one line can be edited in place:
// there the patch text is the file text, shifted.
func (f *finder) inline(k *kyaml.Node) {
	for _, list := range []string{"patchesStrategicMerge", "patches", "patchesJson6902"} {
		seq := yamlnode.Child(k, list)
		if seq == nil || seq.Kind != kyaml.SequenceNode {
			continue
		}
		for i, item := range seq.Content {
			body, desc := item, fmt.Sprintf("%s[%d]: ", list, i)
			if list != "patchesStrategicMerge" {
				body, desc = yamlnode.Child(item, "patch"), fmt.Sprintf("%s[%d].patch: ", list, i)
			}
			if body == nil || body.Kind != kyaml.ScalarNode || !strings.ContainsAny(body.Value, "\n{[:") {
				continue // a file path, which the build lists as a patch file
			}
			at, ok := embedded(f.at, body)
			if !ok {
				continue
			}
			sub := finder{file: f.file, at: at}
			sub.stream(body.Value, rolePatch, desc)
			f.sites = append(f.sites, sub.sites...)
		}
	}
}

// embedded places the YAML inside scalar n. For a literal block the
// content starts on the line after the indicator and is indented by the
// first content line's indentation; the placement is used only if
// stripping that indentation from the file's lines gives back exactly the
// scalar's value. A one-line plain or quoted scalar with no escapes is
// shifted by its column (and its opening quote).
func embedded(outer placer, n *kyaml.Node) (placer, bool) {
	head := outer.lineBase + n.Line - 1
	if n.Style&kyaml.LiteralStyle != 0 {
		return literalBlock(outer.file, head, n.Value)
	}
	tok, ok := tokenOf(n.Value, n.Style)
	if !ok {
		return placer{}, false
	}
	off, ok := outer.file.offset(head, outer.shift+n.Column)
	if !ok || !bytes.HasPrefix(outer.file.src[off:], []byte(tok)) {
		return placer{}, false
	}
	shift := outer.shift + n.Column - 1
	if tok != n.Value {
		shift++ // the opening quote
	}
	return placer{file: outer.file, lineBase: head, shift: shift}, true
}

func literalBlock(t text, head int, value string) (placer, bool) {
	want := strings.Split(strings.TrimRight(value, "\n"), "\n")
	indent := -1
	for i := range want {
		l, ok := t.line(head + 1 + i)
		if !ok {
			return placer{}, false
		}
		if len(bytes.TrimSpace(l)) == 0 {
			if want[i] != "" && strings.TrimSpace(want[i]) != "" {
				return placer{}, false
			}
			continue
		}
		if indent < 0 {
			indent = len(l) - len(bytes.TrimLeft(l, " "))
		}
		if len(l) < indent || string(l[indent:]) != want[i] || strings.TrimLeft(string(l[:indent]), " ") != "" {
			return placer{}, false
		}
	}
	if indent < 0 {
		return placer{}, false
	}
	return placer{file: t, lineBase: head + 1, shift: indent}, true
}

// partitionValue reads a partition scalar: an int or a string.
func partitionValue(n *kyaml.Node) (intstr.IntOrString, bool) {
	if n.Kind != kyaml.ScalarNode {
		return intstr.IntOrString{}, false
	}
	switch n.ShortTag() {
	case "!!int":
		v, err := strconv.ParseInt(n.Value, 10, 32)
		if err != nil {
			return intstr.IntOrString{}, false
		}
		return intstr.FromInt32(int32(v)), true
	case "!!str":
		return intstr.FromString(n.Value), true
	}
	return intstr.IntOrString{}, false
}

func scalarOf(n *kyaml.Node) string {
	if n == nil || n.Kind != kyaml.ScalarNode {
		return ""
	}
	return n.Value
}

func kindOf(n *kyaml.Node) string { return scalarOf(yamlnode.Child(n, "kind")) }
func nameOf(n *kyaml.Node) string {
	return scalarOf(yamlnode.Child(yamlnode.Child(n, "metadata"), "name"))
}
