package apply

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ObjectRef names one Kubernetes object: enough to find it again with the
// dynamic client, to print it, and to store it in an inventory.
type ObjectRef struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the reference of an object as it is written (after
// namespace normalisation, when called on the planned copy).
func RefOf(u *unstructured.Unstructured) ObjectRef {
	gvk := u.GroupVersionKind()
	return ObjectRef{
		Group:     gvk.Group,
		Version:   gvk.Version,
		Kind:      gvk.Kind,
		Namespace: u.GetNamespace(),
		Name:      u.GetName(),
	}
}

// GroupKind is the version-free type of the object.
func (r ObjectRef) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.Group, Kind: r.Kind}
}

// GroupVersionKind is the full type of the object.
func (r ObjectRef) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// String is the change-set subject: Kind/namespace/name, or Kind/name for
// cluster-scoped objects, e.g. "CloneSet/default/demo".
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Describe is the form used to prefix error messages, the way kubectl users
// read it: "CloneSet default/demo", or "SidecarSet log-agent" when
// cluster-scoped.
func (r ObjectRef) Describe() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// ID is the version-free inventory key, in the format Flux uses so that
// tooling which reads Flux inventories can read ours:
// <namespace>_<name>_<group>_<kind>. None of the four parts may contain an
// underscore (DNS names, API group names and kinds cannot), so the key
// splits back unambiguously. Examples:
//
//	ConfigMap default/app        -> default_app__ConfigMap
//	SidecarSet log-agent         -> _log-agent_apps.kruise.io_SidecarSet
func (r ObjectRef) ID() string {
	return strings.Join([]string{r.Namespace, r.Name, r.Group, r.Kind}, "_")
}

// ParseID is the inverse of ID; the version is not part of the key and
// comes back empty.
func ParseID(id string) (ObjectRef, error) {
	parts := strings.Split(id, "_")
	if len(parts) != 4 {
		return ObjectRef{}, fmt.Errorf("inventory id %q: want <namespace>_<name>_<group>_<kind>: %w", id, ErrInvalidID)
	}
	if parts[1] == "" || parts[3] == "" {
		return ObjectRef{}, fmt.Errorf("inventory id %q: empty name or kind: %w", id, ErrInvalidID)
	}
	return ObjectRef{Namespace: parts[0], Name: parts[1], Group: parts[2], Kind: parts[3]}, nil
}
