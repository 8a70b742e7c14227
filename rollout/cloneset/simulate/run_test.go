package simulate

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func cloneSet(replicas int32, strategy appsv1alpha1.CloneSetUpdateStrategyType, partition, maxUnavailable, maxSurge string) *appsv1alpha1.CloneSet {
	return &appsv1alpha1.CloneSet{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "default"},
		Spec: appsv1alpha1.CloneSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "demo"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "demo"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			},
			UpdateStrategy: appsv1alpha1.CloneSetUpdateStrategy{
				Type: strategy, Partition: knob(partition), MaxUnavailable: knob(maxUnavailable), MaxSurge: knob(maxSurge),
			},
		},
	}
}

func knob(s string) *intstr.IntOrString {
	if s == "" {
		return nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		v := intstr.FromInt32(int32(n))
		return &v
	}
	v := intstr.FromString(s)
	return &v
}

const (
	recreate  = appsv1alpha1.RecreateCloneSetUpdateStrategyType
	inPlace   = appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType
	inPlaceOn = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
)

// trace renders steps as "c/d/u total/updated/ready" for compact comparison.
func trace(res *Result) []string {
	out := make([]string, len(res.Steps))
	for i, s := range res.Steps {
		out[i] = fmt.Sprintf("%d/%d/%d %d/%d/%d", s.Actions.Create, s.Actions.Delete, s.Actions.Update, s.Pods.Total, s.Pods.Updated, s.Pods.Ready)
	}
	return out
}

func scenario(specs ...string) Scenario {
	var sc Scenario
	for _, s := range specs {
		p := ScenarioPod{Revision: RevisionCurrent}
		for _, f := range strings.Split(s, ",") {
			switch f {
			case "update":
				p.Revision = RevisionUpdate
			case "notready":
				p.Ready = ptr.To(false)
			case "unavailable":
				p.Available = ptr.To(false)
			case "delete":
				p.SpecifiedDelete = true
			case "PreparingDelete":
				p.LifecycleState = appspub.LifecycleStatePreparingDelete
			}
		}
		sc.Pods = append(sc.Pods, p)
	}
	return sc
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestRunScenarios(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cs         *appsv1alpha1.CloneSet
		sc         Scenario
		noRollback bool
		want       []string // "create/delete/update total/updated/ready" per step
		summary    Summary
	}{
		{
			// reference §2.10: 6 pods with 1 updated, then 5 with 2
			name: "seed partition 3 in place",
			cs:   cloneSet(5, inPlace, "3", "0", "20%"),
			sc:   DefaultScenario(5),
			want: []string{"1/0/0 6/1/5", "0/0/1 6/2/5", "0/1/0 5/2/5"},
			summary: Summary{Replicas: 5, PodsMoved: 2, PeakTotal: 6, MinAvailable: 5, Steps: 3, InPlace: true,
				FinalTotal: 5, FinalUpdated: 2},
		},
		{
			// ReCreate: mark, delete (5), create (6), scale in the old one (5)
			name: "seed partition 3 recreate",
			cs:   cloneSet(5, recreate, "3", "0", "20%"),
			sc:   DefaultScenario(5),
			want: []string{"1/0/0 6/1/5", "0/0/1 6/1/6", "0/1/0 5/1/5", "1/0/0 6/2/5", "0/1/0 5/2/5"},
			summary: Summary{Replicas: 5, PodsMoved: 2, PeakTotal: 6, MinAvailable: 5, Steps: 5,
				FinalTotal: 5, FinalUpdated: 2},
		},
		{
			// partition 0 from where partition 3 stopped: 6, then 5 all updated
			name: "seed partition 0 in place",
			cs:   cloneSet(5, inPlace, "0", "0", "20%"),
			sc:   scenario("", "", "", "update", "update"),
			want: []string{"1/0/0 6/3/5", "0/0/1 6/4/5", "0/0/1 6/5/5", "0/1/0 5/5/5"},
			summary: Summary{Replicas: 5, PodsMoved: 3, PeakTotal: 6, MinAvailable: 5, Steps: 4, InPlace: true,
				FinalTotal: 5, FinalUpdated: 5},
		},
		{
			name: "seed partition 0 recreate",
			cs:   cloneSet(5, recreate, "0", "0", "20%"),
			sc:   scenario("", "", "", "update", "update"),
			want: []string{"1/0/0 6/3/5", "0/0/1 6/3/6", "0/1/0 5/3/5", "1/0/0 6/4/5", "0/0/1 6/4/6", "0/1/0 5/4/5", "1/0/0 6/5/5", "0/1/0 5/5/5"},
			summary: Summary{Replicas: 5, PodsMoved: 3, PeakTotal: 6, MinAvailable: 5, Steps: 8,
				FinalTotal: 5, FinalUpdated: 5},
		},
		{
			// #260: maxUnavailable 10% of 8 floors to 0 because maxSurge is used;
			// ends with 3 updated of 8, not 4 of 9
			name: "issue 260",
			cs:   cloneSet(8, recreate, "5", "10%", "10%"),
			sc:   DefaultScenario(8),
			want: []string{"1/0/0 9/1/8", "0/0/1 9/1/9", "0/1/0 8/1/8", "1/0/0 9/2/8", "0/0/1 9/2/9", "0/1/0 8/2/8", "1/0/0 9/3/8", "0/1/0 8/3/8"},
			summary: Summary{Replicas: 8, PodsMoved: 3, PeakTotal: 9, MinAvailable: 8, Steps: 8,
				FinalTotal: 8, FinalUpdated: 3},
		},
		{
			// #285: maxSurge 50% of 8 = 4, but only 2 pods need the new revision: create 2, not 4
			name: "issue 285",
			cs:   cloneSet(8, recreate, "6", "0", "50%"),
			sc:   DefaultScenario(8),
			want: []string{"2/0/0 10/2/8", "0/2/0 8/2/8"},
			summary: Summary{Replicas: 8, PodsMoved: 2, PeakTotal: 10, MinAvailable: 8, Steps: 2,
				FinalTotal: 8, FinalUpdated: 2},
		},
		{
			// #316: 1 replica, maxSurge 50% (1), maxUnavailable 10% (0 with surge): never both at once
			name: "issue 316",
			cs:   cloneSet(1, recreate, "0", "10%", "50%"),
			sc:   DefaultScenario(1),
			want: []string{"1/0/0 2/1/1", "0/1/0 1/1/1"},
			summary: Summary{Replicas: 1, PodsMoved: 1, PeakTotal: 2, MinAvailable: 1, Steps: 2,
				FinalTotal: 1, FinalUpdated: 1},
		},
		{
			// raising the partition moves pods back (ferry's default)
			name: "rollback by raising partition",
			cs:   cloneSet(5, inPlace, "4", "1", "0"),
			sc:   scenario("", "", "update", "update", "update"),
			want: []string{"0/0/1 5/2/4", "0/0/1 5/1/4"},
			summary: Summary{Replicas: 5, PodsMoved: 2, PeakTotal: 5, MinAvailable: 4, Steps: 2, InPlace: true,
				FinalTotal: 5, FinalUpdated: 1},
		},
		{
			// Kruise's default: raising the partition does nothing
			name:       "rollback off",
			cs:         cloneSet(5, inPlace, "4", "1", "0"),
			sc:         scenario("", "", "update", "update", "update"),
			noRollback: true,
			summary:    Summary{Replicas: 5, PeakTotal: 5, MinAvailable: 5, InPlace: true, FinalTotal: 5, FinalUpdated: 3},
		},
		{
			// paused: scaling still happens, updates do not
			name: "paused scales but does not update",
			cs: func() *appsv1alpha1.CloneSet {
				cs := cloneSet(6, inPlace, "0", "1", "1")
				cs.Spec.UpdateStrategy.Paused = true
				return cs
			}(),
			sc:      DefaultScenario(5),
			want:    []string{"1/0/0 6/1/5"},
			summary: Summary{Replicas: 6, PodsMoved: 1, PeakTotal: 6, MinAvailable: 5, Steps: 1, InPlace: true, FinalTotal: 6, FinalUpdated: 1},
		},
		{
			// podsToDelete: the pod goes, its replacement comes at the current revision (partition 5 of 5)
			name: "podsToDelete",
			cs: func() *appsv1alpha1.CloneSet {
				cs := cloneSet(5, recreate, "5", "1", "0")
				cs.Spec.ScaleStrategy.PodsToDelete = []string{"demo-2"}
				return cs
			}(),
			sc:      DefaultScenario(5),
			want:    []string{"0/1/0 4/0/4", "1/0/0 5/0/4"},
			summary: Summary{Replicas: 5, PeakTotal: 5, MinAvailable: 4, Steps: 2, FinalTotal: 5},
		},
		{
			// scale up during a rollout: two of the three new pods are made at the old revision to keep the partition
			name:    "scale up during rollout",
			cs:      cloneSet(8, recreate, "6", "2", "0"),
			sc:      scenario("", "", "", "", "update"),
			want:    []string{"3/0/0 8/2/5"},
			summary: Summary{Replicas: 8, PodsMoved: 1, PeakTotal: 8, MinAvailable: 5, Steps: 1, FinalTotal: 8, FinalUpdated: 2},
		},
		{
			// scale down during a rollout: old pods go first, down to the partition
			name:    "scale down during rollout",
			cs:      cloneSet(3, recreate, "1", "1", "0"),
			sc:      scenario("", "", "", "", "update"),
			want:    []string{"0/2/0 3/1/3", "0/0/1 3/1/3", "0/1/0 2/1/2", "1/0/0 3/2/2"},
			summary: Summary{Replicas: 3, PodsMoved: 1, PeakTotal: 5, MinAvailable: 2, Steps: 4, FinalTotal: 3, FinalUpdated: 2},
		},
		{
			// a PreparingDelete pod counts in the total until it is gone: no replacement first
			name:    "PreparingDelete is deleted before being replaced",
			cs:      cloneSet(5, recreate, "0", "1", "0"),
			sc:      scenario("update", "update", "update", "update", "update,PreparingDelete", "update"),
			want:    []string{"0/1/0 5/5/5"},
			summary: Summary{Replicas: 5, PeakTotal: 6, MinAvailable: 5, Steps: 1, FinalTotal: 5, FinalUpdated: 5, PodsMoved: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Plan.PartitionRollback = !tc.noRollback
			res, err := Run(tc.cs, tc.sc, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := trace(res); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("steps\n got  %q\n want %q", got, tc.want)
			}
			if res.Summary != tc.summary {
				t.Errorf("summary\n got  %+v\n want %+v", res.Summary, tc.summary)
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	cs := cloneSet(10, recreate, "30%", "20%", "10%")
	a, err := Run(cs, DefaultScenario(10), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(cs, DefaultScenario(10), DefaultOptions())
	if !slices.Equal(trace(a), trace(b)) || a.Summary != b.Summary {
		t.Errorf("two runs differ:\n%q\n%q", trace(a), trace(b))
	}
	if cs.Spec.Lifecycle != nil || cs.Status.CurrentRevision != "" {
		t.Error("Run changed its input")
	}
}

// With --from, the two templates decide: an env change is recreated even
// under InPlaceIfPossible, an image change is rolled in place.
func TestRunFrom(t *testing.T) {
	from := cloneSet(3, inPlace, "0", "1", "0")
	envChange := from.DeepCopy()
	envChange.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}}
	res, err := Run(envChange, DefaultScenario(3), Options{Plan: DefaultOptions().Plan, From: from})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.InPlace || res.Steps[0].Actions.Update != 1 || res.Summary.FinalUpdated != 3 {
		t.Errorf("env change: %+v %q", res.Summary, trace(res))
	}
	if want := []string{"0/0/1 3/0/3", "0/1/0 2/0/2", "1/0/0 3/1/2"}; !slices.Equal(trace(res)[:3], want) {
		t.Errorf("env change starts %q, want %q", trace(res)[:3], want)
	}
	imageChange := from.DeepCopy()
	imageChange.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	res, err = Run(imageChange, DefaultScenario(3), Options{Plan: DefaultOptions().Plan, From: from})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Summary.InPlace || !slices.Equal(trace(res), []string{"0/0/1 3/1/2", "0/0/1 3/2/2", "0/0/1 3/3/2"}) {
		t.Errorf("image change: %+v %q", res.Summary, trace(res))
	}
	// InPlaceOnly with a non-image change cannot roll
	only := envChange.DeepCopy()
	only.Spec.UpdateStrategy.Type = inPlaceOn
	if _, err := Run(only, DefaultScenario(3), Options{From: from}); err == nil {
		t.Error("InPlaceOnly env change: no error")
	}
}

// Step 0 runs on the pods as given: with a pod not ready and no surge, the
// first pass waits (no action) and the rollout goes on once it is ready.
func TestRunStartsFromGivenPods(t *testing.T) {
	cs := cloneSet(3, recreate, "0", "1", "0")
	res, err := Run(cs, scenario("", "", "notready"), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := trace(res)
	if len(got) < 2 || got[0] != "0/0/1 3/0/2" {
		t.Errorf("steps %q: the not-ready pod should be marked first, for free", got)
	}
	// already settled: no steps, JSON says so
	res, err = Run(cs, scenario("update", "update", "update"), DefaultOptions())
	if err != nil || len(res.Steps) != 0 {
		t.Fatalf("settled: %v %v", res.Steps, err)
	}
	var b strings.Builder
	if err := WriteJSON(&b, res); err != nil || b.String() != "{\"steps\":[]}\n" {
		t.Errorf("json %q %v", b.String(), err)
	}
	if line := SummaryLine(res.Summary); line != "nothing to do: 3 pods, 3 updated" {
		t.Errorf("summary %q", line)
	}
}

func TestLoadScenario(t *testing.T) {
	sc, err := LoadScenario([]byte("currentRevision: update\npods:\n- {name: a, revision: update, ready: true, available: false}\n- {specifiedDelete: true, lifecycleState: PreparingDelete}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.CurrentRevision != RevisionUpdate || len(sc.Pods) != 2 || sc.Pods[0].available() || !sc.Pods[1].ready() || !sc.Pods[1].SpecifiedDelete {
		t.Errorf("scenario %+v", sc)
	}
	for _, bad := range []string{
		"pods:\n- {revision: old}\n",
		"pods:\n- {lifecycleState: Sleeping}\n",
		"pods:\n- {ready: false, available: true}\n",
		"pods:\n- {name: a}\n- {name: a}\n",
		"pods:\n- {nmae: a}\n",
		"currentRevision: latest\n",
	} {
		if _, err := LoadScenario([]byte(bad)); !errors.Is(err, ErrBadScenario) {
			t.Errorf("%q: error %v, want ErrBadScenario", bad, err)
		}
	}
}
