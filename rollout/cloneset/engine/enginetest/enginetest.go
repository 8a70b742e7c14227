// Package enginetest runs ferry's CloneSet engine inside a test process, for
// the e2e tests of the packages that drive CloneSets (the GitOps loop, diff,
// advance) against the local control plane.
package enginetest

import (
	"log/slog"
	"os"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/rollout/cloneset/internal/rollouttest"
)

// Start runs the engine (builtin mode) for namespace ns until the test
// ends, logging warnings and errors.
func Start(t testing.TB, cfg *rest.Config, ns string) {
	t.Helper()
	opts := rollouttest.EngineOptions(ns)
	opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rollouttest.StartEngine(t, cfg, opts)
}
