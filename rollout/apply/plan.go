package apply

import (
	"context"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// item is one object of a set on its way to the cluster.
type item struct {
	ref ObjectRef
	// obj is ferry's copy of the rendered object, namespace normalised.
	obj *unstructured.Unstructured
	// mapping is nil while the kind is defined by a CRD of the same set that
	// the cluster does not serve yet.
	mapping *meta.RESTMapping
	// waitsFor names the object of this set that must exist before this one
	// can be dry-run ("CustomResourceDefinition widgets.test.ferry.dev",
	// "Namespace team"); empty when it can be validated right away.
	waitsFor string
	// live is the object in the cluster (nil if absent) and merged the
	// dry-run result; both are set once the item is validated.
	live, merged *unstructured.Unstructured
	drifted      bool
}

func (it *item) validated() bool { return it.merged != nil }

// action is what writing the item does.
func (it *item) action() Action {
	switch {
	case it.live == nil:
		return Created
	case it.drifted:
		return Configured
	}
	return Unchanged
}

// prepare turns the rendered objects into items in apply order: it checks
// each object has an identity, maps its kind (refreshing discovery once if
// needed), normalises its namespace and rejects duplicates. It writes
// nothing and reads only discovery.
func (m *Manager) prepare(ctx context.Context, res *resolver, objects []*unstructured.Unstructured, opts ApplyOptions) ([]*item, []*ObjectError) {
	defined := definedKinds(objects)
	seen := map[string]bool{}
	var items []*item
	var errs []*ObjectError
	for _, u := range objects {
		it, err := m.prepareOne(ctx, res, u, defined, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[it.ref.ID()] {
			errs = append(errs, newObjectError(it.ref, "plan", ErrDuplicate))
			continue
		}
		seen[it.ref.ID()] = true
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool { return lessRef(items[i].ref, items[j].ref) })
	return items, errs
}

func (m *Manager) prepareOne(ctx context.Context, res *resolver, u *unstructured.Unstructured, defined map[schema.GroupKind]crdDef, opts ApplyOptions) (*item, *ObjectError) {
	it := &item{obj: u.DeepCopy()}
	it.ref = RefOf(it.obj)
	gvk := it.obj.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" || it.obj.GetName() == "" {
		return nil, newObjectError(it.ref, "plan", ErrInvalidObject)
	}
	var namespaced bool
	if def, ok := defined[gvk.GroupKind()]; ok {
		// Do not refresh discovery for a kind this set is about to define:
		// if the cluster does not serve it yet, the object waits for its CRD.
		mp, err := res.lookup(ctx, gvk)
		switch {
		case err == nil:
			it.mapping, namespaced = mp, mp.Scope.Name() == meta.RESTScopeNameNamespace
		case meta.IsNoMatchError(err):
			it.waitsFor, namespaced = "CustomResourceDefinition "+def.name, def.namespaced
		default:
			return nil, newObjectError(it.ref, "discovery", err)
		}
	} else {
		mp, err := res.mapping(ctx, gvk)
		if err != nil {
			return nil, newObjectError(it.ref, "discovery", err)
		}
		it.mapping, namespaced = mp, mp.Scope.Name() == meta.RESTScopeNameNamespace
	}
	if err := normalizeNamespace(it.obj, namespaced, opts.DefaultNamespace); err != nil {
		return nil, newObjectError(it.ref, "plan", err)
	}
	if len(opts.Labels) > 0 {
		labels := it.obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range opts.Labels {
			labels[k] = v
		}
		it.obj.SetLabels(labels)
	}
	it.ref = RefOf(it.obj)
	return it, nil
}

// deferForNewNamespaces marks the items that live in a Namespace this set
// creates: the apiserver rejects even a dry-run in a namespace that does not
// exist. Call it once the Namespace items are validated (their live copies
// are known).
func deferForNewNamespaces(items []*item) {
	created := map[string]bool{}
	for _, it := range items {
		if it.ref.GroupKind() == (schema.GroupKind{Kind: "Namespace"}) && it.live == nil {
			created[it.ref.Name] = true
		}
	}
	for _, it := range items {
		if it.waitsFor == "" && it.ref.Namespace != "" && created[it.ref.Namespace] {
			it.waitsFor = "Namespace " + it.ref.Namespace
		}
	}
}

// validate reads the live copy of each item and dry-runs it, concurrently.
// It returns the failures in apply order.
func (m *Manager) validate(ctx context.Context, items []*item) []*ObjectError {
	errs := make([]*ObjectError, len(items))
	forEach(len(items), m.opts.Concurrency, func(i int) {
		errs[i] = m.validateOne(ctx, items[i])
	})
	return compact(errs)
}

// readAttempts bounds how often validateOne re-reads an object that a
// controller keeps writing.
const readAttempts = 3

// validateOne reads the live object and dry-runs git's copy. A controller
// may write the object between the two requests (the Deployment controller
// adds its revision annotation right after a create); then the dry-run was
// computed on a newer object than the one read, which would look like drift.
// The resourceVersions tell: the dry-run result carries the version it was
// computed on, so the pair is read again until they agree.
func (m *Manager) validateOne(ctx context.Context, it *item) *ObjectError {
	for attempt := 1; ; attempt++ {
		live, err := m.get(ctx, it.mapping, it.ref)
		if err != nil {
			return newObjectError(it.ref, "get", err)
		}
		merged, err := m.serverApply(ctx, it.mapping, it.obj, true)
		if err != nil {
			return newObjectError(it.ref, "dry-run", err)
		}
		it.live, it.merged = live, merged
		it.drifted = hasDrifted(live, merged, m.opts.FieldManager)
		if !it.drifted || live == nil || live.GetResourceVersion() == merged.GetResourceVersion() || attempt == readAttempts {
			return nil
		}
	}
}

// plan prepares and validates a set: definitions (CRDs, Namespaces) first,
// then every object that does not wait for one of them. Any failure rejects
// the whole set before anything is written.
func (m *Manager) plan(ctx context.Context, res *resolver, objects []*unstructured.Unstructured, opts ApplyOptions) ([]*item, error) {
	items, errs := m.prepare(ctx, res, objects, opts)
	defs, rest := splitDefinitions(items)
	errs = append(errs, m.validate(ctx, defs)...)
	deferForNewNamespaces(items)
	errs = append(errs, m.validate(ctx, ready(rest))...)
	if len(errs) > 0 {
		return nil, &ValidationError{Total: len(objects), Errors: errs}
	}
	return items, nil
}

// splitDefinitions splits items (in apply order) into the CRD and Namespace
// stages and the rest.
func splitDefinitions(items []*item) (defs, rest []*item) {
	for i, it := range items {
		if StageOf(it.ref.GroupKind()) > StageNamespaces {
			return items[:i], items[i:]
		}
	}
	return items, nil
}

// ready returns the items that do not wait for a definition.
func ready(items []*item) []*item {
	var out []*item
	for _, it := range items {
		if it.waitsFor == "" {
			out = append(out, it)
		}
	}
	return out
}

// waiting returns the items that do.
func waiting(items []*item) []*item {
	var out []*item
	for _, it := range items {
		if it.waitsFor != "" {
			out = append(out, it)
		}
	}
	return out
}

func compact(errs []*ObjectError) []*ObjectError {
	var out []*ObjectError
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
