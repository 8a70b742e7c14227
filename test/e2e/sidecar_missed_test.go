package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/ferry-gitops/ferry/sidecar"
	"github.com/ferry-gitops/ferry/sidecar/webhook"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// TestSidecarWebhookDownIgnore: with the webhook registered under
// failurePolicy Ignore and its server stopped, kubectl creates a pod that the
// SidecarSet selects, without the sidecar and without a word about it (the
// API server only logs that it failed open). When the webhook starts again it
// writes a Warning Event SidecarNotInjected on that pod, which kubectl
// describe shows, and none on the pod it had injected.
func TestSidecarWebhookDownIgnore(t *testing.T) {
	c := cluster.Shared(t)
	ctx := context.Background()
	ns, ferryNS, setName, _ := seedSidecarSet(t, c, "e2e-logs-")
	setWritten := time.Now()

	opts := e2eWebhookOptions(t, c, ns, ferryNS)
	stop := startWebhook(t, c, opts)
	// The pods are named so that the injected one is listed, queued and
	// judged first when the webhook starts again.
	injected := createUntil(t, c, ns, "a-injected", func(name string) error {
		_, err := applyStdin(c, ns, fmt.Sprintf(e2ePod, name))
		return err
	}, func(p *corev1.Pod) bool { return p.Annotations[sidecar.AnnotationInjectedList] == setName })

	// 1. Webhook down: the pod is created, uninjected. Pods created in the
	// second the SidecarSet was written are not judged, so wait that out.
	stop()
	time.Sleep(time.Until(setWritten.Truncate(time.Second).Add(time.Second)))
	out, err := applyStdin(c, ns, fmt.Sprintf(e2ePod, "b-uninjected"))
	if err != nil {
		t.Fatal(err, out)
	}
	t.Logf("kubectl apply while the webhook is down: %q", out)
	missed, err := c.Client.CoreV1().Pods(ns).Get(ctx, "b-uninjected", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := containerNames(missed.Spec.Containers); !reflect.DeepEqual(got, []string{"app"}) {
		t.Fatalf("containers %v while the webhook is down, want [app]", got)
	}
	if v, ok := missed.Annotations[sidecar.AnnotationInjectedList]; ok {
		t.Fatalf("pod admitted while the webhook is down records %q", v)
	}

	// 2. Webhook up again: the Event says so.
	startWebhook(t, c, opts)
	ev := waitEvent(t, c, ns, missed, webhook.ReasonSidecarNotInjected)
	if ev.Type != corev1.EventTypeWarning || ev.ReportingController != "ferry.dev/sidecar-webhook" {
		t.Errorf("event type %s, reported by %q", ev.Type, ev.ReportingController)
	}
	for _, want := range []string{"SidecarSet " + setName, "MutatingWebhookConfiguration " + opts.ConfigName, "failurePolicy Ignore", "recreates the pod"} {
		if !strings.Contains(ev.Message, want) {
			t.Errorf("event message %q lacks %q", ev.Message, want)
		}
	}
	describe, err := c.Kubectl("-n", ns, "describe", "pod", "b-uninjected")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(describe, webhook.ReasonSidecarNotInjected) || !strings.Contains(describe, setName) {
		t.Errorf("kubectl describe pod does not show the event:\n%s", describe)
	}
	if evs := podEvents(t, c, ns, injected, webhook.ReasonSidecarNotInjected); len(evs) != 0 {
		t.Errorf("injected pod reported as missed: %v", evs[0].Message)
	}
}

// waitEvent waits (30 s at most) for an Event with reason on pod.
func waitEvent(t *testing.T, c *cluster.Cluster, ns string, pod *corev1.Pod, reason string) corev1.Event {
	t.Helper()
	var found corev1.Event
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		evs := podEvents(t, c, ns, pod, reason)
		if len(evs) == 0 {
			return false, nil
		}
		found = evs[0]
		return true, nil
	})
	if err != nil {
		t.Fatalf("no %s event on pod %s/%s: %v", reason, ns, pod.Name, err)
	}
	return found
}

// podEvents lists the Events on pod with reason, as kubectl describe finds
// them (core/v1, by involvedObject).
func podEvents(t *testing.T, c *cluster.Cluster, ns string, pod *corev1.Pod, reason string) []corev1.Event {
	t.Helper()
	list, err := c.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + pod.Name + ",involvedObject.uid=" + string(pod.UID) + ",reason=" + reason,
	})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}
