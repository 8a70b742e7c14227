package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ferry-gitops/ferry/sidecar/webhook"
)

const webhookLong = `Serve the SidecarSet injection admission webhook.

Pods that ferry did not render (created by hand, by a Deployment, a Job...)
get the OpenKruise SidecarSets (apps.kruise.io/v1alpha1) that select them,
with the same injector ferry uses at render time. A pod whose template ferry
rendered already records its SidecarSets in kruise.io/sidecarset-hash and is
admitted unchanged: sidecars are never injected twice, and sidecar upgrades of
rendered workloads follow the workload's batches.

The webhook handles Pod CREATE (admission.k8s.io/v1) over TLS at /mutate-pods,
with /healthz and /readyz on the same port. SidecarSets and Namespaces are
read from informer caches. On start ferry creates a CA and a serving
certificate (or loads them from the Secret --secret-name in --namespace),
renews them before they expire, and writes the MutatingWebhookConfiguration
--config-name with that CA as its caBundle. The API server reaches the webhook
by --url when given (a control plane without a service network), otherwise by
the Service --service in --namespace. Pods in --namespace and kube-system are
never injected.`

const webhookExample = `  # Local control plane: the API server calls the webhook on loopback
  ferry webhook --kubeconfig ./kubeconfig --listen 127.0.0.1:9443 \
    --url https://127.0.0.1:9443/mutate-pods

  # In cluster, behind the Service ferry-webhook in ferry-system
  ferry webhook --namespace ferry-system --service ferry-webhook --listen :9443

  # Admit pods uninjected while the webhook is down
  ferry webhook --url https://10.0.0.5:9443/mutate-pods --failure-policy Ignore`

type webhookFlags struct {
	kube                       kubeFlags
	listen, url, failurePolicy string
	opts                       webhook.Options
}

func newWebhookCommand() *cobra.Command {
	f := &webhookFlags{opts: webhook.DefaultOptions()}
	cmd := &cobra.Command{
		Use:     "webhook",
		Short:   "Serve the SidecarSet injection admission webhook",
		Long:    webhookLong,
		Example: webhookExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runWebhook(ctx, f, slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))
		},
	}
	fl := cmd.Flags()
	f.kube.addFlags(fl, "")
	fl.StringVar(&f.listen, "listen", ":9443", "address to serve TLS on")
	fl.StringVar(&f.url, "url", "", "URL the API server calls, https://host:port/mutate-pods (default: reach --service)")
	fl.StringVar(&f.failurePolicy, "failure-policy", string(admissionregistrationv1.Fail), "Fail (pods are rejected while the webhook is down) or Ignore (admitted uninjected)")
	fl.StringVar(&f.opts.Namespace, "namespace", f.opts.Namespace, "ferry's namespace: holds the certificate Secret; never injected")
	fl.StringVar(&f.opts.Service.Name, "service", f.opts.Service.Name, "Service in --namespace that reaches the webhook, when --url is not set")
	fl.Int32Var(&f.opts.Service.Port, "service-port", f.opts.Service.Port, "port of --service")
	fl.StringSliceVar(&f.opts.Hosts, "hosts", nil, "extra host names or IPs for the serving certificate")
	fl.StringVar(&f.opts.CertDir, "cert-dir", "", "also write tls.crt, tls.key and ca.crt here")
	fl.StringVar(&f.opts.SecretName, "secret-name", f.opts.SecretName, "Secret in --namespace holding the CA and serving certificate")
	fl.StringVar(&f.opts.ConfigName, "config-name", f.opts.ConfigName, "name of the MutatingWebhookConfiguration")
	fl.BoolVar(&f.opts.Register, "register", f.opts.Register, "write the MutatingWebhookConfiguration")
	fl.DurationVar(&f.opts.CertCheckInterval, "cert-check-interval", f.opts.CertCheckInterval, "how often certificates are checked for renewal")
	return cmd
}

// newWebhookServer completes the webhook options from the command's
// flags (`ferry webhook` and `ferry run --webhook` share them) and builds
// the server.
func newWebhookServer(opts webhook.Options, url, failurePolicy string, log *slog.Logger, kube kubernetes.Interface, dyn dynamic.Interface) (*webhook.Server, error) {
	opts.URL, opts.Log, opts.Now = url, log, time.Now
	opts.Service.Namespace = opts.Namespace
	opts.FailurePolicy = admissionregistrationv1.FailurePolicyType(failurePolicy)
	return webhook.NewServer(opts, kube, dyn)
}

func runWebhook(ctx context.Context, f *webhookFlags, log *slog.Logger) error {
	cfg, err := f.kube.restConfig()
	if err != nil {
		return err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	srv, err := newWebhookServer(f.opts, f.url, f.failurePolicy, log, kube, dyn)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	return srv.Run(ctx, ln)
}
