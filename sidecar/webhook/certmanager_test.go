package webhook

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestCertManager: the first Ensure creates the Secret and publishes the CA;
// later ones reuse it (another replica or a restart gets the same CA); near
// the serving certificate's expiry it is renewed in the Secret without a new
// CA, so the published bundle stays the same.
func TestCertManager(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	now := certEpoch
	var published [][]byte
	newManager := func(dir string) *CertManager {
		return &CertManager{
			Client: client, Namespace: "ferry-system", SecretName: "ferry-webhook-certs",
			Options: testCertOptions(), Now: func() time.Time { return now }, CertDir: dir,
			OnCABundle: func(_ context.Context, b []byte) error { published = append(published, b); return nil },
		}
	}
	dir := t.TempDir()
	m := newManager(dir)
	if m.Ready() {
		t.Fatal("ready before Ensure")
	}
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	secret, err := client.CoreV1().Secrets("ferry-system").Get(ctx, "ferry-webhook-certs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := bundleFromSecret(secret)
	if len(published) != 1 || !bytes.Equal(published[0], first.CACert) {
		t.Fatalf("published %d bundles, want the CA once", len(published))
	}
	if c, _ := m.GetCertificate(nil); c == nil || !m.Ready() {
		t.Fatal("no certificate served")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "tls.crt")); !bytes.Equal(data, first.ServingCert) {
		t.Errorf("cert dir tls.crt differs from the Secret's")
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tls.key mode %v, %v", fi.Mode(), err)
	}

	// A second replica reuses the Secret.
	other := newManager("")
	if err := other.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if len(published) != 2 || !bytes.Equal(published[1], first.CACert) {
		t.Fatalf("second replica published a different CA")
	}
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if len(published) != 2 {
		t.Errorf("unchanged bundle published again")
	}

	// 340 days later the serving certificate is renewed, the CA kept.
	now = certEpoch.Add(340 * 24 * time.Hour)
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	secret, _ = client.CoreV1().Secrets("ferry-system").Get(ctx, "ferry-webhook-certs", metav1.GetOptions{})
	renewed := bundleFromSecret(secret)
	if bytes.Equal(renewed.ServingCert, first.ServingCert) || !bytes.Equal(renewed.CACert, first.CACert) {
		t.Errorf("want a new serving certificate from the same CA")
	}
	if len(published) != 2 {
		t.Errorf("CA bundle published although the CA did not change")
	}
	if c, _ := m.GetCertificate(nil); c == nil || !bytes.Equal(c.Certificate[0], mustDER(t, renewed.ServingCert)) {
		t.Errorf("renewed certificate not served")
	}
}

func mustDER(t *testing.T, certPEM []byte) []byte {
	t.Helper()
	c, err := parseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c.Raw
}
