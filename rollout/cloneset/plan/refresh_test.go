package plan

import (
	"reflect"
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// RefreshNew plans for a pod just created what the next pass's Refresh
// phase would: InPlaceUpdateReady, and PreparingNormal -> Normal unless a
// preNormal hook still holds the pod.
func TestRefreshNew(t *testing.T) {
	for _, tc := range []struct {
		name      string
		preNormal *appspub.LifecycleHook
		wantTo    appspub.LifecycleStateType // "" for no lifecycle change
	}{
		{name: "no hook", wantTo: appspub.LifecycleStateNormal},
		{name: "preNormal hook not yet satisfied", preNormal: &appspub.LifecycleHook{LabelsHandler: map[string]string{"example.com/warm": "true"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := testCloneSet(1, "0", "1", "0") // one pod: a pass does not scale
			if tc.preNormal != nil {
				cs.Spec.Lifecycle = &appspub.Lifecycle{PreNormal: tc.preNormal}
			}
			rev := mustRevision(t, cs)
			pod, err := NewPod(cs, rev, "4qj8k", testNow)
			if err != nil {
				t.Fatal(err)
			}
			in := Input{CloneSet: cs, UpdateRevision: rev.Name, CurrentRevision: rev.Name, Now: testNow, Options: DefaultOptions()}
			refresh, lifecycle, err := RefreshNew(in, pod)
			if err != nil {
				t.Fatal(err)
			}
			if len(refresh) != 1 || refresh[0].Pod != pod.Name || refresh[0].Action != RefreshSetInPlaceReady {
				t.Errorf("refresh = %+v, want one RefreshSetInPlaceReady for %s", refresh, pod.Name)
			}
			switch {
			case tc.wantTo == "" && lifecycle != nil:
				t.Errorf("lifecycle = %+v, want none", *lifecycle)
			case tc.wantTo != "" && (lifecycle == nil || lifecycle.From != appspub.LifecycleStatePreparingNormal || lifecycle.To != tc.wantTo):
				t.Errorf("lifecycle = %+v, want PreparingNormal -> %s", lifecycle, tc.wantTo)
			}
			// what a whole pass over the CloneSet plans for that pod
			in.Pods, in.Revisions = []*corev1.Pod{pod}, []*appsv1.ControllerRevision{rev}
			whole := mustPass(t, in)
			if !reflect.DeepEqual(whole.Refresh, refresh) {
				t.Errorf("a pass plans refresh %+v, RefreshNew %+v", whole.Refresh, refresh)
			}
			if n := len(whole.Lifecycle); (n == 1) != (lifecycle != nil) || n == 1 && !reflect.DeepEqual(whole.Lifecycle[0], *lifecycle) {
				t.Errorf("a pass plans lifecycle %+v, RefreshNew %+v", whole.Lifecycle, lifecycle)
			}
		})
	}
}
