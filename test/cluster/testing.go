package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shared is the control plane of the current test binary, set by Main.
var shared *Cluster

// Main starts one control plane for a test package, runs its tests and stops
// it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { cluster.Main(m) }
//
// With -short, or FERRY_SKIP_E2E=1, no control plane is started and Shared
// skips the tests that need one.
func Main(m *testing.M) {
	os.Exit(runMain(m, nil))
}

// MainWith is Main with the control plane's options adjusted by tweak, for
// a package that needs a differently behaved cluster (a benchmark's pod
// start delay).
func MainWith(m *testing.M, tweak func(*Options)) {
	os.Exit(runMain(m, tweak))
}

func runMain(m *testing.M, tweak func(*Options)) int {
	if skipE2E() {
		return m.Run()
	}
	bin, err := BuildBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test/cluster:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "ferry-test-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test/cluster:", err)
		return 1
	}
	// The kill-on-parent-death signal is tied to the thread that started the
	// process; keep that thread alive for the whole run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	opts := DefaultOptions(dir, bin)
	if tweak != nil {
		tweak(&opts)
	}
	c, err := Up(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test/cluster: start control plane:", err)
		return 1
	}
	shared = c
	code := m.Run()
	c.Stop()
	if code == 0 || os.Getenv("FERRY_KEEP_CLUSTER_DIR") == "" {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "test/cluster: control-plane state kept in %s\n", dir)
	}
	return code
}

func skipE2E() bool {
	if os.Getenv("FERRY_SKIP_E2E") == "1" {
		return true
	}
	for _, a := range os.Args {
		if a == "-test.short=true" || a == "-test.short" {
			return true
		}
	}
	return false
}

// Shared returns the package's control plane, or skips t when there is none
// (-short). When t fails, the tail of every component log is written to the
// test log, because the reason a rollout stalled is usually in there.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if shared == nil {
		t.Skip("no local control plane (-short or FERRY_SKIP_E2E=1); see test/cluster")
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, comp := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
				t.Logf("--- %s (last 40 lines) ---\n%s", comp, shared.LogTail(comp, 40))
			}
		}
	})
	return shared
}

var nsCounter atomic.Int64

// Namespace creates a fresh namespace for t, waits until pods can be created
// in it, and deletes it when t ends.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%s", nsCounter.Add(1), sanitize(t.Name()))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	ctx := context.Background()
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = c.Client.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.waitDefaultServiceAccount(wctx, name); err != nil {
		t.Fatalf("namespace %s: default service account never appeared: %v", name, err)
	}
	return name
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// Kubectl runs the cached kubectl against the cluster and returns its
// combined output.
func (c *Cluster) Kubectl(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(c.BinDir, "kubectl"), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// BuildBinaries runs hack/build-controlplane.sh (a no-op when the binaries
// are cached) and returns the directory holding them.
func BuildBinaries() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "build-controlplane.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/build-controlplane.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// repoRoot finds the module root from the working directory of a test
// (which is the package directory).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "hack", "build-controlplane.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("hack/build-controlplane.sh not found above the working directory")
		}
		dir = parent
	}
}
