package plan

import (
	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// WithDefaults returns a copy of the CloneSet with Kruise's mutating-webhook
// defaults filled in:
//
//	spec.replicas                                  1
//	spec.revisionHistoryLimit                      10
//	spec.updateStrategy.type                       ReCreate
//	spec.updateStrategy.inPlaceUpdateStrategy      {} for InPlaceIfPossible / InPlaceOnly
//	spec.updateStrategy.partition                  0
//	spec.updateStrategy.maxUnavailable             "20%"
//	spec.updateStrategy.maxSurge                   0
//
// Kruise's webhook also injects Kubernetes' pod defaults into the template
// when it is created or changed; ferry does not (that code lives in
// k8s.io/kubernetes), so a template written without them hashes to another
// revision name than under Kruise. Pods are compared by that name only, so
// this matters only when ferry takes over pods that Kruise created.
func WithDefaults(cs *appsv1alpha1.CloneSet) *appsv1alpha1.CloneSet {
	out := cs.DeepCopy()
	s := &out.Spec
	if s.Replicas == nil {
		s.Replicas = ptr.To[int32](1)
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr.To[int32](10)
	}
	us := &s.UpdateStrategy
	switch us.Type {
	case "":
		us.Type = appsv1alpha1.RecreateCloneSetUpdateStrategyType
	case appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType:
		if us.InPlaceUpdateStrategy == nil {
			us.InPlaceUpdateStrategy = &appspub.InPlaceUpdateStrategy{}
		}
	}
	if us.Partition == nil {
		us.Partition = ptr.To(intstr.FromInt32(0))
	}
	if us.MaxUnavailable == nil {
		us.MaxUnavailable = ptr.To(intstr.FromString(appsv1alpha1.DefaultCloneSetMaxUnavailable))
	}
	if us.MaxSurge == nil {
		us.MaxSurge = ptr.To(intstr.FromInt32(0))
	}
	return out
}
