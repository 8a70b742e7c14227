package rollouttest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
	"k8s.io/client-go/rest"
)

// Engine is an engine running in the test process.
type Engine struct {
	*engine.Engine
	cancel context.CancelFunc
	done   chan error
}

// EngineOptions are the options tests start engines with: builtin mode,
// scoped to one namespace, quiet unless FERRY_E2E_LOG=1 (or =debug: a line
// per pass with its phase, item counts and timings).
func EngineOptions(namespace string) engine.Options {
	opts := engine.DefaultOptions()
	opts.Mode = engine.ModeBuiltin
	opts.Controller.Namespace = namespace
	opts.DetectInterval = 200 * time.Millisecond
	var w io.Writer = io.Discard
	level := slog.LevelInfo
	switch os.Getenv("FERRY_E2E_LOG") {
	case "1":
		w = os.Stderr
	case "debug":
		w, level = os.Stderr, slog.LevelDebug
	}
	opts.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	return opts
}

// StartEngine runs an engine until Stop (or the end of the test).
func StartEngine(t testing.TB, cfg *rest.Config, opts engine.Options) *Engine {
	t.Helper()
	e, err := engine.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Engine{Engine: e, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx) }()
	t.Cleanup(func() { r.Stop(t) })
	return r
}

// Stop cancels the engine and waits until every goroutine it started has
// ended: the kill of the kill-and-restart test.
func (e *Engine) Stop(t testing.TB) {
	t.Helper()
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	select {
	case err := <-e.done:
		if err != nil {
			t.Errorf("engine: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("engine did not stop within 30s")
	}
}
