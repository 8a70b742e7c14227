package controller

import (
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// The informer caches lag the API server. A reconcile that ran on a cache
// which does not show the pod the previous reconcile created would create it
// again; one that does not show a patched pod's new labels would update it
// again. Expectations record what the engine wrote and hold reconciles back
// until the cache has caught up (or a timeout passes). They live in memory:
// a restarted engine starts from freshly listed caches, which already show
// every write its predecessor made.

// ScaleAction is what the engine expects to observe about an object.
type ScaleAction string

const (
	ExpectCreate ScaleAction = "create"
	ExpectDelete ScaleAction = "delete"
)

// ScaleExpectations track, per CloneSet key ("namespace/name"), the objects
// (pods, PVCs, revisions, named "pod/x", "pvc/y", "revision/z") the engine
// created or deleted that the cache has not shown yet.
type ScaleExpectations struct {
	mu      sync.Mutex
	now     func() time.Time
	timeout time.Duration
	pending map[string]*scalePending
}

type scalePending struct {
	names map[ScaleAction]map[string]bool
	since time.Time // when the oldest outstanding expectation was recorded
}

// NewScaleExpectations returns empty expectations that give up waiting after timeout.
func NewScaleExpectations(now func() time.Time, timeout time.Duration) *ScaleExpectations {
	return &ScaleExpectations{now: now, timeout: timeout, pending: map[string]*scalePending{}}
}

// Expect records that the engine is about to create or delete name. Call it
// before the API request: the informer may report the object before the
// request returns.
func (e *ScaleExpectations) Expect(key string, action ScaleAction, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[key]
	if p == nil {
		p = &scalePending{names: map[ScaleAction]map[string]bool{}, since: e.now()}
		e.pending[key] = p
	}
	if p.names[action] == nil {
		p.names[action] = map[string]bool{}
	}
	p.names[action][name] = true
}

// Observe records that the cache has shown the creation or deletion of
// name (or that the request failed, so it never will).
func (e *ScaleExpectations) Observe(key string, action ScaleAction, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[key]
	if p == nil {
		return
	}
	delete(p.names[action], name)
	if len(p.names[ExpectCreate])+len(p.names[ExpectDelete]) == 0 {
		delete(e.pending, key)
	}
}

// Satisfied reports whether nothing is outstanding for key. When something
// is, wait is how long until the timeout; once the timeout has passed the
// expectations for key are dropped and Satisfied reports true, so a lost
// event delays a CloneSet but never wedges it.
func (e *ScaleExpectations) Satisfied(key string) (ok bool, wait time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[key]
	if p == nil {
		return true, 0
	}
	waited := e.now().Sub(p.since)
	if waited >= e.timeout {
		delete(e.pending, key)
		return true, 0
	}
	return false, e.timeout - waited
}

// Outstanding returns how many objects key still waits for.
func (e *ScaleExpectations) Outstanding(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[key]
	if p == nil {
		return 0
	}
	return len(p.names[ExpectCreate]) + len(p.names[ExpectDelete])
}

// Forget drops everything recorded for key (the CloneSet is gone).
func (e *ScaleExpectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pending, key)
}

// VersionExpectations track, per object UID, the resourceVersion the
// engine's last write returned, so that a reconcile does not act on a cached
// copy older than its own write.
type VersionExpectations struct {
	mu      sync.Mutex
	now     func() time.Time
	timeout time.Duration
	want    map[types.UID]versionWant
}

type versionWant struct {
	key     string // the CloneSet the write was for
	ref     ObjectRef
	version uint64
	since   time.Time
}

// ObjectRef names an object the engine wrote, for looking it up in a cache.
type ObjectRef struct {
	Kind            string // "pod", "cloneset" or "revision"
	Namespace, Name string
	UID             types.UID
}

// NewVersionExpectations returns empty expectations that give up waiting after timeout.
func NewVersionExpectations(now func() time.Time, timeout time.Duration) *VersionExpectations {
	return &VersionExpectations{now: now, timeout: timeout, want: map[types.UID]versionWant{}}
}

// Expect records the resourceVersion a write for CloneSet key returned for
// the object.
func (e *VersionExpectations) Expect(key string, ref ObjectRef, resourceVersion string) {
	v, ok := parseVersion(resourceVersion)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if w, found := e.want[ref.UID]; found && w.version >= v {
		return
	}
	e.want[ref.UID] = versionWant{key: key, ref: ref, version: v, since: e.now()}
}

// Pending returns the objects written for CloneSet key whose written
// version has not been observed yet (expired ones are dropped). The
// informer event of a write may arrive before Expect records it, so the
// caller checks each against its cache (Satisfied) rather than waiting for
// an event that already came.
func (e *VersionExpectations) Pending(key string) []ObjectRef {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var out []ObjectRef
	for uid, w := range e.want {
		if w.key != key {
			continue
		}
		if now.Sub(w.since) >= e.timeout {
			delete(e.want, uid)
			continue
		}
		out = append(out, w.ref)
	}
	return out
}

// Observe is called with every cached version the informer delivers; it
// clears the expectation once the cache holds the written version or newer.
func (e *VersionExpectations) Observe(uid types.UID, resourceVersion string) {
	v, ok := parseVersion(resourceVersion)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if w, found := e.want[uid]; found && v >= w.version {
		delete(e.want, uid)
	}
}

// Satisfied reports whether the cached version of the object is at least
// the one the engine last wrote. As with ScaleExpectations, an expectation
// older than the timeout is dropped.
func (e *VersionExpectations) Satisfied(uid types.UID, resourceVersion string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	w, found := e.want[uid]
	if !found {
		return true
	}
	if v, ok := parseVersion(resourceVersion); ok && v >= w.version {
		delete(e.want, uid)
		return true
	}
	if e.now().Sub(w.since) >= e.timeout {
		delete(e.want, uid)
		return true
	}
	return false
}

// Forget drops the expectation for an object that is gone.
func (e *VersionExpectations) Forget(uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.want, uid)
}

// parseVersion reads a resourceVersion as the number etcd makes of it.
// Kubernetes calls resourceVersions opaque; comparing them is what Kruise
// does too, and an unparsable one simply sets no expectation.
func parseVersion(rv string) (uint64, bool) {
	v, err := strconv.ParseUint(rv, 10, 64)
	return v, err == nil
}
