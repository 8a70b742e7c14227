package health

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func parse(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(doc), 4096).Decode(u); err != nil {
		t.Fatalf("decode: %v\n%s", err, doc)
	}
	return u
}

type healthCase struct {
	name    string
	doc     string
	status  Status
	reason  Reason
	message string // exact message, when not empty
}

func runCases(t *testing.T, cases []healthCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Of(parse(t, tc.doc))
			if got.Status != tc.status || got.Reason != tc.reason {
				t.Fatalf("got %s, want %s (%s)", got, tc.status, tc.reason)
			}
			if tc.message != "" && got.Message != tc.message {
				t.Fatalf("message %q, want %q", got.Message, tc.message)
			}
		})
	}
}

func TestCloneSetHealth(t *testing.T) {
	cs := func(spec, status string) string {
		return "apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata: {name: demo, namespace: default, generation: 2}\n" +
			"spec: " + spec + "\nstatus: " + status + "\n"
	}
	runCases(t, []healthCase{
		{"held batch at partition 3", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 2, updatedReadyReplicas: 2, expectedUpdatedReplicas: 2}`),
			Current, ReasonBatchHeld, "batch held at partition 3: 2/5 updated and ready"},
		{"held batch without status.expectedUpdatedReplicas", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 2, updatedReadyReplicas: 2}`),
			Current, ReasonBatchHeld, "batch held at partition 3: 2/5 updated and ready"},
		{"held batch with percent partition", cs(`{replicas: 5, updateStrategy: {partition: "40%"}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 3, updatedReadyReplicas: 3}`),
			Current, ReasonBatchHeld, "batch held at partition 40% (2 pods): 3/5 updated and ready"},
		{"90% of 5 keeps 4, releases 1", cs(`{replicas: 5, updateStrategy: {partition: "90%"}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 1, updatedReadyReplicas: 1}`),
			Current, ReasonBatchHeld, "batch held at partition 90% (4 pods): 1/5 updated and ready"},
		{"surge pod still present", cs(`{replicas: 5, updateStrategy: {partition: 3, maxSurge: "20%"}}`,
			`{observedGeneration: 2, replicas: 6, readyReplicas: 5, updatedReplicas: 1, updatedReadyReplicas: 1, expectedUpdatedReplicas: 2}`),
			InProgress, ReasonRollingOut, "1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods"},
		{"batch pods updated but surge not gone", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 2, replicas: 6, readyReplicas: 6, updatedReplicas: 2, updatedReadyReplicas: 2}`),
			InProgress, ReasonRollingOut, ""},
		{"updated pod not ready", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 4, updatedReplicas: 2, updatedReadyReplicas: 1}`),
			InProgress, ReasonRollingOut, ""},
		{"old pod not ready", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 4, updatedReplicas: 2, updatedReadyReplicas: 2}`),
			InProgress, ReasonRollingOut, ""},
		{"full rollout", cs(`{replicas: 5, updateStrategy: {partition: 0}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 5, updatedReadyReplicas: 5, expectedUpdatedReplicas: 5}`),
			Current, ReasonRolledOut, "5/5 updated and ready"},
		{"no partition set, 4 of 5", cs(`{replicas: 5}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 4, updatedReadyReplicas: 4}`),
			InProgress, ReasonRollingOut, ""},
		{"paused with work left", cs(`{replicas: 5, updateStrategy: {partition: 0, paused: true}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 2, updatedReadyReplicas: 2}`),
			InProgress, ReasonPaused, "paused with work left: 2/5 updated and ready (batch wants 5), 5/5 ready, 5 pods"},
		{"paused but batch complete is held", cs(`{replicas: 5, updateStrategy: {partition: 3, paused: true}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 2, updatedReadyReplicas: 2}`),
			Current, ReasonBatchHeld, ""},
		{"generation not observed", cs(`{replicas: 5, updateStrategy: {partition: 3}}`,
			`{observedGeneration: 1, replicas: 5, readyReplicas: 5, updatedReplicas: 5, updatedReadyReplicas: 5}`),
			InProgress, ReasonPending, "waiting for the controller to observe generation 2 (observed 1)"},
		{"no status at all", cs(`{replicas: 5}`, `{}`), InProgress, ReasonPending, ""},
		{"partition above replicas holds everything", cs(`{replicas: 5, updateStrategy: {partition: 9}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 0, updatedReadyReplicas: 0}`),
			Current, ReasonBatchHeld, "batch held at partition 5: 0/5 updated and ready"},
		{"partition string without percent", cs(`{replicas: 5, updateStrategy: {partition: "3"}}`,
			`{observedGeneration: 2, replicas: 5, readyReplicas: 5}`),
			Failed, ReasonInvalidSpec, ""},
		{"progress deadline", cs(`{replicas: 5}`,
			`{observedGeneration: 2, replicas: 5, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "too slow"}]}`),
			Failed, ReasonDeadline, "too slow"},
		{"refused by the engine", cs(`{replicas: 5, updateStrategy: {maxSurge: 0, maxUnavailable: 0}}`,
			`{observedGeneration: 2, conditions: [{type: Stalled, status: "True", reason: FailedValidation, message: "spec.updateStrategy.maxUnavailable: maxUnavailable and maxSurge should not both be less than 1"}]}`),
			Failed, ReasonInvalidSpec, "FailedValidation: spec.updateStrategy.maxUnavailable: maxUnavailable and maxSurge should not both be less than 1"},
		{"scaled to zero", cs(`{replicas: 0}`, `{observedGeneration: 2, replicas: 0}`), Current, ReasonRolledOut, "0/0 updated and ready"},
	})
}

func TestPartitionReplicas(t *testing.T) {
	cases := []struct {
		replicas  int
		partition intstr.IntOrString
		want      int
		wantErr   bool
	}{
		{5, intstr.FromInt32(3), 3, false},
		{5, intstr.FromString("40%"), 2, false},
		{5, intstr.FromString("90%"), 4, false},
		{5, intstr.FromString("100%"), 5, false},
		{5, intstr.FromString("0%"), 0, false},
		{5, intstr.FromString("1%"), 1, false},
		{9, intstr.FromString("99%"), 8, false},
		{10, intstr.FromString("90%"), 9, false},
		{1, intstr.FromString("50%"), 1, false},
		{0, intstr.FromString("99%"), 0, false},
		{999, intstr.FromString("99.99%"), 998, false},
		{5, intstr.FromInt32(12), 5, false},
		{5, intstr.FromInt32(-2), 0, false},
		{5, intstr.FromString("3"), 0, true},
		{5, intstr.FromString("x%"), 0, true},
	}
	for _, tc := range cases {
		got, err := partitionReplicas(&tc.partition, tc.replicas)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("partitionReplicas(%s, %d) = %d, %v; want %d, error %v", tc.partition.String(), tc.replicas, got, err, tc.want, tc.wantErr)
		}
	}
	if got, err := partitionReplicas(nil, 5); got != 0 || err != nil {
		t.Errorf("nil partition = %d, %v", got, err)
	}
}
