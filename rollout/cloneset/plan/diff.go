package plan

import (
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// Diff is Kruise's expectationDiffs: the numbers one pass works from. Every
// count is in pods. Kruise computes it twice per pass: once for the scale
// phase, where a pod in PreparingUpdate counts as updated, and once for the
// update phase, which compares revision hashes only.
type Diff struct {
	// ScaleUpNum is how many pods are missing (>= 0).
	ScaleUpNum int `json:"scaleUpNum"`
	// ScaleUpNumOldRevision is how many of the missing pods belong at the
	// current (old) revision to keep the partition; it may exceed ScaleUpNum.
	ScaleUpNumOldRevision int `json:"scaleUpNumOldRevision"`
	// ScaleDownNum is how many pods are in excess, not counting pods already
	// marked for deletion (>= 0).
	ScaleDownNum int `json:"scaleDownNum"`
	// ScaleDownNumOldRevision is how many of the excess pods are at the old
	// revision, not counting old pods already marked; it may exceed ScaleDownNum.
	ScaleDownNumOldRevision int `json:"scaleDownNumOldRevision"`
	// ScaleUpLimit caps creations by scaleStrategy.maxUnavailable minus the
	// pods unavailable now.
	ScaleUpLimit int `json:"scaleUpLimit"`
	// DeleteReadyLimit is how many ready pods may be deleted in this pass
	// (maxUnavailable plus the pods above replicas, minus the unavailable);
	// not-ready pods are deleted without it.
	DeleteReadyLimit int `json:"deleteReadyLimit"`
	// UseSurge is how many pods above replicas this pass aims for.
	UseSurge int `json:"useSurge"`
	// UseSurgeOldRevision is the part of UseSurge kept at the old revision.
	UseSurgeOldRevision int `json:"useSurgeOldRevision"`
	// UpdateNum is how many pods still have to change revision: > 0 towards
	// the update revision, < 0 back to the current revision (rollback).
	UpdateNum int `json:"updateNum"`
	// UpdateMaxUnavailable is the unavailable budget of updates
	// (maxUnavailable plus the pods above replicas); it may be negative.
	UpdateMaxUnavailable int `json:"updateMaxUnavailable"`
}

// IsZero reports whether the diff asks for nothing at all.
func (d Diff) IsZero() bool { return d == Diff{} }

// DiffPhase says which of Kruise's two diff calculations to run.
type DiffPhase string

const (
	// DiffForScale counts a PreparingUpdate pod as updated (Kruise's PreparingUpdateAsUpdate).
	DiffForScale DiffPhase = "Scale"
	// DiffForUpdate compares revision hashes only.
	DiffForUpdate DiffPhase = "Update"
)

// podCounts are the per-revision tallies calculateDiff needs.
type podCounts struct {
	total, old                     int // all pods; pods not at the update revision
	newActive, oldActive           int // not PreparingDelete
	unavailableNew, unavailableOld int // active, not marked, not available
	toDeleteNew, toDeleteOld       int // active and specified-delete
	preDeletingNew, preDeletingOld int // PreparingDelete
}

func countPods(cs *appsv1alpha1.CloneSet, pods []*corev1.Pod, updateRevision string, phase DiffPhase, now time.Time) podCounts {
	c := podCounts{total: len(pods)}
	for _, p := range pods {
		updated := IsAtRevision(p, updateRevision)
		if phase == DiffForScale {
			updated = isUpdatedForScale(p, updateRevision)
		}
		active, preDeleting, toDelete, unavailable := &c.newActive, &c.preDeletingNew, &c.toDeleteNew, &c.unavailableNew
		if !updated {
			c.old++
			active, preDeleting, toDelete, unavailable = &c.oldActive, &c.preDeletingOld, &c.toDeleteOld, &c.unavailableOld
		}
		switch {
		case LifecycleState(p) == appspub.LifecycleStatePreparingDelete:
			*preDeleting++
		case IsSpecifiedDelete(cs, p):
			*active++
			*toDelete++
		case !IsPodAvailable(p, cs.Spec.MinReadySeconds, now):
			*active++
			*unavailable++
		default:
			*active++
		}
	}
	return c
}

// DiffInput is what CalculateDiff reads.
type DiffInput struct {
	CloneSet        *appsv1alpha1.CloneSet
	Pods            []*corev1.Pod // active pods owned by the CloneSet
	CurrentRevision string
	UpdateRevision  string
	Phase           DiffPhase
	Now             time.Time
	Options         Options
}

// CalculateDiff is Kruise's calculateDiffsWithExpectation, the heart of the
// engine. With P the partition, R replicas, S maxSurge and U maxUnavailable:
//
//	oldDiff = activeOld - P            (old pods above the partition)
//	newDiff = activeNew - (R - P)      (new pods above their share)
//
// Without rollback (or once current == update) oldDiff is floored and newDiff
// capped at 0, so pods only move forward. Surge is used only while one side
// has a surplus and the other a deficit, and never more than the smaller of
// the two: that is why the seed scenario (R=5, S=1, U=0, P=3) goes 5 -> 6
// pods while updating and back to 5 once two pods are updated. Surge also
// covers specified deletions that the unavailable budget cannot absorb.
//
// Worked example, seed scenario first pass (5 ready old pods, P=3, S=1, U=0):
// oldDiff=2, newDiff=-2, updateSurge=min(2,2)=2 so UseSurge=min(S,2)=1;
// expected total 6, have 5: ScaleUpNum=1, ScaleUpNumOldRevision=max(3+0-5,0)=0
// (create at the update revision), ScaleUpLimit=1; UpdateNum=2 and
// UpdateMaxUnavailable=U+5-5=0.
func CalculateDiff(in DiffInput) (Diff, error) {
	k, err := ResolveKnobs(in.CloneSet)
	if err != nil {
		return Diff{}, err
	}
	c := countPods(in.CloneSet, in.Pods, in.UpdateRevision, in.Phase, in.Now)
	var d Diff

	oldDiff := c.oldActive - k.Partition
	newDiff := c.newActive - (k.Replicas - k.Partition)
	totalUnavailable := c.preDeletingNew + c.preDeletingOld + c.unavailableNew + c.unavailableOld
	if in.UpdateRevision == in.CurrentRevision || !in.Options.PartitionRollback {
		oldDiff = max(oldDiff, 0)
		newDiff = min(newDiff, 0)
	}

	if k.MaxSurge > 0 {
		d.UseSurge, d.UseSurgeOldRevision = surge(c, oldDiff, newDiff, totalUnavailable, k)
	}

	currentTotal, currentTotalOld := c.total, c.old
	if in.Options.ExcludePreparingDelete || in.CloneSet.Labels[appsv1alpha1.CloneSetScalingExcludePreparingDeleteKey] == "true" {
		currentTotal -= c.preDeletingOld + c.preDeletingNew
		currentTotalOld -= c.preDeletingOld
	}
	expectedTotal := k.Replicas + d.UseSurge
	expectedTotalOld := k.Partition + d.UseSurgeOldRevision

	if n := expectedTotal - currentTotal; n > 0 {
		d.ScaleUpNum = n
		d.ScaleUpNumOldRevision = max(expectedTotalOld-currentTotalOld, 0)
		d.ScaleUpLimit = min(n, max(k.ScaleMaxUnavailable-totalUnavailable, 0))
	}
	if n := currentTotal - c.toDeleteOld - c.toDeleteNew - expectedTotal; n > 0 {
		d.ScaleDownNum = n
		d.ScaleDownNumOldRevision = max(currentTotalOld-c.toDeleteOld-expectedTotalOld, 0)
	}
	if c.toDeleteNew > 0 || c.toDeleteOld > 0 || d.ScaleDownNum > 0 {
		d.DeleteReadyLimit = max(k.MaxUnavailable+(c.total-k.Replicas)-totalUnavailable, 0)
	}

	if abs(oldDiff) <= abs(newDiff) {
		d.UpdateNum = oldDiff
	} else {
		d.UpdateNum = -newDiff
	}
	if d.UpdateNum != 0 {
		d.UpdateMaxUnavailable = k.MaxUnavailable + c.total - k.Replicas
	}
	return d, nil
}

// surge returns useSurge and useSurgeOldRevision: the larger of the surge
// that specified deletions need and the surge that the update needs, capped
// by maxSurge. The scale phase and the update phase never both act in one
// pass, so taking the larger is enough.
func surge(c podCounts, oldDiff, newDiff, totalUnavailable int, k Knobs) (use, useOld int) {
	var scaleSurge, scaleOld int
	if toDelete := c.toDeleteNew + c.toDeleteOld; toDelete > 0 {
		scaleSurge = min(max(totalUnavailable+toDelete-k.MaxUnavailable, 0), toDelete)
		if scaleSurge > c.toDeleteNew {
			scaleOld = scaleSurge - c.toDeleteNew
		}
	}
	var updateSurge, updateOld int
	if (oldDiff > 0 && newDiff < 0) || (oldDiff < 0 && newDiff > 0) {
		if abs(oldDiff) <= abs(newDiff) {
			updateSurge = abs(oldDiff)
			if oldDiff < 0 {
				updateOld = updateSurge
			}
		} else {
			updateSurge = abs(newDiff)
			if newDiff > 0 {
				updateOld = updateSurge
			}
		}
	}
	if scaleSurge >= updateSurge {
		use = min(k.MaxSurge, scaleSurge)
		return use, min(use, scaleOld)
	}
	use = min(k.MaxSurge, updateSurge)
	return use, min(use, updateOld)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
