package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferry-gitops/ferry/sidecar"
)

// A pod admitted while the webhook was unreachable, under failurePolicy
// Ignore, leaves no trace a user can see: the API server logs "failing open",
// counts apiserver_admission_webhook_fail_open_count and writes an audit
// annotation (failed-open.mutation.webhook.admission.k8s.io/round_0_index_N),
// but puts nothing on the pod and sends the client no warning. So the webhook
// looks for such pods itself, from a pod informer, and reports each with a
// Warning Event on the pod.

const (
	// ReasonSidecarNotInjected is the reason of the Event on a pod admitted
	// without the sidecars of a SidecarSet that selected it.
	ReasonSidecarNotInjected = "SidecarNotInjected"
	// reportingController names ferry's webhook in the Events it writes.
	reportingController = "ferry.dev/sidecar-webhook"
	// eventAction is what the webhook did not do.
	eventAction = "InjectSidecars"
	// maxNote is the API server's limit on an Event's note.
	maxNote = 1024
)

// MissedSidecarSets returns the SidecarSets, sorted, that should have been
// injected into pod when it was created but that it does not record: those
// that select it now (InjectPod would inject them) and whose spec has not
// changed since before the pod was created. A pod that is finished or being
// deleted has missed nothing worth reporting.
//
// The second condition keeps out pods that were created before a SidecarSet
// existed, or before its selector took them in: SidecarSets inject only at
// creation, so those pods rightly have no sidecar. Times are whole seconds,
// so a SidecarSet changed in the second the pod was created does not count:
// for a SidecarSet last written at 12:00:00 and a pod created at 12:00:01 the
// pod is reported, for one created at 12:00:00 it is not.
func MissedSidecarSets(pod *corev1.Pod, ns sidecar.NamespaceInfo, sets []*sidecar.Prepared) ([]string, error) {
	if !isActive(pod) {
		return nil, nil
	}
	var before []*sidecar.Prepared
	for _, p := range sets {
		if lastSpecChange(p.SidecarSet()).Before(pod.CreationTimestamp.Time) {
			before = append(before, p)
		}
	}
	if len(before) == 0 {
		return nil, nil
	}
	missed, err := sidecar.NewInjectorFromPrepared(before, sidecar.AdmissionOptions(nil)).Pending(&pod.ObjectMeta, ns)
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return missed, nil
}

// lastSpecChange is when the SidecarSet was last written, not counting its
// status: the latest of its creation and of the times in its managedFields
// (the API server stamps an entry whenever its manager changes a field).
func lastSpecChange(set *appsv1alpha1.SidecarSet) time.Time {
	last := set.CreationTimestamp.Time
	for _, f := range set.ManagedFields {
		if f.Subresource == "" && f.Time != nil && f.Time.After(last) {
			last = f.Time.Time
		}
	}
	return last
}

// MissedEvent is the Warning Event reporting that pod was admitted without
// the sidecars of missed (see MissedSidecarSets). Its name is derived from
// the pod's UID, so writing it twice (a restart, two replicas) finds it
// already there instead of repeating it.
func MissedEvent(pod *corev1.Pod, missed []string, configName, instance string, now time.Time) *eventsv1.Event {
	kind := "SidecarSet " + missed[0]
	if len(missed) > 1 {
		kind = "SidecarSets " + strings.Join(missed, ", ")
	}
	note := fmt.Sprintf("Pod was created without the sidecars of %s, which selected it: the injection webhook "+
		"(MutatingWebhookConfiguration %s) did not inject it, most likely because it was unreachable at admission "+
		"and failurePolicy Ignore let the pod through. SidecarSets inject only when a pod is created; "+
		"the sidecars arrive when the workload recreates the pod.", kind, configName)
	if len(note) > maxNote {
		note = note[:maxNote-3] + "..."
	}
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: missedEventName(pod), Namespace: pod.Namespace},
		EventTime:  metav1.NewMicroTime(now),
		Regarding: corev1.ObjectReference{
			APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		},
		Reason:              ReasonSidecarNotInjected,
		Note:                note,
		Type:                corev1.EventTypeWarning,
		Action:              eventAction,
		ReportingController: reportingController,
		ReportingInstance:   instance,
	}
}

// missedEventName is <pod>.sidecar-<12 hex digits of the pod UID's hash>: a
// pod of the same name created later (a StatefulSet's) gets its own Event.
// Names are at most 253 characters; a long pod name is cut.
func missedEventName(pod *corev1.Pod) string {
	sum := sha256.Sum256([]byte(pod.UID))
	suffix := ".sidecar-" + hex.EncodeToString(sum[:6])
	name := pod.Name
	if limit := 253 - len(suffix); len(name) > limit {
		name = strings.TrimRight(name[:limit], ".-")
	}
	return name + suffix
}
