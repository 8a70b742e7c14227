package apply

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var crdGroupKind = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}

// crdDef is what one CustomResourceDefinition of the set defines: enough to
// place objects of its kind (their scope) before the cluster serves it.
type crdDef struct {
	name       string
	namespaced bool
}

// definedKinds reads the kinds the set's CRDs define. A CRD missing its
// group or kind defines nothing here; its own dry-run reports why.
func definedKinds(objects []*unstructured.Unstructured) map[schema.GroupKind]crdDef {
	out := map[schema.GroupKind]crdDef{}
	for _, u := range objects {
		if u.GroupVersionKind().GroupKind() != crdGroupKind {
			continue
		}
		group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(u.Object, "spec", "scope")
		if group == "" || kind == "" {
			continue
		}
		out[schema.GroupKind{Group: group, Kind: kind}] = crdDef{name: u.GetName(), namespaced: scope != "Cluster"}
	}
	return out
}
