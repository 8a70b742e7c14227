package plan

import (
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNewClaims(t *testing.T) {
	cs := testCloneSet(2, "", "", "")
	cs.UID = "cs-uid"
	cs.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: map[string]string{"tier": "db"}},
		Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}}
	claims := NewClaims(cs, "4qj8k")
	if len(claims) != 1 {
		t.Fatalf("%d claims, want 1", len(claims))
	}
	c := claims[0]
	if c.Name != "data-demo-4qj8k" || c.Namespace != "default" {
		t.Errorf("claim %s/%s, want default/data-demo-4qj8k", c.Namespace, c.Name)
	}
	want := map[string]string{"tier": "db", "app": "demo", appsv1alpha1.CloneSetInstanceID: "4qj8k"}
	for k, v := range want {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if ref := metav1.GetControllerOf(c); ref == nil || ref.UID != "cs-uid" || ref.Kind != "CloneSet" {
		t.Errorf("owner = %+v, want the CloneSet as controller", ref)
	}
	if cs.Spec.VolumeClaimTemplates[0].Name != "data" || len(cs.Spec.VolumeClaimTemplates[0].Labels) != 1 {
		t.Error("NewClaims changed the CloneSet's template")
	}
	pod, err := NewPod(cs, mustRevision(t, cs), "4qj8k", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if v := pod.Spec.Volumes; len(v) != 1 || v[0].PersistentVolumeClaim == nil || v[0].PersistentVolumeClaim.ClaimName != c.Name {
		t.Errorf("pod volumes %+v do not mount claim %s", v, c.Name)
	}
}

func TestApplyDropGraceAndTemplateHash(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		AnnotationInPlaceGrace: `{"revision":"demo-new"}`, "inplace-update-grace": "{}", "keep": "1"}}}
	out := ApplyDropGrace(pod)
	if len(out.Annotations) != 1 || out.Annotations["keep"] != "1" || len(pod.Annotations) != 3 {
		t.Errorf("ApplyDropGrace: %v (input now %v)", out.Annotations, pod.Annotations)
	}
	out = ApplyTemplateHash(&corev1.Pod{}, "59df6d7bcd")
	if out.Labels[LabelTemplateHash] != "59df6d7bcd" {
		t.Errorf("ApplyTemplateHash: labels %v", out.Labels)
	}
}

func mustRevision(t *testing.T, cs *appsv1alpha1.CloneSet) *appsv1.ControllerRevision {
	t.Helper()
	rev, err := NewRevision(cs, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}
