package gitsync

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/source"
)

// webhookTokenKey is the key of spec.webhook.secretRef's Secret that holds
// the shared secret.
const webhookTokenKey = "token"

// Receiver returns the push webhook handler: a verified push to
// /hook/<provider>/<namespace>/<name> triggers a full sync of that GitSync,
// when the push names its repository (or names none, as a bare generic
// hook does) and its branch or tag.
func (c *Controller) Receiver(opts source.ReceiverOptions) http.Handler {
	return source.NewReceiver(opts, c.hookSecret, c.push)
}

func (c *Controller) hookSecret(ctx context.Context, h source.Hook) ([]byte, error) {
	gs := c.lookup(h.Namespace, h.Name)
	if gs == nil || gs.Spec.Webhook == nil {
		return nil, fmt.Errorf("GitSync %s/%s has no webhook: %w", h.Namespace, h.Name, source.ErrNotFound)
	}
	ref := gs.Spec.Webhook.SecretRef.Name
	s, err := c.rec.kube.CoreV1().Secrets(h.Namespace).Get(ctx, ref, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("Secret %s/%s: %w", h.Namespace, ref, source.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", h.Namespace, ref, err)
	}
	token := s.Data[webhookTokenKey]
	if len(token) == 0 {
		return nil, fmt.Errorf("Secret %s/%s has no %q: %w", h.Namespace, ref, webhookTokenKey, source.ErrNotFound)
	}
	return token, nil
}

func (c *Controller) push(_ context.Context, p source.Push) error {
	gs := c.lookup(p.Hook.Namespace, p.Hook.Name)
	if gs == nil {
		return fmt.Errorf("GitSync %s/%s: %w", p.Hook.Namespace, p.Hook.Name, source.ErrNotFound)
	}
	if len(p.RepoURLs) > 0 {
		match := false
		for _, u := range p.RepoURLs {
			match = match || source.SameRepository(u, gs.Spec.URL)
		}
		if !match {
			c.rec.opts.Log.Info("push ignored: another repository", "gitsync", p.Hook.Namespace+"/"+p.Hook.Name)
			return nil
		}
	}
	ref := sourceRef(gs.Spec.Ref)
	if (p.Branch() != "" && ref.Branch != "" && p.Branch() != ref.Branch) || (p.Tag() != "" && ref.Branch != "") {
		c.rec.opts.Log.Info("push ignored: another ref", "gitsync", p.Hook.Namespace+"/"+p.Hook.Name, "ref", p.Ref)
		return nil
	}
	c.Trigger(gs.Namespace, gs.Name)
	return nil
}

func (c *Controller) lookup(namespace, name string) *v1alpha1.GitSync {
	obj, ok, err := c.gitsyncs.GetStore().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil
	}
	gs, err := FromUnstructured(obj.(*unstructured.Unstructured))
	if err != nil {
		return nil
	}
	return gs
}
