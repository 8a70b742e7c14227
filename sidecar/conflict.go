package sidecar

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ValidateSidecarSets checks SidecarSets as Kruise's validating webhook does
// when each is admitted next to the others: every SidecarSet on its own
// (Validate, after SetDefaults), then every pair whose namespaces and
// selectors may overlap. Such a pair must not inject two containers of the
// same name (the pod would be invalid), must not define a volume of the same
// name differently (which definition wins would depend on order), and must not
// both write an annotation with patchPolicy Overwrite. Each problem is a
// *FieldError naming both SidecarSets and the field; all are returned joined.
//
// Overlap is decided without reading the cluster: a namespace name is tested
// against a namespaceSelector only through the kubernetes.io/metadata.name
// label every namespace carries; requirements on other namespace labels are
// assumed satisfiable, so the check errs towards reporting a conflict.
func ValidateSidecarSets(sets []*appsv1alpha1.SidecarSet) error {
	prepared, errs := prepareAll(sets)
	sortPrepared(prepared)
	for i, a := range prepared {
		for _, b := range prepared[i+1:] {
			if mayOverlap(a.set, b.set) {
				errs = append(errs, conflicts(a, b)...)
			}
		}
	}
	return errors.Join(errs...)
}

// checkConflicts reports the conflicts among SidecarSets that all match one
// pod: there is no "may" about their overlap.
func checkConflicts(matching []*Prepared) error {
	var errs []error
	for i, a := range matching {
		for _, b := range matching[i+1:] {
			errs = append(errs, conflicts(a, b)...)
		}
	}
	return errors.Join(errs...)
}

// conflicts compares b against a (a sorts first); errors are reported on b.
func conflicts(a, b *Prepared) []error {
	var errs []error
	names := map[string]bool{}
	for _, n := range a.podContainerNames() {
		names[n] = true
	}
	for i, c := range b.set.Spec.InitContainers {
		if names[c.Name] {
			errs = append(errs, conflictErr(b.set.Name, a.set.Name, fmt.Sprintf("spec.initContainers[%d].name", i),
				"container %s already exist in %s", c.Name, a.set.Name))
		}
	}
	for i, c := range b.set.Spec.Containers {
		if names[c.Name] || (isHotUpgrade(&c) && (names[c.Name+hotSuffix1] || names[c.Name+hotSuffix2])) {
			errs = append(errs, conflictErr(b.set.Name, a.set.Name, fmt.Sprintf("spec.containers[%d].name", i),
				"container %s already exist in %s", c.Name, a.set.Name))
		}
	}
	for i := range b.set.Spec.Volumes {
		vb := &b.set.Spec.Volumes[i]
		if va, ok := a.volumes[vb.Name]; ok && !reflect.DeepEqual(va, vb) {
			errs = append(errs, conflictErr(b.set.Name, a.set.Name, fmt.Sprintf("spec.volumes[%d]", i),
				"volume %s is in conflict with sidecarset %s", vb.Name, a.set.Name))
		}
	}
	overwrites := overwriteKeys(a.set)
	for i, p := range b.set.Spec.PatchPodMetadata {
		if p.PatchPolicy == appsv1alpha1.SidecarSetRetainPatchPolicy {
			continue
		}
		for _, k := range sortedKeys(p.Annotations) {
			other, ok := overwrites[k]
			if ok && (p.PatchPolicy == appsv1alpha1.SidecarSetOverwritePatchPolicy || other == appsv1alpha1.SidecarSetOverwritePatchPolicy) {
				errs = append(errs, conflictErr(b.set.Name, a.set.Name, fmt.Sprintf("spec.patchPodMetadata[%d].annotations[%s]", i, k),
					"annotation %s is in conflict with sidecarset %s", k, a.set.Name))
			}
		}
	}
	return errs
}

// overwriteKeys maps the annotation keys a SidecarSet patches with a policy
// other than Retain to that policy.
func overwriteKeys(set *appsv1alpha1.SidecarSet) map[string]appsv1alpha1.SidecarSetPatchPolicyType {
	keys := map[string]appsv1alpha1.SidecarSetPatchPolicyType{}
	for _, p := range set.Spec.PatchPodMetadata {
		if p.PatchPolicy == appsv1alpha1.SidecarSetRetainPatchPolicy {
			continue
		}
		for k := range p.Annotations {
			keys[k] = p.PatchPolicy
		}
	}
	return keys
}

// mayOverlap reports whether some pod could be selected by both SidecarSets.
func mayOverlap(a, b *appsv1alpha1.SidecarSet) bool {
	na, nb := a.Spec.Namespace, b.Spec.Namespace
	sa, sb := a.Spec.NamespaceSelector, b.Spec.NamespaceSelector
	switch {
	case na != "" && nb != "" && na != nb:
		return false
	case sa != nil && sb != nil && !selectorsOverlap(sa, sb):
		return false
	case na != "" && sb != nil && !selectorMayMatchNamespace(sb, na):
		return false
	case nb != "" && sa != nil && !selectorMayMatchNamespace(sa, nb):
		return false
	}
	return selectorsOverlap(a.Spec.Selector, b.Spec.Selector)
}

// selectorsOverlap is Kruise's IsSelectorOverlapping (pkg/util/selector.go):
// two selectors are disjoint when one of them requires, for a key the other
// also constrains, values the other cannot have.
//
//	app=a        vs app=b               disjoint
//	app in (a,b) vs app notin (a,b)     disjoint
//	app=a        vs tier=web            overlap (a pod may carry both)
//	app exists   vs app doesnotexist    disjoint
func selectorsOverlap(x, y *metav1.LabelSelector) bool {
	if x == nil || y == nil {
		return false
	}
	return !disjoint(x, y) && !disjoint(y, x)
}

const anyValue = "\x00any"

func disjoint(x, y *metav1.LabelSelector) bool {
	allowed := map[string][]string{} // key -> values x accepts (anyValue: any)
	for k, v := range x.MatchLabels {
		allowed[k] = []string{v}
	}
	for _, r := range x.MatchExpressions {
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			allowed[r.Key] = append(allowed[r.Key], r.Values...)
		case metav1.LabelSelectorOpExists:
			allowed[r.Key] = []string{anyValue}
		}
	}
	for k, v := range y.MatchLabels {
		if vals, ok := allowed[k]; ok && !slices.Contains(vals, anyValue) && !slices.Contains(vals, v) {
			return true
		}
	}
	for _, r := range y.MatchExpressions {
		vals, ok := allowed[r.Key]
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			if ok && !slices.Contains(vals, anyValue) && !intersects(vals, r.Values) {
				return true
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && containsAll(r.Values, vals) {
				return true
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return true
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return true
			}
		}
	}
	return false
}

func intersects(a, b []string) bool {
	return slices.ContainsFunc(a, func(s string) bool { return slices.Contains(b, s) })
}

func containsAll(set, sub []string) bool {
	return !slices.ContainsFunc(sub, func(s string) bool { return !slices.Contains(set, s) })
}

// selectorMayMatchNamespace tests a namespaceSelector against the one label
// known for every namespace, kubernetes.io/metadata.name; requirements on
// other labels are taken as possibly met.
func selectorMayMatchNamespace(sel *metav1.LabelSelector, ns string) bool {
	if v, ok := sel.MatchLabels[corev1LabelMetadataName]; ok && v != ns {
		return false
	}
	for _, r := range sel.MatchExpressions {
		if r.Key != corev1LabelMetadataName {
			continue
		}
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			if !slices.Contains(r.Values, ns) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if slices.Contains(r.Values, ns) {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			return false
		}
	}
	return true
}

func sortPrepared(ps []*Prepared) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].set.Name < ps[j].set.Name })
}
