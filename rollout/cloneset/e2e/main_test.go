// Package e2e runs ferry's CloneSet engine against a real local control
// plane (test/cluster: etcd, kube-apiserver, controllers, scheduler and kwok
// nodes), with an observer that fails a test if the rollout ever breaks its
// budget. `go test -short` skips it.
package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/test/cluster"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	kruiseclient "github.com/openkruise/kruise-api/client/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

func TestMain(m *testing.M) { cluster.Main(m) }

// timeout bounds every wait for the engine to reach a state.
const timeout = 60 * time.Second

// env is one test's namespace on the shared control plane.
type env struct {
	c      *cluster.Cluster
	ns     string
	kruise kruiseclient.Interface
	obs    *rollouttest.Observer
}

func setup(t *testing.T) *env {
	t.Helper()
	c := cluster.Shared(t)
	if err := rollouttest.InstallCRDs(c.Config); err != nil {
		t.Fatal(err)
	}
	ns := c.Namespace(t)
	k, err := kruiseclient.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{c: c, ns: ns, kruise: k, obs: rollouttest.Observe(t, c.Client, ns)}
	t.Cleanup(func() {
		if v := e.obs.Violations(); len(v) > 0 {
			t.Errorf("rollout budget broken %d times, first: %s", len(v), strings.Join(v[:min(len(v), 5)], "; "))
		}
		if d := e.obs.CreatedTwice(); len(d) > 0 {
			t.Errorf("pods created twice: %v", d)
		}
	})
	return e
}

// spec is a compact CloneSet description.
type spec struct {
	replicas                            int32
	image                               string
	strategy                            appsv1alpha1.CloneSetUpdateStrategyType
	partition, maxSurge, maxUnavailable string // "" leaves the knob to its default
	gated                               bool   // template carries the gatekeeper's readiness gate
}

func knob(s string) *intstr.IntOrString {
	if s == "" {
		return nil
	}
	v := intstr.Parse(s)
	return &v
}

func (s spec) cloneSet(name string) *appsv1alpha1.CloneSet {
	cs := &appsv1alpha1.CloneSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1alpha1.CloneSetSpec{
			Replicas: ptr.To(s.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: s.image}}},
			},
			UpdateStrategy: appsv1alpha1.CloneSetUpdateStrategy{
				Type:           s.strategy,
				Partition:      knob(s.partition),
				MaxSurge:       knob(s.maxSurge),
				MaxUnavailable: knob(s.maxUnavailable),
			},
		},
	}
	if s.gated {
		cs.Spec.Template.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: rollouttest.GateCondition}}
	}
	return cs
}

func (e *env) create(t *testing.T, cs *appsv1alpha1.CloneSet) {
	t.Helper()
	if _, err := e.kruise.AppsV1alpha1().CloneSets(e.ns).Create(context.Background(), cs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// update changes a CloneSet's spec (retrying on conflict with the engine's
// status writes).
func (e *env) update(t *testing.T, name string, f func(*appsv1alpha1.CloneSet)) {
	t.Helper()
	api := e.kruise.AppsV1alpha1().CloneSets(e.ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cs, err := api.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		f(cs)
		_, err = api.Update(context.Background(), cs, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) get(t *testing.T, name string) *appsv1alpha1.CloneSet {
	t.Helper()
	cs, err := e.kruise.AppsV1alpha1().CloneSets(e.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitStatus waits until the CloneSet's status (for its current
// generation) satisfies cond.
func (e *env) waitStatus(t *testing.T, name string, what string, cond func(st appsv1alpha1.CloneSetStatus) bool) *appsv1alpha1.CloneSet {
	t.Helper()
	var last *appsv1alpha1.CloneSet
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		cs, err := e.kruise.AppsV1alpha1().CloneSets(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = cs
		return cs.Status.ObservedGeneration == cs.Generation && cond(cs.Status), nil
	})
	if err != nil {
		t.Fatalf("cloneset %s: %s never held; status %+v; pods %+v", name, what, last.Status, e.obs.Snapshot())
	}
	return last
}

// waitSettled waits until the CloneSet has exactly replicas pods, updated
// of them at the new image, all Ready, and its status says the same.
func (e *env) waitSettled(t *testing.T, name string, replicas, updated int) *appsv1alpha1.CloneSet {
	t.Helper()
	e.obs.Wait(t, 60*time.Second, "pods settle", func(s rollouttest.Snapshot) bool {
		return s.Total == replicas && s.Updated == updated && s.Available == replicas
	})
	return e.waitStatus(t, name, "status settled", func(st appsv1alpha1.CloneSetStatus) bool {
		return int(st.Replicas) == replicas && int(st.UpdatedReplicas) == updated && int(st.ReadyReplicas) == replicas &&
			int(st.UpdatedReadyReplicas) == updated && int(st.AvailableReplicas) == replicas
	})
}

// row is the `kubectl get clone` line of a CloneSet, without NAME and AGE:
// DESIRED UPDATED UPDATED_READY READY TOTAL.
func (e *env) row(t *testing.T, name string) string {
	t.Helper()
	out, err := e.c.Kubectl("-n", e.ns, "get", "clone", name, "--no-headers")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out)
	if len(f) < 7 || f[0] != name {
		t.Fatalf("kubectl get clone: unexpected output %q", out)
	}
	return strings.Join(f[1:6], " ")
}

// waitRow waits until `kubectl get clone` prints want.
func (e *env) waitRow(t *testing.T, name, want string) {
	t.Helper()
	var got string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		got = e.row(t, name)
		return got == want, nil
	})
	if err != nil {
		t.Fatalf("kubectl get clone %s: DESIRED UPDATED UPDATED_READY READY TOTAL = %q, want %q", name, got, want)
	}
}

// events returns the reasons and messages of the CloneSet's events.
func (e *env) events(t *testing.T, name string) []corev1.Event {
	t.Helper()
	list, err := e.c.Client.CoreV1().Events(e.ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=CloneSet,involvedObject.name=" + name,
	})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}
