package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/rollout/schedule"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// examples/ is what users copy: its overlay renders with the log collector
// injected into the CloneSet (the pod's own log-volume kept), and both the
// render and its GitSync pass the apiserver's validation.
func TestExamplesRenderAndValidate(t *testing.T) {
	c := cluster.Shared(t)
	ctx := context.Background()
	src, err := render.FromDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	out, err := render.Build(ctx, src, "overlays/prod", render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	y := string(out.YAML)
	for _, want := range []string{
		"kruise.io/sidecarset-injected-list: log-collector",
		"image: registry.example/fluent-bit:2.2",
		"- emptyDir: {}\n        name: log-volume", // the pod's volume wins over the SidecarSet's hostPath
		"ferry.dev/batches: 3,1,0",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("rendered examples/overlays/prod lacks %q:\n%s", want, y)
		}
	}
	if n := strings.Count(y, "hostPath"); n != 1 { // the SidecarSet's own definition only
		t.Errorf("hostPath appears %d times, want once: the SidecarSet's log-volume leaked into the pod template:\n%s", n, y)
	}

	raw, err := os.ReadFile("../../examples/gitsync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gsObj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &gsObj.Object); err != nil {
		t.Fatal(err)
	}
	gs, err := gitsync.FromUnstructured(gsObj)
	if err != nil {
		t.Fatal(err)
	}
	if errs := schedule.Validate(gs.Spec.Schedule, field.NewPath("spec", "schedule"), schedule.DefaultOptions()); len(errs) > 0 {
		t.Fatalf("examples/gitsync.yaml schedule: %v", errs.ToAggregate())
	}

	ns := c.Namespace(t)
	installCRDs(t, c)
	mgr, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	gsObj.SetNamespace(ns)
	objs := append(out.Objects, gsObj)
	if _, err := mgr.Diff(ctx, objs, apply.ApplyOptions{DefaultNamespace: ns}); err != nil {
		t.Fatalf("the apiserver rejects examples/: %v", err)
	}
}
