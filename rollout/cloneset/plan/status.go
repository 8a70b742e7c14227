package plan

import (
	"fmt"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ComputeStatus is the CloneSet's status for its active pods, as Kruise's
// calculateStatus writes it:
//
//	replicas                  pods
//	readyReplicas             pods IsPodReady (lifecycle ignored)
//	availableReplicas         pods IsPodAvailable for minReadySeconds
//	updatedReplicas           pods at the update revision (full or short hash)
//	updatedReadyReplicas      updated and ready
//	updatedAvailableReplicas  updated and available
//	expectedUpdatedReplicas   replicas - partition
//	observedGeneration        metadata.generation
//	labelSelector             the selector as a string (scale subresource, HPA)
//	updateRevision, collisionCount   from the revision choice
//	currentRevision           the choice's current revision, moved to the update
//	                          revision only once every pod is updated and there
//	                          are exactly spec.replicas pods (not while surging)
//
// Conditions are carried over from the CloneSet unchanged; the controller owns them.
func ComputeStatus(cs *appsv1alpha1.CloneSet, pods []*corev1.Pod, choice RevisionChoice, now time.Time) (appsv1alpha1.CloneSetStatus, error) {
	k, err := ResolveKnobs(cs)
	if err != nil {
		return appsv1alpha1.CloneSetStatus{}, fmt.Errorf("cloneset %s/%s: %w", cs.Namespace, cs.Name, err)
	}
	st := appsv1alpha1.CloneSetStatus{
		ObservedGeneration:      cs.Generation,
		UpdateRevision:          choice.Update,
		CurrentRevision:         choice.Current,
		CollisionCount:          &choice.CollisionCount,
		ExpectedUpdatedReplicas: int32(k.Replicas - k.Partition),
		Conditions:              cs.Status.Conditions,
	}
	if cs.Spec.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(cs.Spec.Selector)
		if err != nil {
			return appsv1alpha1.CloneSetStatus{}, fmt.Errorf("cloneset %s/%s: spec.selector: %w", cs.Namespace, cs.Name, err)
		}
		st.LabelSelector = sel.String()
	}
	for _, p := range pods {
		ready := IsPodReady(p)
		available := IsPodAvailable(p, cs.Spec.MinReadySeconds, now)
		updated := IsAtRevision(p, choice.Update)
		st.Replicas++
		st.ReadyReplicas += count(ready)
		st.AvailableReplicas += count(available)
		st.UpdatedReplicas += count(updated)
		st.UpdatedReadyReplicas += count(updated && ready)
		st.UpdatedAvailableReplicas += count(updated && available)
	}
	if st.UpdatedReplicas == st.Replicas && int(st.Replicas) == k.Replicas {
		st.CurrentRevision = st.UpdateRevision
	}
	return st, nil
}

func count(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// StatusChanged reports whether the status must be written: any field
// differs, conditions excepted (Kruise persists a condition change only
// together with another change; the controller decides about conditions).
func StatusChanged(old, cur *appsv1alpha1.CloneSetStatus) bool {
	a, b := old.DeepCopy(), cur.DeepCopy()
	a.Conditions, b.Conditions = nil, nil
	return !apiequality.Semantic.DeepEqual(a, b)
}
