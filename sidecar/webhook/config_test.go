package webhook

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

func TestBuildConfiguration(t *testing.T) {
	cfg, err := BuildConfiguration(ConfigOptions{
		Name: "ferry-sidecar-injector", URL: "https://127.0.0.1:9443/mutate-pods",
		ExcludeNamespaces: []string{"ferry-system", "kube-system"}, TimeoutSeconds: 10,
	}, []byte("CA"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := yaml.Marshal(cfg)
	const want = `metadata:
  labels:
    app.kubernetes.io/managed-by: ferry
  name: ferry-sidecar-injector
webhooks:
- admissionReviewVersions:
  - v1
  clientConfig:
    caBundle: Q0E=
    url: https://127.0.0.1:9443/mutate-pods
  failurePolicy: Fail
  matchPolicy: Equivalent
  name: sidecarset.pods.ferry.dev
  namespaceSelector:
    matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
      - ferry-system
      - kube-system
  objectSelector: {}
  reinvocationPolicy: Never
  rules:
  - apiGroups:
    - ""
    apiVersions:
    - v1
    operations:
    - CREATE
    resources:
    - pods
    scope: Namespaced
  sideEffects: None
  timeoutSeconds: 10
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	svc, err := BuildConfiguration(ConfigOptions{Name: "x", Service: ServiceRef{Namespace: "ferry-system", Name: "ferry-webhook", Port: 443},
		FailurePolicy: admissionregistrationv1.Ignore}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wh := svc.Webhooks[0]
	if s := wh.ClientConfig.Service; s == nil || s.Name != "ferry-webhook" || *s.Path != MutatePath || *s.Port != 443 || wh.ClientConfig.URL != nil {
		t.Errorf("service client config %+v", wh.ClientConfig)
	}
	if *wh.FailurePolicy != admissionregistrationv1.Ignore {
		t.Errorf("failure policy %s", *wh.FailurePolicy)
	}
	if _, err := BuildConfiguration(ConfigOptions{Name: "x"}, nil); err == nil {
		t.Errorf("no URL and no Service accepted")
	}
	if _, err := BuildConfiguration(ConfigOptions{Name: "x", URL: "https://h/p", FailurePolicy: "Sometimes"}, nil); err == nil {
		t.Errorf("bad failure policy accepted")
	}
}

func TestRegisterCreatesThenUpdates(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	build := func(ca string) *admissionregistrationv1.MutatingWebhookConfiguration {
		cfg, err := BuildConfiguration(ConfigOptions{Name: "inj", URL: "https://127.0.0.1:9443/mutate-pods"}, []byte(ca))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if err := Register(ctx, client, build("one")); err != nil {
		t.Fatal(err)
	}
	if err := Register(ctx, client, build("two")); err != nil {
		t.Fatal(err)
	}
	got, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, "inj", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Webhooks) != 1 || string(got.Webhooks[0].ClientConfig.CABundle) != "two" {
		t.Errorf("webhooks %+v, want one with the second CA", got.Webhooks)
	}
}
