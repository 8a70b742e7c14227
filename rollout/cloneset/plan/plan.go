package plan

import (
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
)

// Phase names the part of a pass that produced a plan. A pass runs them in
// this order and stops at the first that has something to do, as Kruise's
// syncCloneSet does (scale, then refresh and update).
type Phase string

const (
	// PhaseIdle: nothing to do; the CloneSet is settled for these pods.
	PhaseIdle Phase = "Idle"
	// PhaseScale: create or delete pods, or move pods in or out of PreparingDelete.
	PhaseScale Phase = "Scale"
	// PhaseRefresh: lifecycle transitions and label back-fills that end the
	// pass before any update.
	PhaseRefresh Phase = "Refresh"
	// PhaseUpdate: move pods to another revision (possibly with refresh items).
	PhaseUpdate Phase = "Update"
)

// Plan is one reconcile pass as a value. The executor carries out every item
// (creates in order, so that the first ones use the current revision), then
// writes status and requeues; it makes no decision of its own.
type Plan struct {
	Phase Phase `json:"phase"`
	// ScaleDiff is the diff as the scale phase computes it (a PreparingUpdate
	// pod counts as updated). Always set.
	ScaleDiff Diff `json:"scaleDiff"`
	// UpdateDiff is the diff as the update phase computes it; zero unless the
	// pass reached the update phase.
	UpdateDiff Diff `json:"updateDiff"`

	Creates   []PodCreate       `json:"creates,omitempty"`
	Deletes   []PodDelete       `json:"deletes,omitempty"`
	Lifecycle []LifecycleChange `json:"lifecycle,omitempty"`
	Updates   []PodUpdate       `json:"updates,omitempty"`
	Refresh   []PodRefresh      `json:"refresh,omitempty"`

	// RequeueAfter, when > 0, is when the next pass should run even if no
	// event arrives: the end of an in-place grace period, or the moment a
	// ready pod becomes available after minReadySeconds.
	RequeueAfter time.Duration `json:"requeueAfter,omitempty"`
}

// IsEmpty reports whether the plan changes nothing.
func (p *Plan) IsEmpty() bool {
	return len(p.Creates)+len(p.Deletes)+len(p.Lifecycle)+len(p.Updates)+len(p.Refresh) == 0
}

// PodCreate asks for one new pod from the template of Revision. The executor
// picks the instance id (reusing the id of an orphaned PVC first) and builds
// the pod with NewPod.
type PodCreate struct {
	Revision string `json:"revision"`
}

// DeleteReason says why a pod is deleted.
type DeleteReason string

const (
	// DeletePreparingDelete: the pod was in PreparingDelete and no preDelete hook holds it any more.
	DeletePreparingDelete DeleteReason = "PreparingDeleteDone"
	// DeleteSpecified: the pod is specified-delete (label or podsToDelete), including ReCreate updates.
	DeleteSpecified DeleteReason = "SpecifiedDelete"
	// DeleteScaleIn: the pod is a scale-in victim.
	DeleteScaleIn DeleteReason = "ScaleIn"
)

// PodDelete asks to delete a pod and the PVCs that share its instance id.
type PodDelete struct {
	Pod    string       `json:"pod"`
	Reason DeleteReason `json:"reason"`
}

// ReadinessChange is what a lifecycle change does to the pod's readiness
// through Kruise's KruisePodReady condition (lifecycle markPodNotReady).
type ReadinessChange string

const (
	ReadinessKeep ReadinessChange = ""
	// ReadinessMarkNotReady adds the state's not-ready key.
	ReadinessMarkNotReady ReadinessChange = "MarkNotReady"
	// ReadinessRestore removes the preparingUpdate not-ready key.
	ReadinessRestore ReadinessChange = "Restore"
)

// LifecycleChange moves a pod to another lifecycle state: set the state
// label and the lifecycle timestamp annotation, add the handler labels and
// finalizers (only when leaving Updated for a new in-place update), and apply
// the readiness change. ApplyLifecycle does exactly that to a pod object.
type LifecycleChange struct {
	Pod           string                     `json:"pod"`
	From          appspub.LifecycleStateType `json:"from"`
	To            appspub.LifecycleStateType `json:"to"`
	Readiness     ReadinessChange            `json:"readiness,omitempty"`
	AddLabels     map[string]string          `json:"addLabels,omitempty"`
	AddFinalizers []string                   `json:"addFinalizers,omitempty"`
}

// UpdateMethod is how a pod moves to its target revision.
type UpdateMethod string

const (
	// UpdateInPlace patches images and metadata into the running pod (ApplyInPlaceUpdate).
	UpdateInPlace UpdateMethod = "InPlace"
	// UpdateRecreate labels the pod apps.kruise.io/specified-delete=true; a
	// later pass's scale phase deletes it within the unavailable budget and
	// creates its replacement.
	UpdateRecreate UpdateMethod = "Recreate"
)

// PodUpdate moves one pod to revision To.
type PodUpdate struct {
	Pod    string       `json:"pod"`
	From   string       `json:"from"`
	To     string       `json:"to"`
	Method UpdateMethod `json:"method"`
	// InPlace is the change to write when Method is InPlace.
	InPlace *InPlaceUpdateSpec `json:"inPlace,omitempty"`
}

// RefreshAction is a bookkeeping write on one pod.
type RefreshAction string

const (
	// RefreshSetInPlaceReady sets the pod's InPlaceUpdateReady condition to
	// True (new pods, and pods whose in-place update completed).
	RefreshSetInPlaceReady RefreshAction = "SetInPlaceUpdateReady"
	// RefreshFinishGrace applies the pending spec of the grace annotation
	// (ApplyInPlaceUpdate with the stored spec) and removes the annotation.
	RefreshFinishGrace RefreshAction = "FinishGracePeriod"
	// RefreshDropGrace removes a grace annotation whose revision is stale.
	RefreshDropGrace RefreshAction = "DropGracePeriod"
	// RefreshBackfillTemplateHash adds the pod-template-hash label (TemplateHash).
	RefreshBackfillTemplateHash RefreshAction = "BackfillTemplateHash"
)

// PodRefresh is one bookkeeping write.
type PodRefresh struct {
	Pod          string        `json:"pod"`
	Action       RefreshAction `json:"action"`
	TemplateHash string        `json:"templateHash,omitempty"`
}
