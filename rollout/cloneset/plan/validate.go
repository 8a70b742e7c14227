package plan

import (
	"fmt"
	"math"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const negativeMsg = "must be greater than or equal to 0"

// Validate is Kruise's CloneSet validating webhook for create, on a CloneSet
// with defaults applied (nil knobs are read as their defaults). Every error
// names the exact field:
//
//	spec.replicas                          negative
//	spec.selector                          nil, invalid, or empty
//	spec.template.metadata.labels          not matched by the selector
//	spec.template.spec.restartPolicy       not Always
//	spec.template.spec.activeDeadlineSeconds set
//	spec.scaleStrategy.podsToDelete        duplicate names
//	spec.scaleStrategy.maxUnavailable      not an int or integer percent (a ferry addition)
//	spec.updateStrategy.type               not ReCreate, InPlaceIfPossible or InPlaceOnly
//	spec.updateStrategy.partition          not an int or percent (decimals allowed), or negative
//	spec.updateStrategy.maxUnavailable     not an int or integer percent; also when it and
//	                                       maxSurge both resolve (rounding up) below 1 with replicas > 0
//	spec.updateStrategy.maxSurge           not an int or integer percent; > 0 with InPlaceOnly
//	spec.updateStrategy.priorityStrategy.* both kinds set, weight outside 0..100, empty or
//	                                       invalid matchSelector, empty orderedKey
//	spec.updateStrategy.scatterStrategy[i] empty key, duplicate key/value
//
// Not checked here: the pod template against Kubernetes' pod validation (the
// API server checks every pod when it is created), and podsToDelete names
// against live pods (that needs a cluster read).
func Validate(cs *appsv1alpha1.CloneSet) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	replicas := 1
	if cs.Spec.Replicas != nil {
		replicas = int(*cs.Spec.Replicas)
	}
	if replicas < 0 {
		errs = append(errs, field.Invalid(spec.Child("replicas"), replicas, negativeMsg))
	}
	errs = append(errs, validateSelector(cs, spec)...)
	tspec := spec.Child("template", "spec")
	if rp := cs.Spec.Template.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tspec.Child("restartPolicy"), rp, []string{string(corev1.RestartPolicyAlways)}))
	}
	if cs.Spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tspec.Child("activeDeadlineSeconds"), "activeDeadlineSeconds in cloneset is not supported"))
	}
	errs = append(errs, validateScaleStrategy(&cs.Spec.ScaleStrategy, replicas, spec.Child("scaleStrategy"))...)
	errs = append(errs, validateUpdateStrategy(&cs.Spec.UpdateStrategy, replicas, spec.Child("updateStrategy"))...)
	return errs
}

func validateSelector(cs *appsv1alpha1.CloneSet, spec *field.Path) field.ErrorList {
	path := spec.Child("selector")
	sel := cs.Spec.Selector
	if sel == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, path)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(path, sel, "empty selector is invalid for cloneset"))
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return append(errs, field.Invalid(path, sel, err.Error()))
	}
	if !s.Empty() && !s.Matches(labels.Set(cs.Spec.Template.Labels)) {
		errs = append(errs, field.Invalid(spec.Child("template", "metadata", "labels"), cs.Spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

func validateScaleStrategy(s *appsv1alpha1.CloneSetScaleStrategy, replicas int, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, name := range s.PodsToDelete {
		if seen[name] {
			errs = append(errs, field.Duplicate(path.Child("podsToDelete").Index(i), name))
		}
		seen[name] = true
	}
	if s.MaxUnavailable != nil {
		if _, err := scaledIntPercent(s.MaxUnavailable, replicas, true); err != nil {
			errs = append(errs, field.Invalid(path.Child("maxUnavailable"), s.MaxUnavailable.String(), err.Error()))
		}
	}
	return errs
}

func validateUpdateStrategy(s *appsv1alpha1.CloneSetUpdateStrategy, replicas int, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Type {
	case "", appsv1alpha1.RecreateCloneSetUpdateStrategyType, appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType,
		appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType:
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), s.Type, []string{
			string(appsv1alpha1.RecreateCloneSetUpdateStrategyType),
			string(appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType),
			string(appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType)}))
	}
	if s.Partition != nil {
		p, err := scaledFloatPercent(s.Partition, replicas)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(path.Child("partition"), s.Partition.String(), err.Error()))
		case p < 0:
			errs = append(errs, field.Invalid(path.Child("partition"), s.Partition.String(), negativeMsg))
		}
	}
	maxUnavailable := intstr.FromString(appsv1alpha1.DefaultCloneSetMaxUnavailable)
	if s.MaxUnavailable != nil {
		maxUnavailable = *s.MaxUnavailable
	}
	mu, muErr := scaledIntPercent(&maxUnavailable, replicas, true)
	if muErr != nil {
		errs = append(errs, field.Invalid(path.Child("maxUnavailable"), maxUnavailable.String(), muErr.Error()))
	} else if mu < 0 {
		errs = append(errs, field.Invalid(path.Child("maxUnavailable"), maxUnavailable.String(), negativeMsg))
	}
	var ms int
	if s.MaxSurge != nil {
		var err error
		if ms, err = scaledIntPercent(s.MaxSurge, replicas, true); err != nil {
			errs = append(errs, field.Invalid(path.Child("maxSurge"), s.MaxSurge.String(), err.Error()))
		} else if ms < 0 {
			errs = append(errs, field.Invalid(path.Child("maxSurge"), s.MaxSurge.String(), negativeMsg))
		}
		if s.Type == appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType && ms > 0 {
			errs = append(errs, field.Invalid(path.Child("maxSurge"), s.MaxSurge.String(), "can not use maxSurge with strategy type InPlaceOnly"))
		}
	}
	if muErr == nil && replicas > 0 && mu < 1 && ms < 1 {
		errs = append(errs, field.Invalid(path.Child("maxUnavailable"), maxUnavailable.String(), "maxUnavailable and maxSurge should not both be less than 1"))
	}
	errs = append(errs, validatePriority(s.PriorityStrategy, path.Child("priorityStrategy"))...)
	errs = append(errs, validateScatter(s.ScatterStrategy, path.Child("scatterStrategy"))...)
	return errs
}

func validatePriority(ps *appspub.UpdatePriorityStrategy, path *field.Path) field.ErrorList {
	if ps == nil {
		return nil
	}
	var errs field.ErrorList
	if len(ps.WeightPriority) > 0 && len(ps.OrderPriority) > 0 {
		errs = append(errs, field.Invalid(path, "weightPriority+orderPriority", "only one of weightPriority and orderPriority can be used"))
	}
	for i, w := range ps.WeightPriority {
		p := path.Child("weightPriority").Index(i)
		if w.Weight < 0 || w.Weight > 100 {
			errs = append(errs, field.Invalid(p.Child("weight"), w.Weight, "weight must be valid number in the range 1-100"))
		}
		if w.MatchSelector.Size() == 0 {
			errs = append(errs, field.Required(p.Child("matchSelector"), "selector can not be empty"))
		} else if _, err := metav1.LabelSelectorAsSelector(&w.MatchSelector); err != nil {
			errs = append(errs, field.Invalid(p.Child("matchSelector"), w.MatchSelector.String(), err.Error()))
		}
	}
	for i, o := range ps.OrderPriority {
		if o.OrderedKey == "" {
			errs = append(errs, field.Required(path.Child("orderPriority").Index(i).Child("orderedKey"), "order key can not be empty"))
		}
	}
	return errs
}

func validateScatter(ss appsv1alpha1.UpdateScatterStrategy, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[appsv1alpha1.UpdateScatterTerm]bool{}
	for i, term := range ss {
		if term.Key == "" {
			errs = append(errs, field.Required(path.Index(i).Child("key"), "key should not be empty"))
			continue
		}
		if seen[term] {
			errs = append(errs, field.Duplicate(path.Index(i), term.Key+"="+term.Value))
		}
		seen[term] = true
	}
	return errs
}

// ValidateProgressDeadlineSeconds checks spec.progressDeadlineSeconds as
// Kruise does: not negative, and greater than minReadySeconds unless it is
// MaxInt32 ("no deadline"). kruise-api v1.8.0's Go type has no such field,
// so the caller reads it from the object (e.g. the unstructured manifest).
func ValidateProgressDeadlineSeconds(pds *int32, minReadySeconds int32, path *field.Path) field.ErrorList {
	if pds == nil {
		return nil
	}
	switch {
	case *pds < 0:
		return field.ErrorList{field.Invalid(path, *pds, negativeMsg)}
	case *pds != math.MaxInt32 && *pds <= minReadySeconds:
		return field.ErrorList{field.Invalid(path, *pds, "must be greater than minReadySeconds")}
	}
	return nil
}

// ValidateUpdate is Kruise's webhook for updates: the selector cannot change
// (every other spec field may), an InPlaceOnly CloneSet may change nothing
// in its pod spec but container images, and the new object must pass Validate.
func ValidateUpdate(oldCS, newCS *appsv1alpha1.CloneSet) field.ErrorList {
	var errs field.ErrorList
	if !apiequality.Semantic.DeepEqual(oldCS.Spec.Selector, newCS.Spec.Selector) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "selector"), "field is immutable"))
	}
	if newCS.Spec.UpdateStrategy.Type == appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType {
		_, reason, err := imageOnlyChange(&oldCS.Spec.Template.Spec, &newCS.Spec.Template.Spec)
		switch {
		case err != nil:
			errs = append(errs, field.InternalError(field.NewPath("spec", "template", "spec"), err))
		case reason != "":
			errs = append(errs, field.Forbidden(field.NewPath("spec", "template", "spec"),
				fmt.Sprintf("only container images may change with strategy type InPlaceOnly: %s", reason)))
		}
	}
	return append(errs, Validate(newCS)...)
}
