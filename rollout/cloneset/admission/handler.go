// Package admission serves the CloneSet validating admission webhook: the
// same checks the engine runs before acting (plan.Validate,
// plan.ValidateUpdate), so a CloneSet Kruise would reject is rejected at
// apply time with the field and the reason, instead of stalling later.
package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/ferry-gitops/ferry/rollout/cloneset/plan"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxBody bounds an AdmissionReview (the API server sends at most a few MB).
const maxBody = 8 << 20

// PodGetter reads a pod, for the podsToDelete check. A nil PodGetter skips it.
type PodGetter interface {
	GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error)
}

// Handler validates CloneSet CREATE and UPDATE requests.
type Handler struct {
	Pods PodGetter
}

var cloneSetResource = metav1.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "clonesets"}

// ServeHTTP decodes an AdmissionReview, reviews it and writes the response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, fmt.Sprintf("not an AdmissionReview: %v", err), http.StatusBadRequest)
		return
	}
	resp := h.Review(r.Context(), review.Request)
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// Review decides one request. Anything that is not a CloneSet CREATE or
// UPDATE is allowed: the webhook registration decides what is sent here.
func (h *Handler) Review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.Resource != cloneSetResource || req.SubResource != "" ||
		(req.Operation != admissionv1.Create && req.Operation != admissionv1.Update) {
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	obj, err := decode(req.Object.Raw)
	if err != nil {
		return deny(field.ErrorList{field.InternalError(field.NewPath(""), err)}, req)
	}
	var errs field.ErrorList
	var old *appsv1alpha1.CloneSet
	if req.Operation == admissionv1.Update {
		if old, err = decode(req.OldObject.Raw); err != nil {
			return deny(field.ErrorList{field.InternalError(field.NewPath(""), err)}, req)
		}
		errs = plan.ValidateUpdate(plan.WithDefaults(old), plan.WithDefaults(obj))
	} else {
		errs = plan.Validate(plan.WithDefaults(obj))
	}
	errs = append(errs, progressDeadline(req.Object.Raw, obj.Spec.MinReadySeconds)...)
	errs = append(errs, h.podsToDelete(ctx, obj, old)...)
	if len(errs) > 0 {
		return deny(errs, req)
	}
	return &admissionv1.AdmissionResponse{Allowed: true}
}

func decode(raw []byte) (*appsv1alpha1.CloneSet, error) {
	cs := &appsv1alpha1.CloneSet{}
	if err := json.Unmarshal(raw, cs); err != nil {
		return nil, fmt.Errorf("decode CloneSet: %w", err)
	}
	return cs, nil
}

// progressDeadline checks spec.progressDeadlineSeconds, which kruise-api
// v1.8.0's Go type lacks, from the raw object.
func progressDeadline(raw []byte, minReadySeconds int32) field.ErrorList {
	var partial struct {
		Spec struct {
			ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &partial); err != nil {
		return nil
	}
	return plan.ValidateProgressDeadlineSeconds(partial.Spec.ProgressDeadlineSeconds, minReadySeconds,
		field.NewPath("spec", "progressDeadlineSeconds"))
}

// podsToDelete is Kruise's check of names newly added to
// scaleStrategy.podsToDelete: each must be an existing, non-terminating pod
// controlled by this CloneSet.
func (h *Handler) podsToDelete(ctx context.Context, cs, old *appsv1alpha1.CloneSet) field.ErrorList {
	if h.Pods == nil {
		return nil
	}
	var before []string
	if old != nil {
		before = old.Spec.ScaleStrategy.PodsToDelete
	}
	path := field.NewPath("spec", "scaleStrategy", "podsToDelete")
	var errs field.ErrorList
	for i, name := range cs.Spec.ScaleStrategy.PodsToDelete {
		if slices.Contains(before, name) {
			continue
		}
		pod, err := h.Pods.GetPod(ctx, cs.Namespace, name)
		switch {
		case apierrors.IsNotFound(err):
			errs = append(errs, field.Invalid(path.Index(i), name, "pod not found"))
		case err != nil:
			errs = append(errs, field.InternalError(path.Index(i), err))
		case pod.DeletionTimestamp != nil:
			errs = append(errs, field.Invalid(path.Index(i), name, "pod is being deleted"))
		case cs.UID != "" && !ownedBy(pod, cs):
			errs = append(errs, field.Invalid(path.Index(i), name, "pod is not controlled by this CloneSet"))
		}
	}
	return errs
}

func ownedBy(pod *corev1.Pod, cs *appsv1alpha1.CloneSet) bool {
	ref := metav1.GetControllerOfNoCopy(pod)
	return ref != nil && ref.UID == cs.UID
}

// deny is a 422 Invalid response whose message names every field, e.g.
//
//	CloneSet.apps.kruise.io "demo" is invalid: spec.updateStrategy.maxSurge:
//	Invalid value: "1": can not use maxSurge with strategy type InPlaceOnly
func deny(errs field.ErrorList, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	status := apierrors.NewInvalid(schema.GroupKind{Group: cloneSetResource.Group, Kind: "CloneSet"}, req.Name, errs).ErrStatus
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &status}
}

// ClientPods adapts a getter function (e.g. a clientset's Pods(ns).Get) to PodGetter.
type ClientPods func(ctx context.Context, namespace, name string) (*corev1.Pod, error)

// GetPod calls f.
func (f ClientPods) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	return f(ctx, namespace, name)
}
