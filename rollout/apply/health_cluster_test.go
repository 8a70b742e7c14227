package apply

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ferry-gitops/ferry/rollout/apply/health"
)

// checkOne returns the health of one object.
func (e *env) checkOne(t *testing.T, ref ObjectRef) health.Result {
	t.Helper()
	hs, err := e.m.Check(e.ctx, []ObjectRef{ref})
	if err != nil {
		t.Fatal(err)
	}
	return hs[0].Health
}

func wantHealth(t *testing.T, got health.Result, status health.Status, reason health.Reason) {
	t.Helper()
	if got.Status != status || got.Reason != reason {
		t.Fatalf("health %s, want %s (%s)", got, status, reason)
	}
}

func TestWaitForRealWorkloads(t *testing.T) {
	e := newEnv(t)
	cs := e.apply(t, fixture(t, "health.yaml", e.ns))
	if err := e.m.Wait(e.ctx, cs.Refs(), time.Minute); err != nil {
		t.Fatalf("wait: %v", err)
	}
	hs, err := e.m.Check(e.ctx, cs.Refs())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]health.Reason{}
	for _, h := range hs {
		if h.Health.Status != health.Current {
			t.Fatalf("%s after Wait", h)
		}
		got[h.Ref.Kind] = h.Health.Reason
	}
	want := map[string]health.Reason{
		"ConfigMap": health.ReasonExists, "Service": health.ReasonExists,
		"Deployment": health.ReasonRolledOut, "StatefulSet": health.ReasonRolledOut, "Job": health.ReasonComplete,
	}
	for k, r := range want {
		if got[k] != r {
			t.Errorf("%s: reason %s, want %s", k, got[k], r)
		}
	}
	wantHealth(t, e.checkOne(t, ObjectRef{Version: "v1", Kind: "Namespace", Name: e.ns}), health.Current, health.ReasonActive)
}

func TestWaitTimesOutOnObjectsThatDoNotProgress(t *testing.T) {
	e := newEnv(t)
	cs := e.apply(t, fixture(t, "pending.yaml", e.ns))
	err := e.m.Wait(e.ctx, cs.Refs(), time.Second)
	var he *HealthError
	if !errors.As(err, &he) || !he.TimedOut || len(he.Objects) != 2 {
		t.Fatalf("wait: %v", err)
	}
	for _, s := range []string{
		"PersistentVolumeClaim " + e.ns + "/data InProgress (ClaimPending)",
		"Job " + e.ns + "/later InProgress (Suspended)",
	} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
}

func TestCloneSetHealthThroughItsStatus(t *testing.T) {
	e := newEnv(t)
	e.apply(t, kruiseCRDs(t))
	cloneset := fixture(t, "kruise.yaml", e.ns)[1:]
	cs := e.apply(t, cloneset)
	ref := cs.Entries[0].Ref

	// Nothing observed the spec yet (there is no CloneSet controller here).
	wantHealth(t, e.checkOne(t, ref), health.InProgress, health.ReasonPending)

	// Batch 1 of partition 3 with maxSurge 20%: the surge pod is still there.
	e.setCloneSetStatus(t, map[string]any{"replicas": 6, "readyReplicas": 5, "availableReplicas": 5,
		"updatedReplicas": 1, "updatedReadyReplicas": 1, "expectedUpdatedReplicas": 2})
	got := e.checkOne(t, ref)
	wantHealth(t, got, health.InProgress, health.ReasonRollingOut)
	if got.Message != "1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods" {
		t.Fatalf("message %q", got.Message)
	}
	var he *HealthError
	if err := e.m.Wait(e.ctx, []ObjectRef{ref}, 300*time.Millisecond); !errors.As(err, &he) || !he.TimedOut {
		t.Fatalf("wait on a moving batch: %v", err)
	}

	// The batch is done: held, and healthy.
	e.setCloneSetStatus(t, map[string]any{"replicas": 5, "readyReplicas": 5, "availableReplicas": 5,
		"updatedReplicas": 2, "updatedReadyReplicas": 2, "expectedUpdatedReplicas": 2})
	got = e.checkOne(t, ref)
	wantHealth(t, got, health.Current, health.ReasonBatchHeld)
	if got.Message != "batch held at partition 3: 2/5 updated and ready" {
		t.Fatalf("message %q", got.Message)
	}
	if err := e.m.Wait(e.ctx, []ObjectRef{ref}, 5*time.Second); err != nil {
		t.Fatalf("wait on a held batch: %v", err)
	}

	// Git releases the partition but pauses the rollout.
	unstructured.SetNestedField(cloneset[0].Object, int64(0), "spec", "updateStrategy", "partition")
	unstructured.SetNestedField(cloneset[0].Object, true, "spec", "updateStrategy", "paused")
	e.apply(t, cloneset)
	wantHealth(t, e.checkOne(t, ref), health.InProgress, health.ReasonPending)
	e.setCloneSetStatus(t, map[string]any{"replicas": 5, "readyReplicas": 5, "availableReplicas": 5,
		"updatedReplicas": 2, "updatedReadyReplicas": 2, "expectedUpdatedReplicas": 5})
	wantHealth(t, e.checkOne(t, ref), health.InProgress, health.ReasonPaused)

	// A partition Kruise would reject fails at once instead of timing out.
	unstructured.SetNestedField(cloneset[0].Object, "3", "spec", "updateStrategy", "partition")
	e.apply(t, cloneset)
	e.setCloneSetStatus(t, map[string]any{"replicas": 5, "readyReplicas": 5, "availableReplicas": 5,
		"updatedReplicas": 2, "updatedReadyReplicas": 2})
	err := e.m.Wait(e.ctx, []ObjectRef{ref}, time.Minute)
	if !errors.As(err, &he) || he.TimedOut || he.Objects[0].Health.Reason != health.ReasonInvalidSpec {
		t.Fatalf("wait on an invalid partition: %v", err)
	}
}

// setCloneSetStatus writes the demo CloneSet's status as its controller
// would, observing the current generation.
func (e *env) setCloneSetStatus(t *testing.T, status map[string]any) {
	t.Helper()
	e.setStatus(t, gvrCloneSets, "demo", status)
}

func (e *env) setStatus(t *testing.T, gvr schema.GroupVersionResource, name string, status map[string]any) {
	t.Helper()
	u := e.get(t, gvr, e.ns, name)
	st := map[string]any{"observedGeneration": u.GetGeneration()}
	for k, v := range status {
		if n, ok := v.(int); ok {
			v = int64(n)
		}
		st[k] = v
	}
	u.Object["status"] = st
	if _, err := e.dyn.Resource(gvr).Namespace(e.ns).UpdateStatus(e.ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status: %v", err)
	}
}

func TestUnknownKindIsNotHealthyUntilItReportsReady(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() { _ = e.dyn.Resource(gvrCRDs).Delete(e.ctx, "gadgets.test.ferry.dev", metav1.DeleteOptions{}) })
	cs := e.apply(t, fixture(t, "gadget.yaml", e.ns))
	ref := cs.Entries[1].Ref
	if ref.Kind != "Gadget" {
		t.Fatalf("entries: %s", cs)
	}
	wantHealth(t, e.checkOne(t, ref), health.Unknown, health.ReasonNoHealthRule)
	err := e.m.Wait(e.ctx, []ObjectRef{ref}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "Gadget "+e.ns+"/g Unknown (NoHealthRule)") {
		t.Fatalf("wait on an unknown kind: %v", err)
	}

	gadgets := gvrOf("test.ferry.dev", "v1", "gadgets")
	e.setStatus(t, gadgets, "g", map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "Assembled", "message": "ready to go"},
	}})
	wantHealth(t, e.checkOne(t, ref), health.Current, health.ReasonReady)
	if err := e.m.Wait(e.ctx, []ObjectRef{ref}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}
