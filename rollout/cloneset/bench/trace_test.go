package bench

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	corev1 "k8s.io/api/core/v1"
)

// tracer records, with FERRY_BENCH_TRACE=1, the sequence of changes every
// pod of a rollout goes through (added, bound, labelled, stamped, started,
// ...), and logs the most common sequences among the pods created at the
// target image. It is how the harness was found to stamp a pod twice when
// a controller writes it between binding and kwok's stamp (each stamp is a
// write the API server serves), and how the engine was found to set
// InPlaceUpdateReady after some pods had already started.
type tracer struct {
	mu   sync.Mutex
	prev map[string]*corev1.Pod
	seq  map[string][]string
}

// trace starts recording; nil unless FERRY_BENCH_TRACE is set.
func trace(obs *rollouttest.Observer) *tracer {
	if os.Getenv("FERRY_BENCH_TRACE") == "" {
		return nil
	}
	tr := &tracer{prev: map[string]*corev1.Pod{}, seq: map[string][]string{}}
	obs.OnPod(func(p *corev1.Pod) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		old := tr.prev[p.Name]
		tr.prev[p.Name] = p.DeepCopy()
		tr.seq[p.Name] = append(tr.seq[p.Name], describe(old, p))
	})
	return tr
}

// describe names what changed from a to b (a is nil for an added pod).
func describe(a, b *corev1.Pod) string {
	if a == nil {
		return "add(" + b.Spec.Containers[0].Image + ")"
	}
	var d []string
	if a.Spec.NodeName != b.Spec.NodeName {
		d = append(d, "bind")
	}
	if a.DeletionTimestamp == nil && b.DeletionTimestamp != nil {
		d = append(d, "deleting")
	}
	for k, v := range b.Labels {
		if a.Labels[k] != v {
			d = append(d, "L:"+k[strings.LastIndex(k, "/")+1:]+"="+v)
		}
	}
	for k, v := range b.Annotations {
		if a.Annotations[k] != v {
			d = append(d, "A:"+k[strings.LastIndex(k, "/")+1:])
		}
	}
	if a.Status.Phase != b.Status.Phase {
		d = append(d, "phase="+string(b.Status.Phase))
	}
	ca := map[string]string{}
	for _, c := range a.Status.Conditions {
		ca[string(c.Type)] = string(c.Status) + c.LastTransitionTime.String()
	}
	for _, c := range b.Status.Conditions {
		if ca[string(c.Type)] != string(c.Status)+c.LastTransitionTime.String() {
			d = append(d, "C:"+string(c.Type)+"="+string(c.Status))
		}
	}
	if len(d) == 0 {
		d = append(d, "NOCHANGE")
	}
	sort.Strings(d)
	return strings.Join(d, "+")
}

// report logs the nine most common sequences of the pods added at image.
func (tr *tracer) report(b *testing.B, image string) {
	if tr == nil {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	hist := map[string]int{}
	n := 0
	for _, s := range tr.seq {
		if !strings.HasPrefix(s[0], "add("+image) {
			continue
		}
		n++
		hist[strings.Join(s, " ; ")]++
	}
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range hist {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	for i, e := range all {
		if i > 8 {
			break
		}
		b.Logf("trace: %d of %d pods: %s", e.v, n, e.k)
	}
}
