// Package webhook serves ferry's SidecarSet injector as a Kubernetes mutating
// admission webhook for Pod CREATE: decode, deep copy, inject with the pure
// injector of package sidecar, answer with an RFC 6902 patch.
//
// SidecarSets and Namespaces come from informer caches (never a request to
// the API server per admission), the serving certificate from a CA that
// ferry keeps in a Secret, and the MutatingWebhookConfiguration is written by
// ferry with that CA as its caBundle.
package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/sidecar"
)

// SidecarSets yields the SidecarSets to inject, prepared (see sidecar.Prepare).
type SidecarSets interface {
	Prepared() []*sidecar.Prepared
}

// Namespaces looks a namespace up, for namespaceSelector matching.
type Namespaces interface {
	Namespace(name string) (sidecar.NamespaceInfo, bool)
}

// maxReviewBytes bounds a request body; the API server sends at most ~3 MiB
// objects, and a review wraps one.
const maxReviewBytes = 8 << 20

// Handler answers AdmissionReviews (admission.k8s.io/v1) for pods.
type Handler struct {
	Sets       SidecarSets
	Namespaces Namespaces
	// SkipNamespaces are never injected (ferry's own, kube-system), even if
	// the webhook configuration sends them.
	SkipNamespaces []string
	// Ready, when set, must be true for a pod to be injected; until then
	// pods are denied, so none is admitted against a half-filled cache.
	Ready func() bool
	// Now stamps updateTimestamp in the hash annotations.
	Now func() time.Time
	Log *slog.Logger
}

// ServeHTTP decodes an AdmissionReview, reviews its request and writes the
// review back with the response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes))
	if err != nil {
		http.Error(w, fmt.Sprintf("read body: %v", err), http.StatusBadRequest)
		return
	}
	review := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(body, review); err != nil || review.Request == nil {
		http.Error(w, fmt.Sprintf("decode AdmissionReview: %v", err), http.StatusBadRequest)
		return
	}
	out := &admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: h.Review(review.Request),
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.log().Error("write AdmissionReview", "uid", review.Request.UID, "err", err)
	}
}

// Review decides one admission request. Anything but the creation of an
// active pod outside the skipped namespaces is allowed untouched; so is a pod
// the injector leaves alone (nothing selects it, or everything that selects it
// is already recorded, as in a pod of a template ferry rendered). An
// injection error denies the pod with the error's text.
func (h *Handler) Review(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	if req.Operation != admissionv1.Create || req.SubResource != "" ||
		req.Resource.Group != "" || req.Resource.Resource != "pods" || slices.Contains(h.SkipNamespaces, req.Namespace) {
		return resp
	}
	if h.Ready != nil && !h.Ready() {
		return deny(resp, http.StatusServiceUnavailable, errors.New("SidecarSet webhook not ready: caches not synced yet"))
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
		return deny(resp, http.StatusBadRequest, fmt.Errorf("decode pod: %w", err))
	}
	if !isActive(pod) {
		return resp
	}
	ns, ok := h.Namespaces.Namespace(req.Namespace)
	if !ok {
		ns = sidecar.NamespaceInfo{Name: req.Namespace}
	}
	mutated := pod.DeepCopy()
	in := sidecar.NewInjectorFromPrepared(h.Sets.Prepared(), sidecar.AdmissionOptions(h.Now))
	res, err := in.InjectPod(mutated, ns)
	id := req.Namespace + "/" + podName(pod)
	if err != nil {
		code := int32(http.StatusInternalServerError)
		if errors.Is(err, sidecar.ErrInvalidSidecarSet) {
			code = http.StatusUnprocessableEntity
		}
		h.log().Warn("deny pod", "pod", id, "err", err)
		return deny(resp, code, fmt.Errorf("inject SidecarSets into pod %s: %w", id, err))
	}
	if len(res.Injected) == 0 {
		return resp
	}
	patch, err := podPatch(pod, mutated)
	if err != nil {
		return deny(resp, http.StatusInternalServerError, fmt.Errorf("pod %s: %w", id, err))
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	h.log().Info("injected", "pod", id, "sidecarSets", res.Injected, "alreadyInjected", res.Unchanged)
	return resp
}

// podPatch computes the JSON patch between the pod as decoded and as mutated,
// both encoded from the same Go types, so the only differences are the
// injector's.
func podPatch(before, after *corev1.Pod) ([]byte, error) {
	a, err := json.Marshal(before)
	if err != nil {
		return nil, fmt.Errorf("encode pod: %w", err)
	}
	b, err := json.Marshal(after)
	if err != nil {
		return nil, fmt.Errorf("encode injected pod: %w", err)
	}
	ops, err := CreatePatch(a, b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ops)
}

func deny(resp *admissionv1.AdmissionResponse, code int32, err error) *admissionv1.AdmissionResponse {
	resp.Allowed = false
	resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: code, Message: err.Error()}
	return resp
}

// isActive is false for a pod being deleted or already finished.
func isActive(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp == nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

func podName(pod *corev1.Pod) string {
	if pod.Name != "" {
		return pod.Name
	}
	return pod.GenerateName + "*"
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// StaticSidecarSets is a fixed list of prepared SidecarSets.
type StaticSidecarSets []*sidecar.Prepared

// Prepared returns the list.
func (s StaticSidecarSets) Prepared() []*sidecar.Prepared { return s }

// StaticNamespaces is a fixed set of namespaces, by name.
type StaticNamespaces map[string]sidecar.NamespaceInfo

// Namespace looks a namespace up.
func (s StaticNamespaces) Namespace(name string) (sidecar.NamespaceInfo, bool) {
	ns, ok := s[name]
	return ns, ok
}
