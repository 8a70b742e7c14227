package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/ferry-gitops/ferry/test/cluster"
)

// These tests prove the local control plane is a faithful enough cluster for
// the rest of ferry's e2e tests: pods run on kwok nodes, image changes look
// like a kubelet's in-place restart, and the built-in controllers work.

func TestCloneSetCRDPrintsKruiseColumns(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	if out, err := c.Kubectl("apply", "--server-side", "-f", "../../deploy/crds/"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := c.Kubectl("wait", "--for=condition=Established", "--timeout=30s",
		"crd/clonesets.apps.kruise.io", "crd/sidecarsets.apps.kruise.io"); err != nil {
		t.Fatal(err, out)
	}
	const cs = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: demo}
spec:
  replicas: 5
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: app, image: "demo:1.0"}]}
`
	if out, err := applyStdin(c, ns, cs); err != nil {
		t.Fatal(err, out)
	}
	out, err := c.Kubectl("-n", ns, "get", "clone", "demo")
	if err != nil {
		t.Fatal(err, out)
	}
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	want := []string{"NAME", "DESIRED", "UPDATED", "UPDATED_READY", "READY", "TOTAL", "AGE"}
	if strings.Join(header, " ") != strings.Join(want, " ") {
		t.Fatalf("kubectl get clone header = %q, want %q", header, want)
	}
	row := strings.Fields(strings.SplitN(out, "\n", 3)[1])
	if row[0] != "demo" || row[1] != "5" {
		t.Fatalf("kubectl get clone row = %q, want NAME demo DESIRED 5", row)
	}
}

func TestPodBecomesReadyOnKwokNode(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "plain"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "demo:1.0"}}},
	}
	if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitPod(t, c, ns, "plain", func(p *corev1.Pod) bool { return isReady(p) })
	if got.Spec.NodeName == "" || !strings.HasPrefix(got.Spec.NodeName, "kwok-node-") {
		t.Fatalf("pod scheduled to %q, want a kwok node", got.Spec.NodeName)
	}
	if got.Status.Phase != corev1.PodRunning || got.Status.PodIP == "" {
		t.Fatalf("pod phase %s ip %q, want Running with an IP", got.Status.Phase, got.Status.PodIP)
	}
}

// A pod with a readiness gate is Ready only once the gate's condition is
// True, and loses Ready when it turns False: the contract CloneSet's
// InPlaceUpdateReady gate depends on.
func TestReadinessGateDecidesReady(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "gated"},
		Spec: corev1.PodSpec{
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "InPlaceUpdateReady"}},
			Containers:     []corev1.Container{{Name: "app", Image: "demo:1.0"}},
		},
	}
	if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := waitPod(t, c, ns, "gated", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if isReady(p) {
		t.Fatal("pod is Ready before its readiness gate is True")
	}
	setCondition(t, c, ns, "gated", "InPlaceUpdateReady", corev1.ConditionTrue)
	waitPod(t, c, ns, "gated", isReady)
	setCondition(t, c, ns, "gated", "InPlaceUpdateReady", corev1.ConditionFalse)
	waitPod(t, c, ns, "gated", func(p *corev1.Pod) bool { return !isReady(p) })
}

func TestImagePatchChangesImageID(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "inplace"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "demo:1.0"}, {Name: "side", Image: "side:1.0"},
		}},
	}
	if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := waitPod(t, c, ns, "inplace", isReady)
	patch := []byte(`{"spec":{"containers":[{"name":"app","image":"demo:2.0"}]}}`)
	if _, err := c.Client.CoreV1().Pods(ns).Patch(ctx, "inplace", "application/strategic-merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	after := waitPod(t, c, ns, "inplace", func(p *corev1.Pod) bool {
		s := containerStatus(p, "app")
		return s != nil && s.Image == "demo:2.0"
	})
	oldApp, newApp := containerStatus(before, "app"), containerStatus(after, "app")
	if oldApp.ImageID == "" || newApp.ImageID == oldApp.ImageID {
		t.Fatalf("imageID %q -> %q, want a new non-empty imageID", oldApp.ImageID, newApp.ImageID)
	}
	if newApp.RestartCount != oldApp.RestartCount+1 {
		t.Fatalf("restartCount %d -> %d, want +1", oldApp.RestartCount, newApp.RestartCount)
	}
	oldSide, newSide := containerStatus(before, "side"), containerStatus(after, "side")
	if newSide.ImageID != oldSide.ImageID || newSide.RestartCount != oldSide.RestartCount {
		t.Fatalf("untouched container changed: %+v -> %+v", oldSide, newSide)
	}
}

func TestDeploymentRollsOut(t *testing.T) {
	c := cluster.Shared(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeployment(t, c, ns, "web", 4)
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}}`)
	if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, "web", "application/strategic-merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	got := waitDeployment(t, c, ns, "web", 4)
	if got.Status.UpdatedReplicas != 4 || got.Status.Replicas != 4 {
		t.Fatalf("deployment status %+v, want 4 updated of 4", got.Status)
	}
}

func waitDeployment(t *testing.T, c *cluster.Cluster, ns, name string, replicas int32) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		d, err = c.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		s := d.Status
		return s.ObservedGeneration == d.Generation && s.UpdatedReplicas == replicas &&
			s.AvailableReplicas == replicas && s.Replicas == replicas, nil
	})
	if err != nil {
		t.Fatalf("deployment %s/%s never rolled out: status %+v", ns, name, d.Status)
	}
	return d
}
