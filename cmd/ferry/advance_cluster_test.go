package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/clock"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/rollout/advance"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// TestAdvanceOnCluster is issue 7's acceptance for `ferry advance`, on the
// local control plane with a real git remote served over HTTP and ferry's
// GitOps loop running in-process:
//
//  1. the loop applies overlays/prod at main (partition 3, batch 1 of 3);
//  2. while batch 1 is not complete, `ferry advance --next --push` refuses
//     and commits nothing;
//  3. once it is, the same command commits batch 2 (one changed line) and
//     pushes it; the repo, path and branch come from the GitSync, and how
//     long the batch has been healthy from its status;
//  4. running it again is a no-op ("already at batch 2");
//  5. the loop applies the new commit: the CloneSet runs partition 1, and
//     once batch 2 is complete the next advance is batch 3.
//
// No engine runs here: the CloneSet's status is written through the status
// subresource, as a controller would. The loop's clock runs 12 minutes
// behind, so the batch has been healthy "for 12m" when the CLI looks; its
// interval is an hour, so it applies a new commit only when triggered.
func TestAdvanceOnCluster(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Apply(ctx, crds(t), apply.DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(c.Config)
	root := t.TempDir()
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	r := advanceRepo(t, root)
	first := r.Head()

	createGitSync(t, dyn, ns, srv.RepoURL("app.git"))
	startLoop(t, c, dyn, ns)
	waitGitSync(t, dyn, ns, "the first sync", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAppliedRevision == "main@sha1:"+first && len(gs.Status.Batches) == 1
	})
	args := []string{"advance", ns + "/demo", "--next", "--push", "--kubeconfig", c.Kubeconfig}

	// 2. One of the batch's two pods is updated, a surge pod still runs.
	setCloneSetStatus(t, dyn, ns, 1, 5, 6)
	out, err := runFerry(t, args...)
	var exit *exitError
	if !errors.As(err, &exit) || exit.code != 1 || out != "" {
		t.Fatalf("unhealthy batch: out %q, err %v; want a refusal (exit 1)", out, err)
	}
	want := "CloneSet " + ns + "/demo: batch 1 of 3 (partition 3) is not healthy: InProgress (RollingOut): " +
		"1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods; use --force to advance anyway"
	if err.Error() != want {
		t.Errorf("refusal:\n%s\nwant:\n%s", err, want)
	}
	if r.Head() != first {
		t.Fatal("a refused advance committed")
	}

	// 3. The batch completes; the loop records since when.
	setCloneSetStatus(t, dyn, ns, 2, 5, 5)
	waitGitSync(t, dyn, ns, "batch 1 healthy", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.Batches[0].Healthy && gs.Status.Batches[0].HealthySince != nil
	})
	out, err = runFerry(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	second := r.Head()
	wantOut := "demo: batch 1 → 2 of 3 (partition 3 → 1); batch 1 healthy for 12m (5/5 ready)\n" +
		"edited overlays/prod/partition.yaml:9 (spec.updateStrategy.partition)\n" +
		`committed ` + second[:7] + ` "rollout(` + ns + `/demo): batch 2/3 (partition 3→1)" and pushed to main` + "\n"
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
	if got := r.BareGit("rev-list", "--count", first+".."+second); got != "1" {
		t.Fatalf("%s commits pushed, want 1", got)
	}
	if got := r.BareGit("diff", "--numstat", first, second); got != "1\t1\toverlays/prod/partition.yaml" {
		t.Errorf("git diff --numstat = %q, want exactly one line changed", got)
	}
	if got := r.BareGit("log", "-1", "--format=%s", second); got != "rollout("+ns+"/demo): batch 2/3 (partition 3→1)" {
		t.Errorf("commit message %q", got)
	}

	// 4. Again, before ferry applied it: nothing to do.
	out, err = runFerry(t, args...)
	if err != nil || out != "demo: already at batch 2 of 3 (partition 1); nothing to commit\n" {
		t.Errorf("second run: out %q, err %v", out, err)
	}
	if r.Head() != second {
		t.Error("the second run committed")
	}

	// 5. ferry applies the new commit, asked as a push webhook asks.
	if err := gitsync.RequestSync(ctx, dyn, ns, "app", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitGitSync(t, dyn, ns, "the advance applied", func(gs *v1alpha1.GitSync) bool {
		return gs.Status.LastAppliedRevision == "main@sha1:"+second
	})
	live, err := advance.ReadLive(ctx, dyn, ns, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if p, _, _ := unstructured.NestedInt64(live.CloneSet.Object, "spec", "updateStrategy", "partition"); p != 1 {
		t.Errorf("live partition = %d after the loop applied the advance, want 1", p)
	}
	setCloneSetStatus(t, dyn, ns, 4, 5, 5)
	out, err = runFerry(t, append(args, "--dry-run", "-o", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		To struct{ Batch, Partition int } `json:"to"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || plan.To.Batch != 3 || plan.To.Partition != 0 {
		t.Errorf("next plan: %v\n%s", err, out)
	}
}

// lateClock is the real clock, d behind.
type lateClock struct{ d time.Duration }

func (l lateClock) Now() time.Time                         { return time.Now().Add(-l.d) }
func (l lateClock) After(d time.Duration) <-chan time.Time { return schedule.RealClock{}.After(d) }
func (l lateClock) NewTimer(d time.Duration) clock.Timer   { return schedule.RealClock{}.NewTimer(d) }

// startLoop runs ferry's GitOps loop for ns until the test ends.
func startLoop(t *testing.T, c *cluster.Cluster, dyn dynamic.Interface, ns string) {
	t.Helper()
	opts := gitsync.DefaultOptions()
	opts.ProgressInterval = 200 * time.Millisecond
	opts.Clock = lateClock{12 * time.Minute}
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	rec := gitsync.NewReconciler(c.Client, dyn, source.NewFetcher(source.DefaultFetcherOptions()), mgr, nil, nil, opts)
	ctrl := gitsync.NewController(rec, ns)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ctrl.Run(ctx); err != nil {
			t.Errorf("GitOps loop: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// waitGitSync polls the GitSync until cond holds (30 s at most).
func waitGitSync(t *testing.T, dyn dynamic.Interface, ns, what string, cond func(*v1alpha1.GitSync) bool) {
	t.Helper()
	var last *v1alpha1.GitSync
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).Get(ctx, "app", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		if last, err = gitsync.FromUnstructured(u); err != nil {
			return false, err
		}
		return cond(last), nil
	})
	if err != nil {
		t.Fatalf("GitSync %s/app: %s never happened (%v); status %+v", ns, what, err, last)
	}
}

// crds are the CustomResourceDefinitions ferry ships (CloneSet, SidecarSet,
// GitSync).
func crds(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objs, err := deploy.CRDObjects()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// createGitSync creates the GitSync that syncs overlays/prod from url.
func createGitSync(t *testing.T, dyn dynamic.Interface, ns, url string) {
	t.Helper()
	gs := &v1alpha1.GitSync{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: v1alpha1.GitSyncSpec{URL: url, Path: "overlays/prod", Ref: v1alpha1.GitRef{Branch: "main"},
			Interval: &metav1.Duration{Duration: time.Hour}},
	}
	u, err := gitsync.ToUnstructured(gs)
	if err != nil {
		t.Fatal(err)
	}
	delete(u.Object, "status")
	if _, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setCloneSetStatus writes the CloneSet's status as its controller would
// after observing the current spec.
func setCloneSetStatus(t *testing.T, dyn dynamic.Interface, ns string, updatedReady, ready, pods int64) {
	t.Helper()
	res := dyn.Resource(advance.CloneSetResource).Namespace(ns)
	u, err := res.Get(context.Background(), "demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := map[string]any{"observedGeneration": u.GetGeneration(), "replicas": pods, "readyReplicas": ready,
		"availableReplicas": ready, "updatedReplicas": updatedReady, "updatedReadyReplicas": updatedReady}
	if err := unstructured.SetNestedMap(u.Object, st, "status"); err != nil {
		t.Fatal(err)
	}
	if _, err := res.UpdateStatus(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
