package advance

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/render"
)

// locator finds the value to edit for one rendered CloneSet.
type locator struct {
	tree   *object.Tree
	src    render.Source
	opts   render.Options
	graph  *repoGraph
	before *render.Result
	index  int    // of the CloneSet in before.Objects
	path   string // the build path, repository-relative
	object string // "CloneSet default/demo", for messages
}

// locate finds the one value whose edit makes the render show partition
// `to` for this CloneSet and changes nothing else, and returns the edit.
//
// Candidates are found by reading, not by guessing kustomize's semantics:
// the values that set spec.updateStrategy.partition, written as the render
// shows it now, in the CloneSet's origin file (the provenance kustomize
// records), in the patch files between it and the root (the provenance's
// patch list), and inline in the kustomizations of the build. Each is then
// proven by rendering with it edited, last candidate first: an overridden
// value has no effect, and a value that also sets another CloneSet's
// partition changes that one too; either is rejected. Exactly one value
// can pass, the one kustomize applies last for this object. When none
// does (a replacement, a generator, a patch targeting several CloneSets),
// nothing is edited and the error lists what was tried.
func (l locator) locate(ctx context.Context, from, to intstr.IntOrString) (*Change, error) {
	fail := func(why string, tried []Attempt) error {
		return &CannotEditError{Object: l.object, Path: dirName(l.path), Why: why, Tried: tried}
	}
	prov := l.before.Provenance[l.index]
	if prov.Origin.Repo != "" {
		return nil, fail(fmt.Sprintf("it comes from the remote base %s; ferry edits only this repository", prov.Origin.Repo), nil)
	}
	sites, files, err := l.candidates(prov)
	if err != nil {
		return nil, err
	}
	var tried []Attempt
	for i := len(sites) - 1; i >= 0; i-- {
		s := sites[i]
		if s.Value != from {
			continue // not what the render shows: overridden, or another object's
		}
		tok := newToken(to, s)
		edited, ok := splice(files[s.File], s, tok)
		if !ok {
			tried = append(tried, Attempt{Site: s, Reason: "the value is not where the parser put it"})
			continue
		}
		reason, err := l.probe(ctx, s.File, edited, from, to)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			return &Change{Site: s, NewToken: tok, Old: files[s.File], New: edited}, nil
		}
		tried = append(tried, Attempt{Site: s, Reason: reason})
	}
	if len(tried) == 0 {
		return nil, fail(fmt.Sprintf("no YAML value in the repository sets spec.updateStrategy.partition to %s for it "+
			"(a replacement, a generator or a transformer sets it, or it is unset)", from.String()), nil)
	}
	return nil, fail("no single value sets its partition and nothing else", tried)
}

// candidates lists the partition values of the files a build of the object
// reads, in a rough kustomize order (origin, kustomizations bases first,
// patch files), with each file's content.
func (l locator) candidates(prov render.Provenance) ([]Site, map[string][]byte, error) {
	files := map[string][]byte{}
	var sites []Site
	seen := map[string]bool{}
	add := func(file string, role fileRole) error {
		if file == "" || seen[file] {
			return nil
		}
		seen[file] = true
		content, err := readFile(l.tree, file)
		if err != nil {
			return err
		}
		files[file] = content
		sites = append(sites, findSites(file, content, role)...)
		return nil
	}
	if err := add(prov.Origin.Path, roleResource); err != nil {
		return nil, nil, err
	}
	for _, d := range l.graph.closure(l.path) {
		if err := add(l.graph.nodes[d].file, roleKustomization); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range prov.Patches {
		if err := add(p, rolePatch); err != nil {
			return nil, nil, err
		}
	}
	return sites, files, nil
}

// probe renders with one file replaced and says what is wrong with the
// result ("" when only this CloneSet's partition changed, to `to`).
func (l locator) probe(ctx context.Context, file string, content []byte, from, to intstr.IntOrString) (string, error) {
	after, err := render.Build(ctx, render.WithFiles(l.src, map[string][]byte{file: content}), l.path, l.opts)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "the edited file does not render: " + err.Error(), nil
	}
	return compareRenders(l.before, after, l.index, from, to), nil
}

// compareRenders checks that after differs from before in exactly one
// field: the partition of object idx, which must now be `to`.
func compareRenders(before, after *render.Result, idx int, from, to intstr.IntOrString) string {
	if len(before.Objects) != len(after.Objects) {
		return "the edit changes which objects are rendered"
	}
	var others []string
	for i, b := range before.Objects {
		a := after.Objects[i]
		if objectName(a) != objectName(b) {
			return "the edit changes which objects are rendered"
		}
		if i != idx && !reflect.DeepEqual(a.Object, b.Object) {
			others = append(others, objectName(a))
		}
	}
	if len(others) > 0 {
		return "it also changes " + strings.Join(others, ", ")
	}
	got, _ := partitionOf(after.Objects[idx])
	switch {
	case got == from:
		return "no effect on the render (a later patch overrides it, or it belongs to another object)"
	case got != to:
		return fmt.Sprintf("the render shows partition %s, not %s", got.String(), to.String())
	}
	if !reflect.DeepEqual(withoutPartition(before.Objects[idx]), withoutPartition(after.Objects[idx])) {
		return "it changes other fields of " + objectName(after.Objects[idx])
	}
	return ""
}

func withoutPartition(u *unstructured.Unstructured) map[string]any {
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "spec", "updateStrategy", "partition")
	return c.Object
}

// objectName is "CloneSet default/demo".
func objectName(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}

// affected keeps the kustomizations whose render the change alters: a
// kustomization that reads the file but overrides the value (its own
// partition patch) is not affected. One that does not render either way
// is kept: ferry cannot tell.
func (l locator) affected(ctx context.Context, dirs []string, ch *Change) ([]string, error) {
	var out []string
	edited := render.WithFiles(l.src, map[string][]byte{ch.Site.File: ch.New})
	for _, d := range dirs {
		before, err1 := render.Build(ctx, l.src, d, l.opts)
		after, err2 := render.Build(ctx, edited, d, l.opts)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err1 == nil && err2 == nil && bytes.Equal(before.YAML, after.YAML) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}
