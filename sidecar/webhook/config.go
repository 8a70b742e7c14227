package webhook

import (
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const (
	// fieldManager owns what ferry writes.
	fieldManager = "ferry"
	// MutatePath is where the pod handler is served.
	MutatePath = "/mutate-pods"
	// webhookName names the one webhook in the configuration.
	webhookName       = "sidecarset.pods.ferry.dev"
	labelMetadataName = "kubernetes.io/metadata.name"
)

// ServiceRef reaches the webhook through a Service (in-cluster).
type ServiceRef struct {
	Namespace, Name string
	Port            int32
}

// ConfigOptions describe the MutatingWebhookConfiguration ferry writes.
type ConfigOptions struct {
	// Name of the MutatingWebhookConfiguration.
	Name string
	// URL reaches the webhook directly (https://host:port/mutate-pods); used
	// when set, e.g. for a control plane without a service network.
	URL string
	// Service reaches the webhook through a Service when URL is empty.
	Service ServiceRef
	// FailurePolicy: Fail (the default) rejects pods while the webhook is
	// down, so none escapes injection; Ignore admits them uninjected.
	FailurePolicy admissionregistrationv1.FailurePolicyType
	// ExcludeNamespaces are left out by namespaceSelector: ferry's own
	// namespace (its pods must start without it) and kube-system.
	ExcludeNamespaces []string
	TimeoutSeconds    int32
}

// BuildConfiguration returns the MutatingWebhookConfiguration: Pod CREATE in
// every namespace but the excluded ones, trusting caBundle.
func BuildConfiguration(opts ConfigOptions, caBundle []byte) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	client := admissionregistrationv1.WebhookClientConfig{CABundle: caBundle}
	switch {
	case opts.URL != "":
		client.URL = ptr.To(opts.URL)
	case opts.Service.Name != "" && opts.Service.Namespace != "":
		client.Service = &admissionregistrationv1.ServiceReference{
			Namespace: opts.Service.Namespace, Name: opts.Service.Name,
			Path: ptr.To(MutatePath), Port: ptr.To(opts.Service.Port),
		}
	default:
		return nil, errors.New("webhook configuration: neither a URL nor a Service to reach the webhook")
	}
	policy := opts.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Fail
	}
	if policy != admissionregistrationv1.Fail && policy != admissionregistrationv1.Ignore {
		return nil, fmt.Errorf("webhook configuration: failure policy %q is neither Fail nor Ignore", policy)
	}
	wh := admissionregistrationv1.MutatingWebhook{
		Name:         webhookName,
		ClientConfig: client,
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"},
				Scope: ptr.To(admissionregistrationv1.NamespacedScope),
			},
		}},
		FailurePolicy:           ptr.To(policy),
		MatchPolicy:             ptr.To(admissionregistrationv1.Equivalent),
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
		ReinvocationPolicy:      ptr.To(admissionregistrationv1.NeverReinvocationPolicy),
		ObjectSelector:          &metav1.LabelSelector{},
		NamespaceSelector:       &metav1.LabelSelector{},
	}
	if len(opts.ExcludeNamespaces) > 0 {
		wh.NamespaceSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{
			Key: labelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: opts.ExcludeNamespaces,
		}}
	}
	if opts.TimeoutSeconds > 0 {
		wh.TimeoutSeconds = ptr.To(opts.TimeoutSeconds)
	}
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{
			Name:   opts.Name,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "ferry"},
		},
		Webhooks: []admissionregistrationv1.MutatingWebhook{wh},
	}, nil
}

// Register creates the configuration or replaces the webhooks of an existing
// one of the same name.
func Register(ctx context.Context, client kubernetes.Interface, cfg *admissionregistrationv1.MutatingWebhookConfiguration) error {
	api := client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	for attempt := 0; ; attempt++ {
		cur, err := api.Get(ctx, cfg.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = api.Create(ctx, cfg, metav1.CreateOptions{FieldManager: fieldManager})
		case err == nil:
			next := cur.DeepCopy()
			next.Webhooks = cfg.Webhooks
			if next.Labels == nil {
				next.Labels = map[string]string{}
			}
			for k, v := range cfg.Labels {
				next.Labels[k] = v
			}
			_, err = api.Update(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
		}
		if err == nil {
			return nil
		}
		if attempt < 3 && (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) {
			continue
		}
		return fmt.Errorf("register MutatingWebhookConfiguration %s: %w", cfg.Name, err)
	}
}
