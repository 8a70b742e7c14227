// Command ferry is a GitOps reconciler for batched rollouts on Kubernetes:
// git holds the desired state and the batch position (a CloneSet's partition),
// ferry renders it, applies it and runs the rollout.
//
// This package holds flags and wiring only; every subcommand delegates to the
// pipeline packages (source, render, rollout, sidecar).
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	cmd := newRootCommand(os.Stdout, os.Stderr)
	err := cmd.Execute()
	if err == nil {
		return
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			fmt.Fprintln(os.Stderr, "error:", exit.err)
		}
		os.Exit(exit.code)
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(2)
}

// exitError carries a process exit code through cobra, for commands whose
// exit status means something (ferry diff: 0 no change, 1 changes, 2 error).
type exitError struct {
	code int
	err  error // printed when non-nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }
