package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/rollout/apply"
	"github.com/ferry-gitops/ferry/rollout/cloneset/engine"
	"github.com/ferry-gitops/ferry/rollout/gitsync"
	"github.com/ferry-gitops/ferry/sidecar/webhook"
	"github.com/ferry-gitops/ferry/source"
)

const runLong = `Run ferry: keep every GitSync's path of a git repository applied in the
cluster, and run the rollouts of the CloneSets it applies.

With --repo, ferry first creates (or updates) one GitSync from the flags, so
a single command syncs a repository:

  ferry run --repo https://git.example/app.git --branch main --path overlays/prod

Each GitSync is polled every --interval (or its spec.interval): ferry lists the
remote refs, fetches only a new commit, renders the kustomize path with the
SidecarSets injected, validates every object with a server-side dry run and
only then applies them (nothing from a bad commit is applied; the last good
revision keeps running), prunes what left git, and reports health and the
batch of each CloneSet in the GitSync's status ('ferry status').

A push webhook (--hook-listen) makes a sync start at once:
  POST /hook/<github|gitlab|generic>/<namespace>/<name>
with the GitSync's spec.webhook secret. Metrics are on --metrics-listen at
/metrics, with /healthz and /readyz.`

const runExample = `  # Quick start against the current kubectl context
  ferry run --repo https://git.example/app.git --branch main --path overlays/prod --interval 30s

  # Reconcile the GitSyncs that already exist, in one namespace
  ferry run -n apps

  # A local repository (file://), polling fast
  ferry run --repo file:///srv/git/app.git --path overlays/prod --interval 5s`

type runFlags struct {
	kube           kubeFlags
	quick          quickStart
	watchNamespace string
	hookListen     string
	metricsListen  string
	qps            float32
	burst          int
	opts           gitsync.Options

	engineMode        string
	partitionRollback bool
	leader            engine.LeaderElection

	webhook       bool
	webhookListen string
	webhookURL    string
	webhookOpts   webhook.Options
	failurePolicy string
}

func newRunCommand() *cobra.Command {
	f := &runFlags{opts: gitsync.DefaultOptions(), webhookOpts: webhook.DefaultOptions(), leader: engine.DefaultLeaderElection()}
	f.leader.Name = "ferry"
	cmd := &cobra.Command{
		Use:     "run",
		Short:   "Sync git repositories into the cluster and run their rollouts",
		Long:    runLong,
		Example: runExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			return runGitOps(ctx, f, log)
		},
	}
	fl := cmd.Flags()
	f.kube.addFlags(fl, "namespace of the GitSync --repo creates (default: the context's, else default)")
	f.quick.addFlags(fl)
	fl.StringVar(&f.watchNamespace, "watch-namespace", "", "reconcile GitSyncs in this namespace only (default: all)")
	fl.StringVar(&f.hookListen, "hook-listen", ":9292", "address of the push webhook receiver (empty: off)")
	fl.StringVar(&f.metricsListen, "metrics-listen", ":8080", "address of /metrics, /healthz and /readyz (empty: off)")
	fl.IntVar(&f.opts.Workers, "workers", f.opts.Workers, "GitSyncs reconciled at once")
	fl.Float32Var(&f.qps, "kube-api-qps", 100, "API requests per second (all of ferry's clients)")
	fl.IntVar(&f.burst, "kube-api-burst", 200, "API request burst")
	fl.DurationVar(&f.opts.Interval, "default-interval", f.opts.Interval, "poll interval of GitSyncs without spec.interval")
	fl.StringVar(&f.engineMode, "engine", string(engine.ModeAuto), "who runs CloneSets: auto (ferry, unless OpenKruise's controller runs), builtin, off")
	fl.BoolVar(&f.partitionRollback, "partition-rollback", true, "raising a partition moves pods back to the current revision (a git revert of an advance undoes it)")
	fl.BoolVar(&f.leader.Enabled, "leader-elect", false, "run the GitOps loop and the engine only while holding a Lease, so that one of several replicas acts")
	fl.StringVar(&f.leader.Namespace, "lease-namespace", f.leader.Namespace, "namespace of the leader Lease")
	fl.StringVar(&f.leader.Name, "lease-name", f.leader.Name, "name of the leader Lease")
	fl.BoolVar(&f.webhook, "webhook", false, "also serve the SidecarSet injection webhook (see ferry webhook)")
	fl.StringVar(&f.webhookListen, "webhook-listen", ":9443", "address of the injection webhook")
	fl.StringVar(&f.webhookURL, "webhook-url", "", "URL the API server calls for the webhook (default: the Service ferry-webhook)")
	fl.StringVar(&f.webhookOpts.Namespace, "webhook-namespace", f.webhookOpts.Namespace, "ferry's namespace: webhook certificates; never injected")
	fl.StringVar(&f.failurePolicy, "webhook-failure-policy", string(admissionregistrationv1.Fail), "Fail or Ignore when the webhook is down")
	return cmd
}

func runGitOps(ctx context.Context, f *runFlags, log *slog.Logger) error {
	cfg, err := f.kube.restConfig()
	if err != nil {
		return err
	}
	// client-go's default of 5 requests/s would make a fleet of GitSyncs
	// wait on the client, not on the apiserver.
	cfg.QPS, cfg.Burst = f.qps, f.burst
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	mgr, err := apply.NewManager(cfg, apply.DefaultOptions())
	if err != nil {
		return err
	}
	if err := ensureCRDs(ctx, mgr, dyn, log); err != nil {
		return err
	}
	if f.quick.enabled() {
		ns := f.kube.namespaceOr("default")
		gs, err := f.quick.apply(ctx, dyn, ns)
		if err != nil {
			return err
		}
		log.Info("GitSync configured", "gitsync", ns+"/"+gs, "url", f.quick.url, "path", f.quick.path)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	recorder, stopEvents, err := gitsync.NewEventRecorder(kube)
	if err != nil {
		return err
	}
	defer stopEvents()

	opts := f.opts
	opts.Log = log
	opts.ManagerFor = gitsync.Impersonating(cfg, apply.DefaultOptions())
	metrics := gitsync.NewMetrics(reg)
	rec := gitsync.NewReconciler(kube, dyn, source.NewFetcher(source.DefaultFetcherOptions()), mgr, recorder, metrics, opts)
	ctrl := gitsync.NewController(rec, f.watchNamespace)

	mode, err := engine.ParseMode(f.engineMode)
	if err != nil {
		return err
	}
	eopts := engine.DefaultOptions()
	eopts.Mode, eopts.Log = mode, log
	eopts.Controller.Plan.PartitionRollback = f.partitionRollback
	eng, err := engine.New(cfg, eopts)
	if err != nil {
		return err
	}

	// The loop and the engine act on the cluster: with --leader-elect only
	// the replica holding the Lease runs them. The webhook, the push
	// receiver and metrics serve on every replica.
	lead := func(ctx context.Context) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return ctrl.Run(ctx) })
		g.Go(func() error { return eng.Run(ctx) })
		return g.Wait()
	}
	g, ctx := errgroup.WithContext(ctx)
	if f.leader.Enabled {
		g.Go(func() error { return engine.Lead(ctx, kube, f.leader, nil, lead) })
	} else {
		g.Go(func() error { return lead(ctx) })
	}
	if f.webhook {
		wopts := f.webhookOpts
		wopts.Middleware = func(h http.Handler) http.Handler { return metrics.CountRequests("sidecar-admission", h) }
		srv, err := newWebhookServer(wopts, f.webhookURL, f.failurePolicy, log, kube, dyn)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", f.webhookListen)
		if err != nil {
			return fmt.Errorf("webhook: listen on %s: %w", f.webhookListen, err)
		}
		g.Go(func() error { return srv.Run(ctx, ln) })
	}
	if f.hookListen != "" {
		g.Go(func() error {
			return serve(ctx, &http.Server{Addr: f.hookListen, Handler: metrics.CountRequests("push", gitsync.NewHooks(kube, dyn, log).Handler(source.DefaultReceiverOptions()))}, "", "", log, "push webhook receiver")
		})
	}
	if f.metricsListen != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			state, reason := eng.State()
			if !eng.Ready() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			fmt.Fprintf(w, "engine %s %s\n", state, reason)
		})
		g.Go(func() error {
			return serve(ctx, &http.Server{Addr: f.metricsListen, Handler: mux}, "", "", log, "metrics")
		})
	}
	return g.Wait()
}
