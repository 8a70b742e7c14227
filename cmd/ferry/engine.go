package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/rollout/cloneset/admission"
	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
)

const engineLong = `Run only ferry's CloneSet rollout engine, for clusters where git sync runs
elsewhere. The engine runs apps.kruise.io/v1alpha1 CloneSets as OpenKruise's
controller does: ControllerRevisions, scaling, in-place and recreate updates
within maxSurge/maxUnavailable/partition, lifecycle hooks and status.

--engine=auto (the default) leaves CloneSets to OpenKruise when its
controller runs in the cluster: a held Lease kruise-system/kruise-manager or
an available Deployment kruise-system/kruise-controller-manager.

With --webhook-listen it also serves the CloneSet validating admission
webhook at /validate-cloneset (TLS; register it by URL or Service).`

const engineExample = `  # Run against the current kubeconfig context, all namespaces
  ferry engine --engine=builtin

  # Two replicas, one acting, with health and metrics on :8081
  ferry engine --leader-elect --lease-namespace ferry-system --health-addr :8081

  # Also validate CloneSets at admission
  ferry engine --webhook-listen :9443 --webhook-cert tls.crt --webhook-key tls.key`

// engineFlags are the flags of `ferry engine`.
type engineFlags struct {
	kube                                                   kubeFlags
	mode                                                   string
	partitionRollback, leaderElect, excludePreparingDelete bool
	leaseNamespace, leaseName                              string
	workers                                                int
	qps                                                    float32
	burst                                                  int
	healthAddr, webhookAddr, webhookCert, webhookKey       string
	expectationTimeout                                     time.Duration
}

func newEngineCommand() *cobra.Command {
	f := engineFlags{}
	cmd := &cobra.Command{
		Use:     "engine",
		Short:   "Run only the CloneSet rollout engine",
		Long:    engineLong,
		Example: engineExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEngine(cmd, f)
		},
	}
	d := engine.DefaultOptions()
	fl := cmd.Flags()
	f.kube.addFlags(fl, "only run CloneSets in this namespace (default: all)")
	fl.StringVar(&f.mode, "engine", string(d.Mode), "who runs CloneSets: auto (ferry unless OpenKruise runs), builtin, off")
	fl.BoolVar(&f.partitionRollback, "partition-rollback", d.Controller.Plan.PartitionRollback, "raising partition moves pods back to the current revision")
	fl.BoolVar(&f.excludePreparingDelete, "scaling-exclude-preparing-delete", d.Controller.Plan.ExcludePreparingDelete,
		"pods held in PreparingDelete by a lifecycle hook do not count when scaling (Kruise's --cloneset-scaling-exclude-preparing-delete)")
	fl.BoolVar(&f.leaderElect, "leader-elect", false, "hold a Lease so that only one replica acts")
	fl.StringVar(&f.leaseNamespace, "lease-namespace", d.Leader.Namespace, "namespace of the leader Lease")
	fl.StringVar(&f.leaseName, "lease-name", d.Leader.Name, "name of the leader Lease")
	fl.IntVar(&f.workers, "workers", d.Controller.Workers, "CloneSets reconciled at once")
	fl.Float32Var(&f.qps, "kube-api-qps", 100, "API requests per second")
	fl.IntVar(&f.burst, "kube-api-burst", 200, "API request burst")
	fl.DurationVar(&f.expectationTimeout, "expectation-timeout", d.Controller.ExpectationTimeout, "how long to wait for the cache to show the engine's own writes")
	fl.StringVar(&f.healthAddr, "health-addr", "", "serve /healthz, /readyz and /metrics on this address")
	fl.StringVar(&f.webhookAddr, "webhook-listen", "", "serve the CloneSet validating webhook (TLS) on this address")
	fl.StringVar(&f.webhookCert, "webhook-cert", "", "webhook TLS certificate (PEM)")
	fl.StringVar(&f.webhookKey, "webhook-key", "", "webhook TLS key (PEM)")
	return cmd
}

func runEngine(cmd *cobra.Command, f engineFlags) error {
	mode, err := engine.ParseMode(f.mode)
	if err != nil {
		return err
	}
	if f.webhookAddr != "" && (f.webhookCert == "" || f.webhookKey == "") {
		return errors.New("--webhook-listen needs --webhook-cert and --webhook-key")
	}
	cfg, err := f.kube.restConfig()
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = f.qps, f.burst
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	opts := engine.DefaultOptions()
	opts.Mode = mode
	opts.Log = log
	opts.Controller.Namespace = f.kube.namespace
	opts.Controller.Workers = f.workers
	opts.Controller.ExpectationTimeout = f.expectationTimeout
	opts.Controller.Plan.PartitionRollback = f.partitionRollback
	opts.Controller.Plan.ExcludePreparingDelete = f.excludePreparingDelete
	opts.Leader.Enabled = f.leaderElect
	opts.Leader.Namespace, opts.Leader.Name = f.leaseNamespace, f.leaseName
	eng, err := engine.New(cfg, opts)
	if err != nil {
		return err
	}

	var kube kubernetes.Interface
	if f.webhookAddr != "" {
		if kube, err = kubernetes.NewForConfig(cfg); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// the first to fail stops the others
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return eng.Run(ctx) })
	if f.healthAddr != "" {
		g.Go(func() error {
			return serve(ctx, &http.Server{Addr: f.healthAddr, Handler: eng.Handler()}, "", "", log, "health")
		})
	}
	if f.webhookAddr != "" {
		h := &admission.Handler{Pods: admission.ClientPods(func(ctx context.Context, ns, name string) (*corev1.Pod, error) {
			return kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		})}
		mux := http.NewServeMux()
		mux.Handle("/validate-cloneset", h)
		g.Go(func() error {
			return serve(ctx, &http.Server{Addr: f.webhookAddr, Handler: mux, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
				f.webhookCert, f.webhookKey, log, "CloneSet validating webhook")
		})
	}
	return g.Wait()
}
