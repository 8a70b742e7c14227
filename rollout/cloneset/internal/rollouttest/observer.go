package rollouttest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Budget is the invariant a rollout keeps at every moment:
// TOTAL <= MaxTotal (replicas + maxSurge) and
// AVAILABLE >= MinAvailable (replicas - maxUnavailable).
type Budget struct{ MaxTotal, MinAvailable int }

// Snapshot counts the namespace's active pods at one moment.
type Snapshot struct {
	Total     int // active: not terminating, not finished
	Updated   int // active and running the target image
	Available int // active, Running and Ready
	// UpdatedAvailable: updated and available.
	UpdatedAvailable int
}

// Milestone is a (TOTAL, UPDATED) pair the pods went through.
type Milestone struct{ Total, Updated int }

func (m Milestone) String() string { return fmt.Sprintf("%d/%d", m.Total, m.Updated) }

// Observer watches every pod of a namespace. A single watch delivers the
// changes in the order etcd made them, so checking the budget at each event
// checks every state the pods were in. It also records the (TOTAL,
// UPDATED) milestones since the last SetTarget and every pod creation.
type Observer struct {
	mu         sync.Mutex
	changed    *sync.Cond
	pods       map[string]*corev1.Pod
	class      map[string]podClass // of each active pod, for counts kept per event
	counts     Snapshot
	added      map[string]int
	addedImage map[string]int
	target     string
	budget     *Budget
	violations []string
	marks      []Milestone
	markTimes  []time.Time
	events     int
	hooks      []func(*corev1.Pod)
	stop       func()
	stopOnce   sync.Once
}

// podClass is what a pod adds to a Snapshot.
type podClass struct{ updated, available bool }

// Observe starts an observer on namespace ns; it stops when the test ends.
func Observe(t testing.TB, kube kubernetes.Interface, ns string) *Observer {
	t.Helper()
	o := &Observer{pods: map[string]*corev1.Pod{}, class: map[string]podClass{}, added: map[string]int{}, addedImage: map[string]int{}}
	o.changed = sync.NewCond(&o.mu)
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := obj.(*corev1.Pod); ok {
				o.observe(p, true, false)
			}
		},
		UpdateFunc: func(_, obj any) {
			if p, ok := obj.(*corev1.Pod); ok {
				o.observe(p, false, false)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				o.observe(p, false, true)
			}
		},
	}); err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("observer cache never synced")
	}
	o.stop = func() {
		cancel()
		f.Shutdown()
	}
	t.Cleanup(o.Stop)
	return o
}

// Stop ends the watch (it ends with the test anyway).
func (o *Observer) Stop() { o.stopOnce.Do(o.stop) }

func (o *Observer) observe(p *corev1.Pod, added, deleted bool) {
	o.mu.Lock()
	o.events++
	if added {
		// a name may come back once its pod is gone (the random part of a
		// CloneSet pod name can repeat); a second pod of the same name while
		// the first still lives is a double creation
		if _, live := o.pods[p.Name]; live {
			o.added[p.Name]++
		}
		if len(p.Spec.Containers) > 0 {
			o.addedImage[p.Spec.Containers[0].Image]++
		}
	}
	if old, ok := o.class[p.Name]; ok {
		o.count(old, -1)
		delete(o.class, p.Name)
		delete(o.pods, p.Name)
	}
	if !deleted && active(p) {
		o.pods[p.Name] = p
		o.class[p.Name] = o.classify(p)
		o.count(o.class[p.Name], 1)
	}
	s := o.counts
	if o.budget != nil {
		if s.Total > o.budget.MaxTotal {
			o.violations = append(o.violations, fmt.Sprintf("event %d (%s): TOTAL %d > %d", o.events, p.Name, s.Total, o.budget.MaxTotal))
		}
		if s.Available < o.budget.MinAvailable {
			o.violations = append(o.violations, fmt.Sprintf("event %d (%s): AVAILABLE %d < %d", o.events, p.Name, s.Available, o.budget.MinAvailable))
		}
	}
	if o.target != "" {
		m := Milestone{s.Total, s.Updated}
		if len(o.marks) == 0 || o.marks[len(o.marks)-1] != m {
			o.marks = append(o.marks, m)
			o.markTimes = append(o.markTimes, time.Now())
		}
	}
	hooks := o.hooks
	o.changed.Broadcast()
	o.mu.Unlock()
	for _, h := range hooks {
		h(p)
	}
}

func active(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// IsAvailable is the observer's availability: Running and Ready.
func IsAvailable(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (o *Observer) classify(p *corev1.Pod) podClass {
	return podClass{
		updated:   o.target != "" && len(p.Spec.Containers) > 0 && p.Spec.Containers[0].Image == o.target,
		available: IsAvailable(p),
	}
}

func (o *Observer) count(c podClass, sign int) {
	o.counts.Total += sign
	if c.updated {
		o.counts.Updated += sign
	}
	if c.available {
		o.counts.Available += sign
	}
	if c.updated && c.available {
		o.counts.UpdatedAvailable += sign
	}
}

func (o *Observer) snapshot() Snapshot { return o.counts }

// recount classifies every pod again (the target changed).
func (o *Observer) recount() {
	o.counts = Snapshot{}
	for name, p := range o.pods {
		o.class[name] = o.classify(p)
		o.count(o.class[name], 1)
	}
}

// SetTarget names the image of updated pods and starts a new milestone record.
func (o *Observer) SetTarget(image string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.target = image
	o.recount()
	s := o.snapshot()
	o.marks = []Milestone{{s.Total, s.Updated}}
	o.markTimes = []time.Time{time.Now()}
}

// Progress returns, for each tenth of n, when UPDATED first reached it
// (seconds since SetTarget), e.g. "10%@1.2s 20%@1.5s ...".
func (o *Observer) Progress(n int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	next := 1
	for i, m := range o.marks {
		for next <= 10 && m.Updated*10 >= next*n {
			fmt.Fprintf(&b, "%d%%@%.1fs ", next*10, o.markTimes[i].Sub(o.markTimes[0]).Seconds())
			next++
		}
	}
	return strings.TrimSpace(b.String())
}

// Timeline returns the milestones since SetTarget with the time each was
// reached, relative to SetTarget, as "1.23s 6/1" lines.
func (o *Observer) Timeline() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, len(o.marks))
	for i, m := range o.marks {
		out[i] = fmt.Sprintf("%.2fs %s", o.markTimes[i].Sub(o.markTimes[0]).Seconds(), m)
	}
	return out
}

// SetBudget turns the invariant check on (nil turns it off).
func (o *Observer) SetBudget(b *Budget) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.budget = b
}

// Snapshot returns the current counts.
func (o *Observer) Snapshot() Snapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.snapshot()
}

// Pods returns the active pods.
func (o *Observer) Pods() []*corev1.Pod {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(o.pods))
	for _, p := range o.pods {
		out = append(out, p)
	}
	return out
}

// Milestones returns the (TOTAL, UPDATED) pairs since SetTarget, in order.
func (o *Observer) Milestones() []Milestone {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Milestone(nil), o.marks...)
}

// Violations returns every budget violation seen.
func (o *Observer) Violations() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.violations...)
}

// CreatedTwice returns pod names that were created again while a pod of
// that name was still active.
func (o *Observer) CreatedTwice() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for n := range o.added {
		out = append(out, n)
	}
	return out
}

// CreatedWithImage is how many pods were ever created running image.
func (o *Observer) CreatedWithImage(image string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.addedImage[image]
}

// OnPod registers a function called (outside the lock) after every event.
func (o *Observer) OnPod(f func(*corev1.Pod)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hooks = append(o.hooks, f)
}

// Wait blocks until cond holds for a snapshot, or fails the test after timeout.
func (o *Observer) Wait(t testing.TB, timeout time.Duration, what string, cond func(Snapshot) bool) {
	t.Helper()
	if err := o.WaitErr(timeout, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// WaitErr is Wait returning an error. cond runs without the observer's
// lock held, so it may call the observer's other methods.
func (o *Observer) WaitErr(timeout time.Duration, cond func(Snapshot) bool) error {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		o.mu.Lock()
		o.changed.Broadcast()
		o.mu.Unlock()
	})
	defer timer.Stop()
	for {
		o.mu.Lock()
		s, seen := o.snapshot(), o.events
		o.mu.Unlock()
		if cond(s) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s; pods now %+v, milestones %v", timeout, s, o.Milestones())
		}
		o.mu.Lock()
		for o.events == seen && time.Now().Before(deadline) {
			o.changed.Wait()
		}
		o.mu.Unlock()
	}
}
