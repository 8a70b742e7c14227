package health

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func deref(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// deploymentHealth: the controller must have observed the spec, no
// progress deadline may have passed, and every replica must be updated and
// available with no old replica left.
func deploymentHealth(d *appsv1.Deployment, generation int64) Result {
	st := d.Status
	if st.ObservedGeneration < generation {
		return pending(generation, st.ObservedGeneration)
	}
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			return failed(ReasonDeadline, "%s", c.Message)
		}
	}
	want := deref(d.Spec.Replicas, 1)
	switch {
	case st.UpdatedReplicas < want && d.Spec.Paused:
		return inProgress(ReasonPaused, "paused: %d/%d replicas updated", st.UpdatedReplicas, want)
	case st.UpdatedReplicas < want:
		return inProgress(ReasonRollingOut, "%d/%d replicas updated", st.UpdatedReplicas, want)
	case st.Replicas > st.UpdatedReplicas:
		return inProgress(ReasonRollingOut, "%d old replicas pending termination", st.Replicas-st.UpdatedReplicas)
	case st.AvailableReplicas < st.UpdatedReplicas:
		return inProgress(ReasonWaitingForReady, "%d/%d updated replicas available", st.AvailableReplicas, st.UpdatedReplicas)
	}
	return current(ReasonRolledOut, "%d/%d replicas updated and available", st.UpdatedReplicas, want)
}

// statefulSetHealth is partition-aware. With RollingUpdate and partition p
// the controller updates only ordinals >= p, so the rollout is done when
//
//	updatedReplicas >= replicas - p   and   readyReplicas == replicas
//
// and a done rollout with p > 0 is a held batch (Current, BatchHeld).
//
//	replicas  partition  updated  ready  -> status
//	5         3          2        5      -> Current (BatchHeld)
//	5         3          1        5      -> InProgress (RollingOut)
//	5         0          5        5      -> Current (RolledOut), once currentRevision == updateRevision
//	5         9          0        5      -> Current (BatchHeld): a partition above replicas holds every pod
//
// With OnDelete the controller never replaces pods, so ready pods are all
// one can wait for.
func statefulSetHealth(s *appsv1.StatefulSet, generation int64) Result {
	st := s.Status
	if st.ObservedGeneration < generation {
		return pending(generation, st.ObservedGeneration)
	}
	want := deref(s.Spec.Replicas, 1)
	if st.Replicas != want {
		return inProgress(ReasonScaling, "%d pods for %d replicas", st.Replicas, want)
	}
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		if st.ReadyReplicas < want {
			return inProgress(ReasonWaitingForReady, "%d/%d replicas ready", st.ReadyReplicas, want)
		}
		return current(ReasonOnDelete, "%d/%d replicas ready; pods move to a new revision only when deleted (OnDelete)", st.ReadyReplicas, want)
	}
	var partition int32
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		partition = min(max(deref(ru.Partition, 0), 0), want)
	}
	expected := want - partition
	switch {
	case st.UpdatedReplicas < expected:
		return inProgress(ReasonRollingOut, "%d/%d replicas updated (partition %d)", st.UpdatedReplicas, expected, partition)
	case st.ReadyReplicas < want:
		return inProgress(ReasonWaitingForReady, "%d/%d replicas ready", st.ReadyReplicas, want)
	case partition > 0:
		return current(ReasonBatchHeld, "batch held at partition %d: %d/%d updated and ready", partition, st.UpdatedReplicas, want)
	case st.UpdateRevision != "" && st.CurrentRevision != st.UpdateRevision:
		return inProgress(ReasonRollingOut, "waiting for revision %s to become current", st.UpdateRevision)
	}
	return current(ReasonRolledOut, "%d/%d replicas updated and ready", st.UpdatedReplicas, want)
}

// daemonSetHealth: every scheduled node must run an updated, available pod;
// with OnDelete, an available pod of any revision.
func daemonSetHealth(d *appsv1.DaemonSet, generation int64) Result {
	st := d.Status
	if st.ObservedGeneration < generation {
		return pending(generation, st.ObservedGeneration)
	}
	want := st.DesiredNumberScheduled
	if d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		if st.NumberAvailable < want {
			return inProgress(ReasonWaitingForReady, "%d/%d pods available", st.NumberAvailable, want)
		}
		return current(ReasonOnDelete, "%d/%d pods available; pods move to a new revision only when deleted (OnDelete)", st.NumberAvailable, want)
	}
	switch {
	case st.UpdatedNumberScheduled < want:
		return inProgress(ReasonRollingOut, "%d/%d pods updated", st.UpdatedNumberScheduled, want)
	case st.NumberAvailable < want:
		return inProgress(ReasonWaitingForReady, "%d/%d pods available", st.NumberAvailable, want)
	}
	return current(ReasonRolledOut, "%d/%d pods updated and available", st.UpdatedNumberScheduled, want)
}

// replicaSetHealth: all replicas available.
func replicaSetHealth(r *appsv1.ReplicaSet, generation int64) Result {
	st := r.Status
	if st.ObservedGeneration < generation {
		return pending(generation, st.ObservedGeneration)
	}
	want := deref(r.Spec.Replicas, 1)
	if st.Replicas != want {
		return inProgress(ReasonScaling, "%d pods for %d replicas", st.Replicas, want)
	}
	if st.AvailableReplicas < want {
		return inProgress(ReasonWaitingForReady, "%d/%d replicas available", st.AvailableReplicas, want)
	}
	return current(ReasonReady, "%d/%d replicas available", st.AvailableReplicas, want)
}
