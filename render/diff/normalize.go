package diff

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// serverOwnedMetadata are the metadata fields the API server writes. A
// render never has them, a live object always does; neither side's values
// are a change anyone made in git.
var serverOwnedMetadata = []string{"creationTimestamp", "generation", "resourceVersion", "uid", "managedFields", "selfLink"}

// Normalize returns a deep copy of an object as the diff compares it: without
// status and without the metadata the API server owns. Formatting and key
// order are already gone once YAML is decoded, so a commit that only
// reformats a file changes nothing here.
func Normalize(obj map[string]any) map[string]any {
	out := runtime.DeepCopyJSON(obj)
	delete(out, "status")
	if meta, ok := out["metadata"].(map[string]any); ok {
		for _, k := range serverOwnedMetadata {
			delete(meta, k)
		}
	}
	return out
}

// ObjectKey identifies an object across two renders of one path. The
// version is left out, so a move from v1beta1 to v1 is a change of the
// apiVersion field, not a removal and an addition.
type ObjectKey struct {
	Path      string // the kustomization path the object was rendered from
	Group     string
	Kind      string
	Namespace string
	Name      string
}

func keyOf(path string, o *unstructured.Unstructured) ObjectKey {
	gvk := o.GroupVersionKind()
	return ObjectKey{Path: path, Group: gvk.Group, Kind: gvk.Kind, Namespace: o.GetNamespace(), Name: o.GetName()}
}

// String is "Kind namespace/name", or "Kind name" for a cluster-scoped object.
func (k ObjectKey) String() string {
	if k.Namespace == "" {
		return k.Kind + " " + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}
