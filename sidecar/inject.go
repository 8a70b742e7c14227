package sidecar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RecordedPolicy says what to do with a matching SidecarSet that the object
// already records in kruise.io/sidecarset-hash. A SidecarSet recorded with its
// current hash is always left alone: injection is idempotent.
type RecordedPolicy string

const (
	// ReinjectChanged injects again when the recorded hash differs from the
	// SidecarSet's, replacing its containers in place by name (what Kruise
	// does when a pod is created with stale annotations). Render time uses
	// it: git is where a sidecar upgrade comes from.
	ReinjectChanged RecordedPolicy = "ReinjectChanged"
	// KeepRecorded leaves any recorded SidecarSet alone, whatever its hash.
	// The webhook uses it: a pod created from a template that ferry rendered
	// carries the sidecar revision its workload's batch chose, and upgrading
	// it at admission would let sidecar changes bypass the batches.
	KeepRecorded RecordedPolicy = "KeepRecorded"
)

// Options tune the injector for its caller.
type Options struct {
	// Now stamps updateTimestamp in the hash annotations. Nil leaves the zero
	// time, which keeps renders of the same commit identical (see UpgradeSpec).
	Now func() time.Time
	// Recorded is the policy for SidecarSets the object already records.
	Recorded RecordedPolicy
}

// DefaultOptions are the render-time options: no timestamp, re-inject a
// SidecarSet whose recorded hash is stale.
func DefaultOptions() Options {
	return Options{Recorded: ReinjectChanged}
}

// AdmissionOptions are the webhook's options: the admission time as
// updateTimestamp, and recorded SidecarSets kept as they are.
func AdmissionOptions(now func() time.Time) Options {
	return Options{Now: now, Recorded: KeepRecorded}
}

// Result says what one injection did.
type Result struct {
	// Injected are the SidecarSets injected by this call, sorted.
	Injected []string
	// Unchanged are the matching SidecarSets left alone because the object
	// already records them (see RecordedPolicy), sorted.
	Unchanged []string
}

// Injector injects a fixed list of SidecarSets. It is safe for concurrent use.
type Injector struct {
	sets []*Prepared // sorted by name
	opts Options
}

// NewInjector prepares every SidecarSet; any invalid one fails the whole list,
// naming each SidecarSet and field at fault, so a render applies nothing.
func NewInjector(sets []*appsv1alpha1.SidecarSet, opts Options) (*Injector, error) {
	prepared, errs := prepareAll(sets)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return NewInjectorFromPrepared(prepared, opts), nil
}

// NewInjectorFromPrepared builds an injector from SidecarSets prepared earlier
// (the webhook prepares each one as its informer sees it).
func NewInjectorFromPrepared(sets []*Prepared, opts Options) *Injector {
	sorted := append([]*Prepared(nil), sets...)
	sortPrepared(sorted)
	return &Injector{sets: sorted, opts: opts}
}

// InjectTemplate injects every SidecarSet in sets that selects the template
// into it, in place, with the render-time DefaultOptions.
// It returns the names of the SidecarSets injected (sorted) and an error
// naming the SidecarSet and field on bad input; on error tpl is unchanged.
func InjectTemplate(tpl *corev1.PodTemplateSpec, ns NamespaceInfo, sets []*appsv1alpha1.SidecarSet) ([]string, error) {
	in, err := NewInjector(sets, DefaultOptions())
	if err != nil {
		return nil, err
	}
	res, err := in.InjectTemplate(tpl, ns)
	return res.Injected, err
}

// InjectTemplate injects into a pod template, in place; on error tpl is unchanged.
func (in *Injector) InjectTemplate(tpl *corev1.PodTemplateSpec, ns NamespaceInfo) (Result, error) {
	return in.inject(&tpl.ObjectMeta, &tpl.Spec, ns)
}

// InjectPod injects into a pod being created, in place; on error pod is
// unchanged. ns.Name should be the pod's namespace.
func (in *Injector) InjectPod(pod *corev1.Pod, ns NamespaceInfo) (Result, error) {
	return in.inject(&pod.ObjectMeta, &pod.Spec, ns)
}

// inject is the recipe of Kruise's sidecarsetMutatingPod for a created pod:
//  1. select the SidecarSets: not paused, matching namespace and labels, not
//     already recorded (RecordedPolicy);
//  2. reject conflicts among all matching SidecarSets;
//  3. patch pod annotations (patchPodMetadata), in SidecarSet name order;
//  4. build the sidecars of each SidecarSet against the pod as it was;
//  5. merge containers, initContainers, volumes, pull secrets, annotations.
//
// Every change is computed on copies and assigned at the end, so an error
// leaves the object as it was.
func (in *Injector) inject(meta *metav1.ObjectMeta, spec *corev1.PodSpec, ns NamespaceInfo) (Result, error) {
	var res Result
	rec, err := ReadRecord(meta.Annotations)
	if err != nil {
		return res, err
	}
	matching, todo := in.selectSets(meta, ns, rec)
	for _, p := range matching {
		if !slices.Contains(todo, p) {
			res.Unchanged = append(res.Unchanged, p.Name())
		}
	}
	if len(todo) == 0 {
		return res, nil
	}
	if err := checkConflicts(matching); err != nil {
		return res, err
	}
	annotations := maps.Clone(meta.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	for _, p := range todo {
		if err := patchPodMetadata(annotations, p); err != nil {
			return res, err
		}
	}
	b, err := newBuilder(meta.Labels, annotations, spec)
	if err != nil {
		return res, err
	}
	stamp := metav1.Time{}
	if in.opts.Now != nil {
		stamp = metav1.NewTime(in.opts.Now())
	}
	for _, p := range todo {
		b.add(p)
		rec.Add(
			UpgradeSpec{UpdateTimestamp: stamp, Hash: p.hash, SidecarSetName: p.Name(), SidecarList: p.sidecarList, ControllerRevision: p.set.Status.LatestRevision},
			UpgradeSpec{UpdateTimestamp: stamp, Hash: p.hashNoImage, SidecarSetName: p.Name(), SidecarList: p.sidecarList},
		)
		res.Injected = append(res.Injected, p.Name())
	}
	merged := b.merge(spec)
	if err := b.writeAnnotations(annotations); err != nil {
		return res, err
	}
	if err := rec.Write(annotations); err != nil {
		return res, fmt.Errorf("record injection: %w", err)
	}
	*spec = merged
	meta.Annotations = annotations
	return res, nil
}

// Pending returns the SidecarSets that InjectPod would inject into an object
// with this metadata, sorted, without building anything: those that select it
// and that it does not record. The webhook uses it to find pods that were
// admitted without their sidecars (see webhook.MissedReporter).
func (in *Injector) Pending(meta *metav1.ObjectMeta, ns NamespaceInfo) ([]string, error) {
	rec, err := ReadRecord(meta.Annotations)
	if err != nil {
		return nil, err
	}
	_, todo := in.selectSets(meta, ns, rec)
	names := make([]string, 0, len(todo))
	for _, p := range todo {
		names = append(names, p.Name())
	}
	return names, nil
}

// selectSets is step 1 of inject: the SidecarSets that select the object (not
// paused, matching namespace and labels), and among them those to inject
// (not recorded, see RecordedPolicy); both in name order.
func (in *Injector) selectSets(meta *metav1.ObjectMeta, ns NamespaceInfo, rec Record) (matching, todo []*Prepared) {
	for _, p := range in.sets {
		if p.set.Spec.InjectionStrategy.Paused || !p.match.matches(ns, meta.Labels) {
			continue
		}
		matching = append(matching, p)
		if !in.isRecorded(rec, p) {
			todo = append(todo, p)
		}
	}
	return matching, todo
}

func (in *Injector) isRecorded(rec Record, p *Prepared) bool {
	entry, ok := rec.Hash[p.Name()]
	if !ok {
		return false
	}
	return entry.Hash == p.hash || in.opts.Recorded == KeepRecorded
}

// prepareAll prepares every SidecarSet (defaults, validation, hashes) and
// refuses two with one name; the errors name each SidecarSet at fault.
func prepareAll(sets []*appsv1alpha1.SidecarSet) ([]*Prepared, []error) {
	var errs []error
	prepared := make([]*Prepared, 0, len(sets))
	seen := make(map[string]bool, len(sets))
	for _, s := range sets {
		if seen[s.Name] {
			errs = append(errs, fieldErr(s.Name, "metadata.name", "two SidecarSets have this name"))
			continue
		}
		seen[s.Name] = true
		p, err := Prepare(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		prepared = append(prepared, p)
	}
	return prepared, errs
}
