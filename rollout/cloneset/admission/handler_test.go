package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func cloneSet(mutate func(*appsv1alpha1.CloneSet)) *appsv1alpha1.CloneSet {
	cs := &appsv1alpha1.CloneSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps.kruise.io/v1alpha1", Kind: "CloneSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "default", UID: "cs-uid"},
		Spec: appsv1alpha1.CloneSetSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "demo"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "demo"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "demo:1"}}},
			},
		},
	}
	if mutate != nil {
		mutate(cs)
	}
	return cs
}

func request(t *testing.T, op admissionv1.Operation, obj, old runtime.Object) *admissionv1.AdmissionRequest {
	t.Helper()
	raw := func(o runtime.Object) runtime.RawExtension {
		if o == nil {
			return runtime.RawExtension{}
		}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return runtime.RawExtension{Raw: b}
	}
	return &admissionv1.AdmissionRequest{UID: "req-1", Name: "demo", Namespace: "default", Operation: op,
		Resource: cloneSetResource, Object: raw(obj), OldObject: raw(old)}
}

type pods map[string]*corev1.Pod

func (p pods) GetPod(_ context.Context, _, name string) (*corev1.Pod, error) {
	if pod, ok := p[name]; ok {
		return pod, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
}

func TestReview(t *testing.T) {
	owned := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "demo-a", OwnerReferences: []metav1.OwnerReference{
		{Kind: "CloneSet", Name: "demo", UID: "cs-uid", Controller: ptr.To(true)}}}}
	stranger := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other"}}
	getter := pods{"demo-a": owned, "other": stranger}
	surge0 := intstr.FromInt32(0)
	tests := []struct {
		name      string
		op        admissionv1.Operation
		obj, old  *appsv1alpha1.CloneSet
		wantField string // "" = allowed
	}{
		{"valid create", admissionv1.Create, cloneSet(nil), nil, ""},
		{"no budget", admissionv1.Create, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.MaxSurge, cs.Spec.UpdateStrategy.MaxUnavailable = &surge0, &surge0
		}), nil, "spec.updateStrategy.maxUnavailable"},
		{"percent without %", admissionv1.Create, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Partition = ptr.To(intstr.FromString("99"))
		}), nil, "spec.updateStrategy.partition"},
		{"selector changed", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Selector.MatchLabels["tier"] = "web"
			cs.Spec.Template.Labels["tier"] = "web"
		}), cloneSet(nil), "spec.selector"},
		{"InPlaceOnly env change", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
			cs.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}}
		}), cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
		}), "spec.template.spec"},
		{"InPlaceOnly image change", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
			cs.Spec.Template.Spec.Containers[0].Image = "demo:2"
		}), cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.UpdateStrategy.Type = appsv1alpha1.InPlaceOnlyCloneSetUpdateStrategyType
		}), ""},
		{"podsToDelete owned pod", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.ScaleStrategy.PodsToDelete = []string{"demo-a"}
		}), cloneSet(nil), ""},
		{"podsToDelete missing pod", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.ScaleStrategy.PodsToDelete = []string{"demo-a", "gone"}
		}), cloneSet(nil), "spec.scaleStrategy.podsToDelete[1]"},
		{"podsToDelete another's pod", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.ScaleStrategy.PodsToDelete = []string{"other"}
		}), cloneSet(nil), "spec.scaleStrategy.podsToDelete[0]"},
		{"podsToDelete name already listed", admissionv1.Update, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.ScaleStrategy.PodsToDelete = []string{"gone"}
		}), cloneSet(func(cs *appsv1alpha1.CloneSet) { cs.Spec.ScaleStrategy.PodsToDelete = []string{"gone"} }), ""},
		{"delete is not reviewed", admissionv1.Delete, nil, nil, ""},
	}
	h := &Handler{Pods: getter}
	for _, tc := range tests {
		var obj, old runtime.Object
		if tc.obj != nil {
			obj = tc.obj
		}
		if tc.old != nil {
			old = tc.old
		}
		resp := h.Review(context.Background(), request(t, tc.op, obj, old))
		switch {
		case tc.wantField == "" && !resp.Allowed:
			t.Errorf("%s: denied: %s", tc.name, resp.Result.Message)
		case tc.wantField != "" && resp.Allowed:
			t.Errorf("%s: allowed, want a denial naming %s", tc.name, tc.wantField)
		case tc.wantField != "" && (!strings.Contains(resp.Result.Message, tc.wantField+":") || resp.Result.Code != http.StatusUnprocessableEntity):
			t.Errorf("%s: denial %d %q does not name %s", tc.name, resp.Result.Code, resp.Result.Message, tc.wantField)
		}
	}
}

func TestReviewProgressDeadline(t *testing.T) {
	raw := []byte(`{"apiVersion":"apps.kruise.io/v1alpha1","kind":"CloneSet","metadata":{"name":"demo"},"spec":{"replicas":1,"minReadySeconds":30,
"progressDeadlineSeconds":10,"selector":{"matchLabels":{"app":"demo"}},"template":{"metadata":{"labels":{"app":"demo"}},"spec":{"containers":[{"name":"app","image":"demo:1"}]}}}}`)
	req := &admissionv1.AdmissionRequest{UID: "r", Name: "demo", Operation: admissionv1.Create, Resource: cloneSetResource, Object: runtime.RawExtension{Raw: raw}}
	resp := (&Handler{}).Review(context.Background(), req)
	if resp.Allowed || !strings.Contains(resp.Result.Message, "spec.progressDeadlineSeconds") {
		t.Fatalf("progressDeadlineSeconds <= minReadySeconds: allowed=%v %v", resp.Allowed, resp.Result)
	}
}

func TestServeHTTP(t *testing.T) {
	srv := httptest.NewServer(&Handler{})
	defer srv.Close()
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: request(t, admissionv1.Create, cloneSet(func(cs *appsv1alpha1.CloneSet) {
			cs.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
		}), nil),
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Kind != "AdmissionReview" || out.Response == nil || out.Response.UID != "req-1" || out.Response.Allowed ||
		!strings.Contains(out.Response.Result.Message, "spec.template.metadata.labels") {
		t.Fatalf("response %+v", out.Response)
	}
	if r, err := http.Get(srv.URL); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %v %v", r.StatusCode, err)
	}
	if r, err := http.Post(srv.URL, "application/json", strings.NewReader("{")); err != nil || r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad body: %v %v", r.StatusCode, err)
	}
}
