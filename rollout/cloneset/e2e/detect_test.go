package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// --engine=auto leaves CloneSets alone while OpenKruise's controller holds
// its leader Lease, and takes over once the Lease is gone.
func TestAutoModeDefersToKruise(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	kube := e.c.Client
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: engine.KruiseNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: engine.KruiseLease, Namespace: engine.KruiseNamespace},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("kruise-manager-0"), LeaseDurationSeconds: ptr.To[int32](15),
			RenewTime: ptr.To(metav1.NewMicroTime(time.Now()))},
	}
	leases := kube.CoordinationV1().Leases(engine.KruiseNamespace)
	if _, err := leases.Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = leases.Delete(context.Background(), engine.KruiseLease, metav1.DeleteOptions{}) })

	opts := rollouttest.EngineOptions(e.ns)
	opts.Mode = engine.ModeAuto
	eng := rollouttest.StartEngine(t, e.c.Config, opts)
	waitState(t, eng, engine.StateDeferringKruise)
	e.create(t, spec{replicas: 2, image: "demo:1"}.cloneSet("demo"))
	time.Sleep(time.Second) // several detection rounds: a wrong engine would act now
	if n := e.podsOf(t, "demo"); n != 0 {
		t.Fatalf("auto mode created %d pods while Kruise's lease is held", n)
	}
	if err := leases.Delete(ctx, engine.KruiseLease, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 2, 2)
	if s, _ := eng.State(); s != engine.StateRunning {
		t.Errorf("state %s after Kruise left, want %s", s, engine.StateRunning)
	}
}

func waitState(t *testing.T, e *rollouttest.Engine, want engine.State) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s, reason := e.State()
		if s == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine state %s (%s), want %s", s, reason, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
