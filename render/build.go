package render

import (
	"context"
	"fmt"
	"path"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
)

// Options tune a build. Start from DefaultOptions.
type Options struct {
	// AllowRemoteBases lets kustomizations refer to git URLs and HTTP files.
	// Off by default: a render then depends only on the commit.
	AllowRemoteBases bool
	// LoadRestrictions is kustomize's load restrictor. RootOnly (the default,
	// as kubectl kustomize) keeps file references below each kustomization;
	// None allows any file in the repository. Reads never leave the
	// repository either way.
	LoadRestrictions types.LoadRestrictions
	// DefaultNamespace is where objects without a namespace will be applied;
	// SidecarSet namespace rules see it.
	DefaultNamespace string
	// Injector prepares the render's SidecarSets and injects them into pod
	// templates; SidecarInjector by default. Nil turns render-time injection
	// off.
	Injector NewInjectorFunc
}

// DefaultOptions are the options `ferry render` and the GitOps loop use.
func DefaultOptions() Options {
	return Options{
		LoadRestrictions: types.LoadRestrictionsRootOnly,
		DefaultNamespace: "default",
		Injector:         SidecarInjector,
	}
}

// Result is one rendered kustomization: exactly what ferry applies.
type Result struct {
	Path     string // the kustomization path, repository-relative
	Revision string // the snapshot rendered (Source.Revision)
	// Objects in output order: kustomize's legacy kind order (Namespaces and
	// CRDs first, webhooks last; then by group, version, kind, namespace,
	// name), or the order the root kustomization's sortOptions asks for.
	Objects []*unstructured.Unstructured
	// Provenance[i] says where Objects[i] came from.
	Provenance []Provenance
	// YAML is the multi-document stream of Objects, as `kubectl kustomize`
	// prints it: keys sorted, documents separated by "---".
	YAML []byte
}

// Build renders the kustomization at path (relative to src.Base()) from src,
// then injects the SidecarSets of the render into the pod templates they
// select. Two builds of one snapshot are byte-identical. On error nothing is
// returned but an *Error naming the path, revision and, where known, the
// file, line, object and field.
//
// Build is safe for concurrent use.
func Build(ctx context.Context, src Source, p string, opts Options) (*Result, error) {
	dir, ok := joinInside(src.Base(), p)
	if !ok {
		return nil, wrap(p, src.Revision(), fmt.Errorf("%s: %w", p, ErrOutsideRepo))
	}
	res, err := build(ctx, src, dir, opts)
	if err != nil {
		return nil, wrap(dir, src.Revision(), err)
	}
	res.Path, res.Revision = dir, src.Revision()
	return res, nil
}

func build(ctx context.Context, src Source, dir string, opts Options) (*Result, error) {
	if err := useKruiseSchema(); err != nil {
		return nil, err
	}
	fsys := newRepoFS(src.open())
	if opts.AllowRemoteBases {
		fsys.allowDiskClones()
	}
	real, k, err := fsys.resolve(dir)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindMissing:
		return nil, &fileError{file: dirName(dir), err: fmt.Errorf("%w: no such directory", ErrMissingResource)}
	case kindFile:
		return nil, &fileError{file: dirName(dir), err: fmt.Errorf("%w: a file, not a kustomization directory", ErrInvalidKustomization)}
	}
	pf := newPreflight(fsys, opts.AllowRemoteBases)
	if err := pf.kustomization(real); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	added, err := recordProvenance(fsys, pf.graph.nodes[real].file)
	if err != nil {
		return nil, err
	}
	m, err := runKustomize(fsys, real, opts)
	if err != nil {
		return nil, err
	}
	prov, err := collectProvenance(m, real, added, pf.graph)
	if err != nil {
		return nil, err
	}
	objs, raw, err := toObjects(m)
	if err != nil {
		return nil, err
	}
	if err := validateObjects(objs, prov, locateIn(fsys)); err != nil {
		return nil, err
	}
	if opts.Injector != nil {
		if err := injectSidecars(m, objs, raw, prov, opts); err != nil {
			return nil, err
		}
	}
	out, err := yamlStream(raw)
	if err != nil {
		return nil, err
	}
	return &Result{Objects: objs, Provenance: prov, YAML: out}, nil
}

// runKustomize is the one call into krusty: plugins off (built-ins only, so
// no exec or container functions), no Helm (refused by the preflight), the
// legacy sort unless the kustomization sets sortOptions.
func runKustomize(fsys *repoFS, dir string, opts Options) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(&krusty.Options{
		Reorder:          krusty.ReorderOptionUnspecified,
		LoadRestrictions: opts.LoadRestrictions,
		PluginConfig:     types.DisabledPluginConfig(),
	})
	m, err := k.Run(fsys, "/"+dir)
	if err != nil {
		if fsys.escape != nil {
			return nil, fsys.escape
		}
		return nil, fmt.Errorf("%w: %w", ErrKustomize, err)
	}
	return m, nil
}

// toObjects decodes each rendered resource, and returns its JSON too: the
// YAML output is made from it, as kustomize makes its own.
func toObjects(m resmap.ResMap) ([]*unstructured.Unstructured, [][]byte, error) {
	rs := m.Resources()
	objs := make([]*unstructured.Unstructured, 0, len(rs))
	raw := make([][]byte, 0, len(rs))
	for _, r := range rs {
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s: %w", r.CurId(), err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(b); err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %v", ErrInvalidObject, r.CurId(), err)
		}
		objs = append(objs, obj)
		raw = append(raw, b)
	}
	return objs, raw, nil
}

// relPath makes a kustomize origin path (relative to the build directory)
// repository-relative.
func relPath(buildDir, p string) string {
	if p == "" {
		return ""
	}
	if j, ok := joinInside(buildDir, p); ok {
		return j
	}
	return path.Clean(p)
}

// objectName is "Kind namespace/name" for messages.
func objectName(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return fmt.Sprintf("%s %s", o.GetKind(), o.GetName())
	}
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}
