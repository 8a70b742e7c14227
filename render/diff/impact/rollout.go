package impact

import (
	"errors"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ferry-gitops/ferry/rollout/batch"
	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	"github.com/ferry-gitops/ferry/rollout/cloneset/simulate"
)

// Change is a value at base and at head.
type Change[T any] struct {
	From T `json:"from"`
	To   T `json:"to"`
}

// BatchChange is "batch From → To of Of"; batch 0 is "not started".
type BatchChange struct {
	From int `json:"from"`
	To   int `json:"to"`
	Of   int `json:"of"`
}

// ImageChange is a container whose image changes.
type ImageChange struct {
	Container string `json:"container"`
	From      string `json:"from"`
	To        string `json:"to"`
	Sidecar   string `json:"sidecar,omitempty"` // the SidecarSet that injected it
}

// Rollout is the preview of one CloneSet's rollout from base to head.
type Rollout struct {
	Path      string `json:"path"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Revision is the update revision's name (<cloneset>-<hash>) at base
	// and head, as the engine names it.
	Revision Change[string] `json:"revision"`
	// Previous is the revision base's partition holds pods at, when the
	// template did not change and git history found it.
	Previous string `json:"previousRevision,omitempty"`
	// Partition is resolved to pods; PartitionText as written in git.
	Partition     Change[int]    `json:"partition"`
	PartitionText Change[string] `json:"partitionText"`
	Replicas      Change[int]    `json:"replicas"`
	// Batch is set when head declares a batch plan.
	Batch *BatchChange `json:"batch"`
	// BatchText is the batch step in words, e.g. "batch 1 → 2 of 3 (partition 3 → 1)".
	BatchText string `json:"batchText"`
	// Strategy is the update strategy type at head.
	Strategy string `json:"strategy"`
	// InPlace reports whether pods move by in-place update (the engine's
	// rule on the two templates under head's strategy); Reason says why
	// not, or what changes when they do.
	InPlace bool   `json:"inPlace"`
	Reason  string `json:"reason"`
	// PodsToUpdate is how many pods change revision: the net change of the
	// pods at head's revision (scaling included).
	PodsToUpdate int `json:"podsToUpdate"`
	// UpdatedPods counts the pods at head's revision before and after.
	UpdatedPods Change[int] `json:"updatedPods"`
	// Back is true when pods move back to the older revision (a raised
	// partition, which ferry's engine rolls back).
	Back bool `json:"back,omitempty"`
	// PeakTotal and MinAvailable bound the pods during the rollout.
	PeakTotal    int `json:"peakTotal"`
	MinAvailable int `json:"minAvailable"`
	// MaxSurge and MaxUnavailable are head's knobs resolved to pods.
	MaxSurge       int `json:"maxSurge"`
	MaxUnavailable int `json:"maxUnavailable"`
	// Steps is the number of engine passes; Trajectory lists them.
	Steps      int    `json:"steps"`
	Trajectory []Step `json:"trajectory"`
	// Images are the containers whose image changes for the moving pods.
	Images []ImageChange `json:"images"`
	// Sidecars say what happens to each sidecar injected at base or head.
	Sidecars []SidecarChange `json:"sidecars"`
	// Paused is head's updateStrategy.paused.
	Paused bool `json:"paused,omitempty"`
	// Notes state the assumptions behind the numbers and warnings.
	Notes []string `json:"notes"`
	// Error is set when the rollout cannot be simulated (e.g. InPlaceOnly
	// with a change that needs recreation); the numbers are then zero.
	Error string `json:"error,omitempty"`

	// Result is the simulation, for printing its steps table.
	Result *simulate.Result `json:"-"`

	// pausedChanged is set when updateStrategy.paused differs.
	pausedChanged bool
	// beyondImages is set when the template changes in more than container
	// images (and the sidecar hash annotations that follow them).
	beyondImages bool
}

// Step is one engine pass of the simulation.
type Step struct {
	Phase     string    `json:"phase"`
	Plan      plan.Diff `json:"plan"`
	Create    int       `json:"create"`
	Delete    int       `json:"delete"`
	Update    int       `json:"update"`
	Total     int       `json:"total"`
	Updated   int       `json:"updated"`
	Ready     int       `json:"ready"`
	Available int       `json:"available"`
}

// Input is one CloneSet in the two renders.
type Input struct {
	Path       string
	Base, Head *unstructured.Unstructured
	// History is what git history says about the template base's
	// partition holds pods at; nil when it was not searched.
	History *History
}

// ErrNotCloneSet is returned for an object that does not decode as a CloneSet.
var ErrNotCloneSet = errors.New("not a CloneSet")

// Needed reports whether a change of the CloneSet can move pods: its
// template, replicas, partition or paused flag differ. Other changes
// (labels, the batch annotation, maxSurge alone) roll nothing. base and
// head are Decode's output, defaults filled in.
func Needed(b, h *appsv1alpha1.CloneSet) bool {
	return !equalJSON(b.Spec.Template, h.Spec.Template) ||
		*b.Spec.Replicas != *h.Spec.Replicas ||
		b.Spec.UpdateStrategy.Partition.String() != h.Spec.UpdateStrategy.Partition.String() ||
		b.Spec.UpdateStrategy.Paused != h.Spec.UpdateStrategy.Paused
}

// HoldsPodsAtOlderTemplate reports whether the template base's partition
// holds pods at matters for the preview: the template is the same at base
// and head, and base's partition keeps pods back. The caller then looks for
// that template in git history (Input.History).
func HoldsPodsAtOlderTemplate(base, head *appsv1alpha1.CloneSet) bool {
	k, err := plan.ResolveKnobs(base)
	return err == nil && k.Partition > 0 && equalJSON(base.Spec.Template, head.Spec.Template)
}

// Decode converts a rendered CloneSet and fills in Kruise's defaults.
func Decode(o *unstructured.Unstructured) (*appsv1alpha1.CloneSet, error) {
	if o.GetKind() != "CloneSet" || o.GroupVersionKind().Group != appsv1alpha1.GroupVersion.Group {
		return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), ErrNotCloneSet)
	}
	cs := &appsv1alpha1.CloneSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, cs); err != nil {
		return nil, fmt.Errorf("CloneSet %s: %w: %w", objectID(o.GetNamespace(), o.GetName()), ErrNotCloneSet, err)
	}
	return plan.WithDefaults(cs), nil
}

// Compute previews the rollout of one CloneSet from base to head. An error
// means the input is not a CloneSet; a rollout the engine cannot carry out
// comes back as a Rollout with Error set.
func Compute(in Input) (*Rollout, error) {
	base, err := Decode(in.Base)
	if err != nil {
		return nil, err
	}
	head, err := Decode(in.Head)
	if err != nil {
		return nil, err
	}
	r := &Rollout{Path: in.Path, Namespace: head.Namespace, Name: head.Name, Strategy: string(head.Spec.UpdateStrategy.Type),
		Paused: head.Spec.UpdateStrategy.Paused, Trajectory: []Step{}, Images: []ImageChange{}, Notes: []string{}}
	if err := r.describe(base, head); err != nil {
		return nil, err
	}
	same := r.Revision.From == r.Revision.To
	st := startState(base, r.Partition.From, same, in.History)
	r.Notes = append(r.Notes, st.notes...)
	for _, e := range plan.ValidateUpdate(base, head) {
		r.Notes = append(r.Notes, "the API server will reject this change: "+e.Error())
	}
	if r.Paused {
		r.Notes = append(r.Notes, "paused: no pod updates until spec.updateStrategy.paused is false")
	}
	oldTpl := base
	if same {
		oldTpl = st.previous
	}
	if oldTpl != nil {
		r.Images = imageChanges(&oldTpl.Spec.Template, &head.Spec.Template)
		if st.previous != nil {
			rev, err := revisionName(st.previous)
			if err != nil {
				return nil, err
			}
			r.Previous = rev
		}
	}
	r.pausedChanged = base.Spec.UpdateStrategy.Paused != head.Spec.UpdateStrategy.Paused
	r.beyondImages = changedBeyondImages(&base.Spec.Template, &head.Spec.Template)
	r.Sidecars, err = sidecarChanges(&base.Spec.Template, &head.Spec.Template)
	if err != nil {
		return nil, fmt.Errorf("CloneSet %s: %w", objectID(head.Namespace, head.Name), err)
	}
	r.InPlace, r.Reason, err = inPlace(head, st.from)
	if err != nil {
		return nil, err
	}
	opts := simulate.DefaultOptions()
	opts.From = st.from
	res, err := simulate.Run(head, st.scenario, opts)
	if err != nil {
		r.Error = err.Error()
		return r, nil
	}
	r.record(res, updatedAtStart(st.scenario))
	return r, nil
}

// describe fills in the values read straight from the two CloneSets.
func (r *Rollout) describe(base, head *appsv1alpha1.CloneSet) error {
	var err error
	if r.Revision.From, err = revisionName(base); err != nil {
		return err
	}
	if r.Revision.To, err = revisionName(head); err != nil {
		return err
	}
	bk, err := plan.ResolveKnobs(base)
	if err != nil {
		return fmt.Errorf("CloneSet %s at base: %w", objectID(base.Namespace, base.Name), err)
	}
	hk, err := plan.ResolveKnobs(head)
	if err != nil {
		return fmt.Errorf("CloneSet %s at head: %w", objectID(head.Namespace, head.Name), err)
	}
	r.Replicas = Change[int]{bk.Replicas, hk.Replicas}
	r.Partition = Change[int]{bk.Partition, hk.Partition}
	r.MaxSurge, r.MaxUnavailable = hk.MaxSurge, hk.MaxUnavailable
	bp, hp := batch.CurrentPartition(base), batch.CurrentPartition(head)
	r.PartitionText = Change[string]{bp.String(), hp.String()}
	step, err := batchStep(base, head)
	if err != nil {
		r.Notes = append(r.Notes, err.Error())
		step = batch.Step{From: batch.Position{Value: bp, Partition: int32(bk.Partition)}, To: batch.Position{Value: hp, Partition: int32(hk.Partition)}}
	}
	r.BatchText = step.String()
	if step.To.Total > 0 {
		r.Batch = &BatchChange{From: step.From.Batch, To: step.To.Batch, Of: step.To.Total}
	}
	if off := step.To.OffPlan; off != nil {
		r.Notes = append(r.Notes, "head: "+off.Error())
	}
	return nil
}

// batchStep locates base's partition in base's plan and head's in head's.
func batchStep(base, head *appsv1alpha1.CloneSet) (batch.Step, error) {
	var step batch.Step
	for i, cs := range []*appsv1alpha1.CloneSet{base, head} {
		r, err := batch.ForCloneSet(cs)
		if err != nil {
			return batch.Step{}, err
		}
		pos, err := r.Position(batch.CurrentPartition(cs))
		if err != nil {
			return batch.Step{}, err
		}
		if i == 0 {
			step.From = pos
		} else {
			step.To = pos
		}
	}
	if step.To.Total == 0 {
		step.From.Total, step.From.Batch = 0, 0 // no plan at head: partitions only
	}
	return step, nil
}

// record copies the simulation's numbers into the rollout.
func (r *Rollout) record(res *simulate.Result, startUpdated int) {
	r.Result = res
	s := res.Summary
	r.PodsToUpdate, r.PeakTotal, r.MinAvailable, r.Steps = s.PodsMoved, s.PeakTotal, s.MinAvailable, s.Steps
	r.Back = s.FinalUpdated < startUpdated
	r.UpdatedPods = Change[int]{startUpdated, s.FinalUpdated}
	for _, st := range res.Steps {
		r.Trajectory = append(r.Trajectory, Step{Phase: string(st.Phase), Plan: st.Plan,
			Create: st.Actions.Create, Delete: st.Actions.Delete, Update: st.Actions.Update,
			Total: st.Pods.Total, Updated: st.Pods.Updated, Ready: st.Pods.Ready, Available: st.Available})
	}
}

// ID is "namespace/name", or the name alone for an object rendered without
// a namespace.
func (r *Rollout) ID() string { return objectID(r.Namespace, r.Name) }

func objectID(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func updatedAtStart(sc simulate.Scenario) int {
	n := 0
	for _, p := range sc.Pods {
		if p.Revision == simulate.RevisionUpdate {
			n++
		}
	}
	return n
}

func revisionName(cs *appsv1alpha1.CloneSet) (string, error) {
	var zero int32
	rev, err := plan.NewRevision(cs, 0, &zero)
	if err != nil {
		return "", err
	}
	return rev.Name, nil
}
