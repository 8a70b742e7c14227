package gitsync

import (
	"testing"

	kruisev1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func cloneSet(plan string, partition intstr.IntOrString, st *kruisev1alpha1.CloneSetStatus) *kruisev1alpha1.CloneSet {
	cs := &kruisev1alpha1.CloneSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "demo", Generation: 2}}
	if plan != "" {
		cs.Annotations = map[string]string{"ferry.dev/batches": plan}
	}
	cs.Spec.Replicas = ptr.To[int32](5)
	cs.Spec.UpdateStrategy.Partition = &partition
	if st != nil {
		cs.Status = *st
	}
	return cs
}

func TestBatchOf(t *testing.T) {
	settled := &kruisev1alpha1.CloneSetStatus{ObservedGeneration: 2, Replicas: 5, UpdatedReplicas: 2, UpdatedReadyReplicas: 2, ReadyReplicas: 5}
	surging := &kruisev1alpha1.CloneSetStatus{ObservedGeneration: 2, Replicas: 6, UpdatedReplicas: 2, UpdatedReadyReplicas: 2, ReadyReplicas: 6}
	tests := []struct {
		name     string
		rendered *kruisev1alpha1.CloneSet
		live     *kruisev1alpha1.CloneSet
		healthy  bool
		summary  string
		message  string
	}{
		{"held at batch 1", cloneSet("3,1,0", intstr.FromInt32(3), nil), cloneSet("3,1,0", intstr.FromInt32(3), settled),
			true, "1/3", "batch 1 of 3 (partition 3): 2/5 updated, 5 ready"},
		{"surge pod not gone yet", cloneSet("3,1,0", intstr.FromInt32(3), nil), cloneSet("3,1,0", intstr.FromInt32(3), surging),
			false, "1/3", "batch 1 of 3 (partition 3): 2/5 updated, 6 ready"},
		{"git moved on, cluster not yet", cloneSet("3,1,0", intstr.FromInt32(1), nil), cloneSet("3,1,0", intstr.FromInt32(3), settled),
			false, "2/3", "batch 2 of 3 (partition 1): 2/5 updated, 5 ready"},
		{"no plan", cloneSet("", intstr.FromInt32(3), nil), cloneSet("", intstr.FromInt32(3), settled),
			true, "p=3", "partition 3: 2/5 updated, 5 ready"},
		{"not created yet", cloneSet("3,1,0", intstr.FromString("60%"), nil), nil,
			false, "1/3", "batch 1 of 3 (partition 60% = 3): 0/5 updated, 0 ready"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := BatchOf(tc.rendered, tc.live)
			if err != nil {
				t.Fatal(err)
			}
			if b.Healthy != tc.healthy || position(b) != tc.summary || b.Message != tc.message {
				t.Fatalf("got healthy=%v %q %q\nwant healthy=%v %q %q", b.Healthy, position(b), b.Message, tc.healthy, tc.summary, tc.message)
			}
		})
	}
}

func TestBatchOfBadPlan(t *testing.T) {
	if _, err := BatchOf(cloneSet("3,4,0", intstr.FromInt32(3), nil), nil); err == nil {
		t.Fatal("an increasing plan was accepted")
	}
}
