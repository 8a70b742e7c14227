package health

import (
	"errors"
	"fmt"
	"strconv"

	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
)

// errPartition marks a partition that is neither an integer nor a percent.
var errPartition = errors.New("partition is not an integer or a percent")

// cloneSetHealth is the health of an OpenKruise CloneSet
// (apps.kruise.io/v1alpha1). The batch a CloneSet is asked for is
// expectedUpdatedReplicas = replicas - partition (or the controller's own
// status.expectedUpdatedReplicas when it reports one), and the batch is
// complete when
//
//	updatedReadyReplicas >= expected   (the batch's pods are updated and ready)
//	readyReplicas == replicas          (the old pods are ready too)
//	status.replicas == spec.replicas   (surge pods are gone)
//
// A complete batch with partition > 0 is a held batch: Current, reason
// BatchHeld, because nothing more will happen until git lowers the
// partition. Worked example, replicas 5, maxSurge 20%, partition 3:
//
//	pods  updatedReady  ready  -> status
//	6     1             5      -> InProgress (RollingOut): a surge pod is still there
//	5     1             5      -> InProgress (RollingOut): 1 of the 2 expected
//	5     2             5      -> Current (BatchHeld): "batch held at partition 3: 2/5 updated and ready"
//
// and with partition 0 the same counts need 5/5 and give RolledOut. A paused
// CloneSet with work left is InProgress with reason Paused.
func cloneSetHealth(u *unstructured.Unstructured) Result {
	if u.GroupVersionKind().Version != "v1alpha1" {
		return conditionsHealth(u)
	}
	var cs kruisev1alpha1.CloneSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cs); err != nil {
		return unknown(ReasonUnparsable, "cannot read CloneSet: %v", err)
	}
	st := cs.Status
	if st.ObservedGeneration < cs.Generation {
		return pending(cs.Generation, st.ObservedGeneration)
	}
	for _, c := range st.Conditions {
		if c.Type == "Progressing" && c.Status == corev1.ConditionFalse && c.Reason == string(ReasonDeadline) {
			return failed(ReasonDeadline, "%s", c.Message)
		}
		// The engine refuses a CloneSet OpenKruise would reject, and says so
		// with Stalled=True; nothing moves until git changes it.
		if c.Type == "Stalled" && c.Status == corev1.ConditionTrue {
			return failed(ReasonInvalidSpec, "%s: %s", c.Reason, c.Message)
		}
	}
	replicas := int(deref(cs.Spec.Replicas, 1))
	partition, err := partitionReplicas(cs.Spec.UpdateStrategy.Partition, replicas)
	if err != nil {
		return failed(ReasonInvalidSpec, "spec.updateStrategy.partition: %v", err)
	}
	expected := replicas - partition
	if v, found, _ := unstructured.NestedInt64(u.Object, "status", "expectedUpdatedReplicas"); found {
		expected = int(v)
	}
	updatedReady, ready, pods := int(st.UpdatedReadyReplicas), int(st.ReadyReplicas), int(st.Replicas)
	if updatedReady >= expected && ready == replicas && pods == replicas {
		if expected < replicas {
			return current(ReasonBatchHeld, "batch held at partition %s: %d/%d updated and ready",
				partitionText(cs.Spec.UpdateStrategy.Partition, partition), updatedReady, replicas)
		}
		return current(ReasonRolledOut, "%d/%d updated and ready", updatedReady, replicas)
	}
	progress := fmt.Sprintf("%d/%d updated and ready (batch wants %d), %d/%d ready, %d pods",
		updatedReady, replicas, expected, ready, replicas, pods)
	if cs.Spec.UpdateStrategy.Paused {
		return inProgress(ReasonPaused, "paused with work left: %s", progress)
	}
	return inProgress(ReasonRollingOut, "%s", progress)
}

// partitionText prints the partition as written, with the pod count when it
// is a percent: "3", or "40% (2 pods)".
func partitionText(p *intstr.IntOrString, pods int) string {
	if p != nil && p.Type == intstr.String {
		return fmt.Sprintf("%s (%d pods)", p.StrVal, pods)
	}
	return strconv.Itoa(pods)
}

// partitionReplicas resolves a CloneSet partition to the number of pods kept
// at the old revision, with OpenKruise's rounding: a percent rounds up (any
// partition above "0%" keeps at least one old pod); if that keeps every pod
// while the percent is not "100%" and there is more than one replica, one
// pod is released so the rollout moves; the result is clamped to
// [0, replicas]. Percents may have decimals.
//
//	replicas  partition  -> pods kept
//	5         3          -> 3
//	5         40%        -> 2
//	5         90%        -> 4   (ceil 4.5 = 5 = replicas, so 4)
//	5         100%       -> 5
//	1         50%        -> 1   (a single replica is not released)
//	999       99.99%     -> 998
//	5         12         -> 5   (clamped)
//	5         "3"        -> error
func partitionReplicas(p *intstr.IntOrString, replicas int) (int, error) {
	n, err := plan.PartitionReplicas(p, replicas)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errPartition, err)
	}
	return n, nil
}
