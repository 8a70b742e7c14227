package engine

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// LeaderElection configures the Lease that keeps two engine replicas from
// both acting.
type LeaderElection struct {
	Enabled bool
	// Namespace and Name of the Lease.
	Namespace, Name string
	// Identity of this replica; "" is the hostname plus a random suffix.
	Identity string
	// LeaseDuration, RenewDeadline, RetryPeriod: client-go's meaning.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// DefaultLeaderElection: off; Lease ferry-system/ferry-engine; client-go's
// usual 15 s / 10 s / 2 s.
func DefaultLeaderElection() LeaderElection {
	return LeaderElection{
		Namespace:     "ferry-system",
		Name:          "ferry-engine",
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
	}
}

// lead runs the controller, after winning the lease when leader election
// is on.
func (e *Engine) lead(ctx context.Context) error {
	le := e.opts.Leader
	if !le.Enabled {
		return e.runController(ctx)
	}
	return Lead(ctx, e.clients.Kube, le, func(id string) {
		e.setState(StateWaitingLease, fmt.Sprintf("lease %s/%s as %s", le.Namespace, le.Name, id))
	}, e.runController)
}

// Lead runs run only while this process holds the Lease le names, so two
// replicas never both act. run is stopped before the lease is released, so
// a successor never overlaps with it: on ctx's end run drains first, then
// the lease is given up (ReleaseOnCancel) for the next replica to take at
// once. waiting, if set, is told this replica's identity before it starts
// waiting for the lease.
//
// Lead returns nil when ctx ends, run's error if it failed, and
// ErrLeadershipLost when the lease was lost while run ran: the process
// should then exit rather than act on what it believed as leader.
func Lead(ctx context.Context, kube kubernetes.Interface, le LeaderElection, waiting func(id string), run func(context.Context) error) error {
	id := le.Identity
	if id == "" {
		host, _ := os.Hostname()
		id = fmt.Sprintf("%s_%s", host, uuid.NewUUID())
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, le.Namespace, le.Name,
		kube.CoreV1(), kube.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: id})
	if err != nil {
		return fmt.Errorf("leader lock %s/%s: %w", le.Namespace, le.Name, err)
	}
	electCtx, stopElecting := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElecting()
	var leading atomic.Bool
	ran := make(chan error, 1)
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   le.LeaseDuration,
		RenewDeadline:   le.RenewDeadline,
		RetryPeriod:     le.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            le.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leaderCtx context.Context) {
				leading.Store(true)
				runCtx, cancel := context.WithCancel(leaderCtx)
				stop := context.AfterFunc(ctx, cancel)
				err := run(runCtx)
				stop()
				cancel()
				ran <- err
				stopElecting()
			},
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	stopWaiting := context.AfterFunc(ctx, func() {
		if !leading.Load() {
			stopElecting()
		}
	})
	defer stopWaiting()
	if waiting != nil {
		waiting(id)
	}
	elector.Run(electCtx)
	if !leading.Load() {
		return nil
	}
	err = <-ran
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return err
	}
	return ErrLeadershipLost
}
