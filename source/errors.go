package source

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Error kinds. Test them with errors.Is; the package never returns one bare,
// always inside an *Error that names the operation and the (redacted) URL.
var (
	// ErrInvalid: the request or the Secret cannot work as written (bad URL,
	// two refs at once, unparsable key). Retrying will not help.
	ErrInvalid = errors.New("invalid source configuration")
	// ErrAuth: the server rejected the credentials, or demanded some.
	ErrAuth = errors.New("authentication failed")
	// ErrServerIdentity: the server could not be verified. For SSH the host
	// key is unknown, does not match known_hosts, or known_hosts is missing
	// (ferry never connects on trust); for HTTPS the certificate does not
	// chain to the system pool or the Secret's ca.crt.
	ErrServerIdentity = errors.New("server identity not verified")
	// ErrNotFound: the repository, ref or commit does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTransient: network failures, timeouts and server errors. Retry.
	ErrTransient = errors.New("transient error")
	// ErrUnsignedCommit: verification was asked for and the commit (or tag)
	// carries no signature.
	ErrUnsignedCommit = errors.New("commit is not signed")
	// ErrUntrustedSignature: the signature is not by a key in the keyring,
	// or does not verify.
	ErrUntrustedSignature = errors.New("signature is not trusted")
	// ErrNonFastForward: write-back lost a race; the branch moved after it
	// was read. Re-read the head and apply the edit again.
	ErrNonFastForward = errors.New("branch moved: non-fast-forward")
	// ErrLocalChanges: write-back into a working tree found uncommitted
	// changes to the file it was asked to edit.
	ErrLocalChanges = errors.New("file has local modifications")
)

// Error is the error type of this package. Its message is built from the
// operation, the redacted URL, the kind and the cause, with every known
// secret value replaced by "***", so it is safe to log and to put in a
// status condition.
type Error struct {
	Op   string // "ls-remote", "fetch", "push", "verify", "write-back"
	URL  string // redacted
	Kind error  // one of the Err* kinds above
	Err  error  // the underlying cause, if any

	secrets []string
}

// Error implements error with secrets scrubbed.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.URL != "" {
		b.WriteString(" ")
		b.WriteString(e.URL)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return scrub(b.String(), e.secrets)
}

// Unwrap exposes both the kind and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// newError builds an *Error. rawURL is redacted here so callers cannot forget.
func newError(op, rawURL string, kind, cause error, secrets []string) *Error {
	return &Error{Op: op, URL: RedactURL(rawURL), Kind: kind, Err: cause, secrets: secrets}
}

// errorf is newError with a formatted cause.
func errorf(op, rawURL string, kind error, format string, args ...any) *Error {
	return newError(op, rawURL, kind, fmt.Errorf(format, args...), nil)
}

// classify decides the kind of an error returned by go-git. It only uses
// typed errors and the per-connection SSH observations in att (nil for
// non-SSH transports); it never inspects message text.
func classify(err error, att *sshAttempt) error {
	var (
		hk      *hostKeyError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		verify  *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &hk), errors.As(err, &unknown), errors.As(err, &invalid),
		errors.As(err, &host), errors.As(err, &verify):
		return ErrServerIdentity
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod):
		return ErrAuth
	case errors.Is(err, transport.ErrRepositoryNotFound),
		errors.Is(err, transport.ErrEmptyRemoteRepository),
		errors.Is(err, git.NoMatchingRefSpecError{}),
		errors.Is(err, plumbing.ErrObjectNotFound):
		return ErrNotFound
	case att.rejectedKey():
		return ErrAuth
	}
	// Timeouts, refused connections, 5xx answers and broken streams: the
	// next attempt may well succeed.
	return ErrTransient
}

// scrub replaces every secret of four or more bytes in s with "***".
// Shorter values are skipped: replacing a one-letter password would mangle
// the whole message while protecting nothing.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}
