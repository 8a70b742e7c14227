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

func seedApp(ns, image, partition, strategy string) map[string]string {
	return map[string]string{
		"app/kustomization.yaml": "namespace: " + ns + "\nresources: [cloneset.yaml]\n",
		"app/cloneset.yaml": fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: demo, annotations: {ferry.dev/batches: "3,1,0"}}
spec:
  replicas: 5
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: app, image: "%s"}]}
  updateStrategy: {type: %s, maxSurge: 20%%, maxUnavailable: 0, partition: %s}
`, image, strategy, partition),
	}
}

// The rollout the preview announces is the one ferry's engine carries out:
// for the seed release in three commits (image change with batch 1, then
// batch 2, then batch 3), each commit is previewed with ferry diff against
// the one before, applied, and the pods watched until the rollout settles.
// The peak total, the fewest available pods, the pods that moved and the
// revision they moved to must equal the preview.
func TestPreviewMatchesEngine(t *testing.T) {
	for _, strategy := range []string{"InPlaceIfPossible", "ReCreate"} {
		t.Run(strategy, func(t *testing.T) {
			c := cluster.Shared(t)
			ns := c.Namespace(t)
			m := manager(t, c)
			startEngine(t, c, ns)
			r := newRepo(t,
				seedApp(ns, "demo:1", "0", strategy),
				seedApp(ns, "demo:2", "3", strategy),
				seedApp(ns, "demo:2", "1", strategy),
				seedApp(ns, "demo:2", "0", strategy))
			applyRevision(t, m, r.Work, "HEAD~3", "app", ns)
			waitSettled(t, c.Client, ns, 5, 5)
			for _, step := range []struct{ base, head string }{{"HEAD~3", "HEAD~2"}, {"HEAD~2", "HEAD~1"}, {"HEAD~1", "HEAD"}} {
				p, err := diff.Run(context.Background(), diff.Request{Repo: r.Work, Base: step.base, Head: step.head, Paths: []string{"app"}}, diff.DefaultOptions())
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Rollouts) != 1 {
					t.Fatalf("%s → %s: %d rollouts", step.base, step.head, len(p.Rollouts))
				}
				want := p.Rollouts[0]
				obs := observe(t, c.Client, ns, want.Revision.To)
				before := obs.snapshot()
				applyRevision(t, m, r.Work, step.head, "app", ns)
				after := waitSettled(t, c.Client, ns, want.Replicas.To, want.UpdatedPods.To)
				peak, floor := obs.stop()
				got := outcome{peak, floor, abs(after.updated - before.updated), after.updated}
				exp := outcome{want.PeakTotal, want.MinAvailable, want.PodsToUpdate, want.UpdatedPods.To}
				if got != exp {
					t.Errorf("%s → %s (%s): engine did %+v, preview said %+v", step.base, step.head, want.Headline(), got, exp)
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
		c := count(o.pods, o.revision, time.Now())
		o.peak, o.floor = max(o.peak, c.total), min(o.floor, c.available)
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
	return o
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
// available, updated of them at the CloneSet's update revision.
func waitSettled(t *testing.T, kube kubernetes.Interface, ns string, replicas, updated int) counts {
	t.Helper()
	var last counts
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		pods := map[string]*corev1.Pod{}
		revisions := map[string]int{}
		for i := range list.Items {
			p := &list.Items[i]
			pods[p.Name] = p
			if p.DeletionTimestamp == nil {
				revisions[p.Labels[plan.LabelRevisionHash]]++
			}
		}
		newest := ""
		for rev, n := range revisions {
			if n == updated {
				newest = rev
			}
		}
		last = count(pods, newest, time.Now())
		return last.total == replicas && last.available == replicas && last.updated == updated && len(list.Items) == replicas, nil
	})
	if err != nil {
		t.Fatalf("pods never settled at %d with %d updated; last %+v", replicas, updated, last)
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
