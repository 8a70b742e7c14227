package e2e

import (
	"context"
	"crypto/tls"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/admission"
	"github.com/ferry-gitops/ferry/rollout/cloneset/controller"
	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	"github.com/ferry-gitops/ferry/test/cluster"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// invalid are CloneSets Kruise's webhook rejects, and the field each error names.
var invalid = []struct {
	name, field, manifest string
}{
	{"no-budget", "spec.updateStrategy.maxUnavailable", `
  updateStrategy: {maxSurge: 0, maxUnavailable: 0}`},
	{"bad-percent", "spec.updateStrategy.partition", `
  updateStrategy: {partition: "99"}`},
	{"inplaceonly-surge", "spec.updateStrategy.maxSurge", `
  updateStrategy: {type: InPlaceOnly, maxSurge: 1}`},
	{"selector", "spec.template.metadata.labels", `
  selector: {matchLabels: {app: other}}`},
}

func manifest(name, extra string) string {
	return `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: ` + name + `}
spec:
  replicas: 3
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec: {containers: [{name: app, image: "demo:1"}]}` + extra + "\n"
}

// Without the webhook an invalid CloneSet reaches the engine: it creates
// no pod, sets Stalled (reason FailedValidation) naming the field, and
// records a FailedValidation event. Fixing the spec lets it run.
func TestInvalidCloneSetIsNotActedOn(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := e.apply(tc.name, manifest(tc.name, tc.manifest)); err != nil {
				t.Fatal(err, out)
			}
			cs := e.waitStatus(t, tc.name, "Stalled condition", func(st appsv1alpha1.CloneSetStatus) bool {
				c := condition(st, controller.ConditionStalled)
				return c != nil && c.Status == corev1.ConditionTrue
			})
			c := condition(cs.Status, controller.ConditionStalled)
			if c.Reason != controller.ConditionReasonFailedValidation || !strings.Contains(c.Message, tc.field) {
				t.Errorf("Stalled = %s %q, want reason %s naming %s", c.Reason, c.Message, controller.ConditionReasonFailedValidation, tc.field)
			}
			if !e.eventuallyEvent(t, tc.name, string(controller.ReasonFailedValidation), tc.field) {
				t.Errorf("no FailedValidation event naming %s: %v", tc.field, e.events(t, tc.name))
			}
			if n := e.podsOf(t, tc.name); n != 0 || cs.Status.Replicas != 0 {
				t.Errorf("invalid CloneSet got %d pods (status %d)", n, cs.Status.Replicas)
			}
		})
	}
	// fixed: the engine runs it and the condition goes
	if out, err := e.apply("no-budget", manifest("no-budget", `
  updateStrategy: {maxSurge: 0, maxUnavailable: 1}`)); err != nil {
		t.Fatal(err, out)
	}
	cs := e.waitStatus(t, "no-budget", "running after the fix", func(st appsv1alpha1.CloneSetStatus) bool {
		return st.AvailableReplicas == 3 && condition(st, controller.ConditionStalled) == nil
	})
	if cs.Status.UpdatedReadyReplicas != 3 {
		t.Errorf("fixed CloneSet status %+v", cs.Status)
	}
}

func (e *env) podsOf(t *testing.T, name string) int {
	t.Helper()
	list, err := e.c.Client.CoreV1().Pods(e.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

func (e *env) apply(name, manifest string) (string, error) {
	cmd := exec.Command(filepath.Join(e.c.BinDir, "kubectl"), "--kubeconfig", e.c.Kubeconfig, "-n", e.ns, "apply", "--server-side", "--force-conflicts", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The validating webhook (the handler `ferry engine --webhook-listen`
// serves), registered by URL: kubectl apply of each invalid CloneSet fails
// with the field and the reason, and so does an InPlaceOnly template change
// beyond images.
func TestValidatingWebhook(t *testing.T) {
	e := setup(t)
	srv := httptest.NewUnstartedServer(&admission.Handler{Pods: admission.ClientPods(func(ctx context.Context, ns, name string) (*corev1.Pod, error) {
		return e.c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	})})
	caPEM, cert := cluster.ServingCert(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "ferry-cloneset-" + e.ns},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "clonesets.ferry.dev",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: ptr.To(srv.URL + "/validate-cloneset"), CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps.kruise.io"}, APIVersions: []string{"v1alpha1"}, Resources: []string{"clonesets"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": e.ns}},
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
		}},
	}
	api := e.c.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	if _, err := api.Create(context.Background(), cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Delete(context.Background(), cfg.Name, metav1.DeleteOptions{}) })

	// the API server picks up a new webhook asynchronously
	first := invalid[0]
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := e.apply(first.name, manifest(first.name, first.manifest)); err != nil {
			break
		}
		_ = e.kruise.AppsV1alpha1().CloneSets(e.ns).Delete(context.Background(), first.name, metav1.DeleteOptions{})
		if time.Now().After(deadline) {
			t.Fatal("the webhook never rejected an invalid CloneSet")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, tc := range invalid {
		out, err := e.apply(tc.name, manifest(tc.name, tc.manifest))
		// the CRD's schema accepts all of these: only the webhook can refuse them
		if err == nil || !strings.Contains(out, tc.field) {
			t.Errorf("%s: kubectl apply = %v %q, want a denial naming %s", tc.name, err, out, tc.field)
		}
	}

	if out, err := e.apply("ipo", manifest("ipo", `
  updateStrategy: {type: InPlaceOnly, maxUnavailable: 1}`)); err != nil {
		t.Fatal(err, out)
	}
	out, err := e.apply("ipo", strings.Replace(manifest("ipo", `
  updateStrategy: {type: InPlaceOnly, maxUnavailable: 1}`), `image: "demo:1"}`, `image: "demo:1", env: [{name: MODE, value: fast}]}`, 1))
	if err == nil || !strings.Contains(out, "spec.template.spec") || !strings.Contains(out, "InPlaceOnly") {
		t.Errorf("InPlaceOnly env change: kubectl apply = %v %q, want a denial naming spec.template.spec", err, out)
	}
	out, err = e.apply("ipo", strings.Replace(manifest("ipo", `
  updateStrategy: {type: InPlaceOnly, maxUnavailable: 1}`), `"demo:1"`, `"demo:2"`, 1))
	if err != nil {
		t.Errorf("InPlaceOnly image change denied: %v %s", err, out)
	}
}
