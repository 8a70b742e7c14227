package gitsync_test

import (
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

// A Deny window holds both ways a rollout can move: a new commit waits
// (Ready says WindowClosed and the last good revision keeps running), and
// an advance trigger ticking every second commits nothing. Once the window
// is gone the waiting commit is applied.
func TestDenyWindowHoldsCommitsAndAdvances(t *testing.T) {
	e := newEnv(t)
	enginetest.Start(t, e.c.Config, e.ns)
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	v1 := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("cloneset.yaml"),
		"app/cloneset.yaml":      demoCloneSet("demo:1", 3),
	}, "demo 1 at batch 1")
	e.createGitSync("app", spec(repo.FileURL()))
	e.start(func(o *gitsync.Options) { o.Schedule.Cron = schedule.CronOptions{Seconds: true} })
	e.waitFor("app", 60*time.Second, "batch 1 applied and healthy", func(gs *v1alpha1.GitSync) bool {
		b := gs.Status.Batches
		return appliedAt(v1)(gs) && len(b) == 1 && b[0].Batch != nil && *b[0].Batch == 1 && b[0].Healthy
	})

	// A window that opens every minute for two minutes is always open: the
	// schedule is denied for the whole test, whatever the clock says.
	e.updateGitSync("app", func(gs *v1alpha1.GitSync) {
		gs.Spec.Schedule = &schedule.Schedule{
			Windows: []schedule.Window{{Kind: schedule.WindowDeny, Cron: "* * * * *", Duration: &metav1.Duration{Duration: 2 * time.Minute}}},
			Advance: []schedule.AdvanceTrigger{{Cron: "* * * * * *"}},
		}
	})
	e.waitFor("app", 30*time.Second, "the schedule closed by the Deny window", func(gs *v1alpha1.GitSync) bool {
		s := gs.Status.Schedule
		return gs.Status.ObservedGeneration == gs.Generation && s != nil && s.State == "Closed" && s.Reason == string(schedule.ReasonDenyWindow)
	})

	v2 := repo.Commit(map[string]string{
		"app/kustomization.yaml": kustomization("cloneset.yaml", "note.yaml"),
		"app/note.yaml":          configMap("note", "1"),
	}, "add a note")
	e.waitFor("app", 30*time.Second, "the new commit waiting for the window", func(gs *v1alpha1.GitSync) bool {
		status, reason, msg := ready(gs)
		return status == "True" && reason == string(gitsync.ReasonWindowClosed) && strings.Contains(msg, gitsync.ShortRevision("main@sha1:"+v2))
	})
	e.waitEvent(10*time.Second, string(gitsync.ReasonWindowClosed), gitsync.ShortRevision("main@sha1:"+v2))

	time.Sleep(3 * time.Second) // three advance ticks, six polls
	gs := e.gitSync("app")
	if !appliedAt(v1)(gs) {
		t.Fatalf("lastAppliedRevision %s during a Deny window, want %s", gs.Status.LastAppliedRevision, v1)
	}
	if exists(e, "note") {
		t.Fatal("ConfigMap note was applied during a Deny window")
	}
	if head := strings.TrimSpace(repo.Head()); head != v2 {
		t.Fatalf("main moved to %s during a Deny window (an advance commit?), want %s:\n%s", head, v2, repo.BareGit("log", "--format=%h %s", "-3", "main"))
	}

	e.updateGitSync("app", func(gs *v1alpha1.GitSync) { gs.Spec.Schedule = nil })
	e.waitFor("app", 30*time.Second, "the waiting commit applied once the window is gone", appliedAt(v2))
	if !exists(e, "note") {
		t.Fatal("ConfigMap note missing after the window was removed")
	}
}
