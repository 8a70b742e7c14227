package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Keys of the certificate Secret.
const (
	secretCACert         = "ca.crt"
	secretCAKey          = "ca.key"
	secretServingCert    = corev1.TLSCertKey
	secretServingKey     = corev1.TLSPrivateKeyKey
	secretPreviousCACert = "ca-previous.crt"
)

// CertManager keeps the webhook's Bundle in a Secret, so every replica and
// every restart serves a certificate from the same CA, replaces certificates
// before they expire (Plan), and hands the serving certificate to the TLS
// server without a restart.
type CertManager struct {
	Client     kubernetes.Interface
	Namespace  string
	SecretName string
	Options    CertOptions
	Now        func() time.Time
	// CertDir, when set, receives tls.crt, tls.key and ca.crt on every change.
	CertDir string
	// OnCABundle publishes the CA bundle (to the webhook configuration). It
	// is called before a new serving certificate is used, and whenever the
	// bundle changes.
	OnCABundle func(ctx context.Context, caBundle []byte) error
	Log        *slog.Logger

	mu        sync.Mutex
	published []byte
	cert      atomic.Pointer[tls.Certificate]
}

// Ensure loads the Secret, renews what Plan asks for, stores the result
// (losing a race to another replica just means using its bundle), publishes
// the CA bundle, then serves the certificate.
func (m *CertManager) Ensure(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	var bundle *Bundle
	for attempt := 0; ; attempt++ {
		b, stored, err := m.sync(ctx, now)
		if err == nil {
			bundle = b
			break
		}
		if stored && attempt < 3 && (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) {
			continue
		}
		return err
	}
	caBundle := bundle.CABundle(now)
	if !bytes.Equal(caBundle, m.published) && m.OnCABundle != nil {
		if err := m.OnCABundle(ctx, caBundle); err != nil {
			return fmt.Errorf("publish CA bundle: %w", err)
		}
	}
	m.published = caBundle
	cert, err := bundle.TLSCertificate()
	if err != nil {
		return err
	}
	if m.CertDir != "" {
		if err := writeCertDir(m.CertDir, bundle, caBundle); err != nil {
			return err
		}
	}
	m.cert.Store(cert)
	return nil
}

// sync reads the Secret and, if Plan says so, writes a renewed bundle; stored
// tells whether an error came from writing.
func (m *CertManager) sync(ctx context.Context, now time.Time) (*Bundle, bool, error) {
	id := m.Namespace + "/" + m.SecretName
	secret, err := m.Client.CoreV1().Secrets(m.Namespace).Get(ctx, m.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		secret = nil
	} else if err != nil {
		return nil, false, fmt.Errorf("read Secret %s: %w", id, err)
	}
	current := bundleFromSecret(secret)
	plan := Plan(current, now, m.Options)
	if !plan.NewCA && !plan.NewServing {
		return current, false, nil
	}
	next, err := plan.Apply(current, now, m.Options)
	if err != nil {
		return nil, false, err
	}
	if secret == nil {
		secret = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Name: m.SecretName, Namespace: m.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "ferry"},
		}, Type: corev1.SecretTypeOpaque}
		secret.Data = bundleData(next)
		_, err = m.Client.CoreV1().Secrets(m.Namespace).Create(ctx, secret, metav1.CreateOptions{FieldManager: fieldManager})
	} else {
		secret = secret.DeepCopy()
		secret.Data = bundleData(next)
		_, err = m.Client.CoreV1().Secrets(m.Namespace).Update(ctx, secret, metav1.UpdateOptions{FieldManager: fieldManager})
	}
	if err != nil {
		return nil, true, fmt.Errorf("store certificates in Secret %s: %w", id, err)
	}
	m.log().Info("webhook certificates renewed", "secret", id, "newCA", plan.NewCA, "reason", plan.Reason)
	return next, true, nil
}

// Run renews the certificates every interval until ctx ends.
func (m *CertManager) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Ensure(ctx); err != nil {
				m.log().Error("renew webhook certificates", "err", err)
			}
		}
	}
}

// GetCertificate is the tls.Config hook: the current serving certificate.
func (m *CertManager) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := m.cert.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("no serving certificate yet")
}

// Ready reports whether a serving certificate is loaded.
func (m *CertManager) Ready() bool { return m.cert.Load() != nil }

func (m *CertManager) log() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Log
}

func bundleFromSecret(s *corev1.Secret) *Bundle {
	if s == nil {
		return nil
	}
	return &Bundle{
		CACert: s.Data[secretCACert], CAKey: s.Data[secretCAKey],
		ServingCert: s.Data[secretServingCert], ServingKey: s.Data[secretServingKey],
		PreviousCACert: s.Data[secretPreviousCACert],
	}
}

func bundleData(b *Bundle) map[string][]byte {
	data := map[string][]byte{
		secretCACert: b.CACert, secretCAKey: b.CAKey,
		secretServingCert: b.ServingCert, secretServingKey: b.ServingKey,
	}
	if len(b.PreviousCACert) > 0 {
		data[secretPreviousCACert] = b.PreviousCACert
	}
	return data
}

// writeCertDir writes the serving pair and the CA bundle, each file replaced
// atomically, the key readable by its owner only.
func writeCertDir(dir string, b *Bundle, caBundle []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cert dir: %w", err)
	}
	for name, f := range map[string]struct {
		data []byte
		mode os.FileMode
	}{
		"tls.crt": {b.ServingCert, 0o644},
		"tls.key": {b.ServingKey, 0o600},
		"ca.crt":  {caBundle, 0o644},
	} {
		path := filepath.Join(dir, name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, f.data, f.mode); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
