package batch

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// Sentinels for errors.Is; each typed error below matches one of them, and
// errors.As gives the details.
var (
	// ErrNoPlan: the CloneSet has no batch annotation, so there is no "next
	// batch"; the caller must name a partition.
	ErrNoPlan = errors.New("no batch plan")
	// ErrNotInPlan: the partition in git is not one of the plan's batches.
	ErrNotInPlan = errors.New("partition not in batch plan")
	// ErrAlreadyAtBatch: the target is where git already is, so there is
	// nothing to commit. Running `ferry advance --to-batch K` twice hits this.
	ErrAlreadyAtBatch = errors.New("already at target")
	// ErrNotNextStep: the target skips batches or goes back; --force allows it.
	ErrNotNextStep = errors.New("target is not the next step")
	// ErrDone: the last batch (partition 0) is reached.
	ErrDone = errors.New("rollout already done")
	// ErrBatchRange: the target batch does not exist in the plan.
	ErrBatchRange = errors.New("batch out of range")
)

// NotInPlanError is a warning rather than a failure: status, diff and advance
// still work from the nearest batches, and say that git holds a partition the
// plan does not list (usually a hand edit).
type NotInPlanError struct {
	Value     intstr.IntOrString // as written in git
	Partition int32              // resolved
	Replicas  int32
	Plan      string
	// Above and Below are the nearest batches whose partitions lie above and
	// below this one (0 when there is none: the partition is above batch 1).
	Above, Below                   int
	AbovePartition, BelowPartition int32
}

func (e *NotInPlanError) Error() string {
	where := fmt.Sprintf("between batch %d (partition %d) and batch %d (partition %d)",
		e.Above, e.AbovePartition, e.Below, e.BelowPartition)
	if e.Above == 0 {
		where = fmt.Sprintf("above batch %d (partition %d)", e.Below, e.BelowPartition)
	}
	return fmt.Sprintf("partition %s is not a batch of %s %q with %d replicas; it lies %s",
		valueText(e.Value, e.Partition), Annotation, e.Plan, e.Replicas, where)
}

func (e *NotInPlanError) Is(target error) bool { return target == ErrNotInPlan }

// AlreadyAtBatchError: git already holds the target partition.
type AlreadyAtBatchError struct {
	Batch, Total int
	Partition    int32
}

func (e *AlreadyAtBatchError) Error() string {
	if e.Total == 0 {
		return fmt.Sprintf("already at partition %d", e.Partition)
	}
	return fmt.Sprintf("already at batch %d of %d (partition %d)", e.Batch, e.Total, e.Partition)
}

func (e *AlreadyAtBatchError) Is(target error) bool { return target == ErrAlreadyAtBatch }

// NotNextStepError: the target is not the batch after the current one. It
// skips batches, or raises the partition (which OpenKruise ignores unless its
// CloneSetPartitionRollback gate is on). Without a plan only raising counts.
type NotNextStepError struct {
	// From, To and Next are batch numbers (0 without a plan; Next is 0 when
	// the rollout is done); the partitions are resolved pod counts.
	From, To, Next, Total                     int
	FromPartition, ToPartition, NextPartition int32
}

func (e *NotNextStepError) Error() string {
	move := fmt.Sprintf("partition %d → %d", e.FromPartition, e.ToPartition)
	if e.Total > 0 {
		move += fmt.Sprintf(" (batch %d → %d of %d)", e.From, e.To, e.Total)
	}
	why := "is not the next step"
	if e.ToPartition > e.FromPartition {
		why = "raises the partition, which OpenKruise does not roll back by default"
	}
	next := ""
	if e.Next > 0 {
		next = fmt.Sprintf("; the next step is batch %d (partition %d)", e.Next, e.NextPartition)
	}
	return fmt.Sprintf("%s %s%s; use --force to commit it anyway", move, why, next)
}

func (e *NotNextStepError) Is(target error) bool { return target == ErrNotNextStep }

// DoneError: there is no batch after the last one.
type DoneError struct{ Total int }

func (e *DoneError) Error() string {
	return fmt.Sprintf("rollout already done: batch %d of %d (partition 0)", e.Total, e.Total)
}

func (e *DoneError) Is(target error) bool { return target == ErrDone }

// BatchRangeError: the requested batch is not in 1..Total.
type BatchRangeError struct{ Batch, Total int }

func (e *BatchRangeError) Error() string {
	return fmt.Sprintf("batch %d does not exist: the plan has batches 1 to %d", e.Batch, e.Total)
}

func (e *BatchRangeError) Is(target error) bool { return target == ErrBatchRange }
