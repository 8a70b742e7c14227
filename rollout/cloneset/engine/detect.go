package engine

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Where OpenKruise's controller manager announces itself (its Helm chart
// and kustomize defaults): the leader-election Lease its manager holds, and
// its Deployment.
const (
	KruiseNamespace  = "kruise-system"
	KruiseLease      = "kruise-manager"
	KruiseDeployment = "kruise-controller-manager"
)

// leaseSlack is how long past its duration a Lease still counts as held:
// a leader renews well before expiry, so a lease older than twice its
// duration belongs to a manager that is gone.
const leaseSlack = 2

// Detection is what DetectKruise found.
type Detection struct {
	Running bool
	// Reason says what was found (or not), for logs and the state.
	Reason string
}

// DetectKruise reports whether OpenKruise's controller runs in the cluster:
//
//	Lease kruise-system/kruise-manager has a holder and was renewed
//	within twice its duration                                      -> running
//	Deployment kruise-system/kruise-controller-manager has an
//	available replica                                              -> running
//	neither (absent, stale, or not readable: forbidden)            -> not running
//
// Any other error is returned: without an answer, auto mode does not act.
func DetectKruise(ctx context.Context, kube kubernetes.Interface, now time.Time) (Detection, error) {
	lease, err := kube.CoordinationV1().Leases(KruiseNamespace).Get(ctx, KruiseLease, metav1.GetOptions{})
	switch {
	case err == nil:
		if held, why := leaseHeld(lease.Spec.HolderIdentity, lease.Spec.RenewTime, lease.Spec.LeaseDurationSeconds, now); held {
			return Detection{Running: true, Reason: why}, nil
		}
	case !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err):
		return Detection{}, fmt.Errorf("get lease %s/%s: %w", KruiseNamespace, KruiseLease, err)
	}
	dep, err := kube.AppsV1().Deployments(KruiseNamespace).Get(ctx, KruiseDeployment, metav1.GetOptions{})
	switch {
	case err == nil && dep.Status.AvailableReplicas > 0:
		return Detection{Running: true, Reason: fmt.Sprintf("deployment %s/%s has %d available replicas",
			KruiseNamespace, KruiseDeployment, dep.Status.AvailableReplicas)}, nil
	case err != nil && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err):
		return Detection{}, fmt.Errorf("get deployment %s/%s: %w", KruiseNamespace, KruiseDeployment, err)
	}
	return Detection{Reason: "no live OpenKruise controller (lease " + KruiseNamespace + "/" + KruiseLease +
		", deployment " + KruiseNamespace + "/" + KruiseDeployment + ")"}, nil
}

func leaseHeld(holder *string, renew *metav1.MicroTime, seconds *int32, now time.Time) (bool, string) {
	if holder == nil || *holder == "" || renew == nil {
		return false, ""
	}
	d := 15 * time.Second
	if seconds != nil && *seconds > 0 {
		d = time.Duration(*seconds) * time.Second
	}
	if now.Sub(renew.Time) > leaseSlack*d {
		return false, ""
	}
	return true, fmt.Sprintf("lease %s/%s held by %s, renewed %s ago", KruiseNamespace, KruiseLease, *holder,
		now.Sub(renew.Time).Round(time.Second))
}
