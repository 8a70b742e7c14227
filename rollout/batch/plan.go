package batch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// Annotation lists the partition of each batch of a CloneSet, first batch
// first, e.g. "80%,50%,0": batch 1 keeps 80% of the pods on the old revision,
// batch 2 keeps 50%, batch 3 updates everything.
const Annotation = "ferry.dev/batches"

// Plan is a parsed batch annotation: the partition of each batch as written in
// git. A plan is only checked against replicas by Resolve, because "80%,8,0"
// is a valid plan for 20 replicas and an invalid one for 10.
type Plan struct {
	Entries []intstr.IntOrString
}

// PlanError says which entry of the batch annotation is wrong and why.
type PlanError struct {
	// Value is the whole annotation value.
	Value string
	// Entry is the 1-based index of the offending entry, 0 when the error is
	// about the value as a whole.
	Entry int
	// Text is the offending entry as written.
	Text string
	Err  error
}

func (e *PlanError) Error() string {
	if e.Entry == 0 {
		return fmt.Sprintf("annotation %s %q: %v", Annotation, e.Value, e.Err)
	}
	return fmt.Sprintf("annotation %s %q: entry %d (%q): %v", Annotation, e.Value, e.Entry, e.Text, e.Err)
}

func (e *PlanError) Unwrap() error { return e.Err }

// Parse reads a batch annotation value. Each comma-separated entry is a
// non-negative int or a percent ("50%", "12.5%", at most 100%); the list is
// non-empty and its last entry is 0 (or "0%"), so the last batch always
// finishes the rollout. Whether the entries decrease is checked by Resolve.
func Parse(value string) (*Plan, error) {
	if strings.TrimSpace(value) == "" {
		return nil, &PlanError{Value: value, Err: errors.New("no batches listed")}
	}
	parts := strings.Split(value, ",")
	plan := &Plan{Entries: make([]intstr.IntOrString, 0, len(parts))}
	for i, part := range parts {
		text := strings.TrimSpace(part)
		v, err := parseEntry(text)
		if err != nil {
			return nil, &PlanError{Value: value, Entry: i + 1, Text: text, Err: err}
		}
		plan.Entries = append(plan.Entries, v)
	}
	last := plan.Entries[len(plan.Entries)-1]
	if !isZero(last) {
		return nil, &PlanError{Value: value, Entry: len(parts), Text: formatValue(last),
			Err: errors.New("the last batch must be partition 0, so the rollout finishes")}
	}
	return plan, nil
}

func parseEntry(text string) (intstr.IntOrString, error) {
	if text == "" {
		return intstr.IntOrString{}, errors.New("empty entry")
	}
	if strings.HasSuffix(text, "%") {
		p, err := parsePercent(text)
		if err != nil {
			return intstr.IntOrString{}, err
		}
		if p > 100 {
			return intstr.IntOrString{}, fmt.Errorf("%q is above 100%%", text)
		}
		return intstr.FromString(text), nil
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil || n < 0 {
		return intstr.IntOrString{}, fmt.Errorf("%q is neither a non-negative integer nor a percent like \"50%%\"", text)
	}
	return intstr.FromInt32(int32(n)), nil
}

func isZero(v intstr.IntOrString) bool {
	if v.Type == intstr.Int {
		return v.IntVal == 0
	}
	p, err := parsePercent(v.StrVal)
	return err == nil && p == 0
}

// FromAnnotations parses the batch annotation from an object's annotations.
// It returns (nil, nil) when the annotation is absent: such a CloneSet has no
// plan (see the package documentation).
func FromAnnotations(annotations map[string]string) (*Plan, error) {
	value, ok := annotations[Annotation]
	if !ok {
		return nil, nil
	}
	return Parse(value)
}

// String prints the plan in its canonical annotation form, e.g. "80%,50%,0".
func (p *Plan) String() string {
	texts := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		texts[i] = formatValue(e)
	}
	return strings.Join(texts, ",")
}

// Resolved is a plan with every entry resolved against the CloneSet's
// replicas: Partitions[i] is the number of pods batch i+1 keeps on the old
// revision. Partitions strictly decrease and end at 0.
type Resolved struct {
	Plan       *Plan
	Replicas   int32
	Partitions []int32
}

// Resolve resolves each entry with PartitionReplicas and checks that the
// batches strictly decrease: a batch that does not lower the partition would
// update no pod. For example "80%,50%,0" with 10 replicas resolves to
// [8 5 0]; "50%,5,0" with 10 replicas fails at entry 2, which resolves to 5
// like entry 1 does.
func (p *Plan) Resolve(replicas int32) (*Resolved, error) {
	r := &Resolved{Plan: p, Replicas: replicas, Partitions: make([]int32, len(p.Entries))}
	for i, e := range p.Entries {
		n, err := PartitionReplicas(e, replicas)
		if err != nil {
			return nil, &PlanError{Value: p.String(), Entry: i + 1, Text: formatValue(e), Err: err}
		}
		if i > 0 && n >= r.Partitions[i-1] {
			return nil, &PlanError{Value: p.String(), Entry: i + 1, Text: formatValue(e),
				Err: fmt.Errorf("resolves to partition %d with %d replicas, which is not below batch %d's partition %d",
					n, replicas, i, r.Partitions[i-1])}
		}
		r.Partitions[i] = n
	}
	return r, nil
}

// Len is the number of batches.
func (r *Resolved) Len() int { return len(r.Partitions) }

// Partition returns the resolved partition of batch k (1-based).
func (r *Resolved) Partition(k int) int32 { return r.Partitions[k-1] }

// Entry returns batch k's partition as written in git (1-based).
func (r *Resolved) Entry(k int) intstr.IntOrString { return r.Plan.Entries[k-1] }
