package gitsync

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/source"
)

// AnnotationRequestedAt asks for a full sync of a GitSync now, whatever its
// interval: a push webhook sets it, and so can a person
// (kubectl annotate gitsync app ferry.dev/requestedAt="$(date -Is)" --overwrite).
// Going through the object rather than memory lets any ferry replica take
// the push while the leader does the sync.
const AnnotationRequestedAt = "ferry.dev/requestedAt"

// webhookTokenKey is the key of spec.webhook.secretRef's Secret that holds
// the shared secret.
const webhookTokenKey = "token"

// Hooks receives push webhooks. It reads GitSyncs and Secrets from the API
// (a push is rare; no cache to keep warm on every replica) and triggers a
// sync by annotating the GitSync.
type Hooks struct {
	kube kubernetes.Interface
	dyn  dynamic.Interface
	log  *slog.Logger
}

// NewHooks returns the push receiver's logic; Handler serves it.
func NewHooks(kube kubernetes.Interface, dyn dynamic.Interface, log *slog.Logger) *Hooks {
	return &Hooks{kube: kube, dyn: dyn, log: log}
}

// Handler serves /hook/<provider>/<namespace>/<name>: a verified push
// triggers a full sync of that GitSync when the push names its repository
// (or none, as a bare generic hook) and its branch.
func (h *Hooks) Handler(opts source.ReceiverOptions) http.Handler {
	return source.NewReceiver(opts, h.secret, h.push)
}

func (h *Hooks) secret(ctx context.Context, hook source.Hook) ([]byte, error) {
	gs, err := h.get(ctx, hook.Namespace, hook.Name)
	if err != nil {
		return nil, err
	}
	if gs.Spec.Webhook == nil {
		return nil, fmt.Errorf("GitSync %s/%s has no spec.webhook: %w", hook.Namespace, hook.Name, source.ErrNotFound)
	}
	ref := gs.Spec.Webhook.SecretRef.Name
	s, err := h.kube.CoreV1().Secrets(hook.Namespace).Get(ctx, ref, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("Secret %s/%s: %w", hook.Namespace, ref, source.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", hook.Namespace, ref, err)
	}
	token := s.Data[webhookTokenKey]
	if len(token) == 0 {
		return nil, fmt.Errorf("Secret %s/%s has no %q: %w", hook.Namespace, ref, webhookTokenKey, source.ErrNotFound)
	}
	return token, nil
}

func (h *Hooks) push(ctx context.Context, p source.Push) error {
	gs, err := h.get(ctx, p.Hook.Namespace, p.Hook.Name)
	if err != nil {
		return err
	}
	key := gs.Namespace + "/" + gs.Name
	if !pushConcerns(gs, p) {
		h.log.Info("push ignored: another repository or ref", "gitsync", key, "ref", p.Ref)
		return nil
	}
	return RequestSync(ctx, h.dyn, gs.Namespace, gs.Name, time.Now())
}

// pushConcerns reports whether a push is for the GitSync's repository and
// ref. A push that names no repository (a bare generic hook) concerns it.
func pushConcerns(gs *v1alpha1.GitSync, p source.Push) bool {
	if len(p.RepoURLs) > 0 {
		match := false
		for _, u := range p.RepoURLs {
			match = match || source.SameRepository(u, gs.Spec.URL)
		}
		if !match {
			return false
		}
	}
	ref := sourceRef(gs.Spec.Ref)
	switch {
	case p.Branch() != "":
		return ref.Branch == "" || ref.Branch == p.Branch()
	case p.Tag() != "":
		return ref.Branch == ""
	}
	return true
}

func (h *Hooks) get(ctx context.Context, namespace, name string) (*v1alpha1.GitSync, error) {
	u, err := h.dyn.Resource(v1alpha1.GitSyncResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("GitSync %s/%s: %w", namespace, name, source.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("GitSync %s/%s: %w", namespace, name, err)
	}
	return FromUnstructured(u)
}

// RequestSync sets AnnotationRequestedAt on a GitSync, so that the ferry
// replica that leads syncs it at once.
func RequestSync(ctx context.Context, dyn dynamic.Interface, namespace, name string, now time.Time) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, AnnotationRequestedAt, now.UTC().Format(time.RFC3339Nano))
	_, err := dyn.Resource(v1alpha1.GitSyncResource).Namespace(namespace).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return fmt.Errorf("GitSync %s/%s: request a sync: %w", namespace, name, err)
	}
	return nil
}
