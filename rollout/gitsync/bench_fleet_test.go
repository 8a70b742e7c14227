package gitsync_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// The fleet repository of the benchmarks: apps/aNN holds one application
// of fleetObjects objects, the kinds a plain service has, with Deployments
// of zero replicas so that no pods are needed. Services are headless: the
// test cluster's service range has 254 addresses and two copies of the
// fleet would need 400. Every object carries fleetLabel, so both copies can
// be counted.
const (
	fleetObjects = 10
	fleetLabel   = "bench=fleet"
)

// fleetResources are the kinds of fleetApp, to count what landed.
var fleetResources = []schema.GroupVersionResource{
	{Version: "v1", Resource: "configmaps"},
	{Version: "v1", Resource: "secrets"},
	{Version: "v1", Resource: "services"},
	{Group: "apps", Version: "v1", Resource: "deployments"},
}

// fleetPath is the directory of application i.
func fleetPath(i int) string { return fmt.Sprintf("apps/a%02d", i) }

// fleetApp returns the files of application i: four ConfigMaps, two
// Secrets, two Services and two Deployments in four files, and a
// kustomization listing them.
func fleetApp(i int) map[string]string {
	app := fmt.Sprintf("a%02d", i)
	apiVersion := map[string]string{"ConfigMap": "v1", "Secret": "v1", "Service": "v1", "Deployment": "apps/v1"}
	meta := func(kind, name string) string {
		return fmt.Sprintf("---\napiVersion: %s\nkind: %s\nmetadata:\n  name: %s-%s\n  labels:\n    bench: fleet\n    app: %s\n",
			apiVersion[kind], kind, app, name, app)
	}
	var cms, secrets, svcs, deps strings.Builder
	for j := range 4 {
		cms.WriteString(meta("ConfigMap", fmt.Sprintf("config-%d", j)))
		fmt.Fprintf(&cms, "data:\n  LOG_LEVEL: info\n  INDEX: %q\n  FEATURES: \"a,b,c\"\n", fmt.Sprint(i*10+j))
	}
	for j := range 2 {
		secrets.WriteString(meta("Secret", fmt.Sprintf("secret-%d", j)))
		fmt.Fprintf(&secrets, "type: Opaque\ndata:\n  token: %s\n", base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s-token-%d", app, j))))
		svcs.WriteString(meta("Service", fmt.Sprintf("web-%d", j)))
		fmt.Fprintf(&svcs, "spec:\n  clusterIP: None\n  selector:\n    app: %s-web-%d\n  ports:\n  - port: 80\n    targetPort: 8080\n", app, j)
		deps.WriteString(meta("Deployment", fmt.Sprintf("web-%d", j)))
		fmt.Fprintf(&deps, `spec:
  replicas: 0
  selector:
    matchLabels:
      app: %[1]s-web-%[2]d
  template:
    metadata:
      labels:
        app: %[1]s-web-%[2]d
    spec:
      containers:
      - name: web
        image: example.com/web:v1
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef:
            name: %[1]s-config-%[2]d
`, app, j)
	}
	dir := fleetPath(i)
	return map[string]string{
		dir + "/kustomization.yaml": kustomization("configmaps.yaml", "secrets.yaml", "services.yaml", "deployments.yaml"),
		dir + "/configmaps.yaml":    cms.String(),
		dir + "/secrets.yaml":       secrets.String(),
		dir + "/services.yaml":      svcs.String(),
		dir + "/deployments.yaml":   deps.String(),
	}
}

// fleet returns n applications and apps/kustomization.yaml listing them
// all, which the kubectl peer renders in one go.
func fleet(n int) map[string]string {
	files := map[string]string{}
	var dirs []string
	for i := range n {
		for k, v := range fleetApp(i) {
			files[k] = v
		}
		dirs = append(dirs, strings.TrimPrefix(fleetPath(i), "apps/"))
	}
	files["apps/kustomization.yaml"] = kustomization(dirs...)
	return files
}

// countFleet counts the fleet's objects in namespace.
func countFleet(tb testing.TB, dyn dynamic.Interface, namespace string) int {
	tb.Helper()
	n := 0
	for _, r := range fleetResources {
		list, err := dyn.Resource(r).Namespace(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: fleetLabel})
		if err != nil {
			tb.Fatal(err)
		}
		n += len(list.Items)
	}
	return n
}

// kubectlRun is one kubectl process against the cluster: its wall time and
// its peak resident set.
type kubectlRun struct {
	Took   time.Duration
	MaxRSS uint64 // bytes
}

func runKubectl(tb testing.TB, c *cluster.Cluster, args ...string) kubectlRun {
	tb.Helper()
	cmd := exec.Command(filepath.Join(c.BinDir, "kubectl"), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		tb.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	run := kubectlRun{Took: took}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.MaxRSS = uint64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return run
}

// renderFleet renders apps/ of the working clone with `kubectl kustomize`
// into one manifest file, for `kubectl apply -f`.
func renderFleet(tb testing.TB, c *cluster.Cluster, work string) string {
	tb.Helper()
	out, err := exec.Command(filepath.Join(c.BinDir, "kubectl"), "kustomize", filepath.Join(work, "apps")).Output()
	if err != nil {
		tb.Fatalf("kubectl kustomize: %v", err)
	}
	file := filepath.Join(tb.TempDir(), "fleet.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		tb.Fatal(err)
	}
	return file
}

// awaitDeploymentsAvailable waits until n Deployments of the fleet in
// namespace are rolled out as their controller reports it: the spec
// observed and Available=True. One LIST per 100 ms, so the time is the
// cluster's, not a client's.
func awaitDeploymentsAvailable(tb testing.TB, kube kubernetes.Interface, namespace string, n int, timeout time.Duration) {
	tb.Helper()
	ready := 0
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		list, err := kube.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{LabelSelector: fleetLabel})
		if err != nil {
			return false, err
		}
		ready = 0
		for _, d := range list.Items {
			if d.Status.ObservedGeneration >= d.Generation && available(d.Status.Conditions) {
				ready++
			}
		}
		return ready == n, nil
	})
	if err != nil {
		tb.Fatalf("%d of %d Deployments in %s available: %v", ready, n, namespace, err)
	}
}

func available(conds []appsv1.DeploymentCondition) bool {
	for _, c := range conds {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
