package webhook

import (
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ferry-gitops/ferry/sidecar"
)

// missedSet is a SidecarSet selecting app=demo, created at created and last
// written by its managers at the given times (status writes included).
func missedSet(name string, created time.Time, writes ...metav1.ManagedFieldsEntry) *appsv1alpha1.SidecarSet {
	return &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), ManagedFields: writes},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "demo"}},
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: name + "-agent", Image: "agent:v1"}}},
		},
	}
}

func write(manager, subresource string, at time.Time) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationApply, Subresource: subresource, Time: &metav1.Time{Time: at}}
}

// TestMissedSidecarSets: a pod is reported for the SidecarSets that select
// it, that it does not record, and that were last written (status aside)
// before the pod was created, whole seconds apart.
func TestMissedSidecarSets(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	demo := map[string]string{"app": "demo"}
	recorded := func(t *testing.T, names ...string) map[string]string {
		ann := map[string]string{}
		rec, err := sidecar.ReadRecord(ann)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			rec.Add(sidecar.UpgradeSpec{SidecarSetName: n, Hash: "old"}, sidecar.UpgradeSpec{SidecarSetName: n, Hash: "old"})
		}
		if err := rec.Write(ann); err != nil {
			t.Fatal(err)
		}
		return ann
	}
	cases := []struct {
		name        string
		sets        []*appsv1alpha1.SidecarSet
		labels      map[string]string
		annotations func(*testing.T) map[string]string
		created     time.Time
		phase       corev1.PodPhase
		deleting    bool
		want        []string
	}{
		{name: "created after the SidecarSet, nothing recorded", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: demo, created: sec(1), want: []string{"logs"}},
		{name: "created in the same second: not reported", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: demo, created: sec(0)},
		{name: "created before the SidecarSet", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(5))},
			labels: demo, created: sec(1)},
		{name: "SidecarSet spec written after the pod was created", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0), write("kubectl", "", sec(9)))},
			labels: demo, created: sec(5)},
		{name: "only its status written after: still reported", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0), write("kubectl", "", sec(1)), write("kruise", "status", sec(9)))},
			labels: demo, created: sec(5), want: []string{"logs"}},
		{name: "recorded, with any hash (a rendered template's pod)", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: demo, annotations: func(t *testing.T) map[string]string { return recorded(t, "logs") }, created: sec(1)},
		{name: "one of two recorded", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0)), missedSet("mesh", sec(0))},
			labels: demo, annotations: func(t *testing.T) map[string]string { return recorded(t, "logs") }, created: sec(1), want: []string{"mesh"}},
		{name: "not selected", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: map[string]string{"app": "other"}, created: sec(1)},
		{name: "finished", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: demo, created: sec(1), phase: corev1.PodSucceeded},
		{name: "being deleted", sets: []*appsv1alpha1.SidecarSet{missedSet("logs", sec(0))},
			labels: demo, created: sec(1), deleting: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "demo", Labels: tc.labels, CreationTimestamp: metav1.NewTime(tc.created)},
				Status:     corev1.PodStatus{Phase: tc.phase},
			}
			if tc.annotations != nil {
				pod.Annotations = tc.annotations(t)
			}
			if tc.deleting {
				pod.DeletionTimestamp = &metav1.Time{Time: sec(10)}
			}
			got, err := MissedSidecarSets(pod, sidecar.NamespaceInfo{Name: "demo"}, prepared(t, tc.sets))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("missed %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMissedEvent(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "demo", UID: types.UID("6b1f1c2e-0000-4000-8000-000000000001")}}
	ev := MissedEvent(pod, []string{"logs", "mesh"}, "ferry-sidecar-injector", "host-1", testNow)
	if ev.Namespace != "demo" || !strings.HasPrefix(ev.Name, "web-0.sidecar-") || len(ev.Name) != len("web-0.sidecar-")+12 {
		t.Errorf("event %s/%s", ev.Namespace, ev.Name)
	}
	if ev.Regarding != (corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: "demo", Name: "web-0", UID: pod.UID}) {
		t.Errorf("regarding %+v", ev.Regarding)
	}
	if ev.Type != corev1.EventTypeWarning || ev.Reason != ReasonSidecarNotInjected || ev.Action != "InjectSidecars" ||
		ev.ReportingController != "ferry.dev/sidecar-webhook" || ev.ReportingInstance != "host-1" || !ev.EventTime.Time.Equal(testNow) {
		t.Errorf("event %+v", ev)
	}
	for _, want := range []string{"SidecarSets logs, mesh", "MutatingWebhookConfiguration ferry-sidecar-injector", "failurePolicy Ignore", "recreates the pod"} {
		if !strings.Contains(ev.Note, want) {
			t.Errorf("note %q lacks %q", ev.Note, want)
		}
	}

	// The name depends on the UID only: a second pod of the same name gets
	// its own Event, the same pod the same name again.
	again := MissedEvent(pod, []string{"logs"}, "x", "y", testNow)
	other := pod.DeepCopy()
	other.UID = "6b1f1c2e-0000-4000-8000-000000000002"
	if again.Name != ev.Name || MissedEvent(other, []string{"logs"}, "x", "y", testNow).Name == ev.Name {
		t.Errorf("event names not keyed by pod UID")
	}

	long := pod.DeepCopy()
	long.Name = strings.Repeat("a", 250)
	if n := MissedEvent(long, []string{"logs"}, "x", "y", testNow).Name; len(n) != 253 {
		t.Errorf("long pod name gives an event name of %d characters", len(n))
	}
}
