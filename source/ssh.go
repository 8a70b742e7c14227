package source

import (
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"
)

// sshAttempt records what happened during one SSH handshake, so that a
// failed connection can be classified without reading error text:
//
//	host key accepted, key offered, never asked to sign -> server refused the key (ErrAuth)
//	host key rejected                                   -> hostKeyError (ErrServerIdentity)
//
// x/crypto only signs after the server said the offered public key is
// acceptable, so "offered but never signed" means the key was refused.
type sshAttempt struct {
	hostKeyOK atomic.Bool
	offered   atomic.Bool
	signed    atomic.Bool
}

// rejectedKey reports whether the server saw a trusted host key exchange,
// was offered ferry's key, and refused it. Safe on a nil receiver.
func (a *sshAttempt) rejectedKey() bool {
	return a != nil && a.hostKeyOK.Load() && a.offered.Load() && !a.signed.Load()
}

// sshAuth implements go-git's ssh.AuthMethod with ferry's own host key
// callback; go-git would otherwise fall back to ~/.ssh/known_hosts.
type sshAuth struct {
	user    string
	address string
	signer  ssh.Signer
	hosts   *knownHosts
	att     *sshAttempt
	timeout time.Duration // dial and handshake; go-git's dial ignores ctx
}

func newSSHAuth(ep *transport.Endpoint, signer ssh.Signer, hosts *knownHosts, att *sshAttempt, timeout time.Duration) *sshAuth {
	user := ep.User
	if user == "" {
		user = "git"
	}
	port := ep.Port
	if port == 0 {
		port = 22
	}
	return &sshAuth{
		user:    user,
		address: net.JoinHostPort(ep.Host, strconv.Itoa(port)),
		signer:  signer,
		hosts:   hosts,
		att:     att,
		timeout: timeout,
	}
}

// Name implements transport.AuthMethod.
func (a *sshAuth) Name() string { return "ferry-ssh-public-key" }

// String implements transport.AuthMethod; it names the key, never its bytes.
func (a *sshAuth) String() string {
	return "user: " + a.user + ", key: " + ssh.FingerprintSHA256(a.signer.PublicKey())
}

// ClientConfig implements go-git's ssh.AuthMethod.
func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	return &ssh.ClientConfig{
		User: a.user,
		Auth: []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			a.att.offered.Store(true)
			return []ssh.Signer{&trackingSigner{signer: a.signer, att: a.att}}, nil
		})},
		HostKeyCallback:   a.hosts.callback(a.att),
		HostKeyAlgorithms: a.hosts.algorithms(a.address),
		Timeout:           a.timeout,
	}, nil
}

// trackingSigner notes that the server accepted the public key and asked
// for a signature.
type trackingSigner struct {
	signer ssh.Signer
	att    *sshAttempt
}

func (s *trackingSigner) PublicKey() ssh.PublicKey { return s.signer.PublicKey() }

func (s *trackingSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s.att.signed.Store(true)
	return s.signer.Sign(rand, data)
}

// SignWithAlgorithm keeps rsa-sha2-* working: without it x/crypto would
// only use the legacy ssh-rsa algorithm, which modern servers refuse.
func (s *trackingSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	s.att.signed.Store(true)
	if as, ok := s.signer.(ssh.AlgorithmSigner); ok {
		return as.SignWithAlgorithm(rand, data, algorithm)
	}
	return s.signer.Sign(rand, data)
}
