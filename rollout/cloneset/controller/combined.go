package controller

import (
	"context"
	"encoding/json"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	corev1 "k8s.io/api/core/v1"
)

// A new pod needs two writes before it can be available: the
// InPlaceUpdateReady condition (status) and the PreparingNormal -> Normal
// lifecycle label (metadata). Kruise makes them separately. The pods/status
// endpoint of the API server keeps a patch's label and annotation changes
// (it resets only spec, owner references and the deletion timestamp), so
// ferry sends both in one status patch: half the writes of the busiest
// phase of a rollout. If the API server ever drops the metadata, the
// returned pod shows it and the metadata patch is sent on its own.

// refreshWithLifecycle writes a RefreshSetInPlaceReady item together with
// the pod's lifecycle change. done is false when the pair cannot be
// combined (the change touches readiness or finalizers): nothing was
// written, and the caller writes them one by one.
func (c *Controller) refreshWithLifecycle(ctx context.Context, p *pass, r plan.PodRefresh, ch plan.LifecycleChange) (done bool, err error) {
	if r.Action != plan.RefreshSetInPlaceReady || len(ch.AddFinalizers) > 0 {
		return false, nil
	}
	pod, err := c.podOf(p, ch.Pod)
	if err != nil {
		return false, err
	}
	if _, changed, err := plan.ReadinessCondition(pod, ch, p.now); err != nil || changed {
		return false, err
	}
	want := plan.ApplyLifecycle(pod, ch, p.now)
	meta, ok, err := metadataOnlyPatch(pod, want)
	if err != nil || !ok {
		return false, err
	}
	data, err := json.Marshal(map[string]any{
		"metadata": meta,
		"status":   map[string]any{"conditions": []corev1.PodCondition{inPlaceReady(p.now)}},
	})
	if err != nil {
		return false, err
	}
	got, err := c.sendPodPatch(ctx, p, pod, data, "status")
	if err != nil {
		return true, err
	}
	if !kept(pod.Labels, want.Labels, got.Labels) || !kept(pod.Annotations, want.Annotations, got.Annotations) {
		c.metrics.metaDropped.Add(1)
		_, err = c.patchPod(ctx, p, pod, want)
	}
	return true, err
}

// metadataOnlyPatch is the patch from pod to want when it changes only
// labels and annotations (with the UID precondition); ok is false
// otherwise.
func metadataOnlyPatch(pod, want *corev1.Pod) (meta map[string]any, ok bool, err error) {
	patch, err := podPatchMap(pod, want)
	if err != nil || patch == nil {
		return nil, false, err
	}
	meta, _ = patch["metadata"].(map[string]any)
	if len(patch) != 1 || meta == nil {
		return nil, false, nil
	}
	for k := range meta {
		if k != "labels" && k != "annotations" && k != "uid" {
			return nil, false, nil
		}
	}
	return meta, true, nil
}

// kept reports whether every key that want changed from before has its
// wanted value in got (keys others changed meanwhile are not judged).
func kept(before, want, got map[string]string) bool {
	for k, v := range want {
		if before[k] != v && got[k] != v {
			return false
		}
	}
	return true
}
