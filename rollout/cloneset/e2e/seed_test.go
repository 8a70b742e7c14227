package e2e

import (
	"slices"
	"testing"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The seed scenario of DESIGN.md: replicas 5, maxSurge 20% (1 pod),
// maxUnavailable 0, partition 3. TOTAL goes to 6 with 1 updated and
// settles at 5 with 2 updated; partition 0 goes to 6 again and settles at
// 5, all updated. The gatekeeper holds the surge pod not-ready for a moment,
// so `kubectl get clone` can be read at 6/1: exactly the example.
func TestSeedScenario(t *testing.T) {
	for _, strategy := range []appsv1alpha1.CloneSetUpdateStrategyType{
		appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType,
		appsv1alpha1.RecreateCloneSetUpdateStrategyType,
	} {
		t.Run(string(strategy), func(t *testing.T) {
			e := setup(t)
			eng := rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
			gate := rollouttest.NewGatekeeper(e.c.Client, e.obs)
			s := spec{replicas: 5, image: "demo:1", strategy: strategy, partition: "0", maxSurge: "20%", maxUnavailable: "0", gated: true}
			e.create(t, s.cloneSet("demo"))
			e.obs.SetTarget("demo:1")
			e.waitSettled(t, "demo", 5, 5)
			e.waitRow(t, "demo", "5 5 5 5 5")

			e.obs.SetTarget("demo:2")
			e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 6, MinAvailable: 5})
			gate.Hold()
			e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
				cs.Spec.Template.Spec.Containers[0].Image = "demo:2"
				cs.Spec.UpdateStrategy.Partition = ptr.To(intstr.FromInt32(3))
			})
			e.obs.Wait(t, timeout, "surge pod", func(s rollouttest.Snapshot) bool { return s.Total == 6 && s.Updated == 1 })
			e.waitRow(t, "demo", "5 1 0 5 6")
			gate.Release()
			cs := e.waitSettled(t, "demo", 5, 2)
			e.waitRow(t, "demo", "5 2 2 5 5")
			if cs.Status.ExpectedUpdatedReplicas != 2 || cs.Status.CurrentRevision == cs.Status.UpdateRevision {
				t.Errorf("status at partition 3: expectedUpdated %d, current %s, update %s; want 2 and two revisions",
					cs.Status.ExpectedUpdatedReplicas, cs.Status.CurrentRevision, cs.Status.UpdateRevision)
			}
			m := e.obs.Milestones()
			if first := firstChange(m); first != (rollouttest.Milestone{Total: 6, Updated: 1}) || m[len(m)-1] != (rollouttest.Milestone{Total: 5, Updated: 2}) {
				t.Errorf("partition 3 milestones %v: want 5/0, 6/1 first, 5/2 last", m)
			}

			e.obs.SetTarget("demo:2")
			e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
				cs.Spec.UpdateStrategy.Partition = ptr.To(intstr.FromInt32(0))
			})
			cs = e.waitSettled(t, "demo", 5, 5)
			e.waitRow(t, "demo", "5 5 5 5 5")
			m = e.obs.Milestones()
			if !slices.ContainsFunc(m, func(x rollouttest.Milestone) bool { return x.Total == 6 }) || m[len(m)-1] != (rollouttest.Milestone{Total: 5, Updated: 5}) {
				t.Errorf("partition 0 milestones %v: want 6 pods at some point, 5/5 last", m)
			}
			if cs.Status.CurrentRevision != cs.Status.UpdateRevision {
				t.Errorf("currentRevision %s != updateRevision %s after the rollout", cs.Status.CurrentRevision, cs.Status.UpdateRevision)
			}
			t.Logf("milestones (TOTAL/UPDATED) from partition 0: %v", m)
			if n := eng.Metrics().StatusMetadataDropped(); n != 0 {
				t.Errorf("the API server dropped the lifecycle label of %d combined pods/status patches", n)
			}
			if strategy == appsv1alpha1.RecreateCloneSetUpdateStrategyType {
				// every pod recreated once: 5 deletes, 5 creates at demo:2
				// (a pass that planned on a stale view would delete a
				// terminating pod again or create a sixth)
				if created, deleted := e.obs.CreatedWithImage("demo:2"), eng.Metrics().PodsDeleted(); created != 5 || deleted != 5 {
					t.Errorf("pods created at demo:2: %d, pods deleted: %d; want 5 and 5", created, deleted)
				}
				// a new pod gets InPlaceUpdateReady and its Normal state
				// from the pass that creates it, so no pass of a ReCreate
				// rollout is left to refresh anything
				if n := eng.Metrics().Passes(string(plan.PhaseRefresh)); n != 0 {
					t.Errorf("%d Refresh passes: a created pod was not refreshed by the pass that created it", n)
				}
			}
		})
	}
}

// firstChange is the first milestone that differs from the starting one.
func firstChange(m []rollouttest.Milestone) rollouttest.Milestone {
	for _, x := range m[1:] {
		if x != m[0] {
			return x
		}
	}
	return m[0]
}
