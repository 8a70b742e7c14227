package apply

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// normalizeNamespace makes an object's namespace agree with its kind's
// scope, in place (callers pass a copy):
//
//   - a namespaced object without a namespace gets defaultNamespace (the
//     GitSync's namespace), or ErrNoNamespace when there is none;
//
//   - a cluster-scoped object loses any namespace it carries. kustomize's
//     namespace transformer sets metadata.namespace on every object whose
//     kind it does not know to be cluster-scoped, and it does not know
//     OpenKruise's SidecarSet; the apiserver would reject the request path.
//
//     scope      namespace in git  default  -> namespace applied
//     namespaced ""                "team"   -> "team"
//     namespaced "other"           "team"   -> "other"
//     namespaced ""                ""       -> ErrNoNamespace
//     cluster    "team"            "team"   -> ""
func normalizeNamespace(u *unstructured.Unstructured, namespaced bool, defaultNamespace string) error {
	switch {
	case !namespaced:
		u.SetNamespace("")
	case u.GetNamespace() != "":
	case defaultNamespace == "":
		return ErrNoNamespace
	default:
		u.SetNamespace(defaultNamespace)
	}
	return nil
}
