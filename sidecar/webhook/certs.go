package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// CertOptions say how long certificates live and when they are replaced.
type CertOptions struct {
	// Hosts are the DNS names and IP addresses the serving certificate is for
	// (the webhook URL's host, or the Service's DNS names).
	Hosts []string
	// CAValidity and ServingValidity are the certificates' lifetimes.
	CAValidity, ServingValidity time.Duration
	// RenewBefore is how long before its expiry a certificate is replaced.
	RenewBefore time.Duration
}

// DefaultCertOptions: a CA for five years, serving certificates for one,
// each replaced 30 days before it expires.
func DefaultCertOptions() CertOptions {
	return CertOptions{
		CAValidity:      5 * 365 * 24 * time.Hour,
		ServingValidity: 365 * 24 * time.Hour,
		RenewBefore:     30 * 24 * time.Hour,
	}
}

// Bundle is the PEM-encoded key material of the webhook: a self-signed CA,
// the serving certificate it signed, and the CA it replaced, which the
// API server keeps trusting until it expires so that a CA rotation never
// leaves a moment in which the served certificate is untrusted.
type Bundle struct {
	CACert, CAKey           []byte
	ServingCert, ServingKey []byte
	PreviousCACert          []byte // empty unless a CA was rotated
}

// CertPlan is what Plan decided to create.
type CertPlan struct {
	NewCA      bool
	NewServing bool
	Reason     string
}

// Plan decides, purely, which certificates a bundle needs at time now: a new
// CA (and so a new serving certificate) when there is none, it does not parse
// or it expires within RenewBefore; a new serving certificate when it is
// missing, expires within RenewBefore, was not signed by the CA or does not
// cover every host.
//
//	CA valid 4y, serving valid 200d, same hosts  -> nothing
//	CA valid 4y, serving valid 20d               -> new serving  (20d < 30d)
//	CA valid 20d                                 -> new CA + serving
//	hosts gained 10.0.0.7                        -> new serving
func Plan(b *Bundle, now time.Time, opts CertOptions) CertPlan {
	if b == nil || len(b.CACert) == 0 {
		return CertPlan{NewCA: true, NewServing: true, Reason: "no CA yet"}
	}
	ca, _, err := parseKeyPair(b.CACert, b.CAKey)
	if err != nil {
		return CertPlan{NewCA: true, NewServing: true, Reason: fmt.Sprintf("CA unusable: %v", err)}
	}
	if now.Add(opts.RenewBefore).After(ca.NotAfter) {
		return CertPlan{NewCA: true, NewServing: true, Reason: fmt.Sprintf("CA expires %s", ca.NotAfter.Format(time.RFC3339))}
	}
	serving, _, err := parseKeyPair(b.ServingCert, b.ServingKey)
	switch {
	case err != nil:
		return CertPlan{NewServing: true, Reason: fmt.Sprintf("serving certificate unusable: %v", err)}
	case now.Add(opts.RenewBefore).After(serving.NotAfter):
		return CertPlan{NewServing: true, Reason: fmt.Sprintf("serving certificate expires %s", serving.NotAfter.Format(time.RFC3339))}
	case serving.CheckSignatureFrom(ca) != nil:
		return CertPlan{NewServing: true, Reason: "serving certificate not signed by the CA"}
	}
	for _, h := range opts.Hosts {
		if serving.VerifyHostname(h) != nil {
			return CertPlan{NewServing: true, Reason: fmt.Sprintf("serving certificate does not cover %s", h)}
		}
	}
	return CertPlan{}
}

// Apply carries out a plan on a copy of the bundle.
func (p CertPlan) Apply(b *Bundle, now time.Time, opts CertOptions) (*Bundle, error) {
	out := &Bundle{}
	if b != nil {
		*out = *b
	}
	if p.NewCA {
		prev := out.CACert
		cert, key, err := newCA(now, opts.CAValidity)
		if err != nil {
			return nil, err
		}
		out.CACert, out.CAKey, out.PreviousCACert = cert, key, nil
		if c, err := parseCert(prev); err == nil && now.Before(c.NotAfter) {
			out.PreviousCACert = prev
		}
	}
	if p.NewServing {
		cert, key, err := issueServing(out.CACert, out.CAKey, opts.Hosts, now, opts.ServingValidity)
		if err != nil {
			return nil, err
		}
		out.ServingCert, out.ServingKey = cert, key
	}
	return out, nil
}

// CABundle is what the webhook configuration trusts: the CA, then the
// previous CA while it is still valid.
func (b *Bundle) CABundle(now time.Time) []byte {
	out := slices.Clone(b.CACert)
	if c, err := parseCert(b.PreviousCACert); err == nil && now.Before(c.NotAfter) {
		out = append(out, b.PreviousCACert...)
	}
	return out
}

// TLSCertificate is the serving key pair for a tls.Config.
func (b *Bundle) TLSCertificate() (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(b.ServingCert, b.ServingKey)
	if err != nil {
		return nil, fmt.Errorf("serving key pair: %w", err)
	}
	return &c, nil
}

func newCA(now time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "ferry-webhook-ca", Organization: []string{"ferry"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("CA certificate: %w", err)
	}
	return encode(der, key)
}

func issueServing(caPEM, caKeyPEM []byte, hosts []string, now time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	ca, caKey, err := parseKeyPair(caPEM, caKeyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("CA: %w", err)
	}
	if len(hosts) == 0 {
		return nil, nil, errors.New("serving certificate: no host names")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("serving key: %w", err)
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"ferry"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: %w", err)
	}
	return encode(der, key)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("serial number: %v", err))
	}
	return n
}

func encode(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

func parseCert(certPEM []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseKeyPair(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, nil, errors.New("no PEM key")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("key: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("key does not match certificate")
	}
	return cert, key, nil
}
