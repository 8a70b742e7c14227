package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ControllerRevisions are named as Kruise names them, history beyond
// revisionHistoryLimit is deleted, and going back to an old template
// reuses (renumbers) its revision instead of creating a new one.
func TestRevisions(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	cs := spec{replicas: 2, image: "demo:1", strategy: appsv1alpha1.InPlaceIfPossibleCloneSetUpdateStrategyType, maxUnavailable: "1"}.cloneSet("demo")
	cs.Spec.RevisionHistoryLimit = ptr.To[int32](1)
	e.create(t, cs)
	e.obs.SetTarget("demo:1")
	first := e.waitSettled(t, "demo", 2, 2).Status.UpdateRevision
	data, err := plan.RevisionData(&cs.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	if want := plan.RevisionName("demo", plan.RevisionHash(data, ptr.To[int32](0))); first != want {
		t.Errorf("first revision %s, want Kruise's name %s", first, want)
	}

	for _, image := range []string{"demo:2", "demo:3", "demo:4"} {
		e.obs.SetTarget(image)
		e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = image })
		e.waitSettled(t, "demo", 2, 2)
	}
	// current = update = demo:4's; one more kept by revisionHistoryLimit 1
	revs := e.waitRevisions(t, 2)
	if slices.Contains(revs, first) {
		t.Errorf("revisions %v: the first one should have been truncated", revs)
	}

	e.obs.SetTarget("demo:3")
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Template.Spec.Containers[0].Image = "demo:3" })
	back := e.waitSettled(t, "demo", 2, 2).Status.UpdateRevision
	if !slices.Contains(revs, back) {
		t.Errorf("rollback to demo:3 made revision %s; want the kept one of %v reused", back, revs)
	}
}

func (e *env) waitRevisions(t *testing.T, n int) []string {
	t.Helper()
	var names []string
	e.waitStatus(t, "demo", "revision count", func(appsv1alpha1.CloneSetStatus) bool {
		list, err := e.c.Client.AppsV1().ControllerRevisions(e.ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false
		}
		names = nil
		for _, r := range list.Items {
			names = append(names, r.Name)
		}
		return len(names) == n
	})
	return names
}
