// Package health computes kstatus-style health from a live object, as pure
// functions: Of(obj) looks at the object's spec and status and says whether
// it is Current, InProgress, Failed or Unknown, with a reason and a message
// a person can act on.
//
// It differs from kstatus where GitOps users have been hurt (see
// shared/reference/gitops-landscape.md, G6):
//
//   - a partitioned StatefulSet or CloneSet whose batch is complete is
//     Current with reason BatchHeld, never "progressing forever";
//   - OnDelete StatefulSets and DaemonSets are Current once their pods are
//     ready, because their controller never updates pods by itself;
//   - a kind without a rule here is Unknown, not Current, unless it reports
//     kstatus conditions (Ready/Stalled) tied to its generation.
package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Status is the kstatus verdict.
type Status string

const (
	// Current: the object has reached what its spec asks for (or, for a
	// partitioned rollout, the batch its partition asks for).
	Current Status = "Current"
	// InProgress: the object is moving towards its spec.
	InProgress Status = "InProgress"
	// Failed: the object cannot reach its spec without a change.
	Failed Status = "Failed"
	// Unknown: ferry cannot tell; it is not treated as healthy.
	Unknown Status = "Unknown"
)

// Reason is a machine-readable cause, stable across releases.
type Reason string

const (
	ReasonExists          Reason = "Exists"
	ReasonRolledOut       Reason = "RolledOut"
	ReasonBatchHeld       Reason = "BatchHeld"
	ReasonRollingOut      Reason = "RollingOut"
	ReasonPaused          Reason = "Paused"
	ReasonOnDelete        Reason = "OnDelete"
	ReasonPending         Reason = "ObservedGenerationPending"
	ReasonDeadline        Reason = "ProgressDeadlineExceeded"
	ReasonComplete        Reason = "Complete"
	ReasonRunning         Reason = "Running"
	ReasonSuspended       Reason = "Suspended"
	ReasonJobFailed       Reason = "JobFailed"
	ReasonEstablished     Reason = "Established"
	ReasonEstablishing    Reason = "Establishing"
	ReasonNamesRejected   Reason = "NamesNotAccepted"
	ReasonActive          Reason = "Active"
	ReasonTerminating     Reason = "Terminating"
	ReasonBound           Reason = "Bound"
	ReasonClaimPending    Reason = "ClaimPending"
	ReasonClaimLost       Reason = "ClaimLost"
	ReasonPodReady        Reason = "PodReady"
	ReasonPodFailed       Reason = "PodFailed"
	ReasonPodSucceeded    Reason = "PodSucceeded"
	ReasonPodNotReady     Reason = "PodNotReady"
	ReasonReady           Reason = "Ready"
	ReasonNotReady        Reason = "NotReady"
	ReasonStalled         Reason = "Stalled"
	ReasonReconciling     Reason = "Reconciling"
	ReasonNoHealthRule    Reason = "NoHealthRule"
	ReasonInvalidSpec     Reason = "InvalidSpec"
	ReasonUnparsable      Reason = "Unparsable"
	ReasonDeleting        Reason = "Deleting"
	ReasonNotFound        Reason = "NotFound"
	ReasonScaling         Reason = "Scaling"
	ReasonWaitingForReady Reason = "WaitingForReady"
)

// Result is the health of one object.
type Result struct {
	Status  Status
	Reason  Reason
	Message string
}

// String prints "Current (BatchHeld): batch held at partition 3: 2/5 updated and ready".
func (r Result) String() string {
	s := string(r.Status)
	if r.Reason != "" {
		s += " (" + string(r.Reason) + ")"
	}
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

func current(reason Reason, format string, args ...any) Result {
	return Result{Status: Current, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func inProgress(reason Reason, format string, args ...any) Result {
	return Result{Status: InProgress, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func failed(reason Reason, format string, args ...any) Result {
	return Result{Status: Failed, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func unknown(reason Reason, format string, args ...any) Result {
	return Result{Status: Unknown, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// NotFoundResult is the health of an object that does not exist (yet): in
// progress, since Wait is usually called right after an apply.
func NotFoundResult() Result {
	return inProgress(ReasonNotFound, "object not found")
}

type rule func(*unstructured.Unstructured) Result

func gk(group, kind string) schema.GroupKind { return schema.GroupKind{Group: group, Kind: kind} }

// rules holds the kinds with their own health rule.
var rules = map[schema.GroupKind]rule{
	gk("apps", "Deployment"):                               typed(deploymentHealth),
	gk("apps", "StatefulSet"):                              typed(statefulSetHealth),
	gk("apps", "DaemonSet"):                                typed(daemonSetHealth),
	gk("apps", "ReplicaSet"):                               typed(replicaSetHealth),
	gk("batch", "Job"):                                     typed(jobHealth),
	gk("apiextensions.k8s.io", "CustomResourceDefinition"): typed(crdHealth),
	gk("", "Namespace"):                                    typed(namespaceHealth),
	gk("", "PersistentVolumeClaim"):                        typed(pvcHealth),
	gk("", "Pod"):                                          typed(podHealth),
	gk("apps.kruise.io", "CloneSet"):                       cloneSetHealth,
}

// passive kinds have no rollout: they are Current once they exist.
// SidecarSet is here because in ferry nothing reconciles a SidecarSet's
// status: render-time injection and the webhook read it as configuration.
var passive = map[schema.GroupKind]bool{
	gk("", "ConfigMap"): true, gk("", "Secret"): true, gk("", "Service"): true,
	gk("", "ServiceAccount"): true, gk("", "LimitRange"): true, gk("", "ResourceQuota"): true,
	gk("", "Endpoints"): true, gk("", "PersistentVolume"): true,
	gk("rbac.authorization.k8s.io", "Role"): true, gk("rbac.authorization.k8s.io", "ClusterRole"): true,
	gk("rbac.authorization.k8s.io", "RoleBinding"): true, gk("rbac.authorization.k8s.io", "ClusterRoleBinding"): true,
	gk("networking.k8s.io", "NetworkPolicy"): true, gk("networking.k8s.io", "IngressClass"): true,
	gk("policy", "PodDisruptionBudget"): true, gk("scheduling.k8s.io", "PriorityClass"): true,
	gk("storage.k8s.io", "StorageClass"): true, gk("node.k8s.io", "RuntimeClass"): true,
	gk("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):     true,
	gk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"):   true,
	gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"):        true,
	gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): true,
	gk("apps.kruise.io", "SidecarSet"):                                     true,
}

// Of returns the health of a live object.
func Of(obj *unstructured.Unstructured) Result {
	if obj == nil {
		return NotFoundResult()
	}
	if obj.GetDeletionTimestamp() != nil {
		return inProgress(ReasonDeleting, "being deleted")
	}
	k := obj.GroupVersionKind().GroupKind()
	if passive[k] {
		return current(ReasonExists, "exists")
	}
	if r, ok := rules[k]; ok {
		return r(obj)
	}
	return conditionsHealth(obj)
}

// typed adapts a rule over a typed API object.
func typed[T any](f func(*T, int64) Result) rule {
	return func(u *unstructured.Unstructured) Result {
		var v T
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &v); err != nil {
			return unknown(ReasonUnparsable, "cannot read %s: %v", u.GetKind(), err)
		}
		return f(&v, u.GetGeneration())
	}
}

// pending is the result for an object whose controller has not seen the
// latest spec yet; every counter in its status is about an older spec.
func pending(generation, observed int64) Result {
	return inProgress(ReasonPending, "waiting for the controller to observe generation %d (observed %d)", generation, observed)
}
