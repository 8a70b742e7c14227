package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The engine is killed in the middle of a rollout and another one finishes
// it: no budget is broken, no pod is created twice, and exactly one pod is
// created per replica at the new image (a double creation would show as
// more). "restart" starts a fresh engine after the kill; "failover" has a
// second replica waiting on the leader Lease, which must not act while the
// first one leads.
func TestKillEngineMidRollout(t *testing.T) {
	for _, failover := range []bool{false, true} {
		name := "restart"
		if failover {
			name = "failover"
		}
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			opts := func(id string) engine.Options {
				o := rollouttest.EngineOptions(e.ns)
				if failover {
					o.Leader = engine.LeaderElection{Enabled: true, Namespace: e.ns, Name: "ferry-engine", Identity: id,
						LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond}
				}
				return o
			}
			first := rollouttest.StartEngine(t, e.c.Config, opts("first"))
			var standby *rollouttest.Engine
			s := spec{replicas: 20, image: "demo:1", strategy: appsv1alpha1.RecreateCloneSetUpdateStrategyType, maxSurge: "10%", maxUnavailable: "10%"}
			e.create(t, s.cloneSet("demo"))
			e.obs.SetTarget("demo:1")
			e.waitSettled(t, "demo", 20, 20)
			if failover {
				standby = rollouttest.StartEngine(t, e.c.Config, opts("standby"))
				lease, err := e.c.Client.CoordinationV1().Leases(e.ns).Get(context.Background(), "ferry-engine", metav1.GetOptions{})
				if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != "first" {
					t.Fatalf("lease %v %v: want held by first", lease, err)
				}
			}

			e.obs.SetTarget("demo:2")
			e.obs.SetBudget(&rollouttest.Budget{MaxTotal: 22, MinAvailable: 18})
			e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = "demo:2" })
			e.obs.Wait(t, timeout, "rollout under way", func(s rollouttest.Snapshot) bool { return s.Updated >= 6 })
			// read before the first engine stops: once it releases the
			// lease, the standby's writes are legitimate
			var standbyWrites int64
			if failover {
				standbyWrites = standby.Metrics().Writes()
			}
			first.Stop(t)
			killedAt := e.obs.Snapshot()
			if failover {
				if standbyWrites != 0 {
					t.Errorf("the standby wrote %d times while the first engine led", standbyWrites)
				}
			} else {
				rollouttest.StartEngine(t, e.c.Config, opts("second"))
			}
			e.waitSettled(t, "demo", 20, 20)
			if n := e.obs.CreatedWithImage("demo:2"); n != 20 {
				t.Errorf("%d pods created at demo:2 for 20 replicas", n)
			}
			t.Logf("killed at %+v; milestones %v", killedAt, e.obs.Milestones())
		})
	}
}
