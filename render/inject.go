package render

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/api/resmap"

	"github.com/ferry-gitops/ferry/sidecar"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// NamespaceInfo is what SidecarSet namespace rules see of a namespace.
type NamespaceInfo = sidecar.NamespaceInfo

// Injector injects the SidecarSets of one render into one pod template, in
// place, and returns the names of the SidecarSets injected; an empty list
// means the template was left as it was.
type Injector func(tpl *corev1.PodTemplateSpec, ns NamespaceInfo) ([]string, error)

// NewInjectorFunc prepares the SidecarSets of one render (validating them
// once) and returns the Injector the walker calls for each pod template.
type NewInjectorFunc func(sets []*appsv1alpha1.SidecarSet) (Injector, error)

// InjectFunc is the per-template shape of an injector, that of
// sidecar.InjectTemplate.
type InjectFunc func(tpl *corev1.PodTemplateSpec, ns NamespaceInfo, sets []*appsv1alpha1.SidecarSet) ([]string, error)

// PerTemplate adapts an InjectFunc: it gets every SidecarSet of the render
// at each call.
func PerTemplate(f InjectFunc) NewInjectorFunc {
	return func(sets []*appsv1alpha1.SidecarSet) (Injector, error) {
		return func(tpl *corev1.PodTemplateSpec, ns NamespaceInfo) ([]string, error) {
			return f(tpl, ns, sets)
		}, nil
	}
}

// SidecarInjector is the real injector, the one ferry's admission webhook
// uses too (package sidecar): the render's SidecarSets are prepared once,
// with the render-time options (no timestamps, so renders stay identical).
func SidecarInjector(sets []*appsv1alpha1.SidecarSet) (Injector, error) {
	in, err := sidecar.NewInjector(sets, sidecar.DefaultOptions())
	if err != nil {
		return nil, err
	}
	return func(tpl *corev1.PodTemplateSpec, ns NamespaceInfo) ([]string, error) {
		res, err := in.InjectTemplate(tpl, ns)
		return res.Injected, err
	}, nil
}

var (
	cloneSetKind   = schema.GroupKind{Group: "apps.kruise.io", Kind: "CloneSet"}
	sidecarSetGVK  = appsv1alpha1.SchemeGroupVersion.WithKind("SidecarSet")
	namespaceKind  = schema.GroupKind{Kind: "Namespace"}
	podKind        = schema.GroupKind{Kind: "Pod"}
	metadataNoise  = []string{"creationTimestamp"}
	containerLists = []string{"initContainers", "containers", "ephemeralContainers"}
)

// podTemplatePaths says where each workload kind keeps its pod template.
// A bare Pod is its own template (metadata and spec at the top).
var podTemplatePaths = map[schema.GroupKind][]string{
	cloneSetKind:                         {"spec", "template"},
	{Group: "apps", Kind: "Deployment"}:  {"spec", "template"},
	{Group: "apps", Kind: "StatefulSet"}: {"spec", "template"},
	{Group: "apps", Kind: "DaemonSet"}:   {"spec", "template"},
	{Group: "batch", Kind: "Job"}:        {"spec", "template"},
	{Group: "batch", Kind: "CronJob"}:    {"spec", "jobTemplate", "spec", "template"},
	podKind:                              nil,
}

// PodTemplatePath is where objects of kind gk keep the pod template
// SidecarSets are injected into (nil for a bare Pod, which is its own);
// ok is false for kinds without one.
func PodTemplatePath(gk schema.GroupKind) (path []string, ok bool) {
	path, ok = podTemplatePaths[gk]
	return path, ok
}

// sidecarSetsOf decodes every apps.kruise.io/v1alpha1 SidecarSet of the
// render, sorted by name (the order OpenKruise's webhook lists them in).
func sidecarSetsOf(objs []*unstructured.Unstructured, prov []Provenance) ([]*appsv1alpha1.SidecarSet, error) {
	var sets []*appsv1alpha1.SidecarSet
	for i, o := range objs {
		if o.GroupVersionKind() != sidecarSetGVK {
			continue
		}
		s := &appsv1alpha1.SidecarSet{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, s); err != nil {
			return nil, &objectError{object: objectName(o), field: "spec", file: prov[i].File(),
				err: fmt.Errorf("%w: %v", ErrInvalidObject, err)}
		}
		sets = append(sets, s)
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].Name < sets[j].Name })
	return sets, nil
}

// namespacesOf returns the labels of the Namespaces in the render, with the
// label the API server puts on every namespace.
func namespacesOf(objs []*unstructured.Unstructured) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, o := range objs {
		if o.GroupVersionKind().GroupKind() == namespaceKind {
			out[o.GetName()] = o.GetLabels()
		}
	}
	return out
}

func namespaceInfo(name string, known map[string]map[string]string) NamespaceInfo {
	labels := map[string]string{}
	for k, v := range known[name] {
		labels[k] = v
	}
	labels[corev1.LabelMetadataName] = name
	return NamespaceInfo{Name: name, Labels: labels}
}

// injectSidecars injects the render's SidecarSets into every pod template
// they select, rewriting the resource (for the YAML) and the object (for
// Result.Objects) of each workload that changed. Workloads that no
// SidecarSet selects are left byte-for-byte as kustomize rendered them.
func injectSidecars(m resmap.ResMap, objs []*unstructured.Unstructured, raw [][]byte, prov []Provenance, opts Options) error {
	sets, err := sidecarSetsOf(objs, prov)
	if err != nil || len(sets) == 0 {
		return err
	}
	inject, err := opts.Injector(sets)
	if err != nil {
		return sidecarSetError(err, objs, prov)
	}
	namespaces := namespacesOf(objs)
	rs := m.Resources()
	for i, o := range objs {
		tplPath, ok := podTemplatePaths[o.GroupVersionKind().GroupKind()]
		if !ok {
			continue
		}
		ns := o.GetNamespace()
		if ns == "" {
			ns = opts.DefaultNamespace
		}
		injected, tpl, err := injectObject(o, tplPath, namespaceInfo(ns, namespaces), inject)
		if err != nil {
			return &objectError{object: objectName(o), field: templateField(tplPath), file: prov[i].File(), err: err}
		}
		if len(injected) == 0 {
			continue
		}
		if err := writeTemplate(rs[i].RNode.YNode(), o, tplPath, tpl); err != nil {
			return &objectError{object: objectName(o), field: templateField(tplPath), file: prov[i].File(), err: err}
		}
		if raw[i], err = rs[i].MarshalJSON(); err != nil {
			return fmt.Errorf("encode %s: %w", objectName(o), err)
		}
		prov[i].Sidecars = injected
	}
	return nil
}

// sidecarSetError names the file of the SidecarSet an injector refused.
func sidecarSetError(err error, objs []*unstructured.Unstructured, prov []Provenance) error {
	err = fmt.Errorf("%w: %w", ErrInjection, err)
	var fe *sidecar.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	for i, o := range objs {
		if o.GroupVersionKind() == sidecarSetGVK && o.GetName() == fe.SidecarSet {
			return &fileError{file: prov[i].File(), err: err}
		}
	}
	return err
}

func templateField(p []string) string {
	if p == nil {
		return "spec"
	}
	return strings.Join(p, ".")
}

// injectObject decodes the pod template of o and runs inject on it.
func injectObject(o *unstructured.Unstructured, tplPath []string, ns NamespaceInfo,
	inject Injector) ([]string, map[string]any, error) {
	raw := map[string]any{}
	if tplPath == nil { // a bare Pod
		if md, ok := o.Object["metadata"].(map[string]any); ok {
			raw["metadata"] = md
		}
		if spec, ok := o.Object["spec"].(map[string]any); ok {
			raw["spec"] = spec
		}
	} else {
		m, found, err := unstructured.NestedMap(o.Object, tplPath...)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrInvalidObject, err)
		}
		if !found {
			return nil, nil, nil
		}
		raw = m
	}
	tpl := &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, tpl); err != nil {
		return nil, nil, fmt.Errorf("%w: pod template: %v", ErrInvalidObject, err)
	}
	injected, err := inject(tpl, ns)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInjection, err)
	}
	if len(injected) == 0 {
		return nil, nil, nil
	}
	out, err := templateMap(tpl)
	return injected, out, err
}

// templateMap encodes an injected template, without the empty fields the
// Go types add on the way through (creationTimestamp: null, resources: {}),
// which mean nothing and would only be noise in diffs.
func templateMap(tpl *corev1.PodTemplateSpec) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(tpl)
	if err != nil {
		return nil, err
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		for _, k := range metadataNoise {
			if md[k] == nil {
				delete(md, k)
			}
		}
		if len(md) == 0 {
			delete(m, "metadata")
		}
	}
	spec, _ := m["spec"].(map[string]any)
	for _, list := range containerLists {
		cs, _ := spec[list].([]any)
		for _, c := range cs {
			if cm, ok := c.(map[string]any); ok {
				if r, ok := cm["resources"].(map[string]any); ok && len(r) == 0 {
					delete(cm, "resources")
				}
			}
		}
	}
	return m, nil
}

// writeTemplate puts tpl back into the object and into its YAML node.
func writeTemplate(node *kyaml.Node, o *unstructured.Unstructured, tplPath []string, tpl map[string]any) error {
	rn := kyaml.NewRNode(node)
	if tplPath == nil { // a bare Pod
		for _, k := range []string{"metadata", "spec"} {
			v, _ := tpl[k].(map[string]any)
			if err := setMap(rn, []string{k}, v); err != nil {
				return err
			}
			o.Object[k] = runtime.DeepCopyJSONValue(v)
		}
		return nil
	}
	if err := setMap(rn, tplPath, tpl); err != nil {
		return err
	}
	return unstructured.SetNestedField(o.Object, runtime.DeepCopyJSONValue(tpl), tplPath...)
}

func setMap(rn *kyaml.RNode, p []string, v map[string]any) error {
	if v == nil {
		v = map[string]any{}
	}
	n, err := kyaml.FromMap(v)
	if err != nil {
		return err
	}
	parent, err := rn.Pipe(kyaml.LookupCreate(kyaml.MappingNode, p[:len(p)-1]...))
	if err != nil {
		return err
	}
	return parent.PipeE(kyaml.SetField(p[len(p)-1], n))
}
