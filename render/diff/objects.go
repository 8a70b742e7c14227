package diff

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Action is what happens to an object.
type Action string

const (
	Added   Action = "added"
	Changed Action = "changed"
	Removed Action = "removed"
)

// ObjectChange is one object that differs between base and head.
type ObjectChange struct {
	Action     Action `json:"action"`
	Path       string `json:"path"` // the kustomization path that renders it
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// Fields are the changed fields of a changed object, in path order;
	// empty for added and removed objects.
	Fields []FieldChange `json:"fields"`

	// Key identifies the object.
	Key ObjectKey `json:"-"`
	// Body is the normalised object (Secret values masked) for an added
	// object, to show what appears; a removed object is shown by its header.
	Body map[string]any `json:"-"`
	// Base and Head are the rendered objects as they are (nil on the side
	// where the object does not exist), for the rollout impact.
	Base, Head *unstructured.Unstructured `json:"-"`
}

// CompareOptions tune Compare.
type CompareOptions struct {
	// ShowSecrets prints Secret values instead of "***".
	ShowSecrets bool
}

// DefaultCompareOptions mask Secret values.
func DefaultCompareOptions() CompareOptions { return CompareOptions{} }

// Compare diffs the objects two renders of one path produced and returns
// the objects added, changed and removed, sorted by apiVersion, kind,
// namespace and name. Objects equal after normalisation are left out.
func Compare(path string, base, head []*unstructured.Unstructured, opts CompareOptions) []ObjectChange {
	baseByKey := make(map[ObjectKey]*unstructured.Unstructured, len(base))
	for _, o := range base {
		baseByKey[keyOf(path, o)] = o
	}
	var out []ObjectChange
	seen := make(map[ObjectKey]bool, len(head))
	for _, h := range head {
		k := keyOf(path, h)
		seen[k] = true
		b := baseByKey[k]
		if b == nil {
			out = append(out, newChange(Added, k, nil, h, opts))
			continue
		}
		fields := Fields(Normalize(b.Object), Normalize(h.Object))
		if len(fields) == 0 {
			continue
		}
		c := newChange(Changed, k, b, h, opts)
		c.Fields = fields
		if isSecret(k) && !opts.ShowSecrets {
			maskChanges(c.Fields)
		}
		out = append(out, c)
	}
	for _, b := range base {
		if k := keyOf(path, b); !seen[k] {
			out = append(out, newChange(Removed, k, b, nil, opts))
		}
	}
	SortChanges(out)
	return out
}

func newChange(a Action, k ObjectKey, base, head *unstructured.Unstructured, opts CompareOptions) ObjectChange {
	shown := head
	if shown == nil {
		shown = base
	}
	c := ObjectChange{Action: a, Path: k.Path, APIVersion: shown.GetAPIVersion(), Kind: k.Kind,
		Namespace: k.Namespace, Name: k.Name, Key: k, Base: base, Head: head, Fields: []FieldChange{}}
	if a == Added {
		c.Body = Normalize(shown.Object)
		if isSecret(k) && !opts.ShowSecrets {
			c.Body = maskObject(c.Body)
		}
	}
	return c
}

// SortChanges orders changes by path, apiVersion, kind, namespace and name,
// the order every output format uses.
func SortChanges(cs []ObjectChange) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		switch {
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.APIVersion != b.APIVersion:
			return a.APIVersion < b.APIVersion
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		case a.Namespace != b.Namespace:
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}
