package apply

import (
	"fmt"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// TestDriftIsRevertedAndOtherOwnersKeepTheirFields edits objects the way a
// person and other controllers do, then applies the same revision again:
// fields ferry declares come back, fields it does not declare stay.
func TestDriftIsRevertedAndOtherOwnersKeepTheirFields(t *testing.T) {
	e := newEnv(t)
	e.apply(t, fixture(t, "drift.yaml", e.ns))
	deps := e.c.Client.AppsV1().Deployments(e.ns)
	cms := e.c.Client.CoreV1().ConfigMaps(e.ns)

	// kubectl edit: an update that changes fields ferry owns.
	_, err := deps.Patch(e.ctx, "api", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"example.com/api:hotfix"}]}}}}`),
		metav1.PatchOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cms.Patch(e.ctx, "api-config", types.MergePatchType,
		[]byte(`{"data":{"LOG_LEVEL":"trace"},"metadata":{"labels":{"team":"payments"}}}`),
		metav1.PatchOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
	// An autoscaler scales through the scale subresource; git has no replicas.
	_, err = deps.UpdateScale(e.ctx, "api", &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: e.ns},
		Spec:       autoscalingv1.ScaleSpec{Replicas: 3},
	}, metav1.UpdateOptions{FieldManager: "hpa"})
	if err != nil {
		t.Fatal(err)
	}

	diff, err := e.m.Diff(e.ctx, fixture(t, "drift.yaml", e.ns), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("ConfigMap/%[1]s/api-config configured; Deployment/%[1]s/api configured", e.ns)
	if got := subjects(diff); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	entry, _ := diff.Entry(e.ns + "_api_apps_Deployment")
	if img := image(entry.Live); img != "example.com/api:hotfix" || image(entry.Merged) != "example.com/api:v1" {
		t.Fatalf("diff live %q merged %q", img, image(entry.Merged))
	}
	if entry.Live.GetManagedFields() != nil || entry.Merged.GetManagedFields() != nil {
		t.Fatal("diff objects carry managedFields")
	}
	if w := e.writes.reset(); len(w) != 2 { // the first apply's two objects; Diff writes nothing
		t.Fatalf("writes before the corrective apply: %v", w)
	}

	cs := e.apply(t, fixture(t, "drift.yaml", e.ns))
	if got := subjects(cs); got != want {
		t.Fatalf("corrective apply:\n%s\nwant:\n%s", got, want)
	}
	dep, err := deps.Get(e.ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dep.Spec.Template.Spec.Containers[0].Image; got != "example.com/api:v1" {
		t.Fatalf("image %q was not reverted", got)
	}
	if got := *dep.Spec.Replicas; got != 3 {
		t.Fatalf("replicas %d: ferry took a field git does not declare", got)
	}
	cm, err := cms.Get(e.ctx, "api-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["LOG_LEVEL"] != "info" || cm.Labels["team"] != "payments" {
		t.Fatalf("configmap data %v labels %v: want LOG_LEVEL reverted and the label kept", cm.Data, cm.Labels)
	}

	// And now it is stable.
	cs = e.apply(t, fixture(t, "drift.yaml", e.ns))
	if cs.HasChanges() {
		t.Fatalf("third apply:\n%s", cs)
	}
	if !equality.Semantic.DeepEqual(cs.Refs(), diff.Refs()) {
		t.Fatalf("refs differ: %v vs %v", cs.Refs(), diff.Refs())
	}
}

func image(u *unstructured.Unstructured) string {
	if u == nil {
		return ""
	}
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		return ""
	}
	img, _ := cs[0].(map[string]any)["image"].(string)
	return img
}
