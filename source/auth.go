package source

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"golang.org/x/crypto/ssh"
)

// Secret data keys, the same as Flux's GitRepository secrets so existing
// Secrets work unchanged.
const (
	SecretUsername    = "username"
	SecretPassword    = "password" // HTTPS password, or the passphrase of identity
	SecretBearerToken = "bearerToken"
	SecretCACert      = "ca.crt"
	SecretTLSCert     = "tls.crt"
	SecretTLSKey      = "tls.key"
	SecretIdentity    = "identity"
	SecretKnownHosts  = "known_hosts"
)

// Auth holds the credentials for one repository, parsed and validated once
// from a Secret. The zero value (and a nil *Auth) means anonymous, which is
// allowed for http(s) and file URLs and refused for ssh.
type Auth struct {
	username, password string
	bearerToken        string
	caBundle           []byte
	clientCert         []byte
	clientKey          []byte

	signer     ssh.Signer
	knownHosts *knownHosts

	// id fingerprints the secret material. Fetcher keys its cache with it,
	// so a commit fetched with one Secret is never handed out for another.
	id      string
	secrets []string
}

// AuthFromSecret builds credentials for rawURL from a Secret's data. Which
// keys are read depends on the URL's protocol:
//
//	https, http: username + password (basic), or bearerToken; ca.crt adds a
//	             CA to the system pool; tls.crt + tls.key for mutual TLS.
//	ssh, scp-style: identity (PEM or OpenSSH private key) with an optional
//	             password for it, and known_hosts, which is required.
//	file:        nothing.
//
// Every failure wraps ErrInvalid (or ErrServerIdentity for a missing known_hosts)
// and never quotes a secret value.
func AuthFromSecret(data map[string][]byte, rawURL string) (*Auth, error) {
	ep, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	a := &Auth{id: fingerprint(data)}
	switch ep.Protocol {
	case protoHTTP, protoHTTPS:
		err = a.loadHTTP(data)
	case protoSSH:
		err = a.loadSSH(data)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.URL = RedactURL(rawURL)
			e.secrets = a.secrets
			return nil, e
		}
		return nil, newError("auth", rawURL, ErrInvalid, err, a.secrets)
	}
	return a, nil
}

func (a *Auth) loadHTTP(data map[string][]byte) error {
	a.username, a.password = string(data[SecretUsername]), string(data[SecretPassword])
	a.bearerToken = string(data[SecretBearerToken])
	a.secrets = []string{a.password, a.bearerToken}
	if a.password != "" && a.username == "" {
		return fmt.Errorf("secret has %q but no %q", SecretPassword, SecretUsername)
	}
	if a.username != "" && a.bearerToken != "" {
		return fmt.Errorf("secret has both %q and %q; use one", SecretUsername, SecretBearerToken)
	}
	if ca, ok := data[SecretCACert]; ok {
		if !x509.NewCertPool().AppendCertsFromPEM(ca) {
			return fmt.Errorf("secret key %q holds no PEM certificate", SecretCACert)
		}
		a.caBundle = ca
	}
	cert, key := data[SecretTLSCert], data[SecretTLSKey]
	if len(cert) > 0 || len(key) > 0 {
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			return fmt.Errorf("secret keys %q/%q are not a valid key pair", SecretTLSCert, SecretTLSKey)
		}
		a.clientCert, a.clientKey = cert, key
	}
	return nil
}

func (a *Auth) loadSSH(data map[string][]byte) error {
	passphrase := data[SecretPassword]
	a.secrets = []string{string(passphrase)}
	identity, ok := data[SecretIdentity]
	if !ok {
		return fmt.Errorf("ssh URL needs secret key %q", SecretIdentity)
	}
	signer, err := parsePrivateKey(identity, passphrase)
	if err != nil {
		return err
	}
	a.signer = signer
	hosts, ok := data[SecretKnownHosts]
	if !ok {
		// Fail closed: without known_hosts any server could pose as the host.
		return &Error{Op: "auth", Kind: ErrServerIdentity,
			Err: fmt.Errorf("ssh URL needs secret key %q", SecretKnownHosts)}
	}
	kh, err := parseKnownHosts(hosts)
	if err != nil {
		return &Error{Op: "auth", Kind: ErrServerIdentity, Err: err}
	}
	a.knownHosts = kh
	return nil
}

// parsePrivateKey reads an unencrypted or passphrase-protected key. Parse
// errors are replaced by fixed text: some echo key material.
func parsePrivateKey(pem, passphrase []byte) (ssh.Signer, error) {
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("secret key %q is encrypted and %q is empty", SecretIdentity, SecretPassword)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, passphrase)
		if err != nil {
			return nil, fmt.Errorf("secret key %q: cannot decrypt with %q", SecretIdentity, SecretPassword)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("secret key %q is not a private key", SecretIdentity)
	}
	return signer, nil
}

// fingerprint hashes the secret data in key order.
func fingerprint(data map[string][]byte) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s%d:", len(k), k, len(data[k]))
		h.Write(data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// transportFor returns the go-git auth for one connection to ep. For ssh it
// also returns the attempt record that classify reads after a failure; a
// fresh one per connection keeps concurrent fetches apart.
func (a *Auth) transportFor(ep *transport.Endpoint, timeout time.Duration) (transport.AuthMethod, *sshAttempt, error) {
	switch ep.Protocol {
	case protoSSH:
		if a == nil || a.signer == nil || a.knownHosts == nil {
			return nil, nil, fmt.Errorf("ssh URL needs a secret with %q and %q",
				SecretIdentity, SecretKnownHosts)
		}
		att := &sshAttempt{}
		return newSSHAuth(ep, a.signer, a.knownHosts, att, timeout), att, nil
	case protoHTTP, protoHTTPS:
		switch {
		case a == nil:
		case a.bearerToken != "":
			return &githttp.TokenAuth{Token: a.bearerToken}, nil, nil
		case a.username != "":
			return &githttp.BasicAuth{Username: a.username, Password: a.password}, nil, nil
		}
	}
	return nil, nil, nil
}

// secretsFor lists the values to scrub from messages about rawURL.
func (a *Auth) secretsFor(rawURL string) []string {
	s := userinfoSecrets(rawURL)
	if a != nil {
		s = append(s, a.secrets...)
	}
	return s
}

func (a *Auth) cacheID() string {
	if a == nil {
		return "anonymous"
	}
	return a.id
}

func (a *Auth) tlsOptions() (caBundle, clientCert, clientKey []byte) {
	if a == nil {
		return nil, nil, nil
	}
	return a.caBundle, a.clientCert, a.clientKey
}
