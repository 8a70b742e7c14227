// Package enginetest runs ferry's CloneSet engine inside a test process, for
// the e2e tests of the packages that drive CloneSets (the GitOps loop, diff,
// advance) against the local control plane.
package enginetest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
)

// Start runs the engine (builtin mode) for namespace ns until the test ends.
func Start(t testing.TB, cfg *rest.Config, ns string) {
	t.Helper()
	opts := engine.DefaultOptions()
	opts.Mode, opts.Controller.Namespace = engine.ModeBuiltin, ns
	opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := engine.New(cfg, opts)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("engine: %v", err)
		}
	})
}
