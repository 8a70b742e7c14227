package gitsync

import (
	"fmt"
	"sort"
	"strings"

	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/batch"
)

// cloneSetKind identifies the objects whose rollouts a GitSync reports.
var cloneSetKind = kruisev1alpha1.SchemeGroupVersion.WithKind("CloneSet")

// toCloneSet converts a rendered or live CloneSet.
func toCloneSet(u *unstructured.Unstructured) (*kruisev1alpha1.CloneSet, error) {
	var cs kruisev1alpha1.CloneSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cs); err != nil {
		return nil, fmt.Errorf("CloneSet %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return &cs, nil
}

// BatchOf says where one CloneSet's rollout stands: the position of the
// partition git holds in its batch plan (rendered), and the pods the
// engine reports (live, nil when not created yet). A batch is healthy when
// the pods the partition allows to move have moved and are ready, and the
// surge pods are gone.
//
// Example: plan "3,1,0", 5 replicas, git partition 3, live status
// {replicas 5, updatedReady 2, ready 5} gives batch 1 of 3, healthy, with
// the message "batch 1 of 3 (partition 3): 2/5 updated, 5 ready".
func BatchOf(rendered, live *kruisev1alpha1.CloneSet) (v1alpha1.BatchStatus, error) {
	b := v1alpha1.BatchStatus{Namespace: rendered.Namespace, Name: rendered.Name}
	plan, err := batch.ForCloneSet(rendered)
	if err != nil {
		return b, err
	}
	pos, err := plan.Position(batch.CurrentPartition(rendered))
	if err != nil {
		return b, fmt.Errorf("CloneSet %s/%s: spec.updateStrategy.partition: %w", rendered.Namespace, rendered.Name, err)
	}
	b.Partition = pos.Partition
	if plan.HasPlan() {
		b.Batch = ptr.To(int32(pos.Batch))
		b.Of = int32(pos.Total)
	}
	replicas := pos.Replicas
	b.Desired = replicas
	if live != nil {
		st := live.Status
		b.Replicas, b.Updated, b.Ready = st.Replicas, st.UpdatedReplicas, st.ReadyReplicas
		expected := replicas - pos.Partition
		b.Healthy = st.ObservedGeneration >= live.Generation &&
			st.UpdatedReadyReplicas >= expected && st.ReadyReplicas == replicas && st.Replicas == replicas &&
			sameSpecPartition(rendered, live)
	}
	b.Message = fmt.Sprintf("%s: %d/%d updated, %d ready", pos.String(), b.Updated, replicas, b.Ready)
	if pos.OffPlan != nil {
		b.Message += "; warning: " + pos.OffPlan.Error()
	}
	return b, nil
}

// sameSpecPartition reports whether the live CloneSet already carries the
// partition git holds: before the apply lands, the live counts describe the
// previous batch.
func sameSpecPartition(rendered, live *kruisev1alpha1.CloneSet) bool {
	return batch.CurrentPartition(rendered) == batch.CurrentPartition(live)
}

// carryHealthySince keeps the time each batch became healthy across
// attempts, so `requireHealthyFor` counts from the first healthy reading.
func carryHealthySince(old, cur []v1alpha1.BatchStatus, now metav1.Time) []v1alpha1.BatchStatus {
	prev := make(map[string]v1alpha1.BatchStatus, len(old))
	for _, b := range old {
		prev[b.Namespace+"/"+b.Name] = b
	}
	out := make([]v1alpha1.BatchStatus, len(cur))
	for i, b := range cur {
		b = *b.DeepCopy()
		b.HealthySince = nil
		if b.Healthy {
			p, ok := prev[b.Namespace+"/"+b.Name]
			if ok && p.Healthy && p.Partition == b.Partition && p.HealthySince != nil {
				b.HealthySince = p.HealthySince.DeepCopy()
			} else {
				b.HealthySince = &now
			}
		}
		out[i] = b
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

// position is "1/3" for a planned CloneSet, "p=3" without a plan.
func position(b v1alpha1.BatchStatus) string {
	if b.Batch == nil {
		return fmt.Sprintf("p=%d", b.Partition)
	}
	return fmt.Sprintf("%d/%d", *b.Batch, b.Of)
}

// batchSummary is the BATCH printer column: "1/3" for a single CloneSet,
// "demo 1/3, web 2/2" for several.
func batchSummary(bs []v1alpha1.BatchStatus) string {
	if len(bs) == 1 {
		return position(bs[0])
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Name + " " + position(b)
	}
	return strings.Join(parts, ", ")
}

// batchWords is the batch part of the Ready message: "demo batch 1/3".
func batchWords(bs []v1alpha1.BatchStatus) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if b.Batch == nil {
			parts = append(parts, fmt.Sprintf("%s partition %d", b.Name, b.Partition))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s batch %d/%d", b.Name, *b.Batch, b.Of))
	}
	return strings.Join(parts, ", ")
}

// held reports whether a CloneSet waits at a partition above 0 with its
// batch complete: the rollout is parked by design, not stuck.
func held(bs []v1alpha1.BatchStatus) bool {
	for _, b := range bs {
		if b.Healthy && b.Partition > 0 {
			return true
		}
	}
	return false
}
