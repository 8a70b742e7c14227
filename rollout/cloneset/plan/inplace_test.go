package plan

import (
	"testing"

	appspub "github.com/openkruise/kruise-api/apps/pub"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestInPlaceUpdate(t *testing.T) {
	base := func() *corev1.PodTemplateSpec {
		return &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "demo", "tier": "web"}, Annotations: map[string]string{"note": "a"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "app", Image: "app:1", Env: []corev1.EnvVar{{Name: "TIER", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['tier']"}}}}},
				{Name: "log", Image: "log:1"},
			}},
		}
	}
	for _, tc := range []struct {
		name       string
		tweak      func(*corev1.PodTemplateSpec)
		wantImages map[string]string
		wantPatch  string
		wantReason NotInPlaceReason
	}{
		{"nothing", func(*corev1.PodTemplateSpec) {}, map[string]string{}, "", ""},
		{"one image", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[1].Image = "log:2" }, map[string]string{"log": "log:2"}, "", ""},
		{"two images", func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[0].Image = "app:2"
			p.Spec.Containers[1].Image = "log:2"
		}, map[string]string{"app": "app:2", "log": "log:2"}, "", ""},
		{"annotation and label", func(p *corev1.PodTemplateSpec) {
			p.Annotations["note"] = "b"
			p.Labels["extra"] = "x"
		}, map[string]string{}, `{"metadata":{"annotations":{"note":"b"},"labels":{"extra":"x"}}}`, ""},
		{"label removed", func(p *corev1.PodTemplateSpec) { delete(p.Annotations, "note") }, map[string]string{}, `{"metadata":{"annotations":null}}`, ""},
		{"label read by env", func(p *corev1.PodTemplateSpec) { p.Labels["tier"] = "db" }, nil, "", ReasonEnvFromMetadata},
		{"env", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[1].Env = []corev1.EnvVar{{Name: "A", Value: "1"}} }, nil, "", ReasonSpecChanged},
		{"port", func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[1].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
		}, nil, "", ReasonSpecChanged},
		{"volume", func(p *corev1.PodTemplateSpec) { p.Spec.Volumes = []corev1.Volume{{Name: "v"}} }, nil, "", ReasonSpecChanged},
		{"container added", func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "x", Image: "x:1"})
		}, nil, "", ReasonSpecChanged},
		{"container renamed", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[1].Name = "logger" }, nil, "", ReasonSpecChanged},
		{"init container image", func(p *corev1.PodTemplateSpec) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "i:1"}}
		}, nil, "", ReasonSpecChanged},
		{"image cleared", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[1].Image = "" }, nil, "", ReasonImageAddedOrGone},
		{"image and env", func(p *corev1.PodTemplateSpec) {
			p.Spec.Containers[1].Image = "log:2"
			p.Spec.Containers[1].Command = []string{"run"}
		}, nil, "", ReasonSpecChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := base()
			tc.tweak(next)
			spec, reason, err := InPlaceUpdate(base(), next, "demo-new")
			if err != nil {
				t.Fatal(err)
			}
			if reason != tc.wantReason {
				t.Fatalf("reason %q, want %q", reason, tc.wantReason)
			}
			if tc.wantReason != "" {
				if spec != nil {
					t.Errorf("spec %+v with reason %q", spec, reason)
				}
				return
			}
			if spec.Revision != "demo-new" || len(spec.ContainerImages) != len(tc.wantImages) {
				t.Errorf("spec %+v, want images %v", spec, tc.wantImages)
			}
			for k, v := range tc.wantImages {
				if spec.ContainerImages[k] != v {
					t.Errorf("image of %s = %q, want %q", k, spec.ContainerImages[k], v)
				}
			}
			if string(spec.MetaDataPatch) != tc.wantPatch {
				t.Errorf("patch %s, want %s", spec.MetaDataPatch, tc.wantPatch)
			}
		})
	}
}

func TestInPlaceUpdateCompleted(t *testing.T) {
	updated := func(statusImage, statusID string) *corev1.Pod {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:2"}, {Name: "log", Image: "log"}}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", Image: statusImage, ImageID: statusID},
				{Name: "log", Image: "log:latest", ImageID: "sha-log"},
			}},
		}
		state := &appspub.InPlaceUpdateState{Revision: "demo-new", LastContainerStatuses: map[string]appspub.InPlaceUpdateContainerStatus{
			"app": {ImageID: "sha-app-1"}, "log": {ImageID: "sha-log"}}}
		v, err := EncodeInPlaceState(state)
		if err != nil {
			t.Fatal(err)
		}
		pod.Annotations[AnnotationInPlaceState] = v
		return pod
	}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		done bool
	}{
		// "log" kept its ID but runs "log:latest" as its spec "log" asks: done
		{"new image ID", updated("app:2", "sha-app-2"), true},
		{"old image ID, old image", updated("app:1", "sha-app-1"), false},
		{"old image ID, but spec image running", updated("app:2", "sha-app-1"), true},
		{"no state", &corev1.Pod{}, true},
		{"grace pending", func() *corev1.Pod {
			p := updated("app:2", "sha-app-2")
			p.Annotations[AnnotationInPlaceGrace] = `{"revision":"demo-new","graceSeconds":10}`
			return p
		}(), false},
		{"container missing from status", func() *corev1.Pod {
			p := updated("app:2", "sha-app-2")
			p.Status.ContainerStatuses = p.Status.ContainerStatuses[:1]
			return p
		}(), false},
		{"next batch pending", func() *corev1.Pod {
			p := updated("app:2", "sha-app-2")
			p.Annotations[AnnotationInPlaceState] = `{"revision":"demo-new","updateTimestamp":null,"lastContainerStatuses":{},"nextContainerImages":{"log":"log:2"}}`
			return p
		}(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, reason, err := InPlaceUpdateCompleted(tc.pod)
			if err != nil {
				t.Fatal(err)
			}
			if done != tc.done {
				t.Errorf("done %v (%s), want %v", done, reason, tc.done)
			}
		})
	}
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationInPlaceState: "{"}}}
	if _, _, err := InPlaceUpdateCompleted(bad); err == nil {
		t.Error("malformed state: no error")
	}
}

// ApplyInPlaceUpdate writes what Kruise writes: revision labels, lifecycle
// Updating, the state with the old image IDs, and the new images (or the
// parked spec with a grace period).
func TestApplyInPlaceUpdate(t *testing.T) {
	pod := testPods(t, "1o")[0]
	pod.Spec.Containers = []corev1.Container{{Name: "app", Image: "nginx:1"}}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "nginx:1", ImageID: "sha-1"}}
	spec := &InPlaceUpdateSpec{Revision: "demo-new", ContainerImages: map[string]string{"app": "nginx:2"},
		MetaDataPatch: []byte(`{"metadata":{"labels":{"tier":"web"}}}`)}
	out, err := ApplyInPlaceUpdate(pod, spec, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if out.Spec.Containers[0].Image != "nginx:2" || out.Labels["tier"] != "web" || out.Labels[LabelRevisionHash] != "demo-new" ||
		out.Labels[LabelTemplateHash] != "new" || LifecycleState(out) != appspub.LifecycleStateUpdating {
		t.Errorf("pod after update: labels %v image %s", out.Labels, out.Spec.Containers[0].Image)
	}
	state, ok, err := InPlaceState(out)
	if err != nil || !ok || state.Revision != "demo-new" || state.LastContainerStatuses["app"].ImageID != "sha-1" || !state.UpdateTimestamp.Time.Equal(testNow) {
		t.Errorf("state %+v %v %v", state, ok, err)
	}
	if pod.Spec.Containers[0].Image != "nginx:1" {
		t.Error("input pod changed")
	}
	if done, _, _ := InPlaceUpdateCompleted(out); done {
		t.Error("completed before the kubelet restarted the container")
	}

	spec.GraceSeconds = 30
	parked, err := ApplyInPlaceUpdate(pod, spec, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if parked.Spec.Containers[0].Image != "nginx:1" {
		t.Error("image changed during the grace period")
	}
	finished, err := ApplyGraceFinished(parked)
	if err != nil || finished.Spec.Containers[0].Image != "nginx:2" || finished.Annotations[AnnotationInPlaceGrace] != "" {
		t.Errorf("after grace: %v %v", finished.Spec.Containers, err)
	}
}
