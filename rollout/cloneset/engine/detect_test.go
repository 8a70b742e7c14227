package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

func TestDetectKruise(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	lease := func(holder string, renewedAgo time.Duration) runtime.Object {
		return &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: KruiseLease, Namespace: KruiseNamespace},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(holder), LeaseDurationSeconds: ptr.To[int32](15),
				RenewTime: ptr.To(metav1.NewMicroTime(now.Add(-renewedAgo)))},
		}
	}
	deployment := func(available int32) runtime.Object {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: KruiseDeployment, Namespace: KruiseNamespace},
			Status: appsv1.DeploymentStatus{AvailableReplicas: available}}
	}
	tests := []struct {
		name    string
		objs    []runtime.Object
		running bool
		reason  string
	}{
		{"nothing", nil, false, "no live OpenKruise controller"},
		{"held lease", []runtime.Object{lease("kruise-0", 5*time.Second)}, true, "held by kruise-0"},
		{"stale lease", []runtime.Object{lease("kruise-0", time.Minute)}, false, "no live"},
		{"released lease", []runtime.Object{lease("", time.Second)}, false, "no live"},
		{"available deployment", []runtime.Object{deployment(1)}, true, "1 available"},
		{"scaled-down deployment", []runtime.Object{deployment(0)}, false, "no live"},
	}
	for _, tc := range tests {
		d, err := DetectKruise(context.Background(), fake.NewClientset(tc.objs...), now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Running != tc.running || !strings.Contains(d.Reason, tc.reason) {
			t.Errorf("%s: %+v, want running=%v and a reason with %q", tc.name, d, tc.running, tc.reason)
		}
	}
}

func TestDetectKruiseErrors(t *testing.T) {
	forbidden := fake.NewClientset()
	forbidden.PrependReactor("get", "*", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "leases"}, KruiseLease, nil)
	})
	if d, err := DetectKruise(context.Background(), forbidden, time.Now()); err != nil || d.Running {
		t.Errorf("forbidden: %+v %v, want not running and no error", d, err)
	}
	broken := fake.NewClientset()
	broken.PrependReactor("get", "leases", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("etcd down")
	})
	if _, err := DetectKruise(context.Background(), broken, time.Now()); err == nil {
		t.Error("an API failure was taken as an answer")
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"auto", "builtin", "off"} {
		if m, err := ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	if _, err := ParseMode("kruise"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
}
