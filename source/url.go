package source

import (
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Transport protocols ferry accepts in a GitSync URL.
const (
	protoHTTPS = "https"
	protoHTTP  = "http"
	protoSSH   = "ssh"
	protoFile  = "file"
)

// parseURL parses a remote URL in any form git accepts: https://, http://,
// ssh://, scp-style (git@host:org/repo.git, or git@host:2222:org/repo.git
// with a port), file:// and plain paths. Other protocols (git://) are
// refused: they carry neither authentication nor integrity.
func parseURL(raw string) (*transport.Endpoint, error) {
	if raw == "" {
		return nil, errorf("parse", "", ErrInvalid, "empty repository URL")
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		// The go-git message may echo the URL; scrub it through newError.
		return nil, newError("parse", raw, ErrInvalid, err, userinfoSecrets(raw))
	}
	switch ep.Protocol {
	case protoHTTPS, protoHTTP, protoSSH, protoFile:
		return ep, nil
	}
	return nil, errorf("parse", raw, ErrInvalid, "unsupported protocol %q (use https, ssh or file)", ep.Protocol)
}

// RedactURL hides credentials in a URL so it can be logged. For http(s) the
// whole userinfo goes (a token is often passed as the user name, as in
// https://TOKEN@host/repo); for ssh only a password goes, since the user
// name (git@) is not a secret. scp-style URLs and paths cannot carry a
// password and are returned unchanged.
//
//	https://user:pass@host/r.git -> https://***@host/r.git
//	ssh://git:pw@host/r.git      -> ssh://git:***@host/r.git
//	git@host:org/r.git           -> git@host:org/r.git
func RedactURL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	scheme := strings.ToLower(raw[:i])
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	userinfo := rest[:at]
	redacted := "***"
	if strings.Contains(scheme, "ssh") {
		redacted = userinfo
		if c := strings.Index(userinfo, ":"); c >= 0 {
			redacted = userinfo[:c] + ":***"
		}
	}
	return raw[:i+3] + redacted + rest[at:]
}

// userinfoSecrets returns the user name and password embedded in an http(s)
// URL, for scrubbing from messages that echo the URL in another form.
func userinfoSecrets(raw string) []string {
	ep, err := transport.NewEndpoint(raw)
	if err != nil || (ep.Protocol != protoHTTP && ep.Protocol != protoHTTPS) {
		return nil
	}
	return []string{ep.User, ep.Password}
}

// SameRepository reports whether two URLs name the same repository,
// ignoring the protocol, credentials, a default port, letter case of the
// host, a trailing ".git" and a trailing slash. Webhook callbacks use it to
// match the clone URLs of a push event against GitSync URLs:
//
//	https://github.com/acme/app.git == git@github.com:acme/app == ssh://git@github.com:22/acme/app/
//	https://github.com/acme/app     != https://github.com/acme/app2
func SameRepository(a, b string) bool {
	ka, oka := repositoryKey(a)
	kb, okb := repositoryKey(b)
	return oka && okb && ka == kb
}

// repositoryKey reduces a URL to host[:port]/path for comparison.
func repositoryKey(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return "", false
	}
	path := strings.TrimSuffix(strings.Trim(ep.Path, "/"), ".git")
	if path == "" {
		return "", false
	}
	host := strings.ToLower(ep.Host)
	if ep.Port != 0 && !isDefaultPort(ep.Protocol, ep.Port) {
		host += ":" + strconv.Itoa(ep.Port)
	}
	return host + "/" + path, true
}

func isDefaultPort(proto string, port int) bool {
	switch proto {
	case protoHTTPS:
		return port == 443
	case protoHTTP:
		return port == 80
	case protoSSH:
		return port == 22
	}
	return false
}
