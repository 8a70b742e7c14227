package controller

// EventReason is the reason of an event the engine records on a CloneSet.
// The values are stable: alerts and tests match on them.
type EventReason string

// Reasons Kruise's controller uses too, with the same meaning.
const (
	ReasonSuccessfulCreate            EventReason = "SuccessfulCreate"
	ReasonFailedCreate                EventReason = "FailedCreate"
	ReasonSuccessfulDelete            EventReason = "SuccessfulDelete"
	ReasonFailedDelete                EventReason = "FailedDelete"
	ReasonSuccessfulUpdatePodInPlace  EventReason = "SuccessfulUpdatePodInPlace"
	ReasonFailedUpdatePodInPlace      EventReason = "FailedUpdatePodInPlace"
	ReasonSuccessfulUpdatePodReCreate EventReason = "SuccessfulUpdatePodReCreate"
	ReasonFailedUpdatePodReCreate     EventReason = "FailedUpdatePodReCreate"
	ReasonScaleUpLimited              EventReason = "ScaleUpLimited"
)

// Reasons of ferry's own.
const (
	// ReasonFailedValidation: the CloneSet is one Kruise's webhook would
	// reject; the message names each field and why. Nothing is acted on.
	ReasonFailedValidation EventReason = "FailedValidation"
	// ReasonFailedScale: creating or deleting pods failed (the FailedScale
	// condition carries the same message).
	ReasonFailedScale EventReason = "FailedScale"
	// ReasonFailedUpdate: the update phase cannot move a pod (e.g. an
	// InPlaceOnly CloneSet whose template changed beyond images), or
	// writing an update failed.
	ReasonFailedUpdate EventReason = "FailedUpdate"
	// ReasonFailedRevision: a ControllerRevision could not be created,
	// renumbered or deleted.
	ReasonFailedRevision EventReason = "FailedRevision"
	// ReasonFailedClaim: a pod or revision could not be adopted or released.
	ReasonFailedClaim EventReason = "FailedClaim"
)
