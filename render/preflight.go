package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/ferry-gitops/ferry/internal/yamlnode"
)

// preflight walks every kustomization a build will read, before kustomize
// runs, and fails with the file (and line) at fault. It exists for what
// kustomize cannot be told or does not say:
//
//   - remote bases: kustomize fetches any URL in resources, components or
//     file fields (git clone or HTTP GET) and has no switch to refuse;
//   - escapes: "../../etc/passwd" is caught here by name, before kustomize
//     clamps it to the repository root;
//   - Helm and a kustomization's own openapi schema, which ferry turns off;
//   - kustomize's errors for a bad kustomization or resource file often do not
//     name the file or the line.
//
// It checks only what it can check exactly; everything else is left to
// kustomize.
type preflight struct {
	fs          *repoFS
	allowRemote bool
	graph       *kustGraph
}

func newPreflight(f *repoFS, allowRemote bool) *preflight {
	return &preflight{fs: f, allowRemote: allowRemote, graph: newKustGraph()}
}

// isRemote reports whether kustomize would fetch ref from the network: a
// URL with a scheme it clones or downloads, an scp-style "user@host:path",
// or a "github.com/..." shorthand (with an optional "git::" prefix).
func isRemote(ref string) bool {
	s := strings.ToLower(ref)
	s = strings.TrimPrefix(s, "git::")
	for _, scheme := range []string{"http://", "https://", "ssh://", "file://"} {
		if strings.HasPrefix(s, scheme) {
			return true
		}
	}
	return strings.HasPrefix(s, "github.com/") || strings.HasPrefix(s, "github.com:") || scpLike.MatchString(ref)
}

// findKustomization returns the kustomization file in dir.
func (p *preflight) findKustomization(dir string) (string, error) {
	var found []string
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		f := path.Join(dir, n)
		if _, k, err := p.fs.resolve(f); err != nil {
			return "", err
		} else if k == kindFile {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return "", &fileError{file: dirName(dir), err: fmt.Errorf(
			"%w: no kustomization.yaml, kustomization.yml or Kustomization in the directory", ErrInvalidKustomization)}
	case 1:
		return found[0], nil
	}
	return "", &fileError{file: dirName(dir), err: fmt.Errorf(
		"%w: more than one kustomization file: %s", ErrInvalidKustomization, strings.Join(found, ", "))}
}

func dirName(d string) string {
	if d == "" {
		return "."
	}
	return d
}

// kustomization checks the kustomization in dir and everything it refers to.
func (p *preflight) kustomization(dir string) error {
	if p.graph.nodes[dir] != nil {
		return nil
	}
	node := &kustNode{}
	p.graph.nodes[dir] = node
	file, err := p.findKustomization(dir)
	if err != nil {
		return err
	}
	node.file = file
	content, err := p.fs.ReadFile(file)
	if err != nil {
		return &fileError{file: file, err: err}
	}
	var k types.Kustomization
	if err := k.Unmarshal(content); err != nil {
		return &fileError{file: file, err: classify(ErrInvalidKustomization, err)}
	}
	k.FixKustomization()
	if err := unsupported(&k); err != nil {
		return &fileError{file: file, err: err}
	}
	c := refChecker{p: p, file: file, dir: dir, node: node}
	for _, r := range k.Resources {
		if err := c.ref("resources", r, refResource); err != nil {
			return err
		}
	}
	for _, r := range k.Components {
		if err := c.ref("components", r, refComponent); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators}} {
		for _, r := range f.list {
			if !strings.Contains(r, "\n") { // else an inline configuration
				if err := c.ref(f.name, r, refConfig); err != nil {
					return err
				}
			}
		}
	}
	node.patches = c.patchFiles(&k)
	return c.files(&k)
}

// unsupported refuses the kustomize features a ferry build turns off.
func unsupported(k *types.Kustomization) error {
	switch {
	case len(k.OpenAPI) > 0:
		return fmt.Errorf("openapi field: %w (ferry supplies the Kubernetes and OpenKruise schemas)", ErrUnsupported)
	case len(k.HelmCharts) > 0 || k.HelmGlobals != nil || len(k.HelmChartInflationGenerator) > 0:
		return fmt.Errorf("helm charts: %w (render the chart into the repository)", ErrUnsupported)
	}
	return nil
}

type refKind int

const (
	refResource  refKind = iota // a YAML file or a kustomization directory
	refComponent                // a component directory
	refConfig                   // a generator/transformer config file or directory
)

// refChecker checks the references of one kustomization file.
type refChecker struct {
	p    *preflight
	file string // the kustomization file
	dir  string // its directory
	node *kustNode
}

func (c refChecker) fail(field, ref string, err error) error {
	return &fileError{file: c.file, err: fmt.Errorf("%s: %q: %w", field, ref, err)}
}

// ref checks one reference: not remote (unless allowed), inside the
// repository, present, and valid as what it is.
func (c refChecker) ref(field, ref string, kind refKind) error {
	if isRemote(ref) {
		if c.p.allowRemote {
			return nil
		}
		return c.fail(field, ref, ErrRemoteBase)
	}
	target, ok := joinInside(c.dir, ref)
	if !ok {
		return c.fail(field, ref, ErrOutsideRepo)
	}
	real, k, err := c.p.fs.resolve(target)
	if err != nil {
		if errors.Is(err, ErrOutsideRepo) {
			return c.fail(field, ref, err)
		}
		return &fileError{file: c.file, err: err}
	}
	switch {
	case k == kindMissing:
		return c.fail(field, ref, ErrMissingResource)
	case k == kindDir && kind == refComponent:
		c.node.components = append(c.node.components, real)
		return c.p.kustomization(real)
	case k == kindDir && kind == refResource:
		c.node.resources = append(c.node.resources, real)
		return c.p.kustomization(real)
	case k == kindDir:
		return c.p.kustomization(real)
	case kind == refComponent:
		return c.fail(field, ref, errors.New("is a file; components must be directories"))
	case kind == refResource:
		c.p.graph.owners[real] = append(c.p.graph.owners[real], c.dir)
		return c.p.resourceFile(real, true)
	case kind == refConfig:
		return c.p.resourceFile(real, false)
	}
	return nil
}

// files checks the file-valued fields: patches, generator sources, CRDs,
// configurations, replacements. Missing files are left to kustomize, which
// names them; only URLs and escapes are refused here.
func (c refChecker) files(k *types.Kustomization) error {
	check := func(field, ref string) error {
		if ref == "" {
			return nil
		}
		if isRemote(ref) {
			if c.p.allowRemote {
				return nil
			}
			return c.fail(field, ref, ErrRemoteBase)
		}
		if _, ok := joinInside(c.dir, ref); !ok {
			return c.fail(field, ref, ErrOutsideRepo)
		}
		return nil
	}
	var refs [][2]string
	add := func(field string, list ...string) {
		for _, r := range list {
			refs = append(refs, [2]string{field, r})
		}
	}
	add("crds", k.Crds...)
	add("configurations", k.Configurations...)
	for _, pt := range k.Patches {
		add("patches", pt.Path)
	}
	for _, pt := range k.PatchesJson6902 {
		add("patchesJson6902", pt.Path)
	}
	for _, pt := range k.PatchesStrategicMerge {
		if s := string(pt); !strings.ContainsAny(s, "\n{") { // else an inline patch
			add("patchesStrategicMerge", s)
		}
	}
	for _, r := range k.Replacements {
		add("replacements", r.Path)
	}
	for _, g := range k.ConfigMapGenerator {
		add("configMapGenerator", sourcePaths(g.KvPairSources)...)
	}
	for _, g := range k.SecretGenerator {
		add("secretGenerator", sourcePaths(g.KvPairSources)...)
	}
	for _, r := range refs {
		if err := check(r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// patchFiles lists the patch files of a kustomization, repository-relative,
// in the order kustomize applies them.
func (c refChecker) patchFiles(k *types.Kustomization) []string {
	var out []string
	add := func(ref string) {
		if ref == "" || isRemote(ref) {
			return
		}
		if p, ok := joinInside(c.dir, ref); ok && c.p.fs.Exists(p) && !c.p.fs.IsDir(p) {
			out = append(out, p)
		}
	}
	for _, pt := range k.PatchesStrategicMerge {
		if s := string(pt); !strings.ContainsAny(s, "\n{") {
			add(s)
		}
	}
	for _, pt := range k.Patches {
		add(pt.Path)
	}
	for _, pt := range k.PatchesJson6902 {
		add(pt.Path)
	}
	return out
}

// sourcePaths lists the files of a generator: "files" entries are "path"
// or "key=path".
func sourcePaths(s types.KvPairSources) []string {
	out := append([]string(nil), s.EnvSources...)
	for _, f := range s.FileSources {
		if _, p, ok := strings.Cut(f, "="); ok {
			f = p
		}
		out = append(out, f)
	}
	return out
}

// resourceFile checks that a file parses as YAML and, for resources, that
// each object has a kind and a name, reporting the line of the object.
func (p *preflight) resourceFile(file string, objects bool) error {
	content, err := p.fs.ReadFile(file)
	if err != nil {
		return &fileError{file: file, err: err}
	}
	dec := kyaml.NewDecoder(bytes.NewReader(content))
	for {
		var doc kyaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &fileError{file: file, err: fmt.Errorf("%w: %v", ErrInvalidYAML, err)}
		}
		if !objects || len(doc.Content) == 0 {
			continue
		}
		if err := checkObjectNode(doc.Content[0]); err != nil {
			return &fileError{file: file, line: doc.Content[0].Line, err: err}
		}
	}
}

// checkObjectNode requires a kind and metadata.name of an object (a List's
// items are checked by kustomize, which expands it).
func checkObjectNode(n *kyaml.Node) error {
	if n.Kind == kyaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty document
	}
	if n.Kind != kyaml.MappingNode {
		return fmt.Errorf("%w: a Kubernetes object must be a YAML mapping", ErrInvalidObject)
	}
	kind := scalar(n, "kind")
	if kind == "" {
		return fmt.Errorf("%w: object has no kind", ErrInvalidObject)
	}
	if strings.HasSuffix(kind, "List") && yamlnode.Child(n, "items") != nil {
		return nil
	}
	if scalar(yamlnode.Child(n, "metadata"), "name") == "" {
		return fmt.Errorf("%w: %s has no metadata.name", ErrInvalidObject, kind)
	}
	return nil
}

func scalar(n *kyaml.Node, key string) string {
	v := yamlnode.Child(n, key)
	if v == nil || v.Kind != kyaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}
