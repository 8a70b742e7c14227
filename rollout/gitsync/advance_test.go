package gitsync_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/cloneset/engine/enginetest"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/source/gittest"
)

func demoCloneSet(image string, partition int) string {
	return fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
  annotations:
    ferry.dev/batches: "3,1,0"
spec:
  replicas: 5
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers:
      - name: app
        image: %s
  updateStrategy:
    type: InPlaceIfPossible
    maxSurge: 20%%
    maxUnavailable: 0
    # the batch: pods kept on the old version
    partition: %d
`, image, partition)
}

// An advance schedule takes a CloneSet from batch 1 to done with no person
// involved: at each tick with the batch healthy long enough, ferry commits
// the next partition to git, then applies it, and the engine rolls it out.
func TestScheduleAdvancesBatchesToDone(t *testing.T) {
	e := newEnv(t)
	enginetest.Start(t, e.c.Config, e.ns)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	v1 := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("cloneset.yaml"),
		"app/cloneset.yaml":      demoCloneSet("demo:1", 0),
	}, "demo 1")
	s := spec(repo.FileURL())
	e.createGitSync("app", s)
	e.start(func(o *gitsync.Options) { o.Schedule.Cron = schedule.CronOptions{Seconds: true} })
	batchIs := func(k int32) func(*v1alpha1.GitSync) bool {
		return func(gs *v1alpha1.GitSync) bool {
			b := gs.Status.Batches
			return len(b) == 1 && b[0].Batch != nil && *b[0].Batch == k && b[0].Healthy
		}
	}
	e.waitFor("app", 60*time.Second, "version 1 rolled out", func(gs *v1alpha1.GitSync) bool {
		return appliedAt(v1)(gs) && batchIs(3)(gs)
	})
	v2 := repo.Commit(map[string]string{"app/cloneset.yaml": demoCloneSet("demo:2", 3)}, "demo 2: batch 1 of 3")
	e.waitFor("app", 60*time.Second, "batch 1 of version 2 held", func(gs *v1alpha1.GitSync) bool {
		return appliedAt(v2)(gs) && batchIs(1)(gs)
	})

	// Now the schedule: a tick every 2 s, batches healthy for 1 s.
	e.updateGitSync("app", func(gs *v1alpha1.GitSync) {
		gs.Spec.Schedule = &schedule.Schedule{Advance: []schedule.AdvanceTrigger{
			{Cron: "*/2 * * * * *", RequireHealthyFor: &metav1.Duration{Duration: time.Second}},
		}}
	})
	e.waitFor("app", 90*time.Second, "batch 3 of 3 done by schedule", batchIs(3))

	log := repo.BareGit("log", "--format=%s", "main")
	want := fmt.Sprintf("rollout(%s/demo): batch 3/3 (partition 1→0)\nrollout(%s/demo): batch 2/3 (partition 3→1)\ndemo 2: batch 1 of 3\ndemo 1", e.ns, e.ns)
	if strings.TrimSpace(log) != want {
		t.Fatalf("git log:\n%s\nwant:\n%s", log, want)
	}
	stat := repo.BareGit("diff", "--numstat", "HEAD~1", "HEAD")
	if strings.TrimSpace(stat) != "1\t1\tapp/cloneset.yaml" {
		t.Fatalf("the advance commit changed %q, want exactly one line of app/cloneset.yaml", stat)
	}
	pods, err := e.c.Client.CoreV1().Pods(e.ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=demo"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Spec.Containers[0].Image != "demo:2" {
			t.Errorf("pod %s runs %s, want demo:2", p.Name, p.Spec.Containers[0].Image)
		}
	}
	if len(pods.Items) != 5 {
		t.Errorf("%d pods, want 5", len(pods.Items))
	}
}
