package source

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHosts is a parsed known_hosts file held in memory. The x/crypto
// knownhosts package only reads files, and ferry's container may have no
// writable disk, so the Secret's bytes are parsed here instead.
//
// Supported: plain and hashed (|1|salt|hash) host patterns, [host]:port,
// the * and ? wildcards, negated patterns (!host) and @revoked lines.
// @cert-authority lines are ignored, so a host known only through a CA is
// refused: unsupported means closed, never open.
type knownHosts struct {
	lines []knownHostLine
}

type knownHostLine struct {
	revoked  bool
	patterns []string
	key      ssh.PublicKey
}

// hostKeyError is returned by the host key callback; classify maps it to
// ErrServerIdentity through errors.As, since x/crypto wraps callback errors with %w.
type hostKeyError struct {
	host   string
	reason string
	got    string // fingerprint of the key the server presented
}

func (e *hostKeyError) Error() string {
	return fmt.Sprintf("host %s: %s (server key %s)", e.host, e.reason, e.got)
}

// parseKnownHosts reads every line of data. A line that does not parse is an
// error rather than skipped: a typo must not silently drop the only key.
func parseKnownHosts(data []byte) (*knownHosts, error) {
	kh := &knownHosts{}
	rest := data
	for len(bytes.TrimSpace(rest)) > 0 {
		marker, hosts, key, _, next, err := ssh.ParseKnownHosts(rest)
		if err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
		rest = next
		switch marker {
		case "":
			kh.lines = append(kh.lines, knownHostLine{patterns: hosts, key: key})
		case "revoked":
			kh.lines = append(kh.lines, knownHostLine{revoked: true, patterns: hosts, key: key})
		}
	}
	if len(kh.lines) == 0 {
		return nil, fmt.Errorf("known_hosts: no host keys")
	}
	return kh, nil
}

// keysFor returns the non-revoked keys listed for address ("host:port").
func (kh *knownHosts) keysFor(address string) []ssh.PublicKey {
	host := knownhosts.Normalize(address)
	var keys []ssh.PublicKey
	for _, l := range kh.lines {
		if !l.revoked && matchHostPatterns(l.patterns, host) {
			keys = append(keys, l.key)
		}
	}
	return keys
}

// check is the fail-closed host key decision.
func (kh *knownHosts) check(address string, key ssh.PublicKey) error {
	host := knownhosts.Normalize(address)
	fp := ssh.FingerprintSHA256(key)
	for _, l := range kh.lines {
		if l.revoked && keysEqual(l.key, key) && matchHostPatterns(l.patterns, host) {
			return &hostKeyError{host: host, reason: "key is revoked", got: fp}
		}
	}
	known := kh.keysFor(address)
	if len(known) == 0 {
		return &hostKeyError{host: host, reason: "host is not in known_hosts", got: fp}
	}
	for _, k := range known {
		if keysEqual(k, key) {
			return nil
		}
	}
	return &hostKeyError{host: host, reason: "key does not match known_hosts", got: fp}
}

// callback adapts check to ssh.HostKeyCallback and records success in att.
func (kh *knownHosts) callback(att *sshAttempt) ssh.HostKeyCallback {
	return func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		if err := kh.check(hostname, key); err != nil {
			return err
		}
		att.hostKeyOK.Store(true)
		return nil
	}
}

// algorithms lists the host key algorithms to offer for address, so that a
// server holding several keys presents the one known_hosts has. An RSA key
// verifies under three signature algorithms.
func (kh *knownHosts) algorithms(address string) []string {
	var algs []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algs = append(algs, a)
		}
	}
	for _, k := range kh.keysFor(address) {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
		}
		add(k.Type())
	}
	return algs
}

func keysEqual(a, b ssh.PublicKey) bool {
	return a.Type() == b.Type() && bytes.Equal(a.Marshal(), b.Marshal())
}

// matchHostPatterns applies OpenSSH's rule: the host matches if some
// positive pattern matches and no negated pattern does. host is already
// normalized ("example.com", or "[example.com]:2222" for other ports).
func matchHostPatterns(patterns []string, host string) bool {
	matched := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if matchHostPattern(neg, host) {
				return false
			}
			continue
		}
		if matchHostPattern(p, host) {
			matched = true
		}
	}
	return matched
}

func matchHostPattern(pattern, host string) bool {
	if strings.HasPrefix(pattern, "|1|") {
		return matchHashedHost(pattern, host)
	}
	return wildcardMatch(strings.ToLower(knownhosts.Normalize(pattern)), strings.ToLower(host))
}

// matchHashedHost checks a HashKnownHosts entry: |1|base64(salt)|base64(h)
// with h = HMAC-SHA1(key = salt, message = host).
func matchHashedHost(pattern, host string) bool {
	parts := strings.Split(pattern, "|")
	if len(parts) != 4 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	want, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), want)
}

// wildcardMatch matches s against p where '*' is any run of bytes and '?'
// any one byte. Brackets are literal, unlike path.Match, because known_hosts
// uses them for [host]:port.
func wildcardMatch(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcardMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
		default:
			if len(s) == 0 || p[0] != s[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}
