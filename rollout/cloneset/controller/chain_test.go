package controller

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func chainPod(name, state string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name),
		Labels: map[string]string{"lifecycle.apps.kruise.io/state": state}}}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// The pass after a pass sees that pass's writes: patched pods as the API
// returned them, deleted pods gone from the active ones (their instance
// ids still claimed), created pods added; a patch returned for a pod of
// the same name but another UID is not taken.
func TestNextPassAppliesWrites(t *testing.T) {
	a, b, d := chainPod("a", "Normal"), chainPod("b", "Normal"), chainPod("d", "Normal")
	done := chainPod("c", "Normal")
	done.Status.Phase = corev1.PodSucceeded
	p := &pass{key: "ns/cs", cs: &appsv1alpha1.CloneSet{}, claimed: []*corev1.Pod{a, b, done, d},
		pods: []*corev1.Pod{a, b, d}, byName: map[string]*corev1.Pod{"a": a, "b": b, "d": d}, written: newWritten()}

	a2 := chainPod("a", "PreparingUpdate")
	p.written.patched(a2)
	other := chainPod("d", "PreparingDelete")
	other.UID = "someone-else"
	p.written.patched(other)
	p.written.remove("b")
	e := chainPod("e", "PreparingNormal")
	p.written.create(e)

	now := time.Unix(100, 0)
	n := p.next(now)
	if got := names(n.pods); !slices.Equal(got, []string{"a", "d", "e"}) {
		t.Errorf("active pods %v, want [a d e]", got)
	}
	if got := names(n.claimed); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("claimed pods %v, want [a b c d e] (instance ids stay taken)", got)
	}
	if n.byName["a"] != a2 || n.byName["d"] != d || n.byName["b"] != nil || n.byName["e"] != e {
		t.Errorf("byName = %v: want a as patched, d as read, b gone, e created", n.byName)
	}
	if !n.now.Equal(now) || n.written == p.written || len(n.written.pods) != 0 {
		t.Errorf("the next pass must have its own clock and an empty write record")
	}

	// two passes later, b (deleted, claimed as read before its delete)
	// is still not active
	n2 := n.next(now).next(now)
	if got := names(n2.pods); !slices.Equal(got, []string{"a", "d", "e"}) {
		t.Errorf("two passes later: active pods %v, want [a d e]: a deleted pod must stay deleted", got)
	}
}

func TestCanChain(t *testing.T) {
	cs := &appsv1alpha1.CloneSet{}
	p := &pass{cs: cs}
	work := plan.Plan{Deletes: []plan.PodDelete{{Pod: "a"}}}
	if !canChain(p, work, nil) {
		t.Error("a pass whose writes all succeeded must chain")
	}
	if canChain(p, plan.Plan{}, nil) {
		t.Error("an empty pass must not chain: nothing changed")
	}
	if canChain(p, work, errors.New("conflict")) {
		t.Error("a pass with a failed write must not chain: the next pass must see the cache")
	}
	withClaims := &pass{cs: &appsv1alpha1.CloneSet{Spec: appsv1alpha1.CloneSetSpec{
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}}}}
	if canChain(withClaims, work, nil) {
		t.Error("a CloneSet with volumeClaimTemplates must not chain: PVCs are not tracked")
	}
}

// Refresh and lifecycle items of one pod are grouped, refresh first, so
// they are written in order by one goroutine.
func TestByPod(t *testing.T) {
	pl := plan.Plan{
		Refresh: []plan.PodRefresh{{Pod: "a", Action: plan.RefreshSetInPlaceReady}, {Pod: "b", Action: plan.RefreshSetInPlaceReady},
			{Pod: "a", Action: plan.RefreshBackfillTemplateHash}},
		Lifecycle: []plan.LifecycleChange{{Pod: "c", To: "Normal"}, {Pod: "a", To: "Normal"}},
	}
	work := byPod(pl)
	if len(work) != 3 {
		t.Fatalf("%d groups, want 3 (a, b, c)", len(work))
	}
	a := work[0]
	if len(a.refresh) != 2 || a.refresh[0].Action != plan.RefreshSetInPlaceReady || a.refresh[1].Action != plan.RefreshBackfillTemplateHash ||
		a.lifecycle == nil || a.lifecycle.Pod != "a" {
		t.Errorf("pod a: %+v, want both refresh items in order and its lifecycle change", a)
	}
	if work[1].lifecycle != nil || len(work[1].refresh) != 1 || work[2].lifecycle == nil || work[2].lifecycle.Pod != "c" {
		t.Errorf("pods b, c: %+v %+v", work[1], work[2])
	}
}

func TestMetadataOnlyPatch(t *testing.T) {
	pod := chainPod("a", "PreparingNormal")
	want := pod.DeepCopy()
	want.Labels["lifecycle.apps.kruise.io/state"] = "Normal"
	want.Annotations = map[string]string{"lifecycle.apps.kruise.io/timestamp": "t"}
	meta, ok, err := metadataOnlyPatch(pod, want)
	if err != nil || !ok {
		t.Fatalf("labels and annotations only: ok %v err %v", ok, err)
	}
	if meta["uid"] != "uid-a" || meta["labels"].(map[string]any)["lifecycle.apps.kruise.io/state"] != "Normal" {
		t.Errorf("patch metadata %v: want the UID precondition and the new state", meta)
	}
	withFinalizer := want.DeepCopy()
	withFinalizer.Finalizers = []string{"example.com/hook"}
	if _, ok, _ := metadataOnlyPatch(pod, withFinalizer); ok {
		t.Error("a finalizer change must not go through pods/status")
	}
}

func TestKept(t *testing.T) {
	before := map[string]string{"state": "PreparingNormal", "app": "x"}
	want := map[string]string{"state": "Normal", "app": "x"}
	if !kept(before, want, map[string]string{"state": "Normal", "app": "y"}) {
		t.Error("a key the change did not touch may differ (someone else wrote it)")
	}
	if kept(before, want, map[string]string{"state": "PreparingNormal", "app": "x"}) {
		t.Error("a dropped change must be seen")
	}
}
