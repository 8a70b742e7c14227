package apply

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func cm(rv string, gen int64, data string, fields ...metav1.ManagedFieldsEntry) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "a", "namespace": "d", "resourceVersion": rv, "creationTimestamp": "2026-01-0" + rv + "T00:00:00Z"},
		"data":     map[string]any{"k": data},
		"status":   map[string]any{"x": rv},
	}}
	u.SetGeneration(gen)
	u.SetManagedFields(fields)
	return u
}

func entry(manager, raw string, op metav1.ManagedFieldsOperationType) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, APIVersion: "v1", FieldsV1: &metav1.FieldsV1{Raw: []byte(raw)}}
}

func TestHasDrifted(t *testing.T) {
	ferry := entry("ferry", `{"f:data":{"f:k":{}}}`, metav1.ManagedFieldsOperationApply)
	ferryMore := entry("ferry", `{"f:data":{"f:k":{}},"f:metadata":{}}`, metav1.ManagedFieldsOperationApply)
	other := entry("kubectl-edit", `{"f:data":{"f:k":{}}}`, metav1.ManagedFieldsOperationUpdate)
	cases := []struct {
		name         string
		live, merged *unstructured.Unstructured
		want         bool
	}{
		{"create", nil, cm("1", 1, "v", ferry), true},
		{"same", cm("1", 1, "v", ferry), cm("1", 1, "v", ferry), false},
		{"only server-owned metadata and status differ", cm("1", 1, "v", ferry), cm("2", 2, "v", ferry), false},
		{"value differs", cm("1", 1, "edited", ferry, other), cm("1", 1, "v", ferry), true},
		{"ferry does not own its fields yet", cm("1", 1, "v", other), cm("1", 1, "v", ferry, other), true},
		{"ferry's field set changes", cm("1", 1, "v", ferryMore), cm("1", 1, "v", ferry), true},
		{"bare object: nobody owns a field", cm("1", 1, "v"), cm("1", 1, "v"), false},
	}
	for _, tc := range cases {
		if got := hasDrifted(tc.live, tc.merged, "ferry"); got != tc.want {
			t.Errorf("%s: hasDrifted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOwnedByOthers(t *testing.T) {
	ferry := entry("ferry", `{"f:data":{}}`, metav1.ManagedFieldsOperationApply)
	other := entry("other-tool", `{"f:data":{}}`, metav1.ManagedFieldsOperationUpdate)
	statusOnly := entry("ferry", `{"f:status":{}}`, metav1.ManagedFieldsOperationApply)
	statusOnly.Subresource = "status"
	cases := []struct {
		name   string
		fields []metav1.ManagedFieldsEntry
		want   bool
	}{
		{"ferry owns fields", []metav1.ManagedFieldsEntry{ferry}, false},
		{"shared with another manager", []metav1.ManagedFieldsEntry{other, ferry}, false},
		{"taken over", []metav1.ManagedFieldsEntry{other}, true},
		{"ferry only on a subresource", []metav1.ManagedFieldsEntry{other, statusOnly}, true},
		{"no managed fields at all", nil, false},
	}
	for _, tc := range cases {
		if got := ownedByOthers(cm("1", 1, "v", tc.fields...), "ferry"); got != tc.want {
			t.Errorf("%s: ownedByOthers = %v, want %v", tc.name, got, tc.want)
		}
	}
}
