package advance

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/batch"
)

// TargetKind says how a Target names the partition to commit.
type TargetKind int

const (
	// TargetNext is the batch after the one running.
	TargetNext TargetKind = iota
	// TargetBatch is batch K of the plan.
	TargetBatch
	// TargetPartition is an explicit partition (with or without a plan).
	TargetPartition
)

// Target is where to move the rollout. The GitOps loop passes ToBatch with
// the batch it decided on once per tick, so a retried tick commits nothing
// (ErrAlreadyAtBatch); `ferry advance --next` passes Next.
type Target struct {
	Kind      TargetKind
	Batch     int                // TargetBatch
	Partition intstr.IntOrString // TargetPartition
}

// Next is the batch after the one running.
func Next() Target { return Target{Kind: TargetNext} }

// ToBatch is batch k (1-based) of the plan.
func ToBatch(k int) Target { return Target{Kind: TargetBatch, Batch: k} }

// ToPartition is an explicit partition, an int or a percent.
func ToPartition(p intstr.IntOrString) Target { return Target{Kind: TargetPartition, Partition: p} }

func (t Target) String() string {
	switch t.Kind {
	case TargetBatch:
		return fmt.Sprintf("batch %d", t.Batch)
	case TargetPartition:
		return "partition " + t.Partition.String()
	}
	return "next batch"
}

// step is the move from the partition git holds (inGit) to the target.
//
// "Next" counts from the batch the cluster runs when the cluster lags
// behind git (live resolves above inGit: an advance was committed but not
// applied yet), so running `ferry advance --next` twice commits once:
//
//	plan 3,1,0 (5 replicas)   live  git  -> result
//	first run                 3     3    -> batch 1 → 2 (partition 3 → 1)
//	second run, not applied   3     1    -> already at batch 2
//	after ferry applied it    1     1    -> batch 2 → 3 (partition 1 → 0)
//	two commits not applied   5     1    -> already at batch 2
//	off plan in git           5     4    -> batch 0 → 1 (partition 4 → 3)
//
// live is nil when the cluster was not read.
func step(r *batch.Resolved, inGit intstr.IntOrString, live *intstr.IntOrString, t Target, opts batch.StepOptions) (batch.Step, error) {
	switch t.Kind {
	case TargetBatch:
		return r.ToBatch(inGit, t.Batch, opts)
	case TargetPartition:
		return r.ToPartition(inGit, t.Partition, opts)
	}
	if live == nil || !r.HasPlan() {
		return r.Next(inGit)
	}
	git, err := r.Position(inGit)
	if err != nil {
		return batch.Step{}, err
	}
	running, err := r.Position(*live)
	if err != nil || running.Partition <= git.Partition {
		return r.Next(inGit) // the cluster is where git is (or ahead, or unreadable): git decides
	}
	next, err := r.Next(*live)
	if err != nil {
		return batch.Step{}, err
	}
	if git.Partition <= next.To.Partition { // git holds that batch, or a later one, already
		return batch.Step{}, &batch.AlreadyAtBatchError{Batch: git.Batch, Total: git.Total, Partition: git.Partition}
	}
	return r.ToBatch(inGit, next.To.Batch, opts)
}
