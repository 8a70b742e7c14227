package plan

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ErrInvalidKnob is wrapped by every error about an int-or-percent value that
// cannot be resolved (a string without '%', a non-number, a nil replicas).
var ErrInvalidKnob = errors.New("invalid int-or-percent value")

// Knobs are a CloneSet's rollout settings resolved to pod counts for its
// current spec.replicas. They are what calculateDiff works with.
//
// Rounding follows Kruise exactly:
//
//	knob                         percent rounds            nil means
//	partition                    up, then see Partition    0
//	updateStrategy.maxSurge      up; 0 while paused        0
//	updateStrategy.maxUnavailable up if maxSurge==0,       20%
//	                             DOWN if maxSurge>0
//	scaleStrategy.maxUnavailable up                        unlimited (MaxInt32)
//
// Worked examples (replicas, settings -> resolved):
//
//	replicas  partition  maxSurge  maxUnavailable  ->  P  S  U
//	5         3          20%       0               ->  3  1  0
//	8         5          10%       10%             ->  5  1  0   (#260: 0.8 floors to 0 with surge)
//	1         0          50%       10%             ->  0  1  0   (#316)
//	10        90%        0         nil             ->  9  0  2   (20% of 10, up)
//	9         99%        0         1               ->  8  0  1   (ceil 8.91=9 = replicas, not "100%": 8)
//	5         3          1 paused  20%             ->  3  0  1   (paused: no surge, so 20% rounds up)
type Knobs struct {
	Replicas            int `json:"replicas"`
	Partition           int `json:"partition"`
	MaxSurge            int `json:"maxSurge"`
	MaxUnavailable      int `json:"maxUnavailable"`
	ScaleMaxUnavailable int `json:"scaleMaxUnavailable"`
}

// ResolveKnobs resolves the CloneSet's knobs for spec.replicas. Unlike Kruise,
// which logs an unparsable value and carries on with 0 (for a partition that
// means "update every pod"), ferry refuses: the error wraps ErrInvalidKnob and
// names the field. Validate rejects such values before they get here.
func ResolveKnobs(cs *appsv1alpha1.CloneSet) (Knobs, error) {
	if cs.Spec.Replicas == nil {
		return Knobs{}, fmt.Errorf("spec.replicas is nil: %w", ErrInvalidKnob)
	}
	st := cs.Spec.UpdateStrategy
	k := Knobs{Replicas: int(*cs.Spec.Replicas)}
	root := field.NewPath("spec", "updateStrategy")
	var err error
	if k.Partition, err = PartitionReplicas(st.Partition, k.Replicas); err != nil {
		return Knobs{}, fmt.Errorf("%s: %w", root.Child("partition"), err)
	}
	if st.MaxSurge != nil {
		if k.MaxSurge, err = scaledIntPercent(st.MaxSurge, k.Replicas, true); err != nil {
			return Knobs{}, fmt.Errorf("%s: %w", root.Child("maxSurge"), err)
		}
	}
	if st.Paused {
		k.MaxSurge = 0
	}
	maxUnavailable := intstr.FromString(appsv1alpha1.DefaultCloneSetMaxUnavailable)
	if st.MaxUnavailable != nil {
		maxUnavailable = *st.MaxUnavailable
	}
	if k.MaxUnavailable, err = scaledIntPercent(&maxUnavailable, k.Replicas, k.MaxSurge == 0); err != nil {
		return Knobs{}, fmt.Errorf("%s: %w", root.Child("maxUnavailable"), err)
	}
	k.ScaleMaxUnavailable = math.MaxInt32
	if v := cs.Spec.ScaleStrategy.MaxUnavailable; v != nil {
		if k.ScaleMaxUnavailable, err = scaledIntPercent(v, k.Replicas, true); err != nil {
			return Knobs{}, fmt.Errorf("%s: %w", field.NewPath("spec", "scaleStrategy", "maxUnavailable"), err)
		}
	}
	return k, nil
}

// PartitionReplicas is Kruise's CalculatePartitionReplicas: how many pods a
// partition keeps at the old revision.
//
// A percent may have decimals and rounds up (so any partition above "0%"
// keeps at least one old pod); then, if that would keep every pod while the
// percent is not exactly "100%" and replicas > 1, one pod is released so that
// a rollout always makes progress; then the value is clamped to [0, replicas].
// An integer partition above replicas is allowed and clamped.
//
//	replicas  partition  ->  result
//	9         99%        ->  8    (ceil 8.91 = 9 = replicas, so 8)
//	10        90%        ->  9
//	10        1%         ->  1
//	999       99.99%     ->  998  (ceil 998.9 = 999 = replicas, so 998)
//	99        100%       ->  99
//	1         99%        ->  1    (a single pod is not released)
//	10        12         ->  10   (clamped)
//	9         "99"       ->  error: a string must end in '%'
func PartitionReplicas(partition *intstr.IntOrString, replicas int) (int, error) {
	if partition == nil {
		return 0, nil
	}
	v, err := scaledFloatPercent(partition, replicas)
	if err != nil {
		return 0, err
	}
	if replicas > 1 && v == replicas && partition.Type == intstr.String && partition.StrVal != "100%" {
		v = replicas - 1
	}
	return min(max(v, 0), replicas), nil
}

// scaledFloatPercent resolves an int or a percent that may have decimals
// ("99.99%"), rounding up, as Kruise's own GetScaledValueFromIntOrPercent does
// for partitions.
func scaledFloatPercent(v *intstr.IntOrString, total int) (int, error) {
	if v.Type == intstr.Int {
		return v.IntValue(), nil
	}
	s, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, fmt.Errorf("%q is not an integer or a percent: %w", v.StrVal, ErrInvalidKnob)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number followed by '%%': %w", v.StrVal, ErrInvalidKnob)
	}
	return int(math.Ceil(f * float64(total) / 100)), nil
}

// scaledIntPercent resolves an int or an integer percent ("20%"), the
// Kubernetes way used for maxSurge and maxUnavailable.
func scaledIntPercent(v *intstr.IntOrString, total int, roundUp bool) (int, error) {
	n, err := intstr.GetScaledValueFromIntOrPercent(v, total, roundUp)
	if err != nil {
		return 0, fmt.Errorf("%q: %w: %w", v.String(), ErrInvalidKnob, err)
	}
	return n, nil
}
