// Package sidecar injects OpenKruise SidecarSets (apps.kruise.io/v1alpha1) into
// pod templates and pods, with Kruise's semantics.
//
// One pure injector serves two callers:
//
//   - render time: ferry renders a kustomize overlay and injects every SidecarSet
//     of the same render into the pod templates it selects (InjectTemplate), so
//     the sidecar is part of the workload's revision and rolls out with the
//     workload's batches;
//   - admission time: the mutating webhook in sidecar/webhook injects the
//     SidecarSets found in the cluster into pods that ferry did not render
//     (InjectPod).
//
// Both leave an object alone for a SidecarSet it already records in the
// kruise.io/sidecarset-hash annotation with the same hash, so a pod created from
// a template that ferry rendered comes out of the webhook unchanged.
//
// The injection follows pkg/webhook/pod/mutating/sidecarset.go in
// openkruise/kruise: SidecarSet defaults first, then selector and namespace
// matching, podInjectPolicy, initContainers sorted by name, shareVolumePolicy,
// transferEnv, IS_INJECTED, volume merge (the pod's volume wins on a name
// clash, OpenKruise #254), in-place replacement of same-named containers,
// imagePullSecrets, patchPodMetadata and the hash annotations.
package sidecar
