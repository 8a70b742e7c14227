// Package rollouttest holds what the engine's end-to-end tests and
// benchmarks share: CRD installation, an in-process engine, a pod observer
// that checks the rollout budget at every event, and a gatekeeper that
// decides when new pods may become ready.
package rollouttest
