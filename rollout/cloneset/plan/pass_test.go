package plan

import (
	"errors"
	"slices"
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testRevisions are revisions named demo-old and demo-new whose templates
// differ in the container image only.
func testRevisions(t *testing.T, cs *appsv1alpha1.CloneSet) []*appsv1.ControllerRevision {
	t.Helper()
	old := cs.DeepCopy()
	old.Spec.Template.Spec.Containers[0].Image = "nginx:0"
	var revs []*appsv1.ControllerRevision
	for _, c := range []struct {
		cs   *appsv1alpha1.CloneSet
		name string
	}{{old, testOld}, {cs, testNew}} {
		r, err := NewRevision(c.cs, int64(len(revs)+1), nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Name = c.name
		revs = append(revs, r)
	}
	return revs
}

func testInput(t *testing.T, cs *appsv1alpha1.CloneSet, pods, current string) Input {
	return Input{CloneSet: cs, Pods: testPods(t, pods), Revisions: testRevisions(t, cs),
		CurrentRevision: current, UpdateRevision: testNew, Now: testNow, Options: DefaultOptions()}
}

func mustPass(t *testing.T, in Input) Plan {
	t.Helper()
	p, err := Pass(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func deleted(p Plan) []string {
	var out []string
	for _, d := range p.Deletes {
		out = append(out, d.Pod)
	}
	return out
}

func updated(p Plan) []string {
	var out []string
	for _, u := range p.Updates {
		out = append(out, u.Pod)
	}
	return out
}

func TestPassCreates(t *testing.T) {
	// seed scenario, first pass: one surge pod at the update revision
	p := mustPass(t, testInput(t, testCloneSet(5, "3", "0", "20%"), "5o", testOld))
	if p.Phase != PhaseScale || !slices.Equal(p.Creates, []PodCreate{{Revision: testNew}}) {
		t.Errorf("seed: phase %s creates %v", p.Phase, p.Creates)
	}
	// scale 5 -> 8 with partition 6: two of three new pods at the current revision, created first
	p = mustPass(t, testInput(t, testCloneSet(8, "6", "2", "0"), "4o 1n", testOld))
	if want := []PodCreate{{testOld}, {testOld}, {testNew}}; !slices.Equal(p.Creates, want) {
		t.Errorf("scale up: creates %v, want %v", p.Creates, want)
	}
}

func TestPassVictims(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int32
		pods     string
		current  string
		want     []string
	}{
		{"unavailable first, then lower deletion cost", 3, "1n 1nc:-5 1n 1n 1nx", testNew, []string{"p1", "p4"}},
		{"newest first among equals", 2, "3n", testNew, []string{"p2"}},
		{"higher deletion cost kept", 2, "1nc:10 1n 1nc:3", testNew, []string{"p1"}},
		{"old revision first, then newest", 3, "2n 2o", testOld, []string{"p3"}},
		{"PreparingNormal pod before Normal ones", 2, "1n 1nN 1n", testNew, []string{"p1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPass(t, testInput(t, testCloneSet(tc.replicas, "0", "1", "0"), tc.pods, tc.current))
			got := deleted(p)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("deleted %v, want %v (diff %+v)", got, tc.want, p.ScaleDiff)
			}
			for _, d := range p.Deletes {
				if d.Reason != DeleteScaleIn {
					t.Errorf("reason %s", d.Reason)
				}
			}
		})
	}
}

func TestPassSameNodeRank(t *testing.T) {
	in := testInput(t, testCloneSet(2, "0", "1", "0"), "3n", testNew)
	in.Pods[0].Spec.NodeName, in.Pods[1].Spec.NodeName, in.Pods[2].Spec.NodeName = "a", "a", "b"
	// p2 is newest, but p0 and p1 share node a: the older of them on a shared node goes first
	if got := deleted(mustPass(t, in)); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("deleted %v, want [p1]", got)
	}
}

func TestPassSpecifiedDelete(t *testing.T) {
	// two ready pods marked, budget 1: one goes now
	p := mustPass(t, testInput(t, testCloneSet(5, "0", "1", "0"), "2nd 3n", testNew))
	if got := deleted(p); !slices.Equal(got, []string{"p0"}) || p.Deletes[0].Reason != DeleteSpecified {
		t.Errorf("deleted %v", p.Deletes)
	}
	// a not-ready marked pod goes without budget
	p = mustPass(t, testInput(t, testCloneSet(5, "0", "1", "0"), "1nd 1ndx 1nx 2n", testNew))
	if got := deleted(p); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("deleted %v, want [p1]", got)
	}
	// podsToDelete works like the label
	cs := testCloneSet(5, "0", "1", "0")
	cs.Spec.ScaleStrategy.PodsToDelete = []string{"p3"}
	if got := deleted(mustPass(t, testInput(t, cs, "5n", testNew))); !slices.Equal(got, []string{"p3"}) {
		t.Errorf("podsToDelete: deleted %v", got)
	}
	// scale-in waits while a deletion is pending (here held by a preDelete hook)
	cs = testCloneSet(3, "0", "1", "0")
	cs.Spec.Lifecycle = &appspub.Lifecycle{PreDelete: &appspub.LifecycleHook{FinalizersHandler: []string{"example.com/hold"}}}
	in := testInput(t, cs, "1nP 4n", testNew)
	in.Pods[0].Finalizers = []string{"example.com/hold"}
	p = mustPass(t, in)
	if len(p.Deletes)+len(p.Lifecycle) != 0 || p.ScaleDiff.ScaleDownNum != 2 {
		t.Errorf("scale-in did not wait: %+v", p)
	}
}

func TestPassPreDeleteHook(t *testing.T) {
	cs := testCloneSet(5, "0", "1", "0")
	cs.Spec.Lifecycle = &appspub.Lifecycle{PreDelete: &appspub.LifecycleHook{FinalizersHandler: []string{"example.com/hold"}, MarkPodNotReady: true}}
	in := testInput(t, cs, "1nd 4n", testNew)
	in.Pods[0].Finalizers = []string{"example.com/hold"}
	p := mustPass(t, in)
	want := []LifecycleChange{{Pod: "p0", From: "Normal", To: appspub.LifecycleStatePreparingDelete, Readiness: ReadinessMarkNotReady}}
	if len(p.Deletes) != 0 || len(p.Lifecycle) != 1 || p.Lifecycle[0].Pod != want[0].Pod || p.Lifecycle[0].To != want[0].To || p.Lifecycle[0].Readiness != want[0].Readiness {
		t.Errorf("hooked pod: %+v", p)
	}
	// hook still held: nothing; released: deleted
	in = testInput(t, cs, "1nPd 4n", testNew)
	in.Pods[0].Finalizers = []string{"example.com/hold"}
	if p := mustPass(t, in); len(p.Deletes)+len(p.Lifecycle) != 0 {
		t.Errorf("held pod: %+v", p)
	}
	in.Pods[0].Finalizers = nil
	if p := mustPass(t, in); !slices.Equal(deleted(p), []string{"p0"}) || p.Deletes[0].Reason != DeletePreparingDelete {
		t.Errorf("released pod: %+v", p.Deletes)
	}
}

func TestPassRevivesPreparingDelete(t *testing.T) {
	// replicas grew from 4 to 6 while p0 waited in PreparingDelete: it returns
	p := mustPass(t, testInput(t, testCloneSet(6, "0", "1", "0"), "1nP 4n", testNew))
	if len(p.Lifecycle) != 1 || p.Lifecycle[0].To != appspub.LifecycleStatePreparingNormal || p.Phase != PhaseScale || len(p.Creates) != 0 {
		t.Errorf("plan %+v", p)
	}
}

func TestPassRefresh(t *testing.T) {
	// PreparingNormal -> Normal ends the pass before updates
	p := mustPass(t, testInput(t, testCloneSet(5, "0", "1", "0"), "1oN 4o", testOld))
	if p.Phase != PhaseRefresh || len(p.Lifecycle) != 1 || p.Lifecycle[0].To != appspub.LifecycleStateNormal || len(p.Updates) != 0 {
		t.Errorf("PreparingNormal: %+v", p)
	}
	// Updating with no pending containers -> Normal; with a lifecycle lacking the handlers -> Updated
	cs := testCloneSet(5, "0", "1", "0")
	p = mustPass(t, testInput(t, cs, "1nu 4n", testNew))
	if len(p.Lifecycle) != 1 || p.Lifecycle[0].To != appspub.LifecycleStateNormal {
		t.Errorf("Updating: %+v", p.Lifecycle)
	}
	cs.Spec.Lifecycle = &appspub.Lifecycle{InPlaceUpdate: &appspub.LifecycleHook{LabelsHandler: map[string]string{"hold": "true"}, MarkPodNotReady: true}}
	p = mustPass(t, testInput(t, cs, "1nu 4n", testNew))
	if len(p.Lifecycle) != 1 || p.Lifecycle[0].To != appspub.LifecycleStateUpdated || p.Lifecycle[0].Readiness != ReadinessRestore {
		t.Errorf("Updating with hook: %+v", p.Lifecycle)
	}
	// a new pod's InPlaceUpdateReady condition is set True; that alone does not stop updates
	in := testInput(t, testCloneSet(5, "0", "1", "0"), "5o", testOld)
	in.Pods[4].Status.Conditions[1].Status = corev1.ConditionFalse
	p = mustPass(t, in)
	if !slices.Equal(p.Refresh, []PodRefresh{{Pod: "p4", Action: RefreshSetInPlaceReady}}) || len(p.Updates) == 0 {
		t.Errorf("condition: refresh %v updates %v", p.Refresh, p.Updates)
	}
	// pod-template-hash back-fill
	in = testInput(t, testCloneSet(5, "0", "1", "0"), "5n", testNew)
	delete(in.Pods[2].Labels, LabelTemplateHash)
	if p := mustPass(t, in); !slices.Equal(p.Refresh, []PodRefresh{{Pod: "p2", Action: RefreshBackfillTemplateHash, TemplateHash: "new"}}) || p.Phase != PhaseRefresh {
		t.Errorf("back-fill: %+v", p)
	}
}

func TestPassUpdateOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pods  string
		tweak func(*appsv1alpha1.CloneSet, []*corev1.Pod)
		want  []string
	}{
		{"PreparingUpdate first, then not ready", "1o 1o 1ox 1o 1oU", nil, []string{"p4", "p2"}},
		{"newest first among equals", "5o", nil, []string{"p4", "p3"}},
		{"weight priority", "5o", func(cs *appsv1alpha1.CloneSet, pods []*corev1.Pod) {
			cs.Spec.UpdateStrategy.PriorityStrategy = &appspub.UpdatePriorityStrategy{WeightPriority: []appspub.UpdatePriorityWeightTerm{
				{Weight: 50, MatchSelector: metav1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}},
				{Weight: 10, MatchSelector: metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a"}}},
			}}
			pods[1].Labels["canary"] = "true"
			pods[0].Labels["zone"] = "a"
		}, []string{"p1", "p0"}},
		{"order priority", "5o", func(cs *appsv1alpha1.CloneSet, pods []*corev1.Pod) {
			cs.Spec.UpdateStrategy.PriorityStrategy = &appspub.UpdatePriorityStrategy{OrderPriority: []appspub.UpdatePriorityOrderTerm{{OrderedKey: "rank"}}}
			for i, p := range pods {
				p.Labels["rank"] = []string{"r-1", "r-7", "r-3", "r-9", "r-2"}[i]
			}
		}, []string{"p3", "p1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := testCloneSet(5, "3", "5", "0")
			in := testInput(t, cs, tc.pods, testOld)
			if tc.tweak != nil {
				tc.tweak(cs, in.Pods)
			}
			p := mustPass(t, in)
			if got := updated(p); !slices.Equal(got, tc.want) {
				t.Errorf("updated %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScatter(t *testing.T) {
	pods := testPods(t, "6o")
	for i, zone := range []string{"a", "a", "a", "b", "b", "b"} {
		pods[i].Labels["zone"] = zone
	}
	got := scatter(appsv1alpha1.UpdateScatterStrategy{{Key: "zone", Value: "a"}}, pods, []int{0, 1, 2, 3, 4, 5})
	// one "a" pod, two others, one "a", the rest; the last "a" stays last
	if want := []int{0, 3, 4, 1, 5, 2}; !slices.Equal(got, want) {
		t.Errorf("scatter %v, want %v", got, want)
	}
}

func TestPassInPlace(t *testing.T) {
	cs := testCloneSet(5, "3", "0", "20%")
	cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType
	p := mustPass(t, testInput(t, cs, "5o 1n", testOld))
	if len(p.Updates) != 1 || p.Updates[0].Method != UpdateInPlace || p.Updates[0].InPlace.ContainerImages["app"] != "nginx:1" || p.Updates[0].To != testNew {
		t.Fatalf("updates %+v", p.Updates)
	}
	// the inPlaceUpdate hook holds the pod in PreparingUpdate first
	cs.Spec.Lifecycle = &appspub.Lifecycle{InPlaceUpdate: &appspub.LifecycleHook{LabelsHandler: map[string]string{"hold": "true"}}}
	in := testInput(t, cs, "5o 1n", testOld)
	for _, pod := range in.Pods {
		pod.Labels["hold"] = "true"
	}
	p = mustPass(t, in)
	if len(p.Updates) != 0 || len(p.Lifecycle) != 1 || p.Lifecycle[0].To != appspub.LifecycleStatePreparingUpdate {
		t.Errorf("hooked: %+v", p)
	}
	// ReCreate marks the pod instead
	cs.Spec.Lifecycle = nil
	cs.Spec.UpdateStrategy.Type = appsv1alpha1.RecreateCloneSetUpdateStrategyType
	p = mustPass(t, testInput(t, cs, "5o 1n", testOld))
	if len(p.Updates) != 1 || p.Updates[0].Method != UpdateRecreate {
		t.Errorf("recreate: %+v", p.Updates)
	}
}

func TestPassInPlaceOnlyError(t *testing.T) {
	cs := testCloneSet(5, "0", "1", "0")
	cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
	in := testInput(t, cs, "5o", testOld)
	in.Revisions = in.Revisions[1:] // the pods' revision is gone
	_, err := Pass(in)
	var pe *PodError
	if !errors.As(err, &pe) || !errors.Is(err, ErrNotInPlace) || pe.Pod != "p4" {
		t.Errorf("error %v, want PodError for p4 wrapping ErrNotInPlace", err)
	}
}

func TestPassPausedAndBlockedScaleUp(t *testing.T) {
	cs := testCloneSet(5, "0", "1", "0")
	cs.Spec.UpdateStrategy.Paused = true
	if p := mustPass(t, testInput(t, cs, "5o", testOld)); p.Phase != PhaseIdle || !p.IsEmpty() {
		t.Errorf("paused: %+v", p)
	}
	// scaleStrategy.maxUnavailable 0 blocks creation; the pass goes on to update
	cs = testCloneSet(5, "0", "2", "0")
	cs.Spec.ScaleStrategy.MaxUnavailable = knob("0")
	p := mustPass(t, testInput(t, cs, "4o", testOld))
	if p.Phase != PhaseUpdate || len(p.Creates) != 0 || len(p.Updates) != 1 || p.ScaleDiff.ScaleUpNum != 1 || p.ScaleDiff.ScaleUpLimit != 0 {
		t.Errorf("blocked scale-up: %+v", p)
	}
}
