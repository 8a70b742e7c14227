package advance

import (
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/batch"
)

func liveCloneSet(t *testing.T, partition string, generation, observed, updatedReady, ready, pods int) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	doc := []byte(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: demo, namespace: default, generation: ` + itoa(generation) + `}
spec:
  replicas: 5
  updateStrategy: {partition: ` + partition + `}
status:
  observedGeneration: ` + itoa(observed) + `
  replicas: ` + itoa(pods) + `
  readyReplicas: ` + itoa(ready) + `
  updatedReplicas: ` + itoa(updatedReady) + `
  updatedReadyReplicas: ` + itoa(updatedReady) + `
`)
	if err := yaml.Unmarshal(doc, &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestHealthOf(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	since := metav1.NewTime(now.Add(-12 * time.Minute))
	batches := []v1alpha1.BatchStatus{{Namespace: "default", Name: "demo", Partition: 3, Healthy: true, HealthySince: &since}}
	at := batch.Position{Batch: 1, Total: 3, Value: intstr.FromInt32(3), Partition: 3, Replicas: 5}
	cases := []struct {
		name    string
		live    *unstructured.Unstructured
		batches []v1alpha1.BatchStatus
		healthy bool
		summary string
	}{
		{"held batch, healthy for 12m", liveCloneSet(t, "3", 2, 2, 2, 5, 5), batches, true,
			"batch 1 healthy for 12m (5/5 ready)"},
		{"held batch, no GitSync", liveCloneSet(t, "3", 2, 2, 2, 5, 5), nil, true,
			"batch 1 healthy (5/5 ready)"},
		{"the GitSync's healthySince is for another batch", liveCloneSet(t, `"80%"`, 2, 2, 2, 5, 5), batches, true,
			"batch 1 healthy (5/5 ready)"},
		{"one of two pods of the batch", liveCloneSet(t, "3", 2, 2, 1, 5, 6), batches, false,
			"batch 1 not healthy: InProgress (RollingOut): 1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods"},
		{"spec not observed yet", liveCloneSet(t, "3", 3, 2, 2, 5, 5), batches, false,
			"batch 1 not healthy: InProgress (ObservedGenerationPending): waiting for the controller to observe generation 3 (observed 2)"},
		{"not in the cluster", nil, nil, false, "batch 1 not healthy: not found in the cluster"},
	}
	for _, tc := range cases {
		h := HealthOf(tc.live, tc.batches, now)
		if h.Healthy != tc.healthy || h.Summary(at) != tc.summary {
			t.Errorf("%s: healthy %v, %q; want %v, %q", tc.name, h.Healthy, h.Summary(at), tc.healthy, tc.summary)
		}
	}
	if got := UnknownHealth("no kubeconfig").Summary(at); got != "batch 1 health unknown: no kubeconfig" {
		t.Errorf("unknown: %q", got)
	}
	noPlan := batch.Position{Value: intstr.FromInt32(3), Partition: 3, Replicas: 5}
	if got := HealthOf(liveCloneSet(t, "3", 1, 1, 2, 5, 5), nil, now).Summary(noPlan); got != "partition 3 healthy (5/5 ready)" {
		t.Errorf("no plan: %q", got)
	}
}
