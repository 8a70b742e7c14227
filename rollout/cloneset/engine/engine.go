// Package engine runs ferry's CloneSet controller the way a deployment
// needs it: not at all (off), always (builtin), or only while OpenKruise's
// own controller is absent (auto); and, with leader election, only on the
// replica that holds the lease, so two replicas never both act.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ferry-gitops/ferry/rollout/cloneset/controller"
	"k8s.io/client-go/rest"
)

// Mode says who runs CloneSets.
type Mode string

const (
	// ModeAuto runs the engine unless OpenKruise's controller runs in the
	// cluster (see DetectKruise); then ferry only applies CloneSets and
	// leaves their rollout to Kruise.
	ModeAuto Mode = "auto"
	// ModeBuiltin always runs the engine.
	ModeBuiltin Mode = "builtin"
	// ModeOff never runs it.
	ModeOff Mode = "off"
)

// ParseMode reads a --engine flag value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeBuiltin, ModeOff:
		return m, nil
	}
	return "", fmt.Errorf("engine mode %q: want auto, builtin or off", s)
}

// ErrLeadershipLost is returned by Run when the lease was lost while the
// controller ran: the process should exit, so it never acts on what it
// believed while another replica acts.
var ErrLeadershipLost = errors.New("lost the engine's leader lease")

// Options configure an Engine.
type Options struct {
	Mode       Mode
	Controller controller.Options
	Leader     LeaderElection
	// DetectInterval is how often auto mode looks for Kruise's controller.
	DetectInterval time.Duration
	// Log receives the engine's and the controller's log lines.
	Log *slog.Logger
}

// DefaultOptions: auto mode, checking for Kruise every 30 s, no leader
// election, the controller's defaults.
func DefaultOptions() Options {
	return Options{
		Mode:           ModeAuto,
		Controller:     controller.DefaultOptions(),
		Leader:         DefaultLeaderElection(),
		DetectInterval: 30 * time.Second,
		Log:            slog.Default(),
	}
}

// State is what the engine is doing.
type State string

const (
	StateStarting        State = "Starting"
	StateOff             State = "Off"
	StateDeferringKruise State = "DeferringToKruise"
	StateWaitingLease    State = "WaitingForLease"
	StateRunning         State = "Running"
)

// Engine is a runnable CloneSet engine.
type Engine struct {
	opts    Options
	clients controller.Clients
	metrics *controller.Metrics

	mu      sync.Mutex
	state   State
	reason  string
	current *controller.Controller
}

// New builds an engine for the cluster cfg points at.
func New(cfg *rest.Config, opts Options) (*Engine, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.DetectInterval <= 0 {
		opts.DetectInterval = DefaultOptions().DetectInterval
	}
	if _, err := ParseMode(string(opts.Mode)); err != nil {
		return nil, err
	}
	clients, err := controller.NewClients(cfg)
	if err != nil {
		return nil, err
	}
	m := opts.Controller.Metrics
	if m == nil {
		m = &controller.Metrics{}
	}
	opts.Controller.Metrics = m
	opts.Controller.Log = opts.Log
	return &Engine{opts: opts, clients: clients, metrics: m, state: StateStarting}, nil
}

// Metrics are the controller counters, across leadership terms.
func (e *Engine) Metrics() *controller.Metrics { return e.metrics }

// State returns what the engine does now and why.
func (e *Engine) State() (State, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state, e.reason
}

// Ready reports whether the engine is doing what its mode asks: idle by
// design, waiting for the lease, or running with synced caches.
func (e *Engine) Ready() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state {
	case StateRunning:
		return e.current != nil && e.current.Ready()
	case StateStarting:
		return false
	}
	return true
}

func (e *Engine) setState(s State, reason string) {
	e.mu.Lock()
	changed := e.state != s || e.reason != reason
	e.state, e.reason = s, reason
	e.mu.Unlock()
	if changed {
		e.opts.Log.Info("cloneset engine", "state", s, "reason", reason)
	}
}

// Run runs the engine until ctx ends. It returns nil on ctx's end, and an
// error if the controller failed or the lease was lost.
func (e *Engine) Run(ctx context.Context) error {
	switch e.opts.Mode {
	case ModeOff:
		e.setState(StateOff, "--engine=off")
		<-ctx.Done()
		return nil
	case ModeBuiltin:
		return e.lead(ctx)
	default:
		return e.runAuto(ctx)
	}
}

// runController runs one controller until ctx ends.
func (e *Engine) runController(ctx context.Context) error {
	c, err := controller.New(e.clients, e.opts.Controller)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.current = c
	e.mu.Unlock()
	e.setState(StateRunning, "")
	defer func() {
		e.mu.Lock()
		e.current = nil
		e.mu.Unlock()
	}()
	return c.Run(ctx)
}
