package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// TestAdmissionRejectionAppliesNothing installs a ValidatingAdmissionPolicy
// (admission runs in-process, no webhook server needed) that rejects
// ConfigMaps with a "forbidden" key in the test's namespace, and applies a
// set with one such ConfigMap.
func TestAdmissionRejectionAppliesNothing(t *testing.T) {
	e := newEnv(t)
	name := e.ns + "-no-forbidden"
	policies := e.c.Client.AdmissionregistrationV1().ValidatingAdmissionPolicies()
	bindings := e.c.Client.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	_, err := policies.Create(e.ctx, &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				},
			}}},
			Validations: []admissionv1.Validation{{
				Expression: `!has(object.data) || !('forbidden' in object.data)`,
				Message:    "data.forbidden is not allowed here",
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = policies.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	_, err = bindings.Create(e.ctx, &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": e.ns},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bindings.Delete(context.Background(), name, metav1.DeleteOptions{}) })

	// The apiserver loads policies asynchronously: wait until it enforces.
	probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe"}, Data: map[string]string{"forbidden": "x"}}
	err = wait.PollUntilContextTimeout(e.ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := e.c.Client.CoreV1().ConfigMaps(e.ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err != nil, nil
	})
	if err != nil {
		t.Fatal("the policy never took effect")
	}

	_, err = e.m.Apply(e.ctx, fixture(t, "admission.yaml", e.ns), e.opts())
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 {
		t.Fatalf("apply: %v", err)
	}
	if got := ve.Errors[0].Ref.Describe(); got != "ConfigMap "+e.ns+"/rejected" {
		t.Fatalf("rejected object %s", got)
	}
	if !strings.Contains(err.Error(), "data.forbidden is not allowed here") {
		t.Fatalf("message lacks the policy's: %v", err)
	}
	if e.exists(t, gvrConfigMaps, e.ns, "allowed") {
		t.Fatal("the accepted ConfigMap of a rejected set was created")
	}
}
