package render

import (
	"fmt"
	"slices"

	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Provenance says where a rendered object came from, as kustomize records
// it: `ferry advance` uses it to find the file that sets a CloneSet's
// partition, and errors use it to name the file at fault.
type Provenance struct {
	// Origin is the file (or generator) that produced the object.
	Origin Origin
	// Patches are the patch files of the kustomizations between the root
	// and the object's origin, in the order kustomize applies them: with
	// Origin, the files that may set a field (the last one setting it wins).
	// A patch file listed here may not touch this object; kustomize targets
	// patches by kind and name.
	Patches []string
	// Sidecars are the SidecarSets injected into its pod template at render
	// time, in injection order.
	Sidecars []string
}

// Origin is one kustomize origin. Paths are repository-relative, except for
// remote bases, where they are relative to Repo.
type Origin struct {
	Path         string // the resource or patch file
	Repo         string // remote base URL, if not from this repository
	Ref          string // remote base ref
	ConfiguredIn string // the kustomization or config file of a generator/transformer
	ConfiguredBy string // "Kind name" of that generator/transformer
}

// File is the repository file an error about the object should name.
func (p Provenance) File() string {
	if p.Origin.Repo != "" {
		return ""
	}
	if p.Origin.Path != "" {
		return p.Origin.Path
	}
	return p.Origin.ConfiguredIn
}

// provenanceOptions are the build metadata kustomize needs to record
// provenance; ferry turns on the ones the root kustomization does not, reads
// them, and strips them from the output, so the output stays as
// `kubectl kustomize` prints it. (Transformer annotations would name the
// kustomizations that patched an object too, but cost a quarter of a build;
// the preflight's kustomization graph gives the same answer.)
var provenanceOptions = []string{types.OriginAnnotations}

// recordProvenance serves the root kustomization with the missing
// provenance options added to buildMetadata, and returns those it added.
// Kustomize hands buildMetadata down to every base and component.
func recordProvenance(fsys *repoFS, kustFile string) ([]string, error) {
	content, err := fsys.ReadFile(kustFile)
	if err != nil {
		return nil, &fileError{file: kustFile, err: err}
	}
	rn, err := kyaml.Parse(string(content))
	if err != nil {
		return nil, &fileError{file: kustFile, err: fmt.Errorf("%w: %v", ErrInvalidKustomization, err)}
	}
	seq, err := rn.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "buildMetadata"))
	if err != nil {
		return nil, &fileError{file: kustFile, err: fmt.Errorf("%w: buildMetadata: %v", ErrInvalidKustomization, err)}
	}
	var have []string
	for _, n := range seq.Content() {
		have = append(have, n.Value)
	}
	var added []string
	for _, o := range provenanceOptions {
		if !slices.Contains(have, o) {
			if err := seq.PipeE(kyaml.Append(&kyaml.Node{Kind: kyaml.ScalarNode, Value: o})); err != nil {
				return nil, err
			}
			added = append(added, o)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	s, err := rn.String()
	if err != nil {
		return nil, err
	}
	real, _, err := fsys.resolve(kustFile)
	if err != nil {
		return nil, err
	}
	fsys.overlay[real] = []byte(s)
	return added, nil
}

// collectProvenance reads the origin annotations of every resource, then
// removes them if ferry added them.
func collectProvenance(m resmap.ResMap, buildDir string, added []string, g *kustGraph) ([]Provenance, error) {
	rs := m.Resources()
	out := make([]Provenance, len(rs))
	for i, r := range rs {
		o, err := r.GetOrigin()
		if err != nil {
			return nil, fmt.Errorf("read origin of %s: %w", r.CurId(), err)
		}
		if o != nil {
			out[i].Origin = fromKustomize(buildDir, o.Path, o.Repo, o.Ref, o.ConfiguredIn, o.ConfiguredBy)
			out[i].Patches = g.patchesFor(buildDir, out[i].Origin)
		}
	}
	if slices.Contains(added, types.OriginAnnotations) {
		if err := m.RemoveOriginAnnotations(); err != nil {
			return nil, fmt.Errorf("strip origin annotations: %w", err)
		}
	}
	return out, nil
}

func fromKustomize(buildDir, p, repo, ref, configuredIn string, by kyaml.ResourceIdentifier) Origin {
	o := Origin{Repo: repo, Ref: ref, Path: p, ConfiguredIn: configuredIn}
	if repo == "" {
		o.Path = relPath(buildDir, p)
		o.ConfiguredIn = relPath(buildDir, configuredIn)
	}
	if by.Kind != "" {
		o.ConfiguredBy = by.Kind + " " + by.Name
	}
	return o
}
