package apply

import (
	"bytes"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// hasDrifted decides whether applying would change the live object, from
// the server's dry-run result (merged): the object as it would be stored.
// It compares everything except what the server changes on every write or
// what other actors own (managedFields, resourceVersion, generation,
// creationTimestamp, status), the way Flux does, and then looks at ferry's
// own managedFields entry: if ferry does not own its fields yet (the object
// was created by someone else with the same values) or would own a different
// set of fields (a field was removed from git but another manager keeps its
// value), applying is still needed to record the ownership git declares.
//
//	live  merged                              -> drifted
//	nil   any                                 -> true (create)
//	A     A                                   -> false
//	A     A with another spec value           -> true
//	A     A with a newer resourceVersion      -> false
//	A     A, ferry not in live managedFields  -> true
//	A     A, ferry in neither (bare object)   -> false
func hasDrifted(live, merged *unstructured.Unstructured, fieldManager string) bool {
	if live == nil {
		return true
	}
	if !equality.Semantic.DeepEqual(comparable(live).Object, comparable(merged).Object) {
		return true
	}
	liveFields, inLive := appliedFields(live, fieldManager)
	mergedFields, inMerged := appliedFields(merged, fieldManager)
	if inLive != inMerged {
		return true
	}
	// Neither has an entry when git declares no field beyond the name (a
	// bare ServiceAccount): the apiserver records no empty field sets.
	return inLive && (liveFields.APIVersion != mergedFields.APIVersion ||
		!bytes.Equal(fieldsRaw(liveFields), fieldsRaw(mergedFields)))
}

// comparable strips what differs between two reads of an unchanged object.
func comparable(u *unstructured.Unstructured) *unstructured.Unstructured {
	c := u.DeepCopy()
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(c.Object, "status")
	return c
}

// appliedFields returns the manager's apply entry for the main resource.
func appliedFields(u *unstructured.Unstructured, manager string) (metav1.ManagedFieldsEntry, bool) {
	for _, e := range u.GetManagedFields() {
		if e.Manager == manager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			return e, true
		}
	}
	return metav1.ManagedFieldsEntry{}, false
}

func fieldsRaw(e metav1.ManagedFieldsEntry) []byte {
	if e.FieldsV1 == nil {
		return nil
	}
	return e.FieldsV1.Raw
}

// ownedByOthers reports whether the live object has field managers and
// manager is not one of them: every field ferry once set now belongs to
// someone else, or the object was recreated by someone else. An object with
// no managedFields at all (one whose only field is its name) says nothing
// about ownership and is not owned by others.
func ownedByOthers(u *unstructured.Unstructured, manager string) bool {
	entries := u.GetManagedFields()
	for _, e := range entries {
		if e.Manager == manager && e.Subresource == "" {
			return false
		}
	}
	return len(entries) > 0
}

// managers lists the field managers of an object, for messages.
func managers(u *unstructured.Unstructured) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range u.GetManagedFields() {
		if !seen[e.Manager] {
			seen[e.Manager] = true
			out = append(out, e.Manager)
		}
	}
	return out
}
