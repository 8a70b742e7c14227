// Package plan is the pure half of ferry's CloneSet rollout engine: it decides,
// from a CloneSet, its pods and its ControllerRevisions, what one reconcile
// pass must do, and returns that decision as a value (a Plan) for an executor
// to carry out. It never talks to a cluster, reads no clock and keeps no
// globals: time, options and node labels come in as arguments.
//
// The semantics are OpenKruise v1.9.0's cloneset controller
// (apps.kruise.io/v1alpha1):
//
//   - defaults.go, validate.go: the mutating and validating webhooks.
//   - knobs.go: partition, maxSurge, maxUnavailable and
//     scaleStrategy.maxUnavailable resolved to pod counts with Kruise's rounding.
//   - diff.go: calculateDiffsWithExpectation, the numbers that drive a pass.
//   - pass.go, scale.go, refresh.go, update.go: one pass, scale first and
//     update only if scaling had nothing to do.
//   - plan.go: the Plan value and its item types, what an executor carries out.
//   - order.go, scatter.go: update order and scale-in victim order.
//   - inplace.go, inplacestate.go: in-place eligibility and completion, and the
//     one codec for the apps.kruise.io/inplace-update-* annotations.
//   - apply.go: the pod objects an executor writes for plan items (new pod,
//     lifecycle change, in-place update, specified-delete mark).
//   - revision.go: ControllerRevision data, names, choice and history truncation.
//   - status.go: CloneSetStatus computed from pods, and a change check.
//
// Where ferry differs from Kruise on purpose the doc comment of the function
// says so; the main differences are: partition rollback is on by default
// (Kruise's CloneSetPartitionRollback gate is off), ties in every sort are
// broken by pod name so that a plan is deterministic, and template changes
// that Kruise would roll in place only with kruise-daemon's help (labels read
// by a container's env through the downward API) are recreated instead.
package plan
