package e2e

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/sidecar"
	"github.com/ferry-gitops/ferry/sidecar/webhook"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// The seed SidecarSet: a log collector bringing log-volume as an emptyDir.
// spec.namespace keeps it to the test's namespace on the shared cluster.
const e2eSidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: %[1]s}
spec:
  namespace: %[2]s
  selector: {matchLabels: {app: demo}}
  containers:
  - name: log-agent
    image: fluent/fluent-bit:3.1
    volumeMounts: [{name: log-volume, mountPath: /var/log}]
  volumes:
  - {name: log-volume, emptyDir: {}}
`

// The seed workload's pod: log-volume is a PVC.
const e2ePod = `apiVersion: v1
kind: Pod
metadata: {name: %s, labels: {app: demo}}
spec:
  containers:
  - name: app
    image: nginx:1.27
    volumeMounts: [{name: log-volume, mountPath: /var/log/nginx}]
  volumes:
  - name: log-volume
    persistentVolumeClaim: {claimName: demo-logs}
`

// seedSidecarSet makes a namespace for pods and one for ferry, installs the
// CRDs, and applies the seed SidecarSet (named prefix+ns) for the first.
func seedSidecarSet(t testing.TB, c *cluster.Cluster, prefix string) (ns, ferryNS, setName, setYAML string) {
	t.Helper()
	ns, ferryNS = c.Namespace(t), c.Namespace(t)
	installCRDs(t, c)
	setName = prefix + ns
	setYAML = fmt.Sprintf(e2eSidecarSet, setName, ns)
	if out, err := applyStdin(c, ns, setYAML); err != nil {
		t.Fatal(err, out)
	}
	t.Cleanup(func() { _, _ = c.Kubectl("delete", "sidecarset", setName, "--wait=false") })
	return ns, ferryNS, setName, setYAML
}

// TestSidecarWebhook runs ferry's webhook in-process on 127.0.0.1 against the
// real API server: it registers itself (by URL, with its own CA), injects the
// seed SidecarSet into a pod created by kubectl (the PVC log-volume kept and
// mounted by the sidecar at /var/log), and admits a pod of a template that
// ferry injected at render time unchanged.
func TestSidecarWebhook(t *testing.T) {
	c := cluster.Shared(t)
	ctx := context.Background()
	ns, ferryNS, setName, setYAML := seedSidecarSet(t, c, "e2e-logs-")

	startWebhook(t, c, e2eWebhookOptions(t, c, ns, ferryNS))

	// 1. A pod created by kubectl is injected (retried until the API server
	// has picked the new configuration up).
	pod := createUntil(t, c, ns, "by-kubectl", func(name string) error {
		_, err := applyStdin(c, ns, fmt.Sprintf(e2ePod, name))
		return err
	}, func(p *corev1.Pod) bool { return p.Annotations[sidecar.AnnotationInjectedList] != "" })
	if got := containerNames(pod.Spec.Containers); !reflect.DeepEqual(got, []string{"log-agent", "app"}) {
		t.Fatalf("containers %v, want [log-agent app]", got)
	}
	// The API server adds its own kube-api-access volume; of log-volume there
	// must be one, the pod's PVC.
	if v := volumesNamed(pod.Spec.Volumes, "log-volume"); len(v) != 1 || v[0].PersistentVolumeClaim == nil || v[0].PersistentVolumeClaim.ClaimName != "demo-logs" {
		t.Errorf("log-volume %+v, want only the PVC", v)
	}
	if m := pod.Spec.Containers[0].VolumeMounts; len(m) == 0 || m[0].Name != "log-volume" || m[0].MountPath != "/var/log" {
		t.Errorf("log-agent mounts %+v, want log-volume at /var/log", m)
	}
	if pod.Annotations[sidecar.AnnotationInjectedList] != setName {
		t.Errorf("injected list %q, want %q", pod.Annotations[sidecar.AnnotationInjectedList], setName)
	}

	// 2. A pod of a template ferry injected at render time, with the
	// SidecarSet as the cluster has it, is admitted unchanged.
	tpl := corev1.PodTemplateSpec{}
	if err := yaml.Unmarshal([]byte(fmt.Sprintf(e2ePod, "unused")), &tpl); err != nil {
		t.Fatal(err)
	}
	tpl.Name = ""
	set := &appsv1alpha1.SidecarSet{}
	if err := yaml.Unmarshal([]byte(setYAML), set); err != nil {
		t.Fatal(err)
	}
	injected, err := sidecar.InjectTemplate(&tpl, sidecar.NamespaceInfo{Name: ns}, []*appsv1alpha1.SidecarSet{set})
	if err != nil || len(injected) != 1 {
		t.Fatalf("render-time injection: %v %v", injected, err)
	}
	rendered := &corev1.Pod{ObjectMeta: *tpl.ObjectMeta.DeepCopy(), Spec: *tpl.Spec.DeepCopy()}
	rendered.Name = "rendered"
	got, err := c.Client.CoreV1().Pods(ns).Create(ctx, rendered, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if names := containerNames(got.Spec.Containers); !reflect.DeepEqual(names, []string{"log-agent", "app"}) {
		t.Errorf("containers %v, want [log-agent app]: injected twice?", names)
	}
	for _, k := range []string{sidecar.AnnotationHash, sidecar.AnnotationHashWithoutImage, sidecar.AnnotationInjectedList} {
		if got.Annotations[k] != tpl.Annotations[k] {
			t.Errorf("annotation %s = %s, want the rendered %s", k, got.Annotations[k], tpl.Annotations[k])
		}
	}
	if len(got.Spec.Containers[0].Env) != 1 || len(volumesNamed(got.Spec.Volumes, "log-volume")) != 1 {
		t.Errorf("rendered pod changed: env %v, volumes %v", got.Spec.Containers[0].Env, got.Spec.Volumes)
	}

	// 3. Pods in ferry's own namespace are never injected.
	ferryPod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "ferry", Labels: map[string]string{"app": "demo"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
	if got, err := c.Client.CoreV1().Pods(ferryNS).Create(ctx, ferryPod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	} else if len(got.Spec.Containers) != 1 {
		t.Errorf("pod in ferry's namespace injected: %v", containerNames(got.Spec.Containers))
	}
}

// e2eWebhookOptions are the webhook's options in a test: its own
// configuration name and ferry namespace, and failurePolicy Ignore, so that a
// webhook left behind by a failed run does not block the pods of the other
// tests on the shared cluster.
func e2eWebhookOptions(t testing.TB, c *cluster.Cluster, ns, ferryNS string) webhook.Options {
	opts := webhook.DefaultOptions()
	opts.Namespace = ferryNS
	opts.ConfigName = "ferry-e2e-" + ns
	opts.FailurePolicy = admissionregistrationv1.Ignore
	opts.CertDir = t.TempDir()
	t.Cleanup(func() {
		_ = c.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), opts.ConfigName, metav1.DeleteOptions{})
	})
	return opts
}

// startWebhook runs ferry's webhook in-process on a fresh loopback port
// (registered by URL, with its own CA) until the returned stop is called or
// the test ends, and waits until its configuration is written.
func startWebhook(t testing.TB, c *cluster.Cluster, opts webhook.Options) (stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.URL = "https://" + ln.Addr().String() + webhook.MutatePath
	srv, err := webhook.NewServer(opts, c.Client, dynamic.NewForConfigOrDie(c.Config))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("webhook server: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	waitRegisteredURL(t, c, opts.ConfigName, opts.URL)
	return stop
}

func installCRDs(t testing.TB, c *cluster.Cluster) {
	t.Helper()
	if out, err := c.Kubectl("apply", "--server-side", "-f", "../../deploy/crds/"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := c.Kubectl("wait", "--for=condition=Established", "--timeout=30s", "crd/sidecarsets.apps.kruise.io"); err != nil {
		t.Fatal(err, out)
	}
}

// waitRegisteredURL waits for a server to write its webhook configuration,
// pointing at url.
func waitRegisteredURL(t testing.TB, c *cluster.Cluster, name, url string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		cfg, err := c.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(cfg.Webhooks) != 1 {
			return false, nil
		}
		cc := cfg.Webhooks[0].ClientConfig
		return len(cc.CABundle) > 0 && cc.URL != nil && *cc.URL == url, nil
	})
	if err != nil {
		t.Fatalf("MutatingWebhookConfiguration %s never registered with %s: %v", name, url, err)
	}
}

// createUntil creates a pod with create until done holds for it: the API
// server loads a new webhook configuration asynchronously.
func createUntil(t *testing.T, c *cluster.Cluster, ns, name string, create func(string) error, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := create(name); err != nil {
			t.Fatal(err)
		}
		pod, err := c.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if done(pod) {
			return pod
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s/%s was never injected", ns, name)
		}
		_ = c.Client.CoreV1().Pods(ns).Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		waitGone(t, c, ns, name)
	}
}

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func volumesNamed(vs []corev1.Volume, name string) []corev1.Volume {
	var out []corev1.Volume
	for _, v := range vs {
		if v.Name == name {
			out = append(out, v)
		}
	}
	return out
}
