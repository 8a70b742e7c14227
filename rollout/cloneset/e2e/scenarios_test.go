package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Scaling up and then down in the middle of rollouts: the gatekeeper holds
// the first new pods not ready so the rollout is surely in progress when
// replicas change. The budget is checked throughout, against the looser of
// the old and new replicas while they change.
func TestScaleDuringRollout(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	gate := rollouttest.NewGatekeeper(e.c.Client, e.obs)
	s := spec{replicas: 5, image: "demo:1", strategy: appsv1alpha1.RecreateCloneSetUpdateStrategyType, maxSurge: "1", maxUnavailable: "1", gated: true}
	e.create(t, s.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 5, 5)

	// scale 5 -> 8 while rolling out demo:2
	e.obs.SetTarget("demo:2")
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 5 + 1, MinAvailable: 5 - 1})
	gate.Hold()
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = "demo:2" })
	e.obs.Wait(t, timeout, "rollout under way", func(s rollouttest.Snapshot) bool { return s.Updated >= 1 })
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 8 + 1, MinAvailable: 5 - 1})
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](8) })
	gate.Release()
	e.waitSettled(t, "demo", 8, 8)
	e.waitRow(t, "demo", "8 8 8 8 8")

	// scale 8 -> 3 while rolling out demo:3
	e.obs.SetTarget("demo:3")
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 8 + 1, MinAvailable: 8 - 1})
	gate.Hold()
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = "demo:3" })
	e.obs.Wait(t, timeout, "rollout under way", func(s rollouttest.Snapshot) bool { return s.Updated >= 1 })
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 8 + 1, MinAvailable: 3 - 1})
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](3) })
	gate.Release()
	e.waitSettled(t, "demo", 3, 3)
	e.waitRow(t, "demo", "3 3 3 3 3")
}

// scaleStrategy.podsToDelete and the specified-delete label: the pod goes,
// a replacement comes, and with maxUnavailable 0 the replacement comes
// first (surge). The names are truncated from podsToDelete afterwards.
func TestPodsToDeleteAndSpecifiedDelete(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	s := spec{replicas: 4, image: "demo:1", maxSurge: "1", maxUnavailable: "0"}
	e.create(t, s.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 4, 4)
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 5, MinAvailable: 4})

	victim := e.obs.Pods()[0].Name
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.ScaleStrategy.PodsToDelete = []string{victim} })
	e.obs.Wait(t, timeout, "podsToDelete victim replaced", func(s rollouttest.Snapshot) bool {
		return s.Total == 4 && s.Available == 4 && !e.hasPod(victim)
	})
	e.waitStatus(t, "demo", "podsToDelete truncated", func(appsv1alpha1.CloneSetStatus) bool {
		return len(e.get(t, "demo").Spec.ScaleStrategy.PodsToDelete) == 0
	})

	labelled := e.obs.Pods()[0].Name
	patch := `{"metadata":{"labels":{"` + appsv1alpha1.SpecifiedDeleteKey + `":"true"}}}`
	if _, err := e.c.Client.CoreV1().Pods(e.ns).Patch(context.Background(), labelled, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	e.obs.Wait(t, timeout, "specified-delete pod replaced", func(s rollouttest.Snapshot) bool {
		return s.Total == 4 && s.Available == 4 && !e.hasPod(labelled)
	})
	e.waitSettled(t, "demo", 4, 4)
}

func (e *env) hasPod(name string) bool {
	for _, p := range e.obs.Pods() {
		if p.Name == name {
			return true
		}
	}
	return false
}

// paused stops updates (and surge) but not scaling; unpausing finishes.
func TestPaused(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	s := spec{replicas: 4, image: "demo:1", strategy: appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, maxSurge: "1", maxUnavailable: "1"}
	e.create(t, s.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 4, 4)

	e.obs.SetTarget("demo:2")
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 5, MinAvailable: 3})
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Spec.Template.Spec.Containers[0].Image = "demo:2"
		cs.Spec.UpdateStrategy.Paused = true
	})
	cs := e.waitStatus(t, "demo", "new revision observed", func(st appsv1alpha1.CloneSetStatus) bool {
		return st.UpdateRevision != st.CurrentRevision
	})
	if cs.Status.UpdatedReplicas != 0 || e.obs.Snapshot().Updated != 0 {
		t.Fatalf("paused CloneSet updated pods: status %d, pods %+v", cs.Status.UpdatedReplicas, e.obs.Snapshot())
	}
	// scaling still works while paused; the new pod is made from the update revision
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 5, MinAvailable: 3})
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](5) })
	e.waitSettled(t, "demo", 5, 1)
	if m := e.obs.Milestones(); maxUpdated(m) > 1 {
		t.Fatalf("paused CloneSet updated pods: milestones %v", m)
	}

	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.UpdateStrategy.Paused = false })
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 6, MinAvailable: 4})
	e.waitSettled(t, "demo", 5, 5)
}

func maxUpdated(m []rollouttest.Milestone) int {
	n := 0
	for _, x := range m {
		n = max(n, x.Updated)
	}
	return n
}

// partition as a percent (ceil(30% of 10) = 3 pods stay old), then a raised
// partition (80%: 8 old) moves pods back to the current revision in place:
// ferry's partition rollback, on by default.
func TestPartitionPercentAndRollback(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	s := spec{replicas: 10, image: "demo:1", strategy: appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, maxUnavailable: "20%"}
	e.create(t, s.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 10, 10)

	e.obs.SetTarget("demo:2")
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 10, MinAvailable: 8})
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Spec.Template.Spec.Containers[0].Image = "demo:2"
		cs.Spec.UpdateStrategy.Partition = ptr.To(intstr.FromString("30%"))
	})
	cs := e.waitSettled(t, "demo", 10, 7)
	if cs.Status.ExpectedUpdatedReplicas != 7 {
		t.Errorf("expectedUpdatedReplicas = %d, want 7", cs.Status.ExpectedUpdatedReplicas)
	}
	names := podNames(e.obs.Pods())

	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Spec.UpdateStrategy.Partition = ptr.To(intstr.FromString("80%"))
	})
	cs = e.waitSettled(t, "demo", 10, 2)
	if cs.Status.ExpectedUpdatedReplicas != 2 {
		t.Errorf("expectedUpdatedReplicas = %d, want 2", cs.Status.ExpectedUpdatedReplicas)
	}
	if got := podNames(e.obs.Pods()); strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("rollback recreated pods: before %v, after %v (want the same pods, moved in place)", names, got)
	}
	if n := e.obs.CreatedWithImage("demo:2"); n != 0 {
		t.Errorf("%d pods were created at demo:2; every move should have been in place", n)
	}
}

func podNames(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// InPlaceOnly and a change beyond images: the engine does not recreate
// anything; FailedUpdate (condition and event) says why. An image-only
// change afterwards rolls in place, the same pods, and clears it.
func TestInPlaceOnlyRefusesNonImageChange(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	s := spec{replicas: 3, image: "demo:1", strategy: appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType, maxUnavailable: "1"}
	e.create(t, s.cloneSet("demo"))
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 3, 3)
	names := podNames(e.obs.Pods())
	e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 3, MinAvailable: 2})

	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "fast"}}
	})
	cs := e.waitStatus(t, "demo", "FailedUpdate condition", func(st appsv1alpha1.CloneSetStatus) bool {
		c := condition(st, appsv1alpha1.CloneSetConditionFailedUpdate)
		return c != nil && c.Status == corev1.ConditionTrue
	})
	msg := condition(cs.Status, appsv1alpha1.CloneSetConditionFailedUpdate).Message
	if !strings.Contains(msg, plan.ErrNotInPlace.Error()) {
		t.Errorf("FailedUpdate message %q does not say why", msg)
	}
	if !e.eventuallyEvent(t, "demo", "FailedUpdate", "InPlaceOnly") {
		t.Errorf("no FailedUpdate event naming InPlaceOnly; events: %v", e.events(t, "demo"))
	}
	if got := podNames(e.obs.Pods()); strings.Join(got, ",") != strings.Join(names, ",") || cs.Status.UpdatedReplicas != 0 {
		t.Fatalf("InPlaceOnly with a spec change touched pods: before %v, after %v, updated %d", names, got, cs.Status.UpdatedReplicas)
	}

	e.obs.SetTarget("demo:2")
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Spec.Template.Spec.Containers[0].Env = nil
		cs.Spec.Template.Spec.Containers[0].Image = "demo:2"
	})
	cs = e.waitSettled(t, "demo", 3, 3)
	if c := condition(cs.Status, appsv1alpha1.CloneSetConditionFailedUpdate); c != nil {
		t.Errorf("FailedUpdate still set after a good change: %+v", c)
	}
	if got := podNames(e.obs.Pods()); strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("in-place update recreated pods: before %v, after %v", names, got)
	}
}

func condition(st appsv1alpha1.CloneSetStatus, t appsv1alpha1.CloneSetConditionType) *appsv1alpha1.CloneSetCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

func hasEvent(events []corev1.Event, reason, contains string) bool {
	for _, ev := range events {
		if ev.Reason == reason && strings.Contains(ev.Message, contains) {
			return true
		}
	}
	return false
}

// eventuallyEvent waits up to 10 s for a CloneSet event with reason and a
// message containing text: events are written by a broadcaster in the
// background, after the status that reports the same thing.
func (e *env) eventuallyEvent(t *testing.T, name, reason, contains string) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if hasEvent(e.events(t, name), reason, contains) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
