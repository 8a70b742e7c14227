package webhook

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"
)

var certEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testCertOptions() CertOptions {
	o := DefaultCertOptions()
	o.Hosts = []string{"127.0.0.1", "ferry-webhook.ferry-system.svc"}
	return o
}

func mustBundle(t *testing.T, now time.Time, opts CertOptions) *Bundle {
	t.Helper()
	b, err := Plan(nil, now, opts).Apply(nil, now, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verify checks the serving certificate chains to the CA bundle for host.
func verify(t *testing.T, b *Bundle, caBundle []byte, host string, at time.Time) error {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caBundle) {
		t.Fatal("CA bundle has no certificate")
	}
	cert, err := parseCert(b.ServingCert)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, CurrentTime: at})
	return err
}

func TestPlan(t *testing.T) {
	opts := testCertOptions()
	b := mustBundle(t, certEpoch, opts)
	day := 24 * time.Hour
	moreHosts := opts
	moreHosts.Hosts = append(append([]string(nil), opts.Hosts...), "10.0.0.7")
	cases := []struct {
		name       string
		bundle     *Bundle
		at         time.Duration // after certEpoch
		opts       CertOptions
		ca, server bool
	}{
		{"no bundle", nil, 0, opts, true, true},
		{"fresh", b, 0, opts, false, false},
		{"serving valid 36 days", b, 329 * day, opts, false, false},
		{"serving valid 29 days", b, 336 * day, opts, false, true},
		{"CA valid 29 days", b, (5*365 - 29) * day, opts, true, true},
		{"new host", b, 0, moreHosts, false, true},
		{"garbage CA", &Bundle{CACert: []byte("x"), CAKey: []byte("y")}, 0, opts, true, true},
		{"serving from another CA", &Bundle{CACert: b.CACert, CAKey: b.CAKey,
			ServingCert: mustBundle(t, certEpoch, opts).ServingCert, ServingKey: mustBundle(t, certEpoch, opts).ServingKey}, 0, opts, false, true},
		{"serving key of another cert", &Bundle{CACert: b.CACert, CAKey: b.CAKey, ServingCert: b.ServingCert, ServingKey: b.CAKey}, 0, opts, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Plan(tc.bundle, certEpoch.Add(tc.at), tc.opts)
			if p.NewCA != tc.ca || p.NewServing != tc.server {
				t.Errorf("plan %+v, want newCA=%v newServing=%v", p, tc.ca, tc.server)
			}
		})
	}
}

func TestBundleServesEveryHost(t *testing.T) {
	opts := testCertOptions()
	b := mustBundle(t, certEpoch, opts)
	for _, h := range opts.Hosts {
		if err := verify(t, b, b.CABundle(certEpoch), h, certEpoch); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if err := verify(t, b, b.CABundle(certEpoch), "other.example", certEpoch); err == nil {
		t.Errorf("certificate verified for a host it was not issued for")
	}
	if _, err := b.TLSCertificate(); err != nil {
		t.Fatal(err)
	}
}

// TestCARotationKeepsTrust: after a CA rotation the bundle trusts both CAs
// (a serving certificate of either verifies) until the old CA expires.
func TestCARotationKeepsTrust(t *testing.T) {
	opts := testCertOptions()
	old := mustBundle(t, certEpoch, opts)
	at := certEpoch.Add((5*365 - 10) * 24 * time.Hour)
	p := Plan(old, at, opts)
	if !p.NewCA {
		t.Fatalf("plan %+v, want a new CA", p)
	}
	next, err := p.Apply(old, at, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(next.PreviousCACert, old.CACert) || bytes.Equal(next.CACert, old.CACert) {
		t.Fatalf("previous CA not kept")
	}
	bundle := next.CABundle(at)
	if err := verify(t, next, bundle, "127.0.0.1", at); err != nil {
		t.Errorf("new serving certificate: %v", err)
	}
	// The certificate served just before the rotation, from the old CA.
	renewed, err := CertPlan{NewServing: true}.Apply(old, at.Add(-100*24*time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(t, renewed, bundle, "127.0.0.1", at); err != nil {
		t.Errorf("old CA's serving certificate against the rotated bundle: %v", err)
	}
	afterOld := certEpoch.Add(5*365*24*time.Hour + time.Hour)
	if got := next.CABundle(afterOld); !bytes.Equal(got, next.CACert) {
		t.Errorf("expired previous CA still in the bundle")
	}
	if Plan(next, at, opts) != (CertPlan{}) {
		t.Errorf("rotated bundle needs work again: %+v", Plan(next, at, opts))
	}
}
