package controller

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// Pod writes are strategic merge patches computed from the cached pod and
// the object a plan builder returned, rather than full updates: the kubelet
// writes pod status all the time, and a full update from a cached copy
// would conflict with it for nothing. Every patch carries the pod's UID, so
// it fails on a pod recreated under the same name, and the version the
// patch returns is expected back in the cache before the next pass acts.

// podPatch is the strategic merge patch from pod to want (metadata and
// spec), with the pod's UID as precondition; nil when nothing differs.
func podPatch(pod, want *corev1.Pod) ([]byte, error) {
	m, err := podPatchMap(pod, want)
	if err != nil || m == nil {
		return nil, err
	}
	return json.Marshal(m)
}

// podPatchMap is podPatch as a map, for callers that add to it.
func podPatchMap(pod, want *corev1.Pod) (map[string]any, error) {
	// Most patches change only metadata (lifecycle, specified-delete):
	// diffing the spec too would cost most of the engine's CPU per write.
	fromPod, toPod := corev1.Pod{ObjectMeta: pod.ObjectMeta}, corev1.Pod{ObjectMeta: want.ObjectMeta}
	if !equality.Semantic.DeepEqual(pod.Spec, want.Spec) {
		fromPod.Spec, toPod.Spec = pod.Spec, want.Spec
	}
	from, err := json.Marshal(fromPod)
	if err != nil {
		return nil, err
	}
	to, err := json.Marshal(toPod)
	if err != nil {
		return nil, err
	}
	raw, err := strategicpatch.CreateTwoWayMergePatch(from, to, &corev1.Pod{})
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s: compute patch: %w", pod.Namespace, pod.Name, err)
	}
	if string(raw) == "{}" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	setUID(m, pod.UID)
	return m, nil
}

// conditionsPatch is a status patch that sets the given conditions (merged
// by type, so the kubelet's other conditions stay).
func conditionsPatch(pod *corev1.Pod, conds ...corev1.PodCondition) ([]byte, error) {
	raw, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": conds}})
	if err != nil {
		return nil, err
	}
	var m map[string]any // as a plain map, so its keys serialise sorted
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	setUID(m, pod.UID)
	return json.Marshal(m)
}

// setUID makes a patch's precondition the pod's UID: it fails on a pod
// recreated under the same name.
func setUID(patch map[string]any, uid types.UID) {
	meta, _ := patch["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		patch["metadata"] = meta
	}
	meta["uid"] = string(uid)
}

// patchPod writes the difference between the cached pod and want.
func (c *Controller) patchPod(ctx context.Context, p *pass, pod, want *corev1.Pod) (*corev1.Pod, error) {
	data, err := podPatch(pod, want)
	if err != nil || data == nil {
		return pod, err
	}
	return c.sendPodPatch(ctx, p, pod, data)
}

// patchConditions writes pod status conditions.
func (c *Controller) patchConditions(ctx context.Context, p *pass, pod *corev1.Pod, conds ...corev1.PodCondition) (*corev1.Pod, error) {
	data, err := conditionsPatch(pod, conds...)
	if err != nil {
		return nil, err
	}
	return c.sendPodPatch(ctx, p, pod, data, "status")
}

func (c *Controller) sendPodPatch(ctx context.Context, p *pass, pod *corev1.Pod, data []byte, subresource ...string) (*corev1.Pod, error) {
	got, err := c.clients.Kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager}, subresource...)
	if err != nil {
		return nil, fmt.Errorf("patch pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	c.metrics.writes.Add(1)
	c.versions.Expect(p.key, refOf(kindPod, got), got.ResourceVersion)
	p.written.patched(got)
	return got, nil
}
