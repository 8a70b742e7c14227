package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ferry-gitops/ferry/deploy"
	"github.com/ferry-gitops/ferry/render"
	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/source/gittest"
	"github.com/ferry-gitops/ferry/test/cluster"
)

// installCRDs applies ferry's CRDs (OpenKruise's CloneSet and SidecarSet
// among them) and waits until they are served.
func installCRDs(t *testing.T, m *apply.Manager) {
	t.Helper()
	objs, err := deploy.CRDObjects()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(context.Background(), objs, apply.DefaultApplyOptions()); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
}

func manager(t *testing.T, c *cluster.Cluster) *apply.Manager {
	t.Helper()
	m, err := apply.NewManager(c.Config, apply.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	installCRDs(t, m)
	return m
}

// applyRevision renders path at rev and applies it as the GitOps loop does.
func applyRevision(t *testing.T, m *apply.Manager, repo, rev, path, ns string) []*unstructured.Unstructured {
	t.Helper()
	return applyRevisionWith(t, m, repo, rev, path, apply.ApplyOptions{DefaultNamespace: ns})
}

// applyRevisionWith applies path at rev with the given options (a
// GitSync's labels, as its loop applies).
func applyRevisionWith(t *testing.T, m *apply.Manager, repo, rev, path string, ao apply.ApplyOptions) []*unstructured.Unstructured {
	t.Helper()
	ns := ao.DefaultNamespace
	ctx := context.Background()
	src, err := render.Open(ctx, repo, rev)
	if err != nil {
		t.Fatal(err)
	}
	opts := render.DefaultOptions()
	opts.DefaultNamespace = ns
	res, err := render.Build(ctx, src, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(ctx, res.Objects, ao); err != nil {
		t.Fatalf("apply %s at %s: %v", path, rev, err)
	}
	return res.Objects
}

func newRepo(t *testing.T, commits ...map[string]string) *gittest.Repo {
	t.Helper()
	r := gittest.NewRepo(t, t.TempDir(), "app.git")
	for i, c := range commits {
		r.Commit(c, fmt.Sprint("commit ", i))
	}
	return r
}

var (
	buildOnce sync.Once
	ferryBin  string
	buildErr  error
)

// ferry builds the ferry binary once per test run.
func ferry(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ferry-diff-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		ferryBin = filepath.Join(dir, "ferry")
		out, err := exec.Command("go", "build", "-o", ferryBin, "../../../cmd/ferry").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ferry: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return ferryBin
}

// runFerry runs the ferry binary and returns stdout, stderr and the exit status.
func runFerry(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(ferry(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	}
	t.Fatal(err)
	return "", "", 0
}
