package advance

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ferry-gitops/ferry/rollout/batch"
)

var twoOverlaysOnOneBase = map[string]string{
	"base/kustomization.yaml":             kustomization(baseKust),
	"base/cloneset.yaml":                  cloneSet("demo", "3,1,0", "    partition: 3"),
	"overlays/prod/kustomization.yaml":    overlayOnBase,
	"overlays/staging/kustomization.yaml": overlayOnBase,
	// An aggregate of both overlays joins through staging, so it is not
	// named: staging is.
	"clusters/all/kustomization.yaml": kustomization("resources:\n- ../../overlays/prod\n- ../../overlays/staging\n"),
}

func healthy(p intstr.IntOrString) *Health {
	return &Health{Healthy: true, Status: "Current (BatchHeld)", Partition: p, Ready: 5, Replicas: 5}
}

// TestPlanRefuses checks each refusal: its typed error, its message, and
// (by construction of Plan) that nothing is written.
func TestPlanRefuses(t *testing.T) {
	base := map[string]string{
		"base/kustomization.yaml": kustomization(baseKust),
		"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 3"),
	}
	cases := []struct {
		name    string
		files   map[string]string
		path    string
		req     Request
		wantErr error
		message string
	}{{
		name:  "partition in a base another overlay renders",
		files: twoOverlaysOnOneBase, path: "overlays/prod", req: Request{Target: Next()},
		wantErr: ErrSharedFile,
		message: "CloneSet default/demo: base/cloneset.yaml:22 (spec.updateStrategy.partition of CloneSet demo) is also rendered by " +
			"overlays/staging, which would advance too; set the partition in a patch of overlays/prod instead, or use --force to change them all",
	}, {
		name: "a replacement sets the partition",
		files: map[string]string{
			"base/kustomization.yaml": kustomization("resources:\n- cloneset.yaml\n- rollout.yaml\nreplacements:\n" +
				"- source: {kind: ConfigMap, name: rollout, fieldPath: data.partition}\n" +
				"  targets:\n  - select: {kind: CloneSet, name: demo}\n    fieldPaths: [spec.updateStrategy.partition]\n"),
			"base/cloneset.yaml": cloneSet("demo", "60%,20%,0", `    partition: "100%"`),
			"base/rollout.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rollout\ndata:\n  partition: 60%\n",
		},
		path: "base", req: Request{Target: Next()},
		wantErr: ErrCannotEdit,
		message: "CloneSet default/demo at base: no YAML value in the repository sets spec.updateStrategy.partition to 60% for it " +
			"(a replacement, a generator or a transformer sets it, or it is unset); nothing was changed",
	}, {
		name: "a patch that sets two CloneSets' partitions",
		files: map[string]string{
			"base/kustomization.yaml": kustomization("resources:\n- cloneset.yaml\npatches:\n- path: all.yaml\n  target: {kind: CloneSet}\n"),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 5") + "---\n" + cloneSet("web", "3,1,0", "    partition: 5"),
			"base/all.yaml":           smPatch("any", "3"),
		},
		path: "base", req: Request{Target: Next()},
		wantErr: ErrCannotEdit,
		message: "CloneSet default/demo at base: no single value sets its partition and nothing else; " +
			"base/all.yaml:7 (spec.updateStrategy.partition): it also changes CloneSet web; nothing was changed",
	}, {
		name: "already at the batch", files: base, path: "base",
		req:     Request{Target: ToBatch(1)},
		wantErr: batch.ErrAlreadyAtBatch, message: "CloneSet default/demo: already at batch 1 of 3 (partition 3)",
	}, {
		name: "a skipped batch", files: base, path: "base",
		req:     Request{Target: ToBatch(3)},
		wantErr: batch.ErrNotNextStep,
		message: "CloneSet default/demo: partition 3 → 0 (batch 1 → 3 of 3) is not the next step; the next step is batch 2 (partition 1); use --force to commit it anyway",
	}, {
		name: "no plan and --next", path: "base",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "", "    partition: 3"),
		},
		req:     Request{Target: Next()},
		wantErr: batch.ErrNoPlan,
		message: "CloneSet default/demo: no batch plan: set ferry.dev/batches on the CloneSet or name a partition",
	}, {
		name: "done", path: "base",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 0"),
		},
		req:     Request{Target: Next()},
		wantErr: batch.ErrDone, message: "CloneSet default/demo: rollout already done: batch 3 of 3 (partition 0)",
	}, {
		name: "not rendered", files: base, path: "base",
		req:     Request{Name: "nope", Target: Next()},
		wantErr: ErrNotRendered,
	}, {
		name: "partition unset (forced raise)", path: "base",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", ""),
		},
		req:     Request{Target: ToBatch(1), Force: true},
		wantErr: ErrCannotEdit,
		message: "CloneSet default/demo at base: no YAML value in the repository sets spec.updateStrategy.partition to 0 for it " +
			"(a replacement, a generator or a transformer sets it, or it is unset); nothing was changed",
	}, {
		name: "batch not healthy", files: base, path: "base",
		req: Request{Target: Next(), Health: &Health{Status: "InProgress (RollingOut): 1/5 updated and ready (batch wants 2), 5/5 ready, 6 pods",
			Partition: intstr.FromInt32(3)}},
		wantErr: ErrNotHealthy,
		message: "CloneSet default/demo: batch 1 of 3 (partition 3) is not healthy: InProgress (RollingOut): 1/5 updated and ready " +
			"(batch wants 2), 5/5 ready, 6 pods; use --force to advance anyway",
	}, {
		name: "cluster unreadable", files: base, path: "base",
		req:     Request{Target: Next(), Health: UnknownHealth("dial tcp 127.0.0.1:1: connection refused")},
		wantErr: ErrNotHealthy,
		message: "CloneSet default/demo: batch 1 of 3 (partition 3) is not healthy: cannot read the cluster: " +
			"dial tcp 127.0.0.1:1: connection refused; use --force to advance anyway",
	}, {
		name: "cluster ahead of git", files: base, path: "base",
		req:     Request{Target: ToBatch(2), Health: healthy(intstr.FromInt32(1))},
		wantErr: ErrNotHealthy,
		message: "CloneSet default/demo: batch 1 of 3 (partition 3) is not healthy: the cluster runs partition 1, git holds 3: " +
			"the last change is not applied yet; use --force to advance anyway",
	}, {
		name: "--next twice: the cluster still runs batch 1", path: "base",
		files: map[string]string{
			"base/kustomization.yaml": kustomization(baseKust),
			"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 1"),
		},
		req:     Request{Target: Next(), Health: healthy(intstr.FromInt32(3))},
		wantErr: batch.ErrAlreadyAtBatch, message: "CloneSet default/demo: already at batch 2 of 3 (partition 1)",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, commit := commitFiles(t, tc.files)
			req := tc.req
			req.Commit, req.Path, req.Namespace = commit, tc.path, "default"
			if req.Name == "" {
				req.Name = "demo"
			}
			ch, err := Plan(context.Background(), req)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v (change %+v)", err, tc.wantErr, ch)
			}
			if tc.message != "" && err.Error() != tc.message {
				t.Errorf("message:\n%s\nwant:\n%s", err, tc.message)
			}
		})
	}
}

func TestPlanForceEditsASharedBase(t *testing.T) {
	_, commit := commitFiles(t, twoOverlaysOnOneBase)
	ch, err := Plan(context.Background(), Request{Commit: commit, Path: "overlays/prod", Namespace: "default", Name: "demo",
		Target: Next(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Site.File != "base/cloneset.yaml" || !slices.Equal(ch.Shared, []string{"overlays/staging"}) {
		t.Errorf("site %s, shared %q; want base/cloneset.yaml shared with overlays/staging", ch.Site, ch.Shared)
	}
}

// TestPlanAggregateIsNotAnotherPath: a kustomization that includes the
// synced path builds on it and means to get its change.
func TestPlanAggregateIsNotAnotherPath(t *testing.T) {
	_, commit := commitFiles(t, map[string]string{
		"base/kustomization.yaml":          kustomization(baseKust),
		"base/cloneset.yaml":               cloneSet("demo", "3,1,0", "    partition: 3"),
		"overlays/prod/kustomization.yaml": overlayOnBase,
		"clusters/all/kustomization.yaml":  kustomization("resources:\n- ../../overlays/prod\n"),
	})
	ch, err := Plan(context.Background(), Request{Commit: commit, Path: "overlays/prod", Namespace: "default", Name: "demo", Target: Next()})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Site.File != "base/cloneset.yaml" || ch.Shared != nil {
		t.Errorf("site %s, shared %q", ch.Site, ch.Shared)
	}
}

func TestPlanHealthyGate(t *testing.T) {
	_, commit := commitFiles(t, map[string]string{
		"base/kustomization.yaml": kustomization(baseKust),
		"base/cloneset.yaml":      cloneSet("demo", "3,1,0", "    partition: 3"),
	})
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := healthy(intstr.FromInt32(3))
	h.Since, h.Now = now.Add(-12*time.Minute), now
	ch, err := Plan(context.Background(), Request{Commit: commit, Path: "base", Namespace: "default", Name: "demo", Target: Next(), Health: h})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ch.Step.String()+"; "+ch.Health.Summary(ch.Step.From), "batch 1 → 2 of 3 (partition 3 → 1); batch 1 healthy for 12m (5/5 ready)"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if got, want := ch.Message(), "rollout(default/demo): batch 2/3 (partition 3→1)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// Forced past an unhealthy batch.
	sick := &Health{Status: "InProgress (RollingOut)", Partition: intstr.FromInt32(3)}
	if _, err := Plan(context.Background(), Request{Commit: commit, Path: "base", Namespace: "default", Name: "demo",
		Target: Next(), Health: sick, Force: true}); err != nil {
		t.Errorf("forced: %v", err)
	}
}
