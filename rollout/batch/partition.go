package batch

import (
	"fmt"
	"regexp"
	"strconv"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
)

// percentPattern is the accepted percent syntax: digits, an optional decimal
// fraction, then "%". Signs, exponents, "NaN%" and "Inf%" (which
// strconv.ParseFloat would accept) are refused before parsing.
var percentPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?%$`)

// parsePercent returns the number in front of the "%" of a partition string
// such as "50%" or "99.99%". Above 100% is allowed here, as OpenKruise allows
// it on a CloneSet (it holds every pod); Parse refuses it in a plan.
func parsePercent(s string) (float64, error) {
	if !percentPattern.MatchString(s) {
		return 0, fmt.Errorf("%q is neither an integer nor a percent like \"50%%\"", s)
	}
	v, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return v, nil
}

// PartitionReplicas resolves a CloneSet partition (an int or a percent string)
// against replicas to the number of pods kept on the old revision, rounding as
// OpenKruise's CalculatePartitionReplicas does, so "batch k of n" always names
// the same pods the controller keeps back:
//
//  1. an int is taken as is; a percent p gives ceil(p × replicas / 100), so any
//     percent above 0% keeps at least one old pod;
//  2. if that lands on all replicas, replicas > 1 and the value is a percent
//     other than "100%", it becomes replicas-1, so any percent below 100%
//     updates at least one pod;
//  3. the result is clamped to [0, replicas] (a partition above replicas, which
//     OpenKruise allows, holds every pod).
//
// Truth table (replicas × partition → pods kept on the old revision):
//
//	replicas  partition  ceil    rule 2  result
//	9         99%        8.91→9  9→8     8
//	10        90%        9       –       9
//	10        1%         0.1→1   –       1
//	999       99.99%     998.9→999 999→998 998
//	99        100%       99      exempt  99
//	1         99%        1       1 ≤ 1   1
//	0         99%        0       –       0
//	10        10 (int)   10      int     10
//	10        15 (int)   15      int     10 (clamped)
//	10        100.0%     10      10→9    9 (only the exact "100%" is exempt)
//	10        150%       15      15→14   10 (clamped; the rule-2 step is moot)
//
// Percents may carry a fraction ("99.99%"), as OpenKruise's own helper allows;
// a string without "%" (such as "5"), a sign or an exponent is an error.
// The rounding is delegated to rollout/cloneset/plan.PartitionReplicas,
// the engine's own, so the two cannot disagree.
// A negative int resolves to 0, as OpenKruise clamps it; Parse refuses
// negative entries in a plan before they get here.
func PartitionReplicas(partition intstr.IntOrString, replicas int32) (int32, error) {
	// Plans and git are held to the strict percent syntax; the rounding is
	// the engine's own, so the two can never disagree on which pods a batch
	// keeps back.
	if partition.Type == intstr.String {
		if _, err := parsePercent(partition.StrVal); err != nil {
			return 0, fmt.Errorf("invalid partition: %w", err)
		}
	}
	n, err := plan.PartitionReplicas(&partition, int(max(replicas, 0)))
	if err != nil {
		return 0, fmt.Errorf("invalid partition: %w", err)
	}
	return int32(n), nil
}

// formatValue prints a partition the way it is written in git: 5 or "50%".
func formatValue(v intstr.IntOrString) string {
	if v.Type == intstr.Int {
		return strconv.Itoa(int(v.IntVal))
	}
	return v.StrVal
}
