package sidecar

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// benchCase is the ordering case: two SidecarSets, four initContainers, three
// sidecars and a volume, into a two-container template.
func benchCase(b *testing.B) *injectCase {
	c := &injectCase{}
	readYAML(b, "testdata/inject/order-before-after.yaml", c)
	return c
}

// BenchmarkInjectTemplate measures injecting prepared SidecarSets into one pod
// template (what render does per workload after preparing the sets once).
func BenchmarkInjectTemplate(b *testing.B) {
	c := benchCase(b)
	in, err := NewInjector(c.SidecarSets, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tpl := c.Template.DeepCopy()
		if _, err := in.InjectTemplate(tpl, c.Namespace); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInjectTemplateFunc measures the one-call entry point, which also
// defaults, validates and hashes every SidecarSet each time.
func BenchmarkInjectTemplateFunc(b *testing.B) {
	c := benchCase(b)
	b.ReportAllocs()
	for b.Loop() {
		tpl := c.Template.DeepCopy()
		if _, err := InjectTemplate(tpl, c.Namespace, c.SidecarSets); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInjectTemplateAlreadyInjected measures the webhook's common case: a
// pod from a template ferry rendered, where every SidecarSet is recorded.
func BenchmarkInjectTemplateAlreadyInjected(b *testing.B) {
	c := benchCase(b)
	in, err := NewInjector(c.SidecarSets, AdmissionOptions(nil))
	if err != nil {
		b.Fatal(err)
	}
	injected := c.Template.DeepCopy()
	if _, err := in.InjectTemplate(injected, c.Namespace); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var tpl corev1.PodTemplateSpec = *injected
		if res, err := in.InjectTemplate(&tpl, c.Namespace); err != nil || len(res.Injected) != 0 {
			b.Fatal(res, err)
		}
	}
}
