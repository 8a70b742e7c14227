package bench

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/test/cluster"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	kruiseclient "github.com/openkruise/kruise-api/client/clientset/versioned"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// The budgets of every rollout measured here.
var (
	maxSurge       = intstr.FromString("10%")
	maxUnavailable = intstr.FromString("10%")
)

// BenchmarkRollout rolls N pods from image v1 to v2 with a Deployment
// (kube-controller-manager) and with a ReCreate CloneSet run by ferry's
// engine in this process, in the order Deployment, ferry, ferry,
// Deployment, so that whatever drifts during a run (a cluster warming up,
// load from elsewhere) weighs on both alike; each number is the mean of the
// two rollouts of its side. It reports:
//
//	ferry-s, deployment-s     wall time from the template change until all N pods run v2, Ready, and no old pod is left
//	ferry/deployment          the ratio (target <= 1)
//	ideal-s                   waves x readiness delay, waves = ceil(N / (maxSurge + maxUnavailable))
//	ferry/ideal               (target <= 1.1)
//	writes/pod                API writes the engine made per updated pod (events excluded)
//	engine-cpu-s, heap-MB     process CPU and live heap during/after ferry's rollout
//	baseline-cpu-s, baseline-heap-MB   the same during the Deployment's rollout, when the process runs only the pod watch
//	ferry-budget-breaks, deployment-budget-breaks   events at which TOTAL > replicas+maxSurge or
//	                          AVAILABLE < replicas-maxUnavailable, in both rollouts of a side (ferry must have none)
//	ferry-api-writes/pod, deployment-api-writes/pod   writes the API server served during the rollout, from
//	                          every client (controller, scheduler, kwok), per pod; events and leases excluded
//	api-writes-ratio          ferry's over the Deployment's: the share of the time ratio the protocols explain
//	ferry-apiserver-cpu-s, deployment-apiserver-cpu-s   the API server's CPU during the rollout
func BenchmarkRollout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			c := cluster.Shared(b)
			if err := rollouttest.InstallCRDs(c.Config); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				dep1 := measure(b, c, "Deployment", n, deploymentRollout)
				fer1 := measure(b, c, "ferry", n, ferryRollout)
				fer2 := measure(b, c, "ferry", n, ferryRollout)
				dep2 := measure(b, c, "Deployment", n, deploymentRollout)
				b.Logf("N=%d: Deployment %.2fs then %.2fs, ferry %.2fs then %.2fs", n, dep1.seconds, dep2.seconds, fer1.seconds, fer2.seconds)
				dep, fer := mean(dep1, dep2), mean(fer1, fer2)
				waves := math.Ceil(float64(n) / float64(scaled(maxSurge, n, true)+scaled(maxUnavailable, n, false)))
				ideal := waves * readyDelay.Seconds()
				b.ReportMetric(fer.seconds, "ferry-s")
				b.ReportMetric(dep.seconds, "deployment-s")
				b.ReportMetric(fer.seconds/dep.seconds, "ferry/deployment")
				b.ReportMetric(ideal, "ideal-s")
				b.ReportMetric(fer.seconds/ideal, "ferry/ideal")
				b.ReportMetric(float64(fer.writes)/float64(n), "writes/pod")
				b.ReportMetric(fer.cpu, "engine-cpu-s")
				b.ReportMetric(dep.cpu, "baseline-cpu-s")
				b.ReportMetric(fer.heapMB, "heap-MB")
				b.ReportMetric(dep.heapMB, "baseline-heap-MB")
				b.ReportMetric(float64(len(fer.violations)), "ferry-budget-breaks")
				b.ReportMetric(float64(len(dep.violations)), "deployment-budget-breaks")
				b.ReportMetric(fer.api.writes/float64(n), "ferry-api-writes/pod")
				b.ReportMetric(dep.api.writes/float64(n), "deployment-api-writes/pod")
				b.ReportMetric(fer.api.writes/dep.api.writes, "api-writes-ratio")
				b.ReportMetric(fer.api.cpuSeconds, "ferry-apiserver-cpu-s")
				b.ReportMetric(dep.api.cpuSeconds, "deployment-apiserver-cpu-s")
				if len(fer.violations) > 0 {
					b.Errorf("ferry broke the rollout budget %d times, first: %s", len(fer.violations), fer.violations[0])
				}
				if len(dep.violations) > 0 {
					b.Logf("the Deployment controller broke the budget %d times (it has no expectations across ReplicaSets), first: %s",
						len(dep.violations), dep.violations[0])
				}
				b.Logf("N=%d: ferry %.2fs, Deployment %.2fs (ratio %.2f); ideal %.0f waves x %s = %.1fs (ratio %.2f); %.1f writes/pod; CPU %.2fs (baseline %.2fs); heap %.0f MB (baseline %.0f MB)",
					n, fer.seconds, dep.seconds, fer.seconds/dep.seconds, waves, readyDelay, ideal, fer.seconds/ideal,
					float64(fer.writes)/float64(n), fer.cpu, dep.cpu, fer.heapMB, dep.heapMB)
				b.Logf("N=%d: API server writes from all clients ferry %.0f (%.1f/pod, %.1f on pods), Deployment %.0f (%.1f/pod, %.1f on pods), ratio %.2f; API server CPU ferry %.1fs, Deployment %.1fs (ratio %.2f)",
					n, fer.api.writes, fer.api.writes/float64(n), fer.api.podWrites/float64(n), dep.api.writes, dep.api.writes/float64(n), dep.api.podWrites/float64(n),
					fer.api.writes/dep.api.writes, fer.api.cpuSeconds, dep.api.cpuSeconds, fer.api.cpuSeconds/dep.api.cpuSeconds)
				b.Logf("N=%d: API server writes by kind (first rollout of each): ferry: %s; Deployment: %s", n, fer.api, dep.api)
			}
		})
	}
}

// result is one measured rollout.
type result struct {
	seconds    float64
	writes     int64
	cpu        float64
	heapMB     float64
	violations []string // budget violations the observer saw
	api        apiWork  // what the API server did during the rollout
}

// mean is the mean of two measurements of one side; violations are
// those of both. The heap is the first one's: the second rollout of a side
// starts while the heap still holds what the one before it let go of.
func mean(a, b result) result {
	return result{
		seconds:    (a.seconds + b.seconds) / 2,
		writes:     (a.writes + b.writes) / 2,
		cpu:        (a.cpu + b.cpu) / 2,
		heapMB:     a.heapMB,
		violations: append(append([]string(nil), a.violations...), b.violations...),
		api: apiWork{writes: (a.api.writes + b.api.writes) / 2, podWrites: (a.api.podWrites + b.api.podWrites) / 2,
			cpuSeconds: (a.api.cpuSeconds + b.api.cpuSeconds) / 2, byKind: a.api.byKind},
	}
}

// rollout sets up N ready pods at v1 in ns, then returns the function that
// starts the rollout to v2, and the engine's write counter (nil for the
// Deployment).
type rollout func(b *testing.B, c *cluster.Cluster, ns string, n int) (start func(), writes *atomic.Int64, stop func())

// measure runs one rollout in a fresh namespace and removes it (waiting
// until it is gone, so the next measurement has the cluster to itself).
func measure(b *testing.B, c *cluster.Cluster, name string, n int, r rollout) result {
	b.Helper()
	ctx := context.Background()
	ns := fmt.Sprintf("bench-%d-%d", n, time.Now().UnixNano())
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	defer deleteNamespace(b, c, ns)
	waitServiceAccount(b, c, ns)
	obs := rollouttest.Observe(b, c.Client, ns)
	defer obs.Stop()
	obs.SetTarget("bench:1")
	tr := trace(obs)
	start, writes, stop := r(b, c, ns, n)
	defer stop()
	obs.Wait(b, 5*time.Minute, "initial pods", func(s rollouttest.Snapshot) bool { return s.Total == n && s.Available == n && s.Updated == n })

	runtime.GC()
	obs.SetTarget("bench:2")
	obs.SetBudget(&rollouttest.Budget{MaxTotal: n + scaled(maxSurge, n, true), MinAvailable: n - scaled(maxUnavailable, n, false)})
	if writes != nil {
		writes.Store(0)
	}
	api0, err := readAPIWork(ctx, c.Client)
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuSeconds()
	t0 := time.Now()
	start()
	obs.Wait(b, 10*time.Minute, "rollout", func(s rollouttest.Snapshot) bool { return s.Total == n && s.UpdatedAvailable == n })
	res := result{seconds: time.Since(t0).Seconds(), cpu: cpuSeconds() - cpu0}
	api1, err := readAPIWork(ctx, c.Client)
	if err != nil {
		b.Fatal(err)
	}
	res.api = api1.sub(api0)
	if writes != nil {
		res.writes = writes.Load()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.heapMB = float64(ms.HeapAlloc) / (1 << 20)
	b.Logf("%s N=%d progress (updated): %s", name, n, obs.Progress(n))
	if os.Getenv("FERRY_BENCH_TIMELINE") == "1" {
		b.Logf("timeline: %s", strings.Join(obs.Timeline(), ", "))
	}
	tr.report(b, "bench:2")
	res.violations = obs.Violations()
	if twice := obs.CreatedTwice(); len(twice) > 0 {
		b.Errorf("%s: pods created twice: %v", name, twice)
	}
	return res
}

func deploymentRollout(b *testing.B, c *cluster.Cluster, ns string, n int) (func(), *atomic.Int64, func()) {
	ctx := context.Background()
	labels := map[string]string{"app": "bench"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(n)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &maxSurge, MaxUnavailable: &maxUnavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "bench:1"}}},
			},
		},
	}
	api := c.Client.AppsV1().Deployments(ns)
	if _, err := api.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	return func() {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := api.Get(ctx, "bench", metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Spec.Template.Spec.Containers[0].Image = "bench:2"
			_, err = api.Update(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}, nil, func() {}
}

func ferryRollout(b *testing.B, c *cluster.Cluster, ns string, n int) (func(), *atomic.Int64, func()) {
	ctx := context.Background()
	writes := &atomic.Int64{}
	cfg := rest.CopyConfig(c.Config)
	// kube-controller-manager runs with the same client limits (test/cluster)
	cfg.QPS, cfg.Burst = 500, 1000
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countWrites{rt, writes} })
	eng := rollouttest.StartEngine(b, cfg, rollouttest.EngineOptions(ns))
	labels := map[string]string{"app": "bench"}
	cs := &appsv1alpha1.CloneSet{
		ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: appsv1alpha1.CloneSetSpec{
			Replicas: ptr.To(int32(n)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1alpha1.CloneSetUpdateStrategy{Type: appsv1alpha1.RecreateCloneSetUpdateStrategyType,
				MaxSurge: &maxSurge, MaxUnavailable: &maxUnavailable},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "bench:1"}}},
			},
		},
	}
	kc, err := kruiseclient.NewForConfig(c.Config)
	if err != nil {
		b.Fatal(err)
	}
	api := kc.AppsV1alpha1().CloneSets(ns)
	if _, err := api.Create(ctx, cs, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	return func() {
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				cur, err := api.Get(ctx, "bench", metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Spec.Template.Spec.Containers[0].Image = "bench:2"
				_, err = api.Update(ctx, cur, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}, writes, func() {
			if os.Getenv("FERRY_BENCH_TIMELINE") == "1" {
				var buf strings.Builder
				_, _ = eng.Metrics().WriteTo(&buf)
				b.Logf("engine metrics:\n%s", buf.String())
			}
			// each old pod deleted once: more means a pass acted on a
			// view that had lost track of its own deletes
			if d := eng.Metrics().PodsDeleted(); d != int64(n) {
				b.Errorf("ferry deleted %d pods for a rollout of %d", d, n)
			}
			eng.Stop(b)
		}
}

// countWrites counts the requests that change something (all but GET,
// HEAD, OPTIONS and watches), events excluded: they are the engine's API
// writes.
type countWrites struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !isEvent(r.URL.Path) {
			c.n.Add(1)
		}
	}
	return c.next.RoundTrip(r)
}

func isEvent(path string) bool { return strings.Contains(path, "/events") }

// scaled resolves a percent of n, rounding up or down.
func scaled(v intstr.IntOrString, n int, up bool) int {
	x, err := intstr.GetScaledValueFromIntOrPercent(&v, n, up)
	if err != nil {
		panic(err)
	}
	return x
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func waitServiceAccount(b *testing.B, c *cluster.Cluster, ns string) {
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		b.Fatalf("namespace %s: no default service account", ns)
	}
}

func deleteNamespace(b *testing.B, c *cluster.Cluster, ns string) {
	ctx := context.Background()
	if err := c.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		b.Errorf("delete namespace %s: %v", ns, err)
		return
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		b.Errorf("namespace %s not gone: %v", ns, err)
	}
}
