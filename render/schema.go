package render

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	kruiseappsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	kruiseappsv1beta1 "github.com/openkruise/kruise-api/apps/v1beta1"
	kruiseopenapi "github.com/openkruise/kruise-api/pkg/kruise"
	kruisepolicyv1alpha1 "github.com/openkruise/kruise-api/policy/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/common"
	openapiutil "k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// Kustomize merges strategic-merge patches by the openapi schema of the
// patched kind: without one, a patch naming one container of a CloneSet
// replaces the whole containers list. Kustomize's schema is global to the
// process and built in for Kubernetes kinds only, so ferry adds the
// OpenKruise definitions to it, once, before the first build:
//
//   - the definitions are the ones kruise-api v1.8.0 publishes as
//     schema/openkruise_kruise_kustomize_schema.json, generated here from the
//     same source (pkg/kruise.GetOpenAPIDefinitions, with the same
//     "io.kruise.<group>.<version>.<Type>" names) because a Go module cannot
//     embed another module's file; TestKruiseSchemaMatchesPublishedFile checks
//     the two agree;
//   - only io.kruise.* definitions are added, so built-in kinds keep
//     kustomize's own definitions untouched; Kruise types refer to Kubernetes
//     types (PodTemplateSpec, IntOrString) by the names kustomize uses;
//   - each Kruise kind gets its scope, so kustomize's namespace transformer
//     leaves cluster-scoped SidecarSets without a namespace.
//
// Kustomize's own way to supply a schema (the kustomization `openapi:` field)
// replaces the built-in Kubernetes schema for the whole process and so
// changes concurrent builds; the preflight refuses it.
var kruiseSchema struct {
	once sync.Once
	err  error
}

// kruiseModule is the Go package prefix of kruise-api types, and
// kruiseGroups maps its packages to API groups, as the published schema does.
const kruiseModule = "github.com/openkruise/kruise-api/"

var kruiseGroups = map[string]string{
	kruiseModule + "apps":   "apps.kruise.io",
	kruiseModule + "policy": "policy.kruise.io",
}

// clusterScopedKruiseKinds are the Kruise kinds whose CRDs say
// scope=Cluster (kruise-api v1.8.0, +kubebuilder:resource markers).
var clusterScopedKruiseKinds = map[string]bool{
	"SidecarSet":           true,
	"NodeImage":            true,
	"NodePodProbe":         true,
	"ResourceDistribution": true,
}

// useKruiseSchema registers the OpenKruise schema with kustomize (once) and
// makes kustomize parse its schema now, so that concurrent builds only ever
// read it.
func useKruiseSchema() error {
	kruiseSchema.once.Do(func() {
		defs, kinds, err := kruiseDefinitions()
		if err != nil {
			kruiseSchema.err = err
			return
		}
		openapi.AddDefinitions(defs)
		scopes, err := scopeSwagger(kinds)
		if err != nil {
			kruiseSchema.err = err
			return
		}
		if err := openapi.AddSchema(scopes); err != nil {
			kruiseSchema.err = fmt.Errorf("register OpenKruise scopes: %w", err)
			return
		}
		openapi.Schema() // parse the built-in schema now, not inside a build
	})
	return kruiseSchema.err
}

// definitionName is the schema name of a Go type "pkgpath.Type", e.g.
// "github.com/openkruise/kruise-api/apps/v1alpha1.CloneSet" ->
// "io.kruise.apps.v1alpha1.CloneSet", "k8s.io/api/core/v1.PodTemplateSpec" ->
// "io.k8s.api.core.v1.PodTemplateSpec".
func definitionName(goName string) string {
	for pkg, group := range kruiseGroups {
		if strings.HasPrefix(goName, pkg+"/") {
			goName = group + strings.TrimPrefix(goName, pkg)
			break
		}
	}
	return openapiutil.ToRESTFriendlyName(goName)
}

// kruiseDefinitions returns the io.kruise.* definitions, the top-level kinds
// tagged with their group-version-kind, and the list of those kinds.
func kruiseDefinitions() (spec.Definitions, []schema.GroupVersionKind, error) {
	ref := func(goName string) spec.Ref {
		return spec.MustCreateRef("#/definitions/" + definitionName(goName))
	}
	all := kruiseopenapi.GetOpenAPIDefinitions(common.ReferenceCallback(ref))
	defs := spec.Definitions{}
	for goName, d := range all {
		if strings.HasPrefix(goName, kruiseModule) {
			defs[definitionName(goName)] = d.Schema
		}
	}
	kinds, err := kruiseKinds()
	if err != nil {
		return nil, nil, err
	}
	for goName, gvk := range kinds {
		name := definitionName(goName)
		d, ok := defs[name]
		if !ok {
			continue // a kind without an openapi definition: no merge keys to add
		}
		d.Extensions = spec.Extensions{}
		d.Extensions.Add("x-kubernetes-group-version-kind", []any{map[string]any{
			"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind,
		}})
		defs[name] = d
	}
	gvks := make([]schema.GroupVersionKind, 0, len(kinds))
	for _, gvk := range kinds {
		gvks = append(gvks, gvk)
	}
	sort.Slice(gvks, func(i, j int) bool { return gvks[i].String() < gvks[j].String() })
	return defs, gvks, nil
}

// kruiseKinds maps the Go name of every Kruise kind (not its List) to its
// group-version-kind, from the kruise-api schemes.
func kruiseKinds() (map[string]schema.GroupVersionKind, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		kruiseappsv1alpha1.AddToScheme, kruiseappsv1beta1.AddToScheme, kruisepolicyv1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("register OpenKruise types: %w", err)
		}
	}
	out := map[string]schema.GroupVersionKind{}
	for gvk, t := range s.AllKnownTypes() {
		if !strings.HasSuffix(gvk.Group, "kruise.io") || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		out[goTypeName(t)] = gvk
	}
	return out, nil
}

func goTypeName(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

// scopeSwagger is a minimal swagger document whose paths tell kustomize
// which Kruise kinds are namespaced: kustomize reads scope from whether a
// kind's API path has a {namespace} segment.
func scopeSwagger(kinds []schema.GroupVersionKind) ([]byte, error) {
	paths := map[string]any{}
	for _, gvk := range kinds {
		p := fmt.Sprintf("/apis/%s/%s/namespaces/{namespace}/%s", gvk.Group, gvk.Version, strings.ToLower(gvk.Kind))
		if clusterScopedKruiseKinds[gvk.Kind] {
			p = fmt.Sprintf("/apis/%s/%s/%s", gvk.Group, gvk.Version, strings.ToLower(gvk.Kind))
		}
		paths[p] = map[string]any{"get": map[string]any{
			"x-kubernetes-group-version-kind": map[string]string{
				"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind,
			},
			"responses": map[string]any{},
		}}
	}
	return json.Marshal(map[string]any{
		"swagger": "2.0",
		"info":    map[string]string{"title": "OpenKruise scopes", "version": "v1.8.0"},
		"paths":   paths,
	})
}
