package webhook

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Options configure the webhook server.
type Options struct {
	// Namespace is ferry's own namespace: the certificate Secret lives there,
	// and its pods are never injected.
	Namespace string
	// SecretName holds the CA and serving certificate.
	SecretName string
	// ConfigName is the MutatingWebhookConfiguration's name.
	ConfigName string
	// URL, when set, is how the API server reaches the webhook
	// (https://127.0.0.1:9443/mutate-pods); otherwise Service is used.
	URL     string
	Service ServiceRef
	// Hosts are extra names for the serving certificate, beyond URL's host
	// or the Service's DNS names.
	Hosts         []string
	FailurePolicy admissionregistrationv1.FailurePolicyType
	// Register writes the MutatingWebhookConfiguration (with the CA bundle)
	// when the certificates are created or rotated.
	Register bool
	// CertDir, when set, receives the serving certificate and CA bundle.
	CertDir string
	// CertCheckInterval is how often certificates are checked for renewal.
	CertCheckInterval time.Duration
	Cert              CertOptions
	// ReportMissed watches pods and writes a Warning Event on each one that
	// was admitted without the sidecars of a SidecarSet selecting it (see
	// MissedReporter); it needs list and watch on pods and create on
	// events.k8s.io events.
	ReportMissed bool
	// Instance identifies this process in those Events (reportingInstance);
	// empty means the host name.
	Instance string
	// Middleware, when set, wraps the admission handler (ferry run counts
	// requests by response code with it).
	Middleware func(http.Handler) http.Handler
	// Resync is the informers' resync period.
	Resync time.Duration
	Now    func() time.Time
	Log    *slog.Logger
}

// DefaultOptions are the defaults of `ferry webhook`.
func DefaultOptions() Options {
	return Options{
		Namespace:         "ferry-system",
		SecretName:        "ferry-webhook-certs",
		ConfigName:        "ferry-sidecar-injector",
		Service:           ServiceRef{Namespace: "ferry-system", Name: "ferry-webhook", Port: 443},
		FailurePolicy:     admissionregistrationv1.Fail,
		Register:          true,
		ReportMissed:      true,
		CertCheckInterval: time.Hour,
		Cert:              DefaultCertOptions(),
		Resync:            10 * time.Minute,
		Now:               time.Now,
	}
}

// Server is the admission webhook: informer caches, certificates, handler.
type Server struct {
	opts    Options
	kube    kubernetes.Interface
	source  *ClusterSource
	certs   *CertManager
	handler *Handler
	missed  *MissedReporter // nil unless ReportMissed
}

// NewServer wires the webhook from its options and clients.
func NewServer(opts Options, kube kubernetes.Interface, dyn dynamic.Interface) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	hosts, err := servingHosts(opts)
	if err != nil {
		return nil, err
	}
	certOpts := opts.Cert
	certOpts.Hosts = hosts
	exclude := []string{opts.Namespace, "kube-system"}
	cfgOpts := ConfigOptions{
		Name: opts.ConfigName, URL: opts.URL, Service: opts.Service,
		FailurePolicy: opts.FailurePolicy, ExcludeNamespaces: exclude, TimeoutSeconds: 10,
	}
	if _, err := BuildConfiguration(cfgOpts, nil); err != nil {
		return nil, err
	}
	source, err := NewClusterSource(dyn, kube, opts.Resync, opts.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, kube: kube, source: source}
	s.certs = &CertManager{
		Client: kube, Namespace: opts.Namespace, SecretName: opts.SecretName,
		Options: certOpts, Now: opts.Now, CertDir: opts.CertDir, Log: opts.Log,
	}
	if opts.Register {
		s.certs.OnCABundle = func(ctx context.Context, caBundle []byte) error {
			cfg, err := BuildConfiguration(cfgOpts, caBundle)
			if err != nil {
				return err
			}
			return Register(ctx, kube, cfg)
		}
	}
	s.handler = &Handler{
		Sets: source, Namespaces: source, SkipNamespaces: exclude,
		Ready: source.HasSynced, Now: opts.Now, Log: opts.Log,
	}
	if opts.ReportMissed {
		instance := opts.Instance
		if instance == "" {
			instance, _ = os.Hostname()
		}
		s.missed, err = NewMissedReporter(kube, source, source, MissedReporterOptions{
			SkipNamespaces: exclude, ConfigName: opts.ConfigName, Instance: cmp.Or(instance, "ferry-webhook"),
			Now: opts.Now, Log: opts.Log,
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// servingHosts are the names the serving certificate must cover.
func servingHosts(opts Options) ([]string, error) {
	var hosts []string
	if opts.URL != "" {
		u, err := url.Parse(opts.URL)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" {
			return nil, fmt.Errorf("webhook URL %q: want https://host[:port]/path", opts.URL)
		}
		hosts = append(hosts, u.Hostname())
	} else {
		svc := opts.Service.Name + "." + opts.Service.Namespace
		hosts = append(hosts, svc+".svc", svc+".svc.cluster.local", svc)
	}
	return append(hosts, opts.Hosts...), nil
}

// Mux serves the webhook's endpoints: the pod handler at MutatePath,
// /healthz (the process is serving) and /readyz (caches synced and a
// certificate loaded).
func (s *Server) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	var mutate http.Handler = s.handler
	if s.opts.Middleware != nil {
		mutate = s.opts.Middleware(mutate)
	}
	mux.Handle(MutatePath, mutate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.source.HasSynced() || !s.certs.Ready() {
			http.Error(w, "not ready: waiting for caches and certificates", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// Run serves TLS on ln until ctx ends: it starts the informers and the
// server, waits for the caches, then creates or loads the certificates and
// registers the webhook configuration, so the API server is only pointed at a
// webhook that is listening; certificates are renewed every
// CertCheckInterval. With ReportMissed, it then reports the pods admitted
// without their sidecars while it was away (see MissedReporter).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.source.Start(ctx)
	srv := &http.Server{
		Handler:           s.Mux(),
		TLSConfig:         &tls.Config{GetCertificate: s.certs.GetCertificate, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	shutdown := func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}
	s.opts.Log.Info("webhook listening", "addr", ln.Addr().String())
	if !s.source.WaitForSync(ctx) {
		shutdown()
		return ctx.Err()
	}
	if err := ensureNamespace(ctx, s.kube, s.opts.Namespace); err != nil {
		shutdown()
		return err
	}
	if err := s.certs.Ensure(ctx); err != nil {
		shutdown()
		return fmt.Errorf("webhook certificates: %w", err)
	}
	s.opts.Log.Info("webhook ready", "configuration", s.opts.ConfigName, "registered", s.opts.Register)
	go s.certs.Run(ctx, s.opts.CertCheckInterval)
	if s.missed != nil {
		go s.missed.Run(ctx, s.source.WaitForSync)
	}
	select {
	case <-ctx.Done():
		shutdown()
		return nil
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("webhook server: %w", err)
	}
}

// ensureNamespace creates ferry's namespace if it is missing: the certificate
// Secret lives there.
func ensureNamespace(ctx context.Context, kube kubernetes.Interface, name string) error {
	_, err := kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err = kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: fieldManager})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	return nil
}
