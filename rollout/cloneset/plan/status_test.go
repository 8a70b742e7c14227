package plan

import (
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/utils/ptr"
)

func TestComputeStatus(t *testing.T) {
	cs := testCloneSet(5, "3", "0", "1")
	cs.Generation = 7
	cs.Spec.MinReadySeconds = 3600 // pods in testPods have been ready for 30 minutes: not yet available
	choice := RevisionChoice{Current: testOld, Update: testNew, CollisionCount: 2}
	// surging: 6 pods, 2 updated (one not ready), one old in Updating
	pods := testPods(t, "1n 1nx 3o 1ou")
	st, err := ComputeStatus(cs, pods, choice, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := appsv1alpha1.CloneSetStatus{
		ObservedGeneration: 7, Replicas: 6, ReadyReplicas: 5, AvailableReplicas: 0,
		UpdatedReplicas: 2, UpdatedReadyReplicas: 1, UpdatedAvailableReplicas: 0, ExpectedUpdatedReplicas: 2,
		UpdateRevision: testNew, CurrentRevision: testOld, CollisionCount: ptr.To[int32](2), LabelSelector: "app=demo",
	}
	if StatusChanged(&st, &want) {
		t.Errorf("status\n got  %+v\n want %+v", st, want)
	}
	cs.Spec.MinReadySeconds = 0
	st, _ = ComputeStatus(cs, pods, choice, testNow)
	if st.AvailableReplicas != 4 || st.UpdatedAvailableReplicas != 1 {
		t.Errorf("available %d updated available %d, want 4 and 1 (Updating is not available)", st.AvailableReplicas, st.UpdatedAvailableReplicas)
	}

	// all updated but still surging: currentRevision waits
	st, _ = ComputeStatus(cs, testPods(t, "6n"), choice, testNow)
	if st.CurrentRevision != testOld {
		t.Errorf("current revision moved while 6 pods exist for 5 replicas")
	}
	// all updated, exactly replicas: currentRevision advances
	st, _ = ComputeStatus(cs, testPods(t, "5n"), choice, testNow)
	if st.CurrentRevision != testNew {
		t.Errorf("current revision %s, want %s", st.CurrentRevision, testNew)
	}
}

func TestStatusChanged(t *testing.T) {
	a := appsv1alpha1.CloneSetStatus{Replicas: 5, UpdateRevision: "r"}
	b := *a.DeepCopy()
	if StatusChanged(&a, &b) {
		t.Error("equal statuses reported changed")
	}
	b.Conditions = []appsv1alpha1.CloneSetCondition{{Type: appsv1alpha1.CloneSetConditionFailedScale, Status: "True"}}
	if StatusChanged(&a, &b) {
		t.Error("a condition alone counts as a change")
	}
	b.UpdatedAvailableReplicas = 1
	if !StatusChanged(&a, &b) {
		t.Error("updatedAvailableReplicas change missed")
	}
}
