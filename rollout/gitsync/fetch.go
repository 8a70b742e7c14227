package gitsync

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/source"
)

// stepError is a failed step of the recipe: the reason for the Ready
// condition, whether a retry may help, and the cause.
type stepError struct {
	reason    Reason
	retryable bool
	err       error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func failStep(reason Reason, retryable bool, err error) *stepError {
	return &stepError{reason: reason, retryable: retryable, err: err}
}

// sourceRef converts the GitSync's ref; none means the branch main.
func sourceRef(r v1alpha1.GitRef) source.Ref {
	ref := source.Ref{Branch: r.Branch, Tag: r.Tag, Commit: r.Commit}
	if ref == (source.Ref{}) {
		ref.Branch = "main"
	}
	return ref
}

// fetch resolves the GitSync's ref to a commit, with the credentials of
// spec.secretRef, and verifies its signature when spec.verify asks.
func (r *Reconciler) fetch(ctx context.Context, gs *v1alpha1.GitSync) (source.Result, error) {
	var auth *source.Auth
	if ref := gs.Spec.SecretRef; ref != nil {
		data, err := secretData(ctx, r.kube, gs.Namespace, ref.Name)
		if err != nil {
			return source.Result{}, failStep(ReasonAuthFailed, true, err)
		}
		if auth, err = source.AuthFromSecret(data, gs.Spec.URL); err != nil {
			return source.Result{}, failStep(ReasonAuthFailed, false, fmt.Errorf("Secret %s/%s: %w", gs.Namespace, ref.Name, err))
		}
	}
	res, err := r.fetcher.Fetch(ctx, source.Request{
		URL: gs.Spec.URL, Ref: sourceRef(gs.Spec.Ref), Auth: auth,
		LastRevision: gs.Status.LastAppliedRevision, Timeout: r.timeout(gs),
	})
	if err != nil {
		switch {
		case errors.Is(err, source.ErrAuth), errors.Is(err, source.ErrServerIdentity):
			return res, failStep(ReasonAuthFailed, false, err)
		case errors.Is(err, source.ErrTransient):
			return res, failStep(ReasonFetchFailed, true, err)
		default:
			return res, failStep(ReasonFetchFailed, false, err)
		}
	}
	if v := gs.Spec.Verify; v != nil {
		data, err := secretData(ctx, r.kube, gs.Namespace, v.SecretRef.Name)
		if err != nil {
			return res, failStep(ReasonVerificationFailed, true, err)
		}
		keyring, err := source.KeyringFromSecret(data)
		if err != nil {
			return res, failStep(ReasonVerificationFailed, false, fmt.Errorf("Secret %s/%s: %w", gs.Namespace, v.SecretRef.Name, err))
		}
		if _, err := source.VerifyResult(res, source.ModeHEAD, keyring, r.opts.Clock.Now()); err != nil {
			return res, failStep(ReasonVerificationFailed, false, err)
		}
	}
	return res, nil
}

func secretData(ctx context.Context, kube kubernetes.Interface, ns, name string) (map[string][]byte, error) {
	s, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", ns, name, err)
	}
	return s.Data, nil
}
