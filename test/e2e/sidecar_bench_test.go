package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/sidecar"
	"github.com/ferry-gitops/ferry/sidecar/webhook"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// The admission benchmark's load: pod creations at a fixed rate for a fixed
// window, after a warm-up second, alternating every admissionBlock between
// the namespace the webhook injects and the one it is not called for.
const (
	admissionRate   = 200 // pods per second
	admissionWindow = 10 * time.Second
	admissionWarmUp = time.Second
	admissionBlock  = 100 // pods: half a second
)

// BenchmarkSidecarWebhookAdmission measures pod creation latency through the
// API server, client side, at admissionRate creations per second, with
// ferry's webhook registered (in-process, over TLS on loopback) and
// injecting the seed SidecarSet, against its peer: the same creations in a
// namespace the webhook configuration leaves out (ferry's own), so the API
// server does not call it. The two alternate in blocks of half a second
// within one window, so both see the same machine: this one is shared, and a
// peer measured ten seconds apart measured someone else's load. It reports
// p50 and p99 of both in milliseconds, their ratios, and the webhook
// handler's own latency (decode, inject, patch, encode; no network) in
// microseconds.
//
// Creations are paced open-loop, one goroutine per pod at its due time, so a
// slow answer does not delay the next request and hide in the numbers. The
// pods carry a scheduling gate: nothing schedules or runs them (kwok's nodes
// stay quiet), and they are deleted at the end. The work is fixed, so b.N is
// not used: run with -benchtime 1x (make bench).
func BenchmarkSidecarWebhookAdmission(b *testing.B) {
	c := cluster.Shared(b)
	ns, ferryNS, setName, setYAML := seedSidecarSet(b, c, "bench-logs-")

	cfg := rest.CopyConfig(c.Config)
	cfg.QPS = -1 // no client-side rate limit: the pacing is the benchmark's
	pods := benchPods{kube: kubernetes.NewForConfigOrDie(cfg), namespaces: [2]string{ns, ferryNS}}
	ctx := context.Background()

	startWebhook(b, c, e2eWebhookOptions(b, c, ns, ferryNS))
	pods.waitInjecting(b, setName)
	pods.run(ctx, "warm", admissionWarmUp)
	hook, peer := pods.run(ctx, "pod", admissionWindow)
	pods.deleteAll(b)

	for _, r := range []*runResult{hook, peer} {
		if r.errs > 0 {
			b.Fatalf("%s: %d of %d creations failed, first: %v", r.namespace, r.errs, r.count(), r.firstErr)
		}
	}
	if hook.injected != hook.count() || peer.injected != 0 {
		b.Fatalf("injected %d of %d pods with the webhook, %d of %d without", hook.injected, hook.count(), peer.injected, peer.count())
	}
	review := reviewLatency(b, setYAML, ns)
	b.ReportMetric(ms(peer.quantile(0.50)), "peer-p50-ms")
	b.ReportMetric(ms(peer.quantile(0.99)), "peer-p99-ms")
	b.ReportMetric(ms(hook.quantile(0.50)), "webhook-p50-ms")
	b.ReportMetric(ms(hook.quantile(0.99)), "webhook-p99-ms")
	b.ReportMetric(ms(hook.quantile(0.50))/ms(peer.quantile(0.50)), "p50-webhook/peer")
	b.ReportMetric(ms(hook.quantile(0.99))/ms(peer.quantile(0.99)), "p99-webhook/peer")
	b.ReportMetric(float64(hook.count()+peer.count())/hook.elapsed.Seconds(), "pods/s")
	b.ReportMetric(float64(quantile(review, 0.50).Microseconds()), "review-p50-us")
	b.ReportMetric(float64(quantile(review, 0.99).Microseconds()), "review-p99-us")
}

// benchPods creates the benchmark's pods, alternating between namespaces[0]
// (the webhook's) and namespaces[1] (the peer's).
type benchPods struct {
	kube       kubernetes.Interface
	namespaces [2]string
}

// runResult is one namespace's share of a paced run.
type runResult struct {
	namespace string
	latencies []time.Duration
	injected  int
	errs      int
	firstErr  error
	elapsed   time.Duration // of the whole run
}

func (r *runResult) count() int { return len(r.latencies) }

func (r *runResult) quantile(q float64) time.Duration { return quantile(r.latencies, q) }

// pod is the seed pod, gated so that it is never scheduled.
func (p benchPods) pod(name string) *corev1.Pod {
	pod := &corev1.Pod{}
	if err := yaml.Unmarshal([]byte(fmt.Sprintf(e2ePod, name)), pod); err != nil {
		panic(err) // a constant manifest
	}
	pod.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "ferry.dev/benchmark"}}
	return pod
}

// creation is the outcome of one create.
type creation struct {
	latency  time.Duration
	injected bool
	err      error
}

// run creates admissionRate pods per second for d, open-loop, switching
// namespace every admissionBlock pods; it returns each namespace's results.
func (p benchPods) run(ctx context.Context, name string, d time.Duration) (webhook, peer *runResult) {
	n := int(d.Seconds() * admissionRate)
	out := make([]creation, n)
	interval := time.Second / admissionRate
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Go(func() {
			pod := p.pod(fmt.Sprintf("%s-%05d", name, i))
			t0 := time.Now()
			got, err := p.kube.CoreV1().Pods(p.namespaces[i/admissionBlock%2]).Create(ctx, pod, metav1.CreateOptions{})
			out[i] = creation{latency: time.Since(t0), err: err, injected: err == nil && got.Annotations[sidecar.AnnotationInjectedList] != ""}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := [2]*runResult{}
	for k := range res {
		res[k] = &runResult{namespace: p.namespaces[k], elapsed: elapsed}
	}
	for i, c := range out {
		r := res[i/admissionBlock%2]
		r.latencies = append(r.latencies, c.latency)
		if c.injected {
			r.injected++
		}
		if c.err != nil {
			r.errs++
			if r.firstErr == nil {
				r.firstErr = c.err
			}
		}
	}
	return res[0], res[1]
}

// waitInjecting creates pods until one comes back injected: the API server
// loads a new webhook configuration asynchronously.
func (p benchPods) waitInjecting(b *testing.B, setName string) {
	b.Helper()
	i := 0
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		i++
		got, err := p.kube.CoreV1().Pods(p.namespaces[0]).Create(ctx, p.pod(fmt.Sprintf("probe-%03d", i)), metav1.CreateOptions{})
		return err == nil && got.Annotations[sidecar.AnnotationInjectedList] == setName, nil
	})
	if err != nil {
		b.Fatalf("the webhook never injected a pod: %v", err)
	}
}

// deleteAll deletes the benchmark's pods (gated pods go at once).
func (p benchPods) deleteAll(b *testing.B) {
	b.Helper()
	for _, ns := range p.namespaces {
		err := p.kube.CoreV1().Pods(ns).DeleteCollection(context.Background(),
			metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}, metav1.ListOptions{})
		if err != nil {
			b.Fatalf("delete the pods of %s: %v", ns, err)
		}
	}
}

// reviewLatency times the webhook handler alone on the benchmark's pod: 2000
// reviews, each decoding the request, injecting and computing the patch.
func reviewLatency(b *testing.B, setYAML, ns string) []time.Duration {
	b.Helper()
	set := &appsv1alpha1.SidecarSet{}
	if err := yaml.Unmarshal([]byte(setYAML), set); err != nil {
		b.Fatal(err)
	}
	prepared, err := sidecar.Prepare(set)
	if err != nil {
		b.Fatal(err)
	}
	h := &webhook.Handler{
		Sets:       webhook.StaticSidecarSets{prepared},
		Namespaces: webhook.StaticNamespaces{ns: {Name: ns}},
		Now:        time.Now,
	}
	raw, err := json.Marshal(benchPods{}.pod("review"))
	if err != nil {
		b.Fatal(err)
	}
	req := &admissionv1.AdmissionRequest{
		UID: "bench", Namespace: ns, Operation: admissionv1.Create,
		Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Object:   runtime.RawExtension{Raw: raw},
	}
	out := make([]time.Duration, 2000)
	for i := range out {
		t0 := time.Now()
		resp := h.Review(req)
		out[i] = time.Since(t0)
		if !resp.Allowed || len(resp.Patch) == 0 {
			b.Fatalf("review %+v: want an allowed pod with a patch", resp)
		}
	}
	return out
}

// quantile is the q-quantile of ds (nearest rank): for 2000 samples, the
// p50 is the 1000th smallest and the p99 the 1980th.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
