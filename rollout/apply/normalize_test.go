package apply

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestNormalizeNamespace(t *testing.T) {
	cases := []struct {
		name        string
		namespaced  bool
		ns, def     string
		want        string
		wantNoNSErr bool
	}{
		{"namespaced gets default", true, "", "team", "team", false},
		{"namespaced keeps its own", true, "other", "team", "other", false},
		{"namespaced without any", true, "", "", "", true},
		{"cluster-scoped loses kustomize's namespace", false, "team", "team", "", false},
		{"cluster-scoped without namespace", false, "", "team", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{}}
			u.SetNamespace(tc.ns)
			err := normalizeNamespace(u, tc.namespaced, tc.def)
			if errors.Is(err, ErrNoNamespace) != tc.wantNoNSErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && u.GetNamespace() != tc.want {
				t.Fatalf("namespace %q, want %q", u.GetNamespace(), tc.want)
			}
		})
	}
}

func TestDefinedKinds(t *testing.T) {
	crd := func(name, group, kind, scope string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"group": group, "scope": scope, "names": map[string]any{"kind": kind}},
		}}
	}
	got := definedKinds([]*unstructured.Unstructured{
		crd("clonesets.apps.kruise.io", "apps.kruise.io", "CloneSet", "Namespaced"),
		crd("sidecarsets.apps.kruise.io", "apps.kruise.io", "SidecarSet", "Cluster"),
		crd("broken", "", "", ""),
	})
	if len(got) != 2 || !got[gk("apps.kruise.io", "CloneSet")].namespaced || got[gk("apps.kruise.io", "SidecarSet")].namespaced {
		t.Fatalf("got %+v", got)
	}
}
