package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ferry-gitops/ferry/render/diff"
	"github.com/ferry-gitops/ferry/render/diff/impact"
	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// app is the one CloneSet of the test repository.
type app struct {
	image, partition, strategy, maxSurge, maxUnavailable string
	replicas                                             int
	sidecar                                              string // a SidecarSet's image, if any
}

func (a app) files(ns string) map[string]string {
	files := map[string]string{
		"app/kustomization.yaml": "namespace: " + ns + "\nresources: [cloneset.yaml]\n",
		"app/cloneset.yaml": fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: demo, annotations: {ferry.dev/batches: "3,1,0"}}
spec:
  replicas: %d
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: app, image: "%s"}]}
  updateStrategy: {type: %s, maxSurge: %s, maxUnavailable: %s, partition: %s}
`, a.replicas, a.image, a.strategy, a.maxSurge, a.maxUnavailable, a.partition),
	}
	if a.sidecar != "" {
		files["app/kustomization.yaml"] = "namespace: " + ns + "\nresources: [cloneset.yaml, sidecarset.yaml]\n"
		files["app/sidecarset.yaml"] = fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: log-%s}
spec:
  selector: {matchLabels: {app: demo}}
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %s}}
  containers: [{name: log, image: "%s"}]
`, ns, ns, a.sidecar)
	}
	return files
}

// The rollout the preview announces is the one ferry's engine carries out.
// Each scenario is a git history: the first commit is applied and left to
// settle; every later commit is previewed with ferry diff against the one
// before, applied, and its pods watched until the rollout settles. The
// peak total, the fewest available pods, the pods that moved and the pods
// at the new revision must equal the preview.
func TestPreviewMatchesEngine(t *testing.T) {
	seed := func(strategy string) []app {
		a := app{image: "demo:1", partition: "0", strategy: strategy, maxSurge: "20%", maxUnavailable: "0", replicas: 5}
		b, c, d := a, a, a
		b.image, b.partition = "demo:2", "3" // release, batch 1
		c.image, c.partition = "demo:2", "1" // batch 2
		d.image = "demo:2"                   // batch 3
		return []app{a, b, c, d}
	}
	budget := func() []app {
		a := app{image: "demo:1", partition: "0", strategy: "InPlaceIfPossible", maxSurge: "0", maxUnavailable: "2", replicas: 6}
		b, c := a, a
		b.image = "demo:2"                // two at a time, no surge
		c.image, c.replicas = "demo:2", 8 // scale up
		return []app{a, b, c}
	}
	sidecar := func() []app {
		a := app{image: "demo:1", partition: "0", strategy: "InPlaceIfPossible", maxSurge: "1", maxUnavailable: "1", replicas: 4, sidecar: "log:1"}
		b := a
		b.sidecar, b.partition = "log:2", "2" // the sidecar follows the CloneSet's batches
		return []app{a, b}
	}
	for _, tc := range []struct {
		name    string
		history []app
	}{
		{"seed in place", seed("InPlaceIfPossible")},
		{"seed recreate", seed("ReCreate")},
		{"unavailable budget and scale", budget()},
		{"sidecar upgrade", sidecar()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster.Shared(t)
			ns := c.Namespace(t)
			startEngine(t, c, ns)
			m := manager(t, c)
			commits := make([]map[string]string, len(tc.history))
			for i, a := range tc.history {
				commits[i] = a.files(ns)
			}
			r := newRepo(t, commits...)
			rev := func(i int) string { return fmt.Sprintf("HEAD~%d", len(commits)-1-i) }
			applyRevision(t, m, r.Work, rev(0), "app", ns)
			waitSettled(t, c.Client, ns, tc.history[0].replicas, tc.history[0].replicas, "")
			for i := 1; i < len(commits); i++ {
				base, head := rev(i-1), rev(i)
				p, err := diff.Run(context.Background(), diff.Request{Repo: r.Work, Base: base, Head: head, Paths: []string{"app"}}, diff.DefaultOptions())
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Rollouts) != 1 {
					t.Fatalf("%s → %s: %d rollouts", base, head, len(p.Rollouts))
				}
				want := p.Rollouts[0]
				obs := observe(t, c.Client, ns, want.Revision.To)
				before := obs.snapshot()
				applyRevision(t, m, r.Work, head, "app", ns)
				after := waitSettled(t, c.Client, ns, want.Replicas.To, want.UpdatedPods.To, want.Revision.To)
				peak, floor := obs.stop()
				got := outcome{peak, floor, abs(after.updated - before.updated), after.updated}
				exp := outcome{want.PeakTotal, want.MinAvailable, want.PodsToUpdate, want.UpdatedPods.To}
				t.Logf("%s → %s: preview %+v, engine %+v", base, head, exp, got)
				if got != exp {
					t.Errorf("%s → %s (%s): engine did %+v, preview said %+v", base, head, want.Headline(), got, exp)
				}
				checkRevision(t, c.Client, ns, want)
			}
		})
	}
}

type outcome struct{ PeakTotal, MinAvailable, Moved, UpdatedAtEnd int }

func abs(n int) int { return max(n, -n) }

// counts are the active pods of a namespace: not terminating.
type counts struct{ total, available, updated int }

func count(pods map[string]*corev1.Pod, revision string, now time.Time) counts {
	var c counts
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		c.total++
		if plan.IsPodAvailable(p, 0, now) {
			c.available++
		}
		if plan.IsAtRevision(p, revision) {
			c.updated++
		}
	}
	return c
}

// observer follows every pod change of a namespace through one informer,
// in the order the API server made them, and keeps the peak total and the
// fewest available pods.
type observer struct {
	mu          sync.Mutex
	pods        map[string]*corev1.Pod
	revision    string
	peak, floor int
	synced      bool // the informer's initial list is complete
	cancel      context.CancelFunc
}

func observe(t *testing.T, kube kubernetes.Interface, ns, revision string) *observer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o := &observer{pods: map[string]*corev1.Pod{}, revision: revision, cancel: cancel, floor: 1 << 30}
	f := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	set := func(obj any, gone bool) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		if gone {
			delete(o.pods, p.Name)
		} else {
			o.pods[p.Name] = p
		}
		if o.synced {
			o.record()
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { set(obj, false) },
		UpdateFunc: func(_, obj any) { set(obj, false) },
		DeleteFunc: func(obj any) { set(obj, true) },
	}); err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("pod informer never synced")
	}
	t.Cleanup(func() { cancel(); f.Shutdown() })
	o.mu.Lock()
	o.synced = true
	o.record()
	o.mu.Unlock()
	return o
}

// record takes the current counts into the peak and the floor; the
// initial list counts only once it is complete, not pod by pod.
func (o *observer) record() {
	c := count(o.pods, o.revision, time.Now())
	o.peak, o.floor = max(o.peak, c.total), min(o.floor, c.available)
}

func (o *observer) snapshot() counts {
	o.mu.Lock()
	defer o.mu.Unlock()
	return count(o.pods, o.revision, time.Now())
}

func (o *observer) stop() (peak, floor int) {
	o.cancel()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.peak, o.floor
}

// waitSettled waits until the namespace has replicas active pods, all
// available, updated of them at revision ("": all at one revision).
func waitSettled(t *testing.T, kube kubernetes.Interface, ns string, replicas, updated int, revision string) counts {
	t.Helper()
	var last counts
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		pods := map[string]*corev1.Pod{}
		for i := range list.Items {
			p := &list.Items[i]
			pods[p.Name] = p
			if revision == "" {
				revision = p.Labels[plan.LabelRevisionHash]
			}
		}
		last = count(pods, revision, time.Now())
		return last.total == replicas && last.available == replicas && last.updated == updated && len(list.Items) == replicas, nil
	})
	if err != nil {
		t.Fatalf("pods never settled at %d with %d at revision %q; last %+v", replicas, updated, revision, last)
	}
	return last
}

// checkRevision: the pods at the new revision carry the revision name the
// preview computed, so the preview hashes templates as the engine does.
func checkRevision(t *testing.T, kube kubernetes.Interface, ns string, r *impact.Rollout) {
	t.Helper()
	list, err := kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range list.Items {
		if plan.IsAtRevision(&list.Items[i], r.Revision.To) {
			n++
		}
	}
	if n != r.UpdatedPods.To {
		t.Errorf("%d pods at revision %s, preview said %d", n, r.Revision.To, r.UpdatedPods.To)
	}
}
