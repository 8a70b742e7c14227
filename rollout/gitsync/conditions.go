package gitsync

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types, as kstatus reads them: Ready is the summary; Reconciling
// is True while ferry is still making progress (a rollout moving, a retry
// pending); Stalled is True when nothing changes until git or the cluster
// does (a render error needs a new commit).
const (
	TypeReady       = "Ready"
	TypeReconciling = "Reconciling"
	TypeStalled     = "Stalled"
)

// Reason is a condition or event reason: stable, CamelCase, for alerts and
// scripts to match on.
type Reason string

const (
	ReasonApplied            Reason = "Applied"
	ReasonBatchHeld          Reason = "BatchHeld"
	ReasonProgressing        Reason = "Progressing"
	ReasonWindowClosed       Reason = "WindowClosed"
	ReasonSuspended          Reason = "Suspended"
	ReasonFetchFailed        Reason = "FetchFailed"
	ReasonAuthFailed         Reason = "AuthenticationFailed"
	ReasonVerificationFailed Reason = "VerificationFailed"
	ReasonRenderFailed       Reason = "RenderFailed"
	ReasonValidationFailed   Reason = "ValidationFailed"
	ReasonApplyFailed        Reason = "ApplyFailed"
	ReasonPruneFailed        Reason = "PruneFailed"
	ReasonPruneRefused       Reason = "PruneRefused"
	ReasonHealthCheckFailed  Reason = "HealthCheckFailed"
	ReasonHealthUnknown      Reason = "HealthUnknown"
	ReasonBatchAdvanced      Reason = "BatchAdvanced"
	ReasonAdvanceSkipped     Reason = "AdvanceSkipped"
	ReasonAdvanceFailed      Reason = "AdvanceFailed"
	ReasonGarbageCollected   Reason = "GarbageCollected" // a deleted GitSync's objects
)

// setCondition sets typ on conds, keeping lastTransitionTime when the status
// did not change (meta.SetStatusCondition's rule).
func setCondition(conds *[]metav1.Condition, typ string, status metav1.ConditionStatus, reason Reason, msg string, gen int64, now metav1.Time) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, Reason: string(reason), Message: msg,
		ObservedGeneration: gen, LastTransitionTime: now,
	})
}

func removeCondition(conds *[]metav1.Condition, typ string) {
	meta.RemoveStatusCondition(conds, typ)
}
