package render

// kustNode is one kustomization of a build, as the preflight read it.
type kustNode struct {
	file       string   // its kustomization file
	resources  []string // kustomization directories it lists as resources
	components []string // component directories, in order
	patches    []string // its patch files, in the order kustomize applies them
}

// kustGraph is the kustomizations of one build and what they include. It
// answers "which patch files could have changed this object?" without
// kustomize's transformer annotations, which cost a quarter of a build.
type kustGraph struct {
	nodes  map[string]*kustNode // by directory
	owners map[string][]string  // resource file -> directories of the kustomizations listing it
}

func newKustGraph() *kustGraph {
	return &kustGraph{nodes: map[string]*kustNode{}, owners: map[string][]string{}}
}

// patchesFor lists the patch files that apply to an object of origin o in
// a build rooted at root, in the order kustomize applies them: from the
// kustomization that lists the object up to the root, each kustomization's
// components' patches before its own. A later file that sets a field wins.
//
// Example: root overlays/b lists ../../base (listing cloneset.yaml) and the
// component ../../components/c; overlays/b has partition.yaml. For
// base/cloneset.yaml: [components/c/..., overlays/b/partition.yaml].
func (g *kustGraph) patchesFor(root string, o Origin) []string {
	if o.Repo != "" {
		return nil
	}
	var owners []string
	switch {
	case o.Path != "":
		owners = g.owners[o.Path]
	case o.ConfiguredIn != "":
		owners = []string{parentDir(o.ConfiguredIn)}
	}
	seen := map[string]bool{}
	var out []string
	add := func(files []string) {
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	for _, owner := range owners {
		for _, chain := range g.chains(root, owner, nil) {
			for i := len(chain) - 1; i >= 0; i-- {
				add(g.patchesOf(chain[i], map[string]bool{}))
			}
		}
	}
	return out
}

// chains returns every path of kustomization directories from dir down to
// target (both included).
func (g *kustGraph) chains(dir, target string, visiting []string) [][]string {
	for _, v := range visiting {
		if v == dir {
			return nil // kustomize reports the cycle; do not loop on it
		}
	}
	here := append(append([]string(nil), visiting...), dir)
	if dir == target {
		return [][]string{here}
	}
	n := g.nodes[dir]
	if n == nil {
		return nil
	}
	var out [][]string
	for _, c := range append(append([]string(nil), n.resources...), n.components...) {
		out = append(out, g.chains(c, target, here)...)
	}
	return out
}

// patchesOf is a kustomization's own patches after its components'.
func (g *kustGraph) patchesOf(dir string, visiting map[string]bool) []string {
	n := g.nodes[dir]
	if n == nil || visiting[dir] {
		return nil
	}
	visiting[dir] = true
	var out []string
	for _, c := range n.components {
		out = append(out, g.patchesOf(c, visiting)...)
	}
	return append(out, n.patches...)
}
