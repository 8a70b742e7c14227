package batch

import (
	"fmt"

	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ForCloneSet resolves the batch plan of a CloneSet as it is in git. Without
// the annotation it returns NoPlan. Replicas default to 1, as OpenKruise
// defaults them.
func ForCloneSet(cs *kruisev1alpha1.CloneSet) (*Resolved, error) {
	replicas := int32(1)
	if cs.Spec.Replicas != nil {
		replicas = *cs.Spec.Replicas
	}
	plan, err := FromAnnotations(cs.Annotations)
	if err != nil {
		return nil, fmt.Errorf("CloneSet %s/%s: %w", cs.Namespace, cs.Name, err)
	}
	if plan == nil {
		return NoPlan(replicas), nil
	}
	r, err := plan.Resolve(replicas)
	if err != nil {
		return nil, fmt.Errorf("CloneSet %s/%s: %w", cs.Namespace, cs.Name, err)
	}
	return r, nil
}

// CurrentPartition is the partition a CloneSet holds: 0 when unset, as
// OpenKruise defaults it.
func CurrentPartition(cs *kruisev1alpha1.CloneSet) intstr.IntOrString {
	if p := cs.Spec.UpdateStrategy.Partition; p != nil {
		return *p
	}
	return intstr.FromInt32(0)
}
