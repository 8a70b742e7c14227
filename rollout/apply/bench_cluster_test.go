package apply

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// benchObjects is 50 ConfigMaps and 50 Deployments without a namespace.
// Deployments have zero replicas so the benchmark measures applying, not
// the scheduler and kwok starting 50 pods per round.
func benchObjects() []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for i := range 50 {
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cfg-%02d", i)},
			"data":     map[string]any{"LOG_LEVEL": "info", "INDEX": fmt.Sprint(i)},
		}})
		labels := map[string]any{"app": fmt.Sprintf("app-%02d", i)}
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": fmt.Sprintf("app-%02d", i)},
			"spec": map[string]any{
				"replicas": int64(0),
				"selector": map[string]any{"matchLabels": labels},
				"template": map[string]any{
					"metadata": map[string]any{"labels": labels},
					"spec": map[string]any{"containers": []any{map[string]any{
						"name": "app", "image": "example.com/app:v1",
						"envFrom": []any{map[string]any{"configMapRef": map[string]any{"name": fmt.Sprintf("cfg-%02d", i)}}},
					}}},
				},
			},
		}})
	}
	return out
}

// BenchmarkApply100 applies 100 objects into a fresh namespace (first) and
// again (unchanged: ferry writes nothing), and does the same with
// `kubectl apply --server-side` of the same manifests into another fresh
// namespace. Besides ns/op for a whole round it reports each step in ms and
// kubectl's time divided by ferry's (above 1: ferry is faster).
func BenchmarkApply100(b *testing.B) {
	c := cluster.Shared(b)
	m, err := NewManager(c.Config, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	objs := benchObjects()
	file := filepath.Join(b.TempDir(), "objects.yaml")
	var manifest []byte
	for _, u := range objs {
		raw, err := yaml.Marshal(u.Object)
		if err != nil {
			b.Fatal(err)
		}
		manifest = append(append(manifest, "---\n"...), raw...)
	}
	if err := os.WriteFile(file, manifest, 0o644); err != nil {
		b.Fatal(err)
	}
	// Warm kubectl's discovery cache and ferry's, as a running loop would be.
	if _, err := c.Kubectl("api-resources"); err != nil {
		b.Fatal(err)
	}
	if _, err := m.Apply(b.Context(), nil, DefaultApplyOptions()); err != nil {
		b.Fatal(err)
	}

	var ferryFirst, ferryAgain, kubectlFirst, kubectlAgain time.Duration
	timed := func(d *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		opts := DefaultApplyOptions()
		opts.DefaultNamespace = c.Namespace(b)
		kns := c.Namespace(b)
		b.StartTimer()
		timed(&ferryFirst, func() error {
			cs, err := m.Apply(b.Context(), objs, opts)
			if err == nil && cs.Count(Created) != len(objs) {
				err = fmt.Errorf("first apply created %d of %d", cs.Count(Created), len(objs))
			}
			return err
		})
		timed(&ferryAgain, func() error {
			cs, err := m.Apply(b.Context(), objs, opts)
			if err == nil && cs.HasChanges() {
				err = fmt.Errorf("re-apply changed objects:\n%s", cs)
			}
			return err
		})
		timed(&kubectlFirst, func() error {
			_, err := c.Kubectl("apply", "--server-side", "-n", kns, "-f", file)
			return err
		})
		timed(&kubectlAgain, func() error {
			_, err := c.Kubectl("apply", "--server-side", "-n", kns, "-f", file)
			return err
		})
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(ms(ferryFirst), "ferry-first-ms/op")
	b.ReportMetric(ms(ferryAgain), "ferry-unchanged-ms/op")
	b.ReportMetric(ms(kubectlFirst), "kubectl-first-ms/op")
	b.ReportMetric(ms(kubectlAgain), "kubectl-unchanged-ms/op")
	b.ReportMetric(kubectlFirst.Seconds()/ferryFirst.Seconds(), "kubectl/ferry-first")
	b.ReportMetric(kubectlAgain.Seconds()/ferryAgain.Seconds(), "kubectl/ferry-unchanged")
}
