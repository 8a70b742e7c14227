package controller

import (
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDecideClaim(t *testing.T) {
	now := metav1.Now()
	cs := &appsv1alpha1.CloneSet{ObjectMeta: metav1.ObjectMeta{Name: "demo", UID: "cs"}}
	deleting := cs.DeepCopy()
	deleting.DeletionTimestamp = &now
	ref := func(uid string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: "CloneSet", Name: "x", UID: typesUID(uid), Controller: ptr.To(true)}}
	}
	pod := func(owner []metav1.OwnerReference, del bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", OwnerReferences: owner}}
		if del {
			p.DeletionTimestamp = &now
		}
		return p
	}
	tests := []struct {
		name    string
		owner   *appsv1alpha1.CloneSet
		pod     *corev1.Pod
		matches bool
		want    claimAction
	}{
		{"ours and matching", cs, pod(ref("cs"), false), true, claimKeep},
		{"ours, labels changed", cs, pod(ref("cs"), false), false, claimRelease},
		{"ours, labels changed, we are being deleted", deleting, pod(ref("cs"), false), false, claimIgnore},
		{"another controller's", cs, pod(ref("other"), false), true, claimIgnore},
		{"orphan matching", cs, pod(nil, false), true, claimAdopt},
		{"orphan not matching", cs, pod(nil, false), false, claimIgnore},
		{"orphan terminating", cs, pod(nil, true), true, claimIgnore},
		{"orphan, we are being deleted", deleting, pod(nil, false), true, claimIgnore},
		{"non-controller owner ref only", cs, pod([]metav1.OwnerReference{{Kind: "CloneSet", UID: "cs"}}, false), true, claimAdopt},
	}
	for _, tc := range tests {
		if got := decideClaim(tc.owner, tc.pod, tc.matches); got != tc.want {
			t.Errorf("%s: decideClaim = %d, want %d", tc.name, got, tc.want)
		}
	}
}
