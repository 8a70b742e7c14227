package apply

import (
	"context"
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PruneAnnotation on a live object keeps Prune from deleting it when it
// leaves git: `ferry.dev/prune: disabled`.
const (
	PruneAnnotation = "ferry.dev/prune"
	PruneDisabled   = "disabled"
)

// PruneOptions configure one Prune.
type PruneOptions struct {
	// AllowEmpty lets an empty render delete every object of the previous
	// inventory. Off by default: see EmptyRenderError.
	AllowEmpty bool
	// Propagation is the deletion propagation policy.
	Propagation metav1.DeletionPropagation
	// DryRun decides without deleting: the change set says what Prune
	// would delete (with the live object in Live) and what it would keep.
	DryRun bool
}

// DefaultPruneOptions returns options with background propagation (the
// apiserver removes the object at once and the garbage collector its
// dependents, as kubectl does) and AllowEmpty off.
func DefaultPruneOptions() PruneOptions {
	return PruneOptions{Propagation: metav1.DeletePropagationBackground}
}

// Prune deletes the objects of previous that are not in current: what left
// git between two applied revisions. It walks them in reverse kind order
// (workloads before their ConfigMaps, Namespaces and CRDs last).
//
// It never deletes an object that is not in previous, and keeps (Skipped):
//   - objects annotated ferry.dev/prune: disabled;
//   - objects ferry no longer manages: the live object has field managers
//     and ferry is not one of them, because another tool took every field
//     over or deleted and recreated the object. Ferry deletes only what it
//     still owns a part of; the other owner decides. (An object with no
//     managedFields at all, such as a ServiceAccount whose manifest has only
//     a name, is pruned: nothing says anyone else owns it. ApplyOptions.Labels
//     gives every object a field ferry owns.)
//
// The delete carries the UID ferry inspected as a precondition, so an
// object recreated in between is not deleted either.
//
// When current is empty and previous is not, Prune deletes nothing and
// returns *EmptyRenderError unless opts.AllowEmpty. Deletion failures do
// not stop the others; they come back as *PruneError.
func (m *Manager) Prune(ctx context.Context, previous, current Inventory, opts PruneOptions) (*ChangeSet, error) {
	candidates, err := PruneCandidates(previous, current)
	if err != nil {
		return nil, err
	}
	if current.Len() == 0 && previous.Len() > 0 && !opts.AllowEmpty {
		return nil, &EmptyRenderError{Count: previous.Len()}
	}
	cs := &ChangeSet{}
	res := m.newResolver()
	var failed []*ObjectError
	for _, ref := range candidates {
		entry, oerr := m.pruneOne(ctx, res, ref, opts)
		if oerr != nil {
			failed = append(failed, oerr)
			continue
		}
		cs.Add(entry)
	}
	if len(failed) > 0 {
		return cs, &PruneError{Errors: failed}
	}
	return cs, nil
}

func (m *Manager) pruneOne(ctx context.Context, res *resolver, ref ObjectRef, opts PruneOptions) (ChangeSetEntry, *ObjectError) {
	deleted := ChangeSetEntry{Ref: ref, Action: Deleted}
	mp, err := res.mapping(ctx, ref.GroupVersionKind())
	if errors.Is(err, ErrUnknownKind) {
		// Its kind is gone, so is the object (its CRD was deleted).
		deleted.Reason = "kind no longer served"
		return deleted, nil
	}
	if err != nil {
		return deleted, newObjectError(ref, "discovery", err)
	}
	live, err := m.get(ctx, mp, ref)
	switch {
	case err != nil:
		return deleted, newObjectError(ref, "get", err)
	case live == nil:
		deleted.Reason = "already gone"
		return deleted, nil
	case live.GetDeletionTimestamp() != nil:
		deleted.Reason = "already being deleted"
		return deleted, nil
	case live.GetAnnotations()[PruneAnnotation] == PruneDisabled:
		return ChangeSetEntry{Ref: ref, Action: Skipped, Reason: "prune disabled by annotation " + PruneAnnotation}, nil
	case ownedByOthers(live, m.opts.FieldManager):
		return ChangeSetEntry{Ref: ref, Action: Skipped,
			Reason: "no longer managed by " + m.opts.FieldManager + "; field managers: " + strings.Join(managers(live), ", ")}, nil
	}
	if opts.DryRun {
		deleted.Live = withoutManagedFields(live)
		return deleted, nil
	}
	uid := live.GetUID()
	err = m.resource(mp, ref.Namespace).Delete(ctx, ref.Name, metav1.DeleteOptions{
		PropagationPolicy: &opts.Propagation,
		Preconditions:     &metav1.Preconditions{UID: &uid},
	})
	switch {
	case apierrors.IsNotFound(err):
		deleted.Reason = "already gone"
	case apierrors.IsConflict(err):
		return ChangeSetEntry{Ref: ref, Action: Skipped, Reason: "replaced by a new object since it was inspected"}, nil
	case err != nil:
		return deleted, newObjectError(ref, "delete", err)
	}
	return deleted, nil
}
