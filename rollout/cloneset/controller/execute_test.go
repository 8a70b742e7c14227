package controller

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func typesUID(s string) types.UID { return types.UID(s) }

func TestInstanceIDs(t *testing.T) {
	pod := func(id string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{appsv1alpha1.CloneSetInstanceID: id}}}
	}
	pvc := func(id string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{appsv1alpha1.CloneSetInstanceID: id}}}
	}
	// "keep1" has a pod; "free1" and "free2" are PVCs whose pods are gone
	ids := instanceIDs(4, []*corev1.Pod{pod("keep1")}, []*corev1.PersistentVolumeClaim{pvc("keep1"), pvc("free1"), pvc("free2"), pvc("free1")})
	if len(ids) != 4 || ids[0] != "free1" || ids[1] != "free2" {
		t.Fatalf("ids = %v: want the free PVC ids first, in order", ids)
	}
	for _, id := range ids[2:] {
		if len(id) != instanceIDLength || id == "keep1" || id == "free1" || id == "free2" {
			t.Errorf("new id %q collides or has the wrong length", id)
		}
	}
	if ids[2] == ids[3] {
		t.Errorf("two new pods got the same id %q", ids[2])
	}
}

func TestSlowStart(t *testing.T) {
	var mu sync.Mutex
	var calls []int
	fail := errors.New("quota")
	done, err := slowStart(context.Background(), 20, 4, func(_ context.Context, i int) error {
		mu.Lock()
		calls = append(calls, i)
		mu.Unlock()
		if i == 4 {
			return fail
		}
		return nil
	})
	// batches: [0] [1 2] [3 4 5 6] -> stops after the batch holding 4
	slices.Sort(calls)
	if !errors.Is(err, fail) || !slices.Equal(calls, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Fatalf("calls %v err %v: want batches 1, 2, 4 then a stop", calls, err)
	}
	for i, d := range done {
		want := i <= 6 && i != 4
		if d != want {
			t.Errorf("done[%d] = %v, want %v", i, d, want)
		}
	}
	n := 0
	if _, err := slowStart(context.Background(), 3, 8, func(context.Context, int) error { n++; return nil }); err != nil || n != 3 {
		t.Errorf("3 items: %d calls, err %v", n, err)
	}
}

func TestPodPatch(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "demo-a", UID: "u1", Labels: map[string]string{"app": "demo", "old": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "demo:1"}, {Name: "log", Image: "log:1"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	want := pod.DeepCopy()
	want.Labels["tier"] = "web"
	delete(want.Labels, "old")
	want.Spec.Containers[0].Image = "demo:2"
	want.Status.Phase = corev1.PodFailed // status is never part of the patch
	raw, err := podPatch(pod, want)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"metadata":{"labels":{"old":null,"tier":"web"},"uid":"u1"},"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"log"}],"containers":[{"image":"demo:2","name":"app"}]}}`
	if string(raw) != wantJSON {
		t.Fatalf("patch\n%s\nwant\n%s", raw, wantJSON)
	}
	if raw, err := podPatch(pod, pod.DeepCopy()); err != nil || raw != nil {
		t.Fatalf("no change: patch %s err %v, want none", raw, err)
	}
	labelOnly := pod.DeepCopy()
	labelOnly.Labels["tier"] = "web"
	if raw, err := podPatch(pod, labelOnly); err != nil || string(raw) != `{"metadata":{"labels":{"tier":"web"},"uid":"u1"}}` {
		t.Fatalf("label only: patch %s err %v, want the label and the UID", raw, err)
	}
}

func TestConditionsPatch(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1"}}
	at := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	raw, err := conditionsPatch(pod, corev1.PodCondition{Type: appspub.InPlaceUpdateReady, Status: corev1.ConditionTrue, LastTransitionTime: at})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"metadata":{"uid":"u1"},"status":{"conditions":[{"lastProbeTime":null,"lastTransitionTime":"2026-01-01T00:00:00Z","status":"True","type":"InPlaceUpdateReady"}]}}`
	if string(raw) != wantJSON {
		t.Fatalf("patch\n%s\nwant\n%s", raw, wantJSON)
	}
}
