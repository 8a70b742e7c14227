package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/ferry-gitops/ferry/rollout/apply/health"
)

// ObjectHealth is the health of one object.
type ObjectHealth struct {
	Ref    ObjectRef
	Health health.Result
}

func (o ObjectHealth) String() string { return o.Ref.Describe() + " " + o.Health.String() }

// HealthError says objects did not become Current: some are Failed (Wait
// stops as soon as it sees one), or the timeout passed first.
type HealthError struct {
	// Objects are the objects that were not Current at the end, in the
	// order they were asked for.
	Objects  []ObjectHealth
	TimedOut bool
	Timeout  time.Duration
}

func (e *HealthError) Error() string {
	msgs := make([]string, len(e.Objects))
	for i, o := range e.Objects {
		msgs[i] = o.String()
	}
	if e.TimedOut {
		return fmt.Sprintf("timed out after %s waiting for %s", e.Timeout, strings.Join(msgs, "; "))
	}
	return "unhealthy: " + strings.Join(msgs, "; ")
}

// Check reads each object once and returns its health, in the order of
// refs. An object that does not exist is InProgress (NotFound). An object
// that cannot be read (its kind is not served, the request failed) is
// Unknown with reason ReadFailed, and the error is returned too.
func (m *Manager) Check(ctx context.Context, refs []ObjectRef) ([]ObjectHealth, error) {
	res := m.newResolver()
	out := make([]ObjectHealth, len(refs))
	var errs []error
	for i, ref := range refs {
		out[i].Ref = ref
		mp, err := res.mapping(ctx, ref.GroupVersionKind())
		if err != nil {
			errs = append(errs, newObjectError(ref, "discovery", err))
			out[i].Health = health.Result{Status: health.Unknown, Reason: ReasonReadFailed, Message: err.Error()}
			continue
		}
		live, err := m.get(ctx, mp, ref)
		if err != nil {
			errs = append(errs, newObjectError(ref, "get", err))
			out[i].Health = health.Result{Status: health.Unknown, Reason: ReasonReadFailed, Message: err.Error()}
			continue
		}
		out[i].Health = health.Of(live)
	}
	return out, errors.Join(errs...)
}

// ReasonReadFailed is the health reason of an object Check could not read.
const ReasonReadFailed health.Reason = "ReadFailed"

// Wait polls the objects until all are Current. It returns a *HealthError
// as soon as one is Failed, or when timeout passes first (read failures
// are retried until then). A held batch
// (BatchHeld) is Current, so Wait returns once the partition's batch is
// done; an object of a kind ferry has no rule for stays Unknown and times
// out rather than passing for healthy.
func (m *Manager) Wait(ctx context.Context, refs []ObjectRef, timeout time.Duration) error {
	var last []ObjectHealth
	var fail *HealthError
	err := wait.PollUntilContextTimeout(ctx, m.opts.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		// A failed read is not final (the apiserver restarts, a CRD is
		// still being served): Check reports it as Unknown and Wait polls on.
		hs, _ := m.Check(ctx, refs)
		last = keepLastRead(last, hs)
		var failedOnes []ObjectHealth
		done := true
		for _, h := range hs {
			switch h.Health.Status {
			case health.Failed:
				failedOnes = append(failedOnes, h)
			case health.Current:
			default:
				done = false
			}
		}
		if len(failedOnes) > 0 {
			fail = &HealthError{Objects: failedOnes}
			return false, fail
		}
		return done, nil
	})
	switch {
	case err == nil:
		return nil
	case fail != nil:
		return fail
	case wait.Interrupted(err) && ctx.Err() == nil:
		return &HealthError{Objects: notCurrent(last), TimedOut: true, Timeout: timeout}
	}
	return err
}

func notCurrent(hs []ObjectHealth) []ObjectHealth {
	var out []ObjectHealth
	for _, h := range hs {
		if h.Health.Status != health.Current {
			out = append(out, h)
		}
	}
	return out
}

// keepLastRead merges a new round of health into the previous one, keeping
// an object's last successful reading when this round could not read it
// (the last poll often races the deadline), so a timeout reports what was
// last seen rather than the interrupted read.
func keepLastRead(prev, next []ObjectHealth) []ObjectHealth {
	if prev == nil {
		return next
	}
	for i := range next {
		if next[i].Health.Reason == ReasonReadFailed && prev[i].Health.Reason != ReasonReadFailed {
			next[i] = prev[i]
		}
	}
	return next
}
