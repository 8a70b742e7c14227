package sidecar

import (
	"reflect"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func seedCase(t *testing.T) *injectCase {
	t.Helper()
	c := &injectCase{}
	readYAML(t, "testdata/inject/seed-log-volume.yaml", c)
	readYAML(t, "testdata/inject/seed-log-volume.golden.yaml", &c.Want)
	return c
}

// TestInjectTemplateFunc covers the entry point the render package calls.
func TestInjectTemplateFunc(t *testing.T) {
	c := seedCase(t)
	before := make([]*appsv1alpha1.SidecarSet, len(c.SidecarSets))
	for i, s := range c.SidecarSets {
		before[i] = s.DeepCopy()
	}
	tpl := c.Template.DeepCopy()
	names, err := InjectTemplate(tpl, c.Namespace, c.SidecarSets)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"log-collector"}) {
		t.Errorf("injected %v", names)
	}
	if g, w := toYAML(t, tpl), toYAML(t, c.Want.Template); g != w {
		t.Errorf("--- got\n%s\n--- want\n%s", g, w)
	}
	if !reflect.DeepEqual(before, c.SidecarSets) {
		t.Errorf("InjectTemplate modified the SidecarSets it was given (defaults must go to a copy)")
	}
}

// TestInjectPod is the webhook's path: the pod from the same spec gets the
// same containers as the template, with the admission time as updateTimestamp.
func TestInjectPod(t *testing.T) {
	c := seedCase(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in, err := NewInjector(c.SidecarSets, AdmissionOptions(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: *c.Template.ObjectMeta.DeepCopy(), Spec: *c.Template.Spec.DeepCopy()}
	pod.Name, pod.Namespace = "demo-x1", "demo"
	res, err := in.InjectPod(pod, NamespaceInfo{Name: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Injected, []string{"log-collector"}) {
		t.Errorf("injected %v", res.Injected)
	}
	if !reflect.DeepEqual(pod.Spec, c.Want.Template.Spec) {
		t.Errorf("pod spec differs from the injected template's\n%s\n%s", toYAML(t, pod.Spec), toYAML(t, c.Want.Template.Spec))
	}
	rec, err := ReadRecord(pod.Annotations)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Hash["log-collector"].UpdateTimestamp; !got.Equal(&metav1.Time{Time: now}) {
		t.Errorf("updateTimestamp = %v, want %v", got, now)
	}
}

// TestEmptySelectorMatchesNothing: unlike most Kubernetes selectors, an empty
// SidecarSet selector selects no pod (a SidecarSet never reaches injection
// with one, Validate rejects it; the matcher holds the rule on its own).
func TestEmptySelectorMatchesNothing(t *testing.T) {
	for _, sel := range []*metav1.LabelSelector{nil, {}} {
		m, err := newMatcher(&appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Selector: sel}})
		if err != nil {
			t.Fatal(err)
		}
		if m.matches(NamespaceInfo{Name: "demo"}, map[string]string{"app": "demo"}) {
			t.Errorf("selector %v matched", sel)
		}
	}
}

func TestMergeJSON(t *testing.T) {
	cases := []struct{ doc, patch, want string }{
		{"", `{"a":1}`, `{"a":1}`},
		{`{"a":1}`, `{"b":2}`, `{"a":1,"b":2}`},
		{`{"a":{"x":1,"y":2}}`, `{"a":{"y":null,"z":3}}`, `{"a":{"x":1,"z":3}}`},
		{`{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{`"scalar"`, `{"a":1}`, `{"a":1}`},
	}
	for _, tc := range cases {
		got, err := mergeJSON(tc.doc, tc.patch)
		if err != nil || got != tc.want {
			t.Errorf("mergeJSON(%s, %s) = %s, %v; want %s", tc.doc, tc.patch, got, err, tc.want)
		}
	}
	if _, err := mergeJSON("not json", `{}`); err == nil {
		t.Errorf("mergeJSON accepted a non-JSON document")
	}
}

// TestInjectionIsDeterministic: two renders of the same commit must produce
// the same bytes, whatever order the SidecarSets come in (no map order, no
// clock leaks into the output).
func TestInjectionIsDeterministic(t *testing.T) {
	c := &injectCase{}
	readYAML(t, "testdata/inject/order-before-after.yaml", c)
	var first string
	for i := 0; i < 20; i++ {
		sets := append([]*appsv1alpha1.SidecarSet(nil), c.SidecarSets...)
		if i%2 == 1 {
			sets[0], sets[1] = sets[1], sets[0]
		}
		tpl := c.Template.DeepCopy()
		if _, err := InjectTemplate(tpl, c.Namespace, sets); err != nil {
			t.Fatal(err)
		}
		out := toYAML(t, tpl)
		if i == 0 {
			first = out
		} else if out != first {
			t.Fatalf("render %d differs:\n%s\nfirst:\n%s", i, out, first)
		}
	}
}
