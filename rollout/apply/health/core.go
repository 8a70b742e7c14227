package health

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// jobHealth: Complete or Failed conditions decide; a job still running is in
// progress, so waiting on a migration Job waits for it to finish.
func jobHealth(j *batchv1.Job, _ int64) Result {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			return failed(ReasonJobFailed, "%s: %s", c.Reason, c.Message)
		case batchv1.JobComplete:
			return current(ReasonComplete, "%d succeeded", j.Status.Succeeded)
		}
	}
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		return inProgress(ReasonSuspended, "suspended")
	}
	return inProgress(ReasonRunning, "%d active, %d succeeded, %d failed", j.Status.Active, j.Status.Succeeded, j.Status.Failed)
}

// crdHealth: Established means the kind is served; names that clash with
// another CRD never will be.
func crdHealth(c *apiextv1.CustomResourceDefinition, _ int64) Result {
	for _, cond := range c.Status.Conditions {
		switch {
		case cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue:
			return current(ReasonEstablished, "%s is served", c.Spec.Names.Kind)
		case cond.Type == apiextv1.NamesAccepted && cond.Status == apiextv1.ConditionFalse:
			return failed(ReasonNamesRejected, "%s", cond.Message)
		}
	}
	return inProgress(ReasonEstablishing, "waiting for the Established condition")
}

func namespaceHealth(n *corev1.Namespace, _ int64) Result {
	if n.Status.Phase == corev1.NamespaceTerminating {
		return inProgress(ReasonTerminating, "namespace is terminating")
	}
	return current(ReasonActive, "active")
}

func pvcHealth(p *corev1.PersistentVolumeClaim, _ int64) Result {
	switch p.Status.Phase {
	case corev1.ClaimBound:
		return current(ReasonBound, "bound to %s", p.Spec.VolumeName)
	case corev1.ClaimLost:
		return failed(ReasonClaimLost, "the bound volume is gone")
	}
	return inProgress(ReasonClaimPending, "waiting for a volume")
}

func podHealth(p *corev1.Pod, _ int64) Result {
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		return current(ReasonPodSucceeded, "succeeded")
	case corev1.PodFailed:
		return failed(ReasonPodFailed, "%s %s", p.Status.Reason, p.Status.Message)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return current(ReasonPodReady, "running and ready")
		}
	}
	return inProgress(ReasonPodNotReady, "phase %s, not ready", p.Status.Phase)
}
