package advance

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply/health"
	"github.com/ferry-gitops/ferry/rollout/batch"
)

// Health is the cluster's reading of the batch a CloneSet runs, taken by
// the caller (HealthOf, or the GitOps loop from its own status) and checked
// by Plan against the partition git holds.
type Health struct {
	// Unknown, when set, says why the cluster could not be read; the other
	// fields are then zero and the batch counts as not healthy.
	Unknown string
	// Healthy: the controller observed the current spec and the batch its
	// partition asks for is complete (health.Of says Current).
	Healthy bool
	// Status is health.Of's verdict, for messages.
	Status string
	// Partition is the live spec.updateStrategy.partition, as written.
	Partition intstr.IntOrString
	// Ready and Replicas are status.readyReplicas and spec.replicas.
	Ready, Replicas int32
	// Since is when the batch became healthy (a GitSync's
	// status.batches[].healthySince); zero when not known.
	Since time.Time
	// Now is when the reading was taken.
	Now time.Time
}

// UnknownHealth is the reading when the cluster could not be read.
func UnknownHealth(why string) *Health { return &Health{Unknown: why} }

// HealthOf reads a live CloneSet (nil when it does not exist) and, when a
// GitSync applies it, the GitSync's batch status for how long the batch
// has been healthy. It is pure: now is passed in.
func HealthOf(live *unstructured.Unstructured, batches []v1alpha1.BatchStatus, now time.Time) *Health {
	if live == nil {
		return &Health{Status: "not found in the cluster", Now: now}
	}
	r := health.Of(live)
	h := &Health{Healthy: r.Status == health.Current, Status: r.String(), Now: now, Replicas: 1}
	if p, ok := partitionOf(live); ok {
		h.Partition = p
	}
	if v, ok := nestedInt(live, "spec", "replicas"); ok {
		h.Replicas = v
	}
	h.Ready, _ = nestedInt(live, "status", "readyReplicas")
	// The GitSync's healthySince counts only for the batch running now.
	resolved, err := batch.PartitionReplicas(h.Partition, h.Replicas)
	for _, b := range batches {
		if b.Namespace == live.GetNamespace() && b.Name == live.GetName() && b.Healthy && b.HealthySince != nil &&
			h.Healthy && err == nil && b.Partition == resolved {
			h.Since = b.HealthySince.Time
		}
	}
	return h
}

// Summary is the one-line reading for output, about the position git
// holds: "batch 1 healthy for 12m (5/5 ready)", "partition 3 healthy (5/5
// ready)", "batch 1 not healthy: InProgress (RollingOut): ...".
func (h *Health) Summary(at batch.Position) string {
	what := fmt.Sprintf("partition %s", at.Value.String())
	if at.Total > 0 {
		what = fmt.Sprintf("batch %d", at.Batch)
	}
	switch {
	case h == nil:
		return what + " health not checked"
	case h.Unknown != "":
		return fmt.Sprintf("%s health unknown: %s", what, h.Unknown)
	case !h.Healthy:
		return fmt.Sprintf("%s not healthy: %s", what, h.Status)
	}
	since := ""
	if !h.Since.IsZero() && !h.Now.Before(h.Since) {
		since = " for " + duration.HumanDuration(h.Now.Sub(h.Since))
	}
	return fmt.Sprintf("%s healthy%s (%d/%d ready)", what, since, h.Ready, h.Replicas)
}

// check is the gate before a commit: the cluster runs the partition git
// holds (so the batch being judged is the one git says), and that batch is
// complete.
func (h *Health) check(from batch.Position) error {
	where := from.String()
	switch {
	case h.Unknown != "":
		return &NotHealthyError{Where: where, Why: "cannot read the cluster: " + h.Unknown}
	case !h.Healthy:
		return &NotHealthyError{Where: where, Why: h.Status}
	case h.Partition != from.Value:
		return &NotHealthyError{Where: where, Why: fmt.Sprintf(
			"the cluster runs partition %s, git holds %s: the last change is not applied yet",
			h.Partition.String(), from.Value.String())}
	}
	return nil
}

// partitionOf reads spec.updateStrategy.partition as written (0 when
// unset, as OpenKruise defaults it).
func partitionOf(u *unstructured.Unstructured) (intstr.IntOrString, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, "spec", "updateStrategy", "partition")
	if err != nil {
		return intstr.IntOrString{}, false
	}
	if !found {
		return intstr.FromInt32(0), true
	}
	switch p := v.(type) {
	case int64:
		return intstr.FromInt32(int32(p)), true
	case float64:
		return intstr.FromInt32(int32(p)), true
	case string:
		return intstr.FromString(p), true
	}
	return intstr.IntOrString{}, false
}

// nestedInt reads an integer field decoded from JSON (int64) or YAML
// (float64).
func nestedInt(u *unstructured.Unstructured, fields ...string) (int32, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, fields...)
	if err != nil || !found {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return int32(n), true
	case float64:
		return int32(n), true
	}
	return 0, false
}
