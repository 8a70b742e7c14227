package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const holdLabel = "e2e.ferry.dev/hold"

// A preDelete hook (a label handler) holds a scale-in victim in
// PreparingDelete until its owner removes the label; meanwhile the pod
// still counts, so no replacement comes. With the CloneSet label
// apps.kruise.io/cloneset-scaling-exclude-preparing-delete=true it does
// not count, and the replacement comes at once.
func TestLifecyclePreDeleteHook(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	cs := spec{replicas: 3, image: "demo:1", maxUnavailable: "1"}.cloneSet("demo")
	cs.Spec.Template.Labels[holdLabel] = "true"
	cs.Spec.Lifecycle = &appspub.Lifecycle{PreDelete: &appspub.LifecycleHook{LabelsHandler: map[string]string{holdLabel: "true"}}}
	e.create(t, cs)
	e.obs.SetTarget("demo:1")
	e.waitSettled(t, "demo", 3, 3)

	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](2) })
	held := e.waitLifecycle(t, appspub.LifecycleStatePreparingDelete, 1)[0]
	// the held pod still counts (no replacement), but is not available
	e.waitStatus(t, "demo", "status: 3 pods, 2 available", func(st appsv1alpha1.CloneSetStatus) bool {
		return st.Replicas == 3 && st.AvailableReplicas == 2
	})
	if s := e.obs.Snapshot(); s.Total != 3 {
		t.Fatalf("while held: %d pods, want 3", s.Total)
	}

	e.unhold(t, held)
	e.obs.Wait(t, timeout, "held pod deleted once released", func(s rollouttest.Snapshot) bool { return s.Total == 2 && !e.hasPod(held) })
	e.waitSettled(t, "demo", 2, 2)

	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) {
		cs.Labels = map[string]string{appsv1alpha1.CloneSetScalingExcludePreparingDeleteKey: "true"}
		cs.Spec.ScaleStrategy.PodsToDelete = []string{e.obs.Pods()[0].Name}
	})
	held = e.waitLifecycle(t, appspub.LifecycleStatePreparingDelete, 1)[0]
	e.obs.Wait(t, timeout, "replacement created while the hook holds", func(s rollouttest.Snapshot) bool {
		return s.Total == 3 && s.Available == 3 && e.hasPod(held)
	})
	e.unhold(t, held)
	e.waitSettled(t, "demo", 2, 2)
}

// waitLifecycle waits until n pods are in the lifecycle state and returns their names.
func (e *env) waitLifecycle(t *testing.T, state appspub.LifecycleStateType, n int) []string {
	t.Helper()
	var names []string
	e.obs.Wait(t, timeout, fmt.Sprintf("%d pods %s", n, state), func(rollouttest.Snapshot) bool {
		names = nil
		for _, p := range e.obs.Pods() {
			if p.Labels[appspub.LifecycleStateKey] == string(state) {
				names = append(names, p.Name)
			}
		}
		return len(names) == n
	})
	return names
}

func (e *env) unhold(t *testing.T, pod string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, holdLabel)
	if _, err := e.c.Client.CoreV1().Pods(e.ns).Patch(context.Background(), pod, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// volumeClaimTemplates: each pod gets its PVC "<template>-<cloneset>-<id>",
// labelled with the instance id; deleting the pod deletes the PVC. (There
// is no storage provisioner here, so the pods stay Pending.)
func TestVolumeClaimTemplates(t *testing.T) {
	e := setup(t)
	rollouttest.StartEngine(t, e.c.Config, rollouttest.EngineOptions(e.ns))
	cs := spec{replicas: 2, image: "demo:1", maxUnavailable: "1"}.cloneSet("demo")
	cs.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}}
	e.create(t, cs)
	e.obs.Wait(t, timeout, "2 pods", func(s rollouttest.Snapshot) bool { return s.Total == 2 })
	claims := e.waitClaims(t, 2)
	for _, p := range e.obs.Pods() {
		id := p.Labels[appsv1alpha1.CloneSetInstanceID]
		want := "data-demo-" + id
		if p.Name != "demo-"+id || !slices.Contains(claims, want) {
			t.Errorf("pod %s (id %s): want its claim %s among %v", p.Name, id, want, claims)
		}
		if v := p.Spec.Volumes; len(v) == 0 || v[0].PersistentVolumeClaim == nil || v[0].PersistentVolumeClaim.ClaimName != want {
			t.Errorf("pod %s volumes %+v do not mount %s", p.Name, v, want)
		}
	}
	e.update(t, "demo", func(cs *appsv1alpha1.CloneSet) { cs.Spec.Replicas = ptr.To[int32](1) })
	e.obs.Wait(t, timeout, "1 pod", func(s rollouttest.Snapshot) bool { return s.Total == 1 })
	e.waitClaims(t, 1)
}

func (e *env) waitClaims(t *testing.T, n int) []string {
	t.Helper()
	var names []string
	e.waitStatus(t, "demo", fmt.Sprintf("%d PVCs", n), func(appsv1alpha1.CloneSetStatus) bool {
		list, err := e.c.Client.CoreV1().PersistentVolumeClaims(e.ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false
		}
		names = nil
		for _, c := range list.Items {
			if c.DeletionTimestamp == nil {
				names = append(names, c.Name)
			}
		}
		return len(names) == n
	})
	return names
}
