package gitsync_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
)

// apiCounter counts what a client asks of the kube-apiserver, through
// rest.Config.WrapTransport: every request by method and resource (a
// dry-run apiece apart from a real write), and the response bytes. A watch
// counts once, when it starts; its events count as response bytes.
type apiCounter struct {
	mu        sync.Mutex
	byKind    map[string]int64 // "PATCH configmaps dry-run" → requests
	respBytes atomic.Int64
}

// apiCounts is a snapshot of an apiCounter.
type apiCounts struct {
	ByKind    map[string]int64
	RespBytes int64
}

// config returns a copy of base whose requests go through c.
func (c *apiCounter) config(base *rest.Config) *rest.Config {
	cfg := rest.CopyConfig(base)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &countingTransport{c: c, next: rt} })
	return cfg
}

func (c *apiCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKind == nil {
		c.byKind = map[string]int64{}
	}
	c.byKind[key]++
}

func (c *apiCounter) snapshot() apiCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := apiCounts{ByKind: make(map[string]int64, len(c.byKind)), RespBytes: c.respBytes.Load()}
	for k, v := range c.byKind {
		out.ByKind[k] = v
	}
	return out
}

// since is what happened between an earlier snapshot and this one.
func (a apiCounts) since(before apiCounts) apiCounts {
	out := apiCounts{ByKind: map[string]int64{}, RespBytes: a.RespBytes - before.RespBytes}
	for k, v := range a.ByKind {
		if d := v - before.ByKind[k]; d != 0 {
			out.ByKind[k] = d
		}
	}
	return out
}

// total counts the requests whose key passes keep (all when nil).
func (a apiCounts) total(keep func(key string) bool) int64 {
	var n int64
	for k, v := range a.ByKind {
		if keep == nil || keep(k) {
			n += v
		}
	}
	return n
}

// isWrite: a request that changes something (not a read, not a dry-run).
func isWrite(key string) bool {
	m, _, _ := strings.Cut(key, " ")
	return m != http.MethodGet && m != "WATCH" && !strings.HasSuffix(key, " dry-run")
}

func isDryRun(key string) bool { return strings.HasSuffix(key, " dry-run") }

// isObjectRequest: a request about an applied object (what the apply
// manager's client sends), not about GitSyncs, CloneSets or discovery.
func isObjectRequest(key string) bool {
	_, res, _ := strings.Cut(strings.TrimSuffix(key, " dry-run"), " ")
	res, _, _ = strings.Cut(res, "/")
	return res != "gitsyncs" && res != "clonesets" && res != "discovery"
}

func isStatusWrite(key string) bool {
	return isWrite(key) && strings.Contains(key, " gitsyncs/status")
}

// String lists the requests by kind, most frequent first, e.g.
// "GET configmaps ×10, PATCH configmaps dry-run ×10".
func (a apiCounts) String() string {
	keys := make([]string, 0, len(a.ByKind))
	for k := range a.ByKind {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a.ByKind[keys[i]] != a.ByKind[keys[j]] {
			return a.ByKind[keys[i]] > a.ByKind[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, a.ByKind[k])
	}
	return strings.Join(parts, ", ")
}

type countingTransport struct {
	c    *apiCounter
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.c.add(requestKind(req))
	resp, err := t.next.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &countedBody{ReadCloser: resp.Body, n: &t.c.respBytes}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// requestKind names a request by method and resource:
//
//	GET  /api/v1/namespaces/ns/configmaps/a            → "GET configmaps"
//	PATCH /apis/apps/v1/namespaces/ns/deployments/d?dryRun=All → "PATCH deployments dry-run"
//	PUT  /apis/ferry.dev/v1alpha1/namespaces/ns/gitsyncs/g/status → "PUT gitsyncs/status"
//	GET  /apis/apps/v1                                → "GET discovery"
func requestKind(req *http.Request) string {
	method := req.Method
	q := req.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		method = "WATCH"
	}
	key := method + " " + resourceOf(req.URL.Path)
	if q.Has("dryRun") {
		key += " dry-run"
	}
	return key
}

func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return "discovery"
	}
	if len(parts) > 2 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "discovery"
	case 3:
		return parts[0] + "/" + parts[2]
	}
	return parts[0]
}

// memSampler follows the Go heap while the loop works: HeapAlloc sampled
// every period (its peak includes garbage not yet collected, which is what
// the process had to hold), and the resident set's peak from the kernel.
type memSampler struct {
	base     runtime.MemStats
	baseRSS  uint64
	peakHeap atomic.Uint64
	stop     chan struct{}
	done     chan struct{}
}

// startMemSampler collects garbage, records the baseline and resets the
// kernel's peak-RSS mark (VmHWM), so the peak is the loop's own.
func startMemSampler(period time.Duration) *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	runtime.GC()
	runtime.ReadMemStats(&m.base)
	m.peakHeap.Store(m.base.HeapAlloc)
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // best effort: Linux resets VmHWM
	m.baseRSS = procStatusKB("VmRSS") * 1024
	go func() {
		defer close(m.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				var s runtime.MemStats
				runtime.ReadMemStats(&s)
				if s.HeapAlloc > m.peakHeap.Load() {
					m.peakHeap.Store(s.HeapAlloc)
				}
			}
		}
	}()
	return m
}

// memUsage is what a memSampler saw, in bytes.
type memUsage struct {
	PeakHeap     uint64 // peak HeapAlloc above the baseline
	RetainedHeap int64  // live heap after a GC at the end, above the baseline
	Allocated    uint64 // bytes allocated in between
	BaseRSS      uint64 // the process's resident set at the start
	PeakRSS      uint64 // the process's peak resident set (VmHWM)
}

func (m *memSampler) finish() memUsage {
	close(m.stop)
	<-m.done
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	total := s.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&s)
	peak := m.peakHeap.Load()
	return memUsage{
		PeakHeap:     peak - m.base.HeapAlloc,
		RetainedHeap: int64(s.HeapAlloc) - int64(m.base.HeapAlloc),
		Allocated:    total - m.base.TotalAlloc,
		BaseRSS:      m.baseRSS,
		PeakRSS:      procStatusKB("VmHWM") * 1024,
	}
}

// procStatusKB reads a "kB" field of /proc/self/status; 0 when unreadable.
func procStatusKB(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	return 0
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of ds:
// of 9 samples, p50 is the 5th smallest and p100 the largest.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(float64(len(s))*p/100)) - 1
	rank = max(0, min(rank, len(s)-1))
	return s[rank]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// watchGitSyncs watches the namespace's GitSyncs (only name's when set)
// from now on; the first events are their current state.
func (e *env) watchGitSyncs(name string) watch.Interface {
	e.t.Helper()
	opts := metav1.ListOptions{}
	if name != "" {
		opts.FieldSelector = "metadata.name=" + name
	}
	w, err := e.dyn.Resource(v1alpha1.GitSyncResource).Namespace(e.ns).Watch(context.Background(), opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// awaitAll reads w until cond has held for n distinct GitSyncs and returns
// when the last one was seen. A watch reports a change within milliseconds,
// where polling with GET would add its period to every measurement.
func (e *env) awaitAll(w watch.Interface, n int, timeout time.Duration, what string, cond func(*v1alpha1.GitSync) bool) time.Time {
	e.t.Helper()
	done := map[string]bool{}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for len(done) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				e.t.Fatalf("%s: the watch of GitSyncs in %s closed", what, e.ns)
			}
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || ev.Type == watch.Error {
				e.t.Fatalf("%s: watch error %v", what, ev.Object)
			}
			gs, err := gitsync.FromUnstructured(u)
			if err != nil {
				e.t.Fatal(err)
			}
			if cond(gs) {
				done[gs.Name] = true
			}
		case <-timer.C:
			e.t.Fatalf("%s: %d of %d GitSyncs in %s after %s", what, len(done), n, e.ns, timeout)
		}
	}
	return time.Now()
}
