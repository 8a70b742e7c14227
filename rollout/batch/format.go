package batch

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// The one-line summaries below are shared by `ferry status`, `ferry diff`,
// `ferry advance` and the GitSync status, so a batch reads the same
// everywhere:
//
//	batch 2 of 3 (partition 1)
//	batch 0 of 3, not started (partition 5)
//	batch 3 of 3, done (partition 0)
//	batch 1 of 3, off plan (partition 2)
//	partition 3                                  (no plan)
//	batch 1 → 2 of 3 (partition 3 → 1)
//	batch 1 → 2 of 3 (partition 80% = 8 → 50% = 5)
//	partition 3 → 1                              (no plan)

// valueText prints a partition as written, with its resolved pod count when
// it is a percent: "3", "50% = 5".
func valueText(v intstr.IntOrString, resolved int32) string {
	if v.Type == intstr.Int {
		return formatValue(v)
	}
	return fmt.Sprintf("%s = %d", formatValue(v), resolved)
}

// String is the one-line form of a position.
func (p Position) String() string {
	part := valueText(p.Value, p.Partition)
	if p.Total == 0 {
		return "partition " + part
	}
	note := ""
	switch {
	case p.OffPlan != nil:
		note = ", off plan"
	case p.Batch == 0:
		note = ", not started"
	case p.Done():
		note = ", done"
	}
	return fmt.Sprintf("batch %d of %d%s (partition %s)", p.Batch, p.Total, note, part)
}

// String is the one-line form of a step, e.g. "batch 1 → 2 of 3 (partition 3 → 1)".
func (s Step) String() string {
	parts := fmt.Sprintf("partition %s → %s", valueText(s.From.Value, s.From.Partition), valueText(s.To.Value, s.To.Partition))
	if s.To.Total == 0 {
		return parts
	}
	return fmt.Sprintf("batch %d → %d of %d (%s)", s.From.Batch, s.To.Batch, s.To.Total, parts)
}
