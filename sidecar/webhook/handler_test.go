package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/sidecar"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seed reads the injector's seed case: the log-collector SidecarSet and the
// CloneSet template with the log-volume PVC.
func seed(t *testing.T) ([]*appsv1alpha1.SidecarSet, corev1.PodTemplateSpec) {
	t.Helper()
	var c struct {
		SidecarSets []*appsv1alpha1.SidecarSet `json:"sidecarSets"`
		Template    corev1.PodTemplateSpec     `json:"template"`
	}
	data, err := os.ReadFile("../testdata/inject/seed-log-volume.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c.SidecarSets, c.Template
}

func prepared(t *testing.T, sets []*appsv1alpha1.SidecarSet) StaticSidecarSets {
	t.Helper()
	var out StaticSidecarSets
	for _, s := range sets {
		p, err := sidecar.Prepare(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func podFrom(tpl corev1.PodTemplateSpec, ns string) *corev1.Pod {
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: *tpl.ObjectMeta.DeepCopy(),
		Spec:       *tpl.Spec.DeepCopy(),
	}
	pod.Namespace = ns
	return pod
}

func review(t *testing.T, op admissionv1.Operation, ns string, pod *corev1.Pod) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	r := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("uid-1"),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: ns,
			Operation: op,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func post(t *testing.T, h http.Handler, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/mutate-pods", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	out := &admissionv1.AdmissionReview{}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	if out.Kind != "AdmissionReview" || out.APIVersion != "admission.k8s.io/v1" || out.Response == nil || out.Response.UID != "uid-1" {
		t.Fatalf("bad review back: %+v", out)
	}
	return out.Response
}

func newHandler(t *testing.T, sets []*appsv1alpha1.SidecarSet) *Handler {
	return &Handler{
		Sets:           prepared(t, sets),
		Namespaces:     StaticNamespaces{"demo": {Name: "demo", Labels: map[string]string{"kubernetes.io/metadata.name": "demo"}}},
		SkipNamespaces: []string{"ferry-system", "kube-system"},
		Now:            func() time.Time { return testNow },
	}
}

// TestHandlerPatchReproducesInjector: the patch the webhook answers with,
// applied to the pod the API server sent, gives exactly the pod the pure
// injector produces (the seed: PVC kept, sidecar mounting it at /var/log).
func TestHandlerPatchReproducesInjector(t *testing.T) {
	sets, tpl := seed(t)
	pod := podFrom(tpl, "demo")
	pod.GenerateName = "demo-"
	resp := post(t, newHandler(t, sets), review(t, admissionv1.Create, "demo", pod))
	if !resp.Allowed || resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("response %+v", resp)
	}
	var ops []Operation
	if err := json.Unmarshal(resp.Patch, &ops); err != nil {
		t.Fatal(err)
	}

	want := pod.DeepCopy()
	in, err := sidecar.NewInjector(sets, sidecar.AdmissionOptions(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.InjectPod(want, sidecar.NamespaceInfo{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(pod)
	wantRaw, _ := json.Marshal(want)
	got := applyPatch(t, raw, ops)
	if !sameJSON(t, got, wantRaw) {
		t.Errorf("patched pod\n%s\nwant\n%s\npatch %s", got, wantRaw, resp.Patch)
	}
	gotPod := &corev1.Pod{}
	if err := json.Unmarshal(got, gotPod); err != nil {
		t.Fatal(err)
	}
	if v := gotPod.Spec.Volumes; len(v) != 1 || v[0].PersistentVolumeClaim == nil || v[0].PersistentVolumeClaim.ClaimName != "demo-logs" {
		t.Errorf("volumes %+v, want only the PVC log-volume", v)
	}
	if c := gotPod.Spec.Containers[0]; c.Name != "log-agent" || c.VolumeMounts[0].MountPath != "/var/log" || c.VolumeMounts[0].Name != "log-volume" {
		t.Errorf("first container %+v, want log-agent mounting log-volume at /var/log", c)
	}
}

// TestHandlerLeavesAlone: requests the webhook must allow without a patch.
func TestHandlerLeavesAlone(t *testing.T) {
	sets, tpl := seed(t)
	rendered := tpl.DeepCopy()
	if _, err := sidecar.InjectTemplate(rendered, sidecar.NamespaceInfo{Name: "demo"}, sets); err != nil {
		t.Fatal(err)
	}
	finished := podFrom(tpl, "demo")
	finished.Status.Phase = corev1.PodSucceeded
	cases := []struct {
		name string
		body []byte
	}{
		{"pod of a template ferry rendered", review(t, admissionv1.Create, "demo", podFrom(*rendered, "demo"))},
		{"ferry's namespace", review(t, admissionv1.Create, "ferry-system", podFrom(tpl, "ferry-system"))},
		{"kube-system", review(t, admissionv1.Create, "kube-system", podFrom(tpl, "kube-system"))},
		{"update", review(t, admissionv1.Update, "demo", podFrom(tpl, "demo"))},
		{"finished pod", review(t, admissionv1.Create, "demo", finished)},
		{"not selected", review(t, admissionv1.Create, "demo", &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "other"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "c"}}}})},
	}
	h := newHandler(t, sets)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, h, tc.body)
			if !resp.Allowed || resp.Patch != nil || resp.PatchType != nil {
				t.Errorf("response %+v, want allowed without patch", resp)
			}
		})
	}
}

// TestHandlerDeniesConflicts: two SidecarSets that bring the same container
// into one pod deny the pod, naming both.
func TestHandlerDeniesConflicts(t *testing.T) {
	sets, tpl := seed(t)
	other := sets[0].DeepCopy()
	other.Name = "log-collector-2"
	resp := post(t, newHandler(t, append(sets, other)), review(t, admissionv1.Create, "demo", podFrom(tpl, "demo")))
	if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusUnprocessableEntity {
		t.Fatalf("response %+v, want denied with 422", resp)
	}
	const want = `inject SidecarSets into pod demo/*: SidecarSet "log-collector-2" conflicts with SidecarSet "log-collector": spec.containers[0].name: container log-agent already exist in log-collector`
	if resp.Result.Message != want {
		t.Errorf("message %q\nwant    %q", resp.Result.Message, want)
	}
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	h := newHandler(t, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", resp.StatusCode)
	}
	resp, err = http.Post(srv.URL, "application/json", bytes.NewReader([]byte(`{"kind":"AdmissionReview"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("review without request: status %d", resp.StatusCode)
	}
}
