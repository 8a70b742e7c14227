package sidecar

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// The merge rules of Kruise's pod webhook. Each returns a new slice and leaves
// its inputs alone.

// mergeContainers places sidecars among a pod's containers. A sidecar named
// like a pod container replaces it where it stands; the others go before the
// pod's containers (BeforeAppContainer, in injection order) or after them.
//
//	pod [app], sidecars [a:Before, b:After, c:Before] -> [a c app b]
//	pod [app log], sidecars [log:Before]                -> [app log'] (replaced)
func mergeContainers(pod []corev1.Container, sidecars []placed) []corev1.Container {
	if len(sidecars) == 0 {
		return pod
	}
	index := make(map[string]int, len(pod))
	for i := range pod {
		index[pod[i].Name] = i
	}
	middle := append([]corev1.Container(nil), pod...)
	var before, after []corev1.Container
	for _, s := range sidecars {
		if i, ok := index[s.Name]; ok {
			middle[i] = s.Container
			continue
		}
		if s.policy == appsv1alpha1.BeforeAppContainerType {
			before = append(before, s.Container)
		} else {
			after = append(after, s.Container)
		}
	}
	out := make([]corev1.Container, 0, len(before)+len(middle)+len(after))
	out = append(out, before...)
	out = append(out, middle...)
	return append(out, after...)
}

// mergeVolumes appends the sidecar volumes whose names the pod does not have
// yet: on a name clash the pod's definition wins, and among SidecarSets the
// first one wins (OpenKruise #254, pkg/util/pods.go MergeVolumes). A workload
// that defines log-volume as a PVC keeps its PVC when a log-collector
// SidecarSet brings log-volume as an emptyDir, and the sidecar mounts the PVC.
func mergeVolumes(pod, extra []corev1.Volume) []corev1.Volume {
	if len(extra) == 0 {
		return pod
	}
	out := append([]corev1.Volume(nil), pod...)
	have := make(map[string]bool, len(pod)+len(extra))
	for _, v := range pod {
		have[v.Name] = true
	}
	for _, v := range extra {
		if !have[v.Name] {
			out = append(out, v)
			have[v.Name] = true
		}
	}
	return out
}

// mergeMounts appends the extra mounts whose mount paths are not taken yet.
func mergeMounts(own, extra []corev1.VolumeMount) []corev1.VolumeMount {
	if len(extra) == 0 {
		return own
	}
	out := append([]corev1.VolumeMount(nil), own...)
	have := make(map[string]bool, len(own)+len(extra))
	for _, m := range own {
		have[m.MountPath] = true
	}
	for _, m := range extra {
		if !have[m.MountPath] {
			out = append(out, m)
			have[m.MountPath] = true
		}
	}
	return out
}

// mergeEnv appends the extra env vars whose names are not taken yet.
func mergeEnv(own, extra []corev1.EnvVar) []corev1.EnvVar {
	if len(extra) == 0 {
		return own
	}
	out := append([]corev1.EnvVar(nil), own...)
	have := make(map[string]bool, len(own)+len(extra))
	for _, e := range own {
		have[e.Name] = true
	}
	for _, e := range extra {
		if !have[e.Name] {
			out = append(out, e)
			have[e.Name] = true
		}
	}
	return out
}

// mergeSecrets de-duplicates image pull secrets by name, the pod's first.
func mergeSecrets(pod, extra []corev1.LocalObjectReference) []corev1.LocalObjectReference {
	if len(extra) == 0 {
		return pod
	}
	var out []corev1.LocalObjectReference
	have := make(map[string]bool, len(pod)+len(extra))
	for _, group := range [][]corev1.LocalObjectReference{pod, extra} {
		for _, s := range group {
			if !have[s.Name] {
				out = append(out, s)
				have[s.Name] = true
			}
		}
	}
	return out
}
