package batch

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// NoPlan is the Resolved value for a CloneSet without a batch annotation: it
// knows the replicas (to resolve percents) but has no batches. Position
// reports the partition only, Next and ToBatch fail with ErrNoPlan, and
// ToPartition moves to any lower partition.
func NoPlan(replicas int32) *Resolved { return &Resolved{Replicas: replicas} }

// HasPlan reports whether the CloneSet declared batches.
func (r *Resolved) HasPlan() bool { return r.Plan != nil }

// Position is where a rollout stands: "batch Batch of Total". Batch 0 means
// not started (the partition is above batch 1's); Batch == Total means done.
// Without a plan Batch and Total are 0.
type Position struct {
	Batch, Total int
	// Value is the partition as written in git; Partition is it resolved.
	Value     intstr.IntOrString
	Partition int32
	Replicas  int32
	// OffPlan is set, as a warning, when Partition is not one of the batches;
	// Batch then counts the batches whose partition is at or above it, i.e.
	// the batches already reached.
	OffPlan *NotInPlanError
}

// NotStarted reports whether no batch has been reached yet: batch 0 with a
// plan; without one, a partition that holds every pod.
func (p Position) NotStarted() bool {
	if p.Total == 0 {
		return p.Partition >= p.Replicas
	}
	return p.Batch == 0
}

// Done reports whether the last batch is reached: partition 0 updates every pod.
func (p Position) Done() bool { return p.Partition == 0 }

// Position locates the partition git holds. The batch is the number of plan
// entries whose partition is at or above it; for plan [8 5 0] (10 replicas):
//
//	partition  position
//	10         batch 0 of 3 (not started)
//	9          batch 0 of 3, off plan: above batch 1
//	8          batch 1 of 3
//	6          batch 1 of 3, off plan: between batch 1 and 2
//	5          batch 2 of 3
//	0          batch 3 of 3 (done)
//
// A partition at or above replicas is the ordinary "not started" state and
// no warning. The error is only for a partition that does not parse.
func (r *Resolved) Position(partition intstr.IntOrString) (Position, error) {
	n, err := PartitionReplicas(partition, r.Replicas)
	if err != nil {
		return Position{}, err
	}
	pos := Position{Total: r.Len(), Value: partition, Partition: n, Replicas: r.Replicas}
	for pos.Batch < r.Len() && r.Partitions[pos.Batch] >= n {
		pos.Batch++
	}
	exact := pos.Batch > 0 && r.Partitions[pos.Batch-1] == n
	notStartedAtAll := pos.Batch == 0 && n >= r.Replicas
	if r.HasPlan() && !exact && !notStartedAtAll {
		pos.OffPlan = r.notInPlan(partition, n, pos.Batch)
	}
	return pos, nil
}

func (r *Resolved) notInPlan(value intstr.IntOrString, n int32, reached int) *NotInPlanError {
	e := &NotInPlanError{Value: value, Partition: n, Replicas: r.Replicas, Plan: r.Plan.String(),
		Above: reached, Below: reached + 1, BelowPartition: r.Partition(reached + 1)}
	if reached > 0 {
		e.AbovePartition = r.Partition(reached)
	}
	return e
}

// at is the position of batch k exactly.
func (r *Resolved) at(k int) Position {
	return Position{Batch: k, Total: r.Len(), Value: r.Entry(k), Partition: r.Partition(k), Replicas: r.Replicas}
}

// Step is one commit: the partition moves from From to To. To.Value is what
// to write into git (the plan entry as written, so percents stay percents).
type Step struct {
	From, To Position
}

// Next is the step to the batch after the current one. From an off-plan
// partition that is the nearest batch below it.
func (r *Resolved) Next(partition intstr.IntOrString) (Step, error) {
	if !r.HasPlan() {
		return Step{}, fmt.Errorf("%w: set %s on the CloneSet or name a partition", ErrNoPlan, Annotation)
	}
	from, err := r.Position(partition)
	if err != nil {
		return Step{}, err
	}
	if from.Done() {
		return Step{}, &DoneError{Total: r.Len()}
	}
	return Step{From: from, To: r.at(from.Batch + 1)}, nil
}

// StepOptions relax the checks of ToBatch and ToPartition.
type StepOptions struct {
	// Force allows skipping batches and raising the partition.
	Force bool
}

// ToBatch is the step to batch k. It is idempotent by design: when git
// already holds batch k it fails with AlreadyAtBatchError, so a retried
// `ferry advance --to-batch k` commits nothing. Unless forced, k must be the
// next batch.
func (r *Resolved) ToBatch(partition intstr.IntOrString, k int, opts StepOptions) (Step, error) {
	if !r.HasPlan() {
		return Step{}, fmt.Errorf("%w: batch %d needs %s on the CloneSet", ErrNoPlan, k, Annotation)
	}
	if k < 1 || k > r.Len() {
		return Step{}, &BatchRangeError{Batch: k, Total: r.Len()}
	}
	from, err := r.Position(partition)
	if err != nil {
		return Step{}, err
	}
	return r.checkStep(from, r.at(k), opts)
}

// ToPartition is the step to an explicit partition (`--partition P`), with or
// without a plan. With a plan, a target that is not a batch carries an OffPlan
// warning in To; a target beyond the next batch needs Force. Raising the
// partition always needs Force.
func (r *Resolved) ToPartition(partition, target intstr.IntOrString, opts StepOptions) (Step, error) {
	from, err := r.Position(partition)
	if err != nil {
		return Step{}, err
	}
	to, err := r.Position(target)
	if err != nil {
		return Step{}, fmt.Errorf("target: %w", err)
	}
	return r.checkStep(from, to, opts)
}

func (r *Resolved) checkStep(from, to Position, opts StepOptions) (Step, error) {
	if from.Partition == to.Partition {
		return Step{}, &AlreadyAtBatchError{Batch: to.Batch, Total: to.Total, Partition: to.Partition}
	}
	step := Step{From: from, To: to}
	if opts.Force {
		return step, nil
	}
	raise := to.Partition > from.Partition
	skip := r.HasPlan() && !from.Done() && to.Partition < r.Partition(from.Batch+1)
	if raise || skip {
		e := &NotNextStepError{From: from.Batch, To: to.Batch, Total: r.Len(),
			FromPartition: from.Partition, ToPartition: to.Partition}
		if r.HasPlan() && !from.Done() {
			e.Next, e.NextPartition = from.Batch+1, r.Partition(from.Batch+1)
		}
		return Step{}, e
	}
	return step, nil
}
