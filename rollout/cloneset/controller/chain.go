package controller

import (
	"sync"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	corev1 "k8s.io/api/core/v1"
)

// maxChain bounds the passes one reconcile runs back to back. A ReCreate
// wave is three passes (mark specified-delete, delete, create; each new
// pod's readiness and lifecycle refresh goes with its create); a few more
// leave room for in-place updates and hooks without letting a plan that
// never settles hold a worker.
const maxChain = 6

// A reconcile does not wait for the informer between its passes: every
// write returns the object as the API server stored it, which is as fresh
// as anything the cache could show, so the next pass plans on the pods the
// previous pass read with its own writes applied. The passes are still
// Kruise's passes, one phase at a time, with the same budgets; only the
// round trip through the watch between them is gone. At 1,000 pods that
// round trip, taken four times per wave under a busy API server, was most
// of the rollout's time.
//
// The scale and version expectations still record every write, so the
// next reconcile (started by the events those writes cause) waits until
// the cache has caught up with the whole chain.

// written collects what the writes of one pass returned. Writes to
// different pods run in parallel; writes to one pod run in order in one
// goroutine, so the last pod recorded for a name is the newest.
type written struct {
	mu      sync.Mutex
	pods    map[string]*corev1.Pod // patched, as returned
	created map[string]*corev1.Pod // created, as returned
	deleted map[string]bool
}

func newWritten() *written {
	return &written{pods: map[string]*corev1.Pod{}, created: map[string]*corev1.Pod{}, deleted: map[string]bool{}}
}

func (w *written) patched(pod *corev1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pods[pod.Name] = pod
}

func (w *written) create(pod *corev1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.created[pod.Name] = pod
}

// createdPod is the pod this pass created under name, as the create
// returned it; nil if it created none.
func (w *written) createdPod(name string) *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.created[name]
}

func (w *written) remove(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deleted[name] = true
}

// canChain reports whether the pass after p may be planned on p's writes
// instead of on the cache: only when every write of p succeeded, p did
// something, and the CloneSet has no volumeClaimTemplates (PVCs are not
// tracked through a chain).
func canChain(p *pass, pl plan.Plan, err error) bool {
	return err == nil && !pl.IsEmpty() && len(p.cs.Spec.VolumeClaimTemplates) == 0
}

// next is the pass that follows p: the same CloneSet and revisions, p's
// pods with p's writes applied (patched pods replaced by what the API
// returned, deleted pods no longer active, created pods added, as their
// last write returned them; the planner orders pods itself). A deleted
// pod stays claimed (its instance id is taken until it is gone) and is
// remembered as deleted by every later pass of the chain: the object
// claimed for it is the one read before the delete.
func (p *pass) next(now time.Time) *pass {
	w := p.written
	n := &pass{key: p.key, cached: p.cached, cs: p.cs, pvcs: p.pvcs, revisions: p.revisions, choice: p.choice, now: now, nodeLabels: p.nodeLabels,
		byName: make(map[string]*corev1.Pod, len(p.claimed)+len(w.created)), written: newWritten(),
		deleted: make(map[string]bool, len(p.deleted)+len(w.deleted))}
	for name := range p.deleted {
		n.deleted[name] = true
	}
	for name := range w.deleted {
		n.deleted[name] = true
	}
	for _, pod := range p.claimed {
		if got := w.pods[pod.Name]; got != nil && got.UID == pod.UID {
			pod = got
		}
		n.claimed = append(n.claimed, pod)
		if !n.deleted[pod.Name] && isActive(pod) {
			n.pods = append(n.pods, pod)
			n.byName[pod.Name] = pod
		}
	}
	for _, pod := range w.created {
		if got := w.pods[pod.Name]; got != nil && got.UID == pod.UID {
			pod = got
		}
		n.claimed = append(n.claimed, pod)
		n.pods = append(n.pods, pod)
		n.byName[pod.Name] = pod
	}
	return n
}
