package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ApplyOptions configure one Apply or Diff.
type ApplyOptions struct {
	// DefaultNamespace is given to namespaced objects that have none: the
	// GitSync's namespace.
	DefaultNamespace string
	// Labels are added to every object (ferry's copy; git's own labels of
	// the same keys are overwritten). The loop sets labels naming the
	// GitSync, so `kubectl get -l` finds what it applied and every object
	// has at least one field ferry owns.
	Labels map[string]string
	// WaitTimeout bounds the wait for the set's CRDs to become Established
	// and their kinds to be served; zero means the default.
	WaitTimeout time.Duration
}

// DefaultApplyOptions returns options with no default namespace and a
// one-minute wait for CRDs.
func DefaultApplyOptions() ApplyOptions {
	return ApplyOptions{WaitTimeout: time.Minute}
}

// Apply makes the cluster match objects (one rendered revision) with
// server-side apply, in kind order, writing only what drifted.
//
// Before writing anything it dry-runs every object it can; if any object
// fails (invalid, unknown kind, rejected by admission) it returns a
// *ValidationError naming each object and writes nothing. Objects of a kind
// whose CRD is in the same set, and objects in a Namespace the set creates,
// cannot be dry-run before that definition exists: Apply writes the CRDs
// and Namespaces first, waits until the CRDs are Established, then dry-runs
// those objects before writing any of them. If one of them fails, only the
// definitions were written (ValidationError.Applied lists them).
//
// The change set lists every object in the order written, with Created,
// Configured or Unchanged.
func (m *Manager) Apply(ctx context.Context, objects []*unstructured.Unstructured, opts ApplyOptions) (*ChangeSet, error) {
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = DefaultApplyOptions().WaitTimeout
	}
	res := m.newResolver()
	items, err := m.plan(ctx, res, objects, opts)
	if err != nil {
		return nil, err
	}
	cs := &ChangeSet{}
	defs, rest := splitDefinitions(items)
	if err := m.write(ctx, defs, cs); err != nil {
		return cs, err
	}
	if err := m.settle(ctx, res, defs, rest, opts); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			ve.Total, ve.Applied = len(objects), cs.Refs()
		}
		return cs, err
	}
	if err := m.write(ctx, rest, cs); err != nil {
		return cs, err
	}
	return cs, nil
}

// Diff is Apply without the writes, for `ferry diff --live`: the change set
// says what Apply would do, and each entry carries the live object and the
// dry-run result. Objects that wait for a CRD or Namespace of the same set
// cannot be dry-run; they are reported as Created with a reason and their
// rendered copy as Merged.
func (m *Manager) Diff(ctx context.Context, objects []*unstructured.Unstructured, opts ApplyOptions) (*ChangeSet, error) {
	items, err := m.plan(ctx, m.newResolver(), objects, opts)
	if err != nil {
		return nil, err
	}
	cs := &ChangeSet{}
	for _, it := range items {
		e := ChangeSetEntry{Ref: it.ref, Action: it.action(), Live: withoutManagedFields(it.live), Merged: withoutManagedFields(it.merged)}
		if !it.validated() {
			e.Action, e.Reason, e.Merged = Created, "not dry-run: waits for "+it.waitsFor+" of this set", it.obj.DeepCopy()
		}
		cs.Add(e)
	}
	return cs, nil
}

// settle runs between the definitions and the rest: when the set changed a
// CRD it waits until every CRD of the set is Established and every kind the
// rest uses is served, then dry-runs the objects that waited.
func (m *Manager) settle(ctx context.Context, res *resolver, defs, rest []*item, opts ApplyOptions) error {
	var crds []ObjectRef
	changed := false
	for _, it := range defs {
		if it.ref.GroupKind() == crdGroupKind {
			crds = append(crds, it.ref)
			changed = changed || it.drifted
		}
	}
	pending := waiting(rest)
	if !changed && len(pending) == 0 {
		return nil
	}
	if len(crds) > 0 {
		if err := m.Wait(ctx, crds, opts.WaitTimeout); err != nil {
			return fmt.Errorf("waiting for CustomResourceDefinitions: %w", err)
		}
		if err := m.awaitServed(ctx, res, rest, opts.WaitTimeout); err != nil {
			return err
		}
	}
	if errs := m.validate(ctx, pending); len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// awaitServed refreshes discovery until every item has a mapping: an
// Established CRD can take a moment to appear in discovery.
func (m *Manager) awaitServed(ctx context.Context, res *resolver, items []*item, timeout time.Duration) error {
	var missing *item
	err := wait.PollUntilContextTimeout(ctx, m.opts.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		res.refresh(ctx)
		missing = nil
		for _, it := range items {
			mp, err := res.lookup(ctx, it.ref.GroupVersionKind())
			switch {
			case meta.IsNoMatchError(err):
				missing = it
				return false, nil
			case err != nil:
				return false, newObjectError(it.ref, "discovery", err)
			}
			it.mapping = mp
		}
		return true, nil
	})
	if err != nil && missing != nil {
		return &ValidationError{Errors: []*ObjectError{newObjectError(missing.ref, "discovery",
			fmt.Errorf("%s not served after %s: %w", missing.ref.GroupVersionKind(), timeout, ErrUnknownKind))}}
	}
	return err
}

// write applies the drifted items (already in apply order) and records every
// item in cs. Items of one kind are written concurrently; kinds one after
// the other. It stops after the first kind with a failure.
func (m *Manager) write(ctx context.Context, items []*item, cs *ChangeSet) error {
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && sameKindRank(items[start].ref, items[end].ref) {
			end++
		}
		group := items[start:end]
		errs := make([]*ObjectError, len(group))
		after := make([]*unstructured.Unstructured, len(group))
		forEach(len(group), m.opts.Concurrency, func(i int) {
			it := group[i]
			if !it.drifted {
				after[i] = it.live
				return
			}
			out, err := m.serverApply(ctx, it.mapping, it.obj, false)
			if err != nil {
				errs[i] = newObjectError(it.ref, "apply", err)
			}
			after[i] = out
		})
		for i, it := range group {
			if errs[i] == nil {
				// after[i] is not read again: strip it in place rather than
				// copy every applied object on every sync
				if after[i] != nil {
					unstructured.RemoveNestedField(after[i].Object, "metadata", "managedFields")
				}
				cs.Add(ChangeSetEntry{Ref: it.ref, Action: it.action(), Live: after[i]})
			}
		}
		if failed := compact(errs); len(failed) > 0 {
			return &ApplyError{Errors: failed}
		}
		start = end
	}
	return nil
}

func withoutManagedFields(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "metadata", "managedFields")
	return c
}
