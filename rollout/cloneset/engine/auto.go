package engine

import (
	"context"
	"time"
)

// runAuto runs the engine while OpenKruise's controller is absent, and
// stops it (then waits) when Kruise shows up.
func (e *Engine) runAuto(ctx context.Context) error {
	for {
		d, err := DetectKruise(ctx, e.clients.Kube, time.Now())
		switch {
		case err != nil:
			e.setState(StateDeferringKruise, "cannot tell whether OpenKruise runs: "+err.Error())
		case d.Running:
			e.setState(StateDeferringKruise, d.Reason)
		default:
			err := e.runUntilKruise(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.opts.DetectInterval):
		}
	}
}

// runUntilKruise runs the engine (with leader election if configured) and
// stops it when DetectKruise reports Kruise's controller.
func (e *Engine) runUntilKruise(ctx context.Context) error {
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(e.opts.DetectInterval)
		defer t.Stop()
		for {
			select {
			case <-child.Done():
				return
			case <-t.C:
				if d, err := DetectKruise(child, e.clients.Kube, time.Now()); err == nil && d.Running {
					e.opts.Log.Info("OpenKruise's controller appeared; stopping ferry's engine", "reason", d.Reason)
					cancel()
					return
				}
			}
		}
	}()
	err := e.lead(child)
	if child.Err() != nil && ctx.Err() == nil {
		return nil // stopped for Kruise: look again
	}
	return err
}
