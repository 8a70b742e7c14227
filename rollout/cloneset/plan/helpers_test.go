package plan

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const (
	testOld = "demo-old"
	testNew = "demo-new"
)

var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// testCloneSet builds a CloneSet named demo. Knobs are written as in YAML:
// "3" is an int, "20%" a percent, "" leaves the field nil.
func testCloneSet(replicas int32, partition, maxUnavailable, maxSurge string) *appsv1alpha1.CloneSet {
	return &appsv1alpha1.CloneSet{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "default"},
		Spec: appsv1alpha1.CloneSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "demo"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "demo"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1"}}},
			},
			UpdateStrategy: appsv1alpha1.CloneSetUpdateStrategy{
				Partition:      knob(partition),
				MaxUnavailable: knob(maxUnavailable),
				MaxSurge:       knob(maxSurge),
			},
		},
	}
}

func knob(s string) *intstr.IntOrString {
	if s == "" {
		return nil
	}
	v := intstr.Parse(s)
	if n, err := strconv.Atoi(s); err == nil {
		v = intstr.FromInt32(int32(n))
	}
	return &v
}

// testPods builds pods from a compact spec: space-separated groups
// "<count><rev><flags>", rev 'o' (demo-old) or 'n' (demo-new); flags:
// x not ready, d specified-delete, P PreparingDelete, U PreparingUpdate,
// u Updating, N PreparingNormal, c:<cost> deletion cost.
// Pods are named p0, p1, ... in order and created one minute apart.
func testPods(t *testing.T, spec string) []*corev1.Pod {
	t.Helper()
	var pods []*corev1.Pod
	for _, group := range strings.Fields(spec) {
		i := 0
		for i < len(group) && group[i] >= '0' && group[i] <= '9' {
			i++
		}
		count := 1
		if i > 0 {
			count, _ = strconv.Atoi(group[:i])
		}
		rest := group[i:]
		if rest == "" {
			t.Fatalf("bad pod group %q", group)
		}
		for range count {
			pods = append(pods, testPod(t, fmt.Sprintf("p%d", len(pods)), len(pods), rest))
		}
	}
	return pods
}

func testPod(t *testing.T, name string, n int, flags string) *corev1.Pod {
	t.Helper()
	rev := testOld
	switch flags[0] {
	case 'o':
	case 'n':
		rev = testNew
	default:
		t.Fatalf("pod %s: revision flag %q", name, flags[0])
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "default",
			Labels:            map[string]string{"app": "demo", LabelRevisionHash: rev, LabelTemplateHash: ShortHash(rev), LabelLifecycleState: "Normal"},
			CreationTimestamp: metav1.NewTime(testNow.Add(-time.Hour + time.Duration(n)*time.Minute)),
		},
		Spec: corev1.PodSpec{NodeName: "node-a", ReadinessGates: []corev1.PodReadinessGate{{ConditionType: appspub.InPlaceUpdateReady}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(testNow.Add(-30 * time.Minute))},
			{Type: appspub.InPlaceUpdateReady, Status: corev1.ConditionTrue},
		}},
	}
	rest := flags[1:]
	for len(rest) > 0 {
		f := rest[0]
		rest = rest[1:]
		switch f {
		case 'x':
			pod.Status.Conditions[0].Status = corev1.ConditionFalse
		case 'd':
			pod.Labels[LabelSpecifiedDelete] = "true"
		case 'P':
			pod.Labels[LabelLifecycleState] = string(appspub.LifecycleStatePreparingDelete)
		case 'U':
			pod.Labels[LabelLifecycleState] = string(appspub.LifecycleStatePreparingUpdate)
		case 'u':
			pod.Labels[LabelLifecycleState] = string(appspub.LifecycleStateUpdating)
		case 'N':
			pod.Labels[LabelLifecycleState] = string(appspub.LifecycleStatePreparingNormal)
		case 'c':
			cost, tail, _ := strings.Cut(strings.TrimPrefix(rest, ":"), ",")
			pod.Annotations = map[string]string{AnnotationDeletionCost: cost}
			rest = tail
		default:
			t.Fatalf("pod %s: unknown flag %q", name, f)
		}
	}
	return pod
}

type testCS = appsv1alpha1.CloneSet

func ptrStr(s string) *intstr.IntOrString {
	v := intstr.FromString(s)
	return &v
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func runtimeRaw(b []byte) runtime.RawExtension { return runtime.RawExtension{Raw: b} }
