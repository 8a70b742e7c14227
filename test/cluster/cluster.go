// Package cluster starts a real local Kubernetes control plane for ferry's
// tests, benchmarks and demo: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (fake nodes whose pods become Running and Ready
// without containers), all built from Go modules by hack/build-controlplane.sh
// and bound to loopback ports chosen at start.
//
// Two ways in:
//   - hack/cluster up|down|env|status (a detached control plane for the demo
//     and for poking around with kubectl), implemented by hack/localcluster;
//   - Main(m) in a test package's TestMain, then Shared() and Namespace(t).
package cluster

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kwokNodeAnnotation marks the nodes kwok manages.
const kwokNodeAnnotation = "kwok.x-k8s.io/node"

//go:embed stages/node.yaml
var nodeStages string

//go:embed stages/pod.yaml
var podStages string

// Options configure a control plane.
type Options struct {
	// Dir is the run directory: certificates, etcd data, logs, pid file and
	// kubeconfig live here. It must be an absolute path.
	Dir string
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubectl and kwok (see hack/build-controlplane.sh).
	BinDir string
	// Nodes is how many fake nodes to create.
	Nodes int
	// Detach lets the processes outlive the caller (hack/cluster up).
	Detach bool
	// Timeout bounds the wait for the control plane to become ready.
	Timeout time.Duration
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
	// PodStartDelay, when > 0, is how long a scheduled pod takes to run and
	// become Ready (kwok's pod-start stage waits that long after the pod is
	// scheduled). Benchmarks use it to model "pods ready 1 s after start";
	// tests leave it 0.
	PodStartDelay time.Duration
}

// DefaultOptions returns options for a control plane in dir with three fake
// nodes.
func DefaultOptions(dir, binDir string) Options {
	return Options{Dir: dir, BinDir: binDir, Nodes: 3, Timeout: 2 * time.Minute}
}

// Cluster is a running local control plane.
type Cluster struct {
	Dir        string
	BinDir     string
	Kubeconfig string
	Config     *rest.Config
	Client     kubernetes.Interface

	procs []*started
}

// Up starts a control plane in opts.Dir and waits until the apiserver is
// ready, the controllers and scheduler run and the fake nodes are Ready.
// The run directory is wiped first: Up never reuses state of an earlier run.
func Up(ctx context.Context, opts Options) (c *Cluster, err error) {
	if !filepath.IsAbs(opts.Dir) {
		return nil, fmt.Errorf("run directory %q is not absolute", opts.Dir)
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			return nil, fmt.Errorf("control-plane binary %s missing in %s (run hack/build-controlplane.sh): %w", b, opts.BinDir, err)
		}
	}
	if err := os.RemoveAll(opts.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	certs, err := writePKI(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	p, err := freePorts()
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(opts.Dir, "kubeconfig")
	server := "https://" + addr(p.apiserver)
	if err := os.WriteFile(kubeconfig, []byte(kubeconfigYAML(server, certs)), 0o600); err != nil {
		return nil, err
	}
	pods, err := delayPodStages(podStages, opts.PodStartDelay)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, "kwok-stages.yaml"), []byte(nodeStages+"\n---\n"+pods), 0o644); err != nil {
		return nil, err
	}
	comps, err := components(opts.Dir, opts.BinDir, p, certs, kubeconfig)
	if err != nil {
		return nil, err
	}
	c = &Cluster{Dir: opts.Dir, BinDir: opts.BinDir, Kubeconfig: kubeconfig}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	c.Config = cfg
	if c.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	for _, comp := range comps {
		s, err := start(opts.Dir, comp, opts.Detach)
		if err != nil {
			return c, err
		}
		c.procs = append(c.procs, s)
		switch comp.name {
		case "etcd":
			if err := waitTCP(ctx, addr(p.etcdClient)); err != nil {
				return c, c.failure("etcd", err)
			}
		case "kube-apiserver":
			logf("waiting for kube-apiserver on %s", server)
			if err := c.waitAPIServer(ctx); err != nil {
				return c, c.failure("kube-apiserver", err)
			}
		}
	}
	logf("creating %d fake nodes", opts.Nodes)
	if err := c.createNodes(ctx, opts.Nodes); err != nil {
		return c, c.failure("kwok", err)
	}
	if err := c.waitDefaultServiceAccount(ctx, "default"); err != nil {
		return c, c.failure("kube-controller-manager", err)
	}
	return c, nil
}

// failure wraps err with the tail of the component's log, which is almost
// always where the reason is.
func (c *Cluster) failure(component string, err error) error {
	return fmt.Errorf("%s not ready: %w\n--- last lines of %s ---\n%s", component, err,
		filepath.Join(c.Dir, "logs", component+".log"), c.LogTail(component, 30))
}

// LogTail returns the last n lines of a component's log.
func (c *Cluster) LogTail(component string, n int) string {
	raw, err := os.ReadFile(filepath.Join(c.Dir, "logs", component+".log"))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop terminates every component this Cluster started.
func (c *Cluster) Stop() {
	if c == nil {
		return
	}
	stopAll(c.Dir, c.procs, 10*time.Second)
	c.procs = nil
}

// Down stops a detached control plane recorded in dir (by pid, never by
// name) and removes its run directory. It is a no-op if nothing runs there.
func Down(dir string) error {
	procs, err := readPids(dir)
	if err != nil {
		return err
	}
	stopAll(dir, procs, 10*time.Second)
	return os.RemoveAll(dir)
}

// Running reports whether every component recorded in dir is alive.
func Running(dir string) bool {
	procs, err := readPids(dir)
	if err != nil || len(procs) == 0 {
		return false
	}
	for _, p := range procs {
		if !ours(dir, p.pid) || zombie(p.pid) {
			return false
		}
	}
	return true
}

func (c *Cluster) waitAPIServer(ctx context.Context) error {
	return poll(ctx, 200*time.Millisecond, func() (bool, error) {
		raw, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(raw) == "ok", nil
	})
}

func (c *Cluster) createNodes(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        fmt.Sprintf("kwok-node-%d", i),
				Annotations: map[string]string{kwokNodeAnnotation: "fake"},
				Labels: map[string]string{
					"type":                   "kwok",
					"kubernetes.io/hostname": fmt.Sprintf("kwok-node-%d", i),
					"kubernetes.io/os":       "linux",
				},
			},
			Status: corev1.NodeStatus{
				Capacity: corev1.ResourceList{
					corev1.ResourcePods: resource.MustParse("10k"),
				},
			},
		}
		if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", node.Name, err)
		}
	}
	return poll(ctx, 200*time.Millisecond, func() (bool, error) {
		nodes, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= n, nil
	})
}

// waitDefaultServiceAccount waits for the service-account controller to
// create "default" in ns: pods are rejected by admission until it exists.
func (c *Cluster) waitDefaultServiceAccount(ctx context.Context, ns string) error {
	return poll(ctx, 100*time.Millisecond, func() (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// poll calls f every interval until it reports done, returns an error, or ctx ends.
func poll(ctx context.Context, interval time.Duration, f func() (bool, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		done, err := f()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("timed out")
		case <-t.C:
		}
	}
}
