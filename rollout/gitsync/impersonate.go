package gitsync

import (
	"fmt"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
)

// ManagerFunc returns the apply manager that acts as a ServiceAccount.
type ManagerFunc func(namespace, serviceAccount string) (*apply.Manager, error)

// Impersonating returns a ManagerFunc whose managers talk to the cluster
// cfg names as system:serviceaccount:<namespace>:<name>, so a GitSync with
// spec.serviceAccountName can only apply, prune and read what that account
// may. ferry itself needs the "impersonate" verb on serviceaccounts.
// Managers are cached per account: each holds its own discovery cache.
func Impersonating(cfg *rest.Config, opts apply.Options) ManagerFunc {
	var mu sync.Mutex
	cache := map[string]*apply.Manager{}
	return func(namespace, sa string) (*apply.Manager, error) {
		user := fmt.Sprintf("system:serviceaccount:%s:%s", namespace, sa)
		mu.Lock()
		defer mu.Unlock()
		if m, ok := cache[user]; ok {
			return m, nil
		}
		c := rest.CopyConfig(cfg)
		c.Impersonate = rest.ImpersonationConfig{UserName: user}
		m, err := apply.NewManager(c, opts)
		if err != nil {
			return nil, fmt.Errorf("impersonate %s: %w", user, err)
		}
		cache[user] = m
		return m, nil
	}
}

// managerFor is the manager a GitSync applies with: ferry's own, or one
// impersonating spec.serviceAccountName.
func (r *Reconciler) managerFor(gs *v1alpha1.GitSync) (*apply.Manager, error) {
	sa := gs.Spec.ServiceAccountName
	if sa == "" {
		return r.apply, nil
	}
	if r.opts.ManagerFor == nil {
		return nil, failStep(ReasonApplyFailed, false, fmt.Errorf("spec.serviceAccountName %q: this ferry was started without impersonation", sa))
	}
	m, err := r.opts.ManagerFor(gs.Namespace, sa)
	if err != nil {
		return nil, failStep(ReasonApplyFailed, true, err)
	}
	return m, nil
}
