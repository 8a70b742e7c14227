package advance

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
)

// repoGraph is every kustomization of a snapshot and what it includes. It
// answers the two questions the render's provenance does not: which
// kustomization files of a build may carry inline patches, and which other
// kustomizations of the repository render a file that an advance would
// edit.
type repoGraph struct {
	nodes map[string]*kustNode // by directory, "" for the repository root
}

type kustNode struct {
	file  string   // the kustomization file
	dirs  []string // kustomization directories it includes (resources, components)
	files []string // files it reads: resources and patches
}

// loadGraph reads every kustomization file of tree. Names are walked
// without reading other blobs. A kustomization that does not parse is
// skipped: no build reads it successfully, so no render shares it.
func loadGraph(tree *object.Tree) (*repoGraph, error) {
	g := &repoGraph{nodes: map[string]*kustNode{}}
	names := konfig.RecognizedKustomizationFileNames()
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	var files []string
	for {
		name, entry, err := w.Next()
		if err != nil {
			break // io.EOF; a broken tree fails the render first
		}
		if entry.Mode.IsFile() && slices.Contains(names, path.Base(name)) {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		dir := parentDir(f)
		if g.nodes[dir] != nil {
			continue // several kustomization files: kustomize refuses the directory
		}
		content, err := readFile(tree, f)
		if err != nil {
			return nil, err
		}
		var k types.Kustomization
		if err := k.Unmarshal(content); err != nil {
			continue
		}
		k.FixKustomization()
		g.nodes[dir] = &kustNode{file: f}
		g.addRefs(dir, &k)
	}
	// A resource that names a kustomization directory includes it, before
	// the components, as kustomize builds them.
	for _, n := range g.nodes {
		var files, dirs []string
		for _, f := range n.files {
			if g.nodes[f] != nil {
				dirs = append(dirs, f)
			} else {
				files = append(files, f)
			}
		}
		n.files, n.dirs = files, append(dirs, n.dirs...)
	}
	return g, nil
}

func (g *repoGraph) addRefs(dir string, k *types.Kustomization) {
	n := g.nodes[dir]
	add := func(list *[]string, ref string) {
		if ref == "" || strings.Contains(ref, "://") || strings.ContainsAny(ref, "\n{") {
			return // remote, or an inline patch
		}
		if p, ok := joinInside(dir, ref); ok {
			*list = append(*list, p)
		}
	}
	for _, r := range k.Resources {
		add(&n.files, r) // sorted into dirs once every node is known
	}
	for _, c := range k.Components {
		add(&n.dirs, c)
	}
	for _, p := range k.PatchesStrategicMerge {
		add(&n.files, string(p))
	}
	for _, p := range k.Patches {
		add(&n.files, p.Path)
	}
	for _, p := range k.PatchesJson6902 {
		add(&n.files, p.Path)
	}
}

// closure is root and every kustomization it includes, bases and
// components first (the order kustomize builds them in).
func (g *repoGraph) closure(root string) []string {
	var out []string
	seen := map[string]bool{}
	var visit func(d string)
	visit = func(d string) {
		if seen[d] || g.nodes[d] == nil {
			return
		}
		seen[d] = true
		for _, c := range g.nodes[d].dirs {
			visit(c)
		}
		out = append(out, d)
	}
	visit(root)
	return out
}

// reaches reports whether the build of dir reads target (a file, or a
// kustomization directory for inline patches) without going through avoid.
func (g *repoGraph) reaches(dir, target, avoid string, seen map[string]bool) bool {
	if dir == avoid || seen[dir] || g.nodes[dir] == nil {
		return false
	}
	seen[dir] = true
	n := g.nodes[dir]
	if dir == target || slices.Contains(n.files, target) {
		return true
	}
	for _, c := range n.dirs {
		if g.reaches(c, target, avoid, seen) {
			return true
		}
	}
	return false
}

// others lists the kustomizations outside root's own build that render
// target, each at the point where it joins: a kustomization that includes
// target itself, or includes a base or component of root that reads it.
// Kustomizations that include root are not listed: they build on root and
// mean to get its change.
//
// Example: overlays/prod and overlays/staging both list ../../base, which
// holds the partition. Advancing overlays/prod: others = [overlays/staging].
// A clusters/all that lists both overlays is not listed; it joins through
// overlays/staging, which is.
func (g *repoGraph) others(root, target string) []string {
	own := map[string]bool{}
	for _, d := range g.closure(root) {
		own[d] = true
	}
	var out []string
	for dir, n := range g.nodes {
		if own[dir] {
			continue
		}
		joins := slices.Contains(n.files, target) || dir == target
		for _, c := range n.dirs {
			if own[c] && c != root && g.reaches(c, target, root, map[string]bool{}) {
				joins = true
			}
		}
		if joins {
			out = append(out, dirName(dir))
		}
	}
	sort.Strings(out)
	return out
}

// joinInside joins a reference onto the directory of the kustomization
// naming it; false when it climbs out of the repository.
func joinInside(dir, ref string) (string, bool) {
	if path.IsAbs(ref) {
		return "", false
	}
	j := path.Join(dir, ref)
	if j == ".." || strings.HasPrefix(j, "../") {
		return "", false
	}
	if j == "." {
		return "", true
	}
	return j, true
}

func parentDir(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return ""
}

func dirName(d string) string {
	if d == "" {
		return "."
	}
	return d
}

// readFile reads a file of a snapshot.
func readFile(tree *object.Tree, p string) ([]byte, error) {
	f, err := tree.File(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return []byte(s), nil
}
