package apply

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resolver maps kinds to resources for one Apply, Diff, Prune or Wait. The
// discovery cache is refreshed at most once per call when a kind is
// unknown (a CRD applied by someone else since the last call), so a set
// that keeps naming a kind that does not exist costs one discovery per
// call, not one per object. Not safe for concurrent use: calls resolve all
// mappings first, then fan out.
type resolver struct {
	m         *Manager
	refreshed bool
}

func (m *Manager) newResolver() *resolver { return &resolver{m: m} }

// mapping returns the REST mapping of gvk, refreshing discovery once if the
// kind is unknown. An empty version picks the server's preferred one.
func (r *resolver) mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	mp, err := r.lookup(ctx, gvk)
	if meta.IsNoMatchError(err) && !r.refreshed {
		r.refresh(ctx)
		mp, err = r.lookup(ctx, gvk)
	}
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("%s: %w", gvk.GroupKind(), ErrUnknownKind)
	}
	return mp, err
}

// lookup asks the cached mapper without refreshing.
func (r *resolver) lookup(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	var versions []string
	if gvk.Version != "" {
		versions = []string{gvk.Version}
	}
	return r.m.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), versions...)
}

// refresh drops the cached discovery; the next lookup re-reads it.
func (r *resolver) refresh(ctx context.Context) {
	r.refreshed = true
	r.m.mapper.ResetWithContext(ctx)
}
