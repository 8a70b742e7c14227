package source

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Provider names a webhook dialect.
type Provider string

const (
	// ProviderGitHub: HMAC-SHA256 of the body in X-Hub-Signature-256
	// ("sha256=<hex>"), event in X-GitHub-Event; ping is answered 200.
	ProviderGitHub Provider = "github"
	// ProviderGitLab: the shared secret itself in X-Gitlab-Token, event in
	// X-Gitlab-Event ("Push Hook", "Tag Push Hook").
	ProviderGitLab Provider = "gitlab"
	// ProviderGeneric: HMAC-SHA256 of the body in X-Signature
	// ("sha256=<hex>"); the body may be empty or a JSON object
	// {"url": "...", "ref": "refs/heads/main", "after": "<sha>"}.
	ProviderGeneric Provider = "generic"
)

// Hook identifies one receiving endpoint. Each endpoint has its own secret,
// so a leaked secret opens one door, not all of them.
type Hook struct {
	Provider  Provider
	Namespace string
	Name      string
}

// Push is a verified request to look at a repository now.
type Push struct {
	Hook  Hook
	Event string // the provider's event name ("push", "Tag Push Hook", "generic")
	// RepoURLs are the repository URLs named in the payload, in every form
	// the provider gives (https, ssh, web); match them with SameRepository.
	// Empty for a generic hook without a body.
	RepoURLs []string
	Ref      string // the full ref pushed, "refs/heads/main", if known
	After    string // the commit the ref points to after the push, if known
}

// Branch is the pushed branch name, or "" when the ref is not a branch.
func (p Push) Branch() string {
	b, _ := strings.CutPrefix(p.Ref, "refs/heads/")
	if b == p.Ref {
		return ""
	}
	return b
}

// Tag is the pushed tag name, or "" when the ref is not a tag.
func (p Push) Tag() string {
	t, _ := strings.CutPrefix(p.Ref, "refs/tags/")
	if t == p.Ref {
		return ""
	}
	return t
}

// SecretFunc returns the secret of a hook. Return an error wrapping
// ErrNotFound for a hook that does not exist (answered 404). The secret
// must not be empty.
type SecretFunc func(ctx context.Context, h Hook) ([]byte, error)

// PushFunc receives each verified push. It decides which GitSyncs to poll
// (the hook's own, or every GitSync whose URL matches) and should only
// enqueue work: the provider is waiting for the answer.
type PushFunc func(ctx context.Context, p Push) error

// ReceiverOptions configures a Receiver.
type ReceiverOptions struct {
	// PathPrefix is where the Receiver is mounted.
	PathPrefix string
	// MaxBodyBytes caps the payload; larger requests get 413.
	MaxBodyBytes int64
	// Observe, if set, is told the outcome of every request (for metrics
	// such as ferry_webhook_requests_total{provider,code}).
	Observe func(h Hook, code int)
}

// DefaultReceiverOptions: mounted at /hook/, 1 MiB payloads (GitHub caps
// its own at 25 MiB, but a push event for ferry's purpose is small).
func DefaultReceiverOptions() ReceiverOptions {
	return ReceiverOptions{PathPrefix: "/hook/", MaxBodyBytes: 1 << 20}
}

// Receiver is the push webhook endpoint. Routes:
//
//	POST <prefix><provider>/<namespace>/<name>
//	e.g. POST /hook/github/prod/web
//
// Answers: 202 push accepted, 200 ping or ignored event, 401 missing or
// wrong signature, 404 unknown provider or hook, 405 not POST, 413 body
// too large, 400 unreadable payload, 500 secret lookup or callback failed.
// Response bodies are one short line and never echo the request.
type Receiver struct {
	opts   ReceiverOptions
	secret SecretFunc
	onPush PushFunc
}

// NewReceiver returns a Receiver; zero fields of opts take their defaults.
func NewReceiver(opts ReceiverOptions, secret SecretFunc, onPush PushFunc) *Receiver {
	def := DefaultReceiverOptions()
	if opts.PathPrefix == "" {
		opts.PathPrefix = def.PathPrefix
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = def.MaxBodyBytes
	}
	return &Receiver{opts: opts, secret: secret, onPush: onPush}
}

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	hook, ok := r.route(req.URL.Path)
	code, msg := r.handle(req, hook, ok)
	if r.opts.Observe != nil {
		r.opts.Observe(hook, code)
	}
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

func (r *Receiver) handle(req *http.Request, hook Hook, routed bool) (int, string) {
	if req.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "method not allowed"
	}
	dialect, known := dialects[hook.Provider]
	if !routed || !known {
		return http.StatusNotFound, "no such hook"
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, r.opts.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "payload too large"
	case err != nil:
		return http.StatusBadRequest, "unreadable body"
	}
	secret, err := r.secret(req.Context(), hook)
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "no such hook"
	case err != nil || len(secret) == 0:
		return http.StatusInternalServerError, "hook secret unavailable"
	}
	if !dialect.authentic(req.Header, body, secret) {
		return http.StatusUnauthorized, "signature mismatch"
	}
	push, answer, err := dialect.parse(req.Header, body)
	switch {
	case err != nil:
		return http.StatusBadRequest, "unreadable payload"
	case push == nil:
		return http.StatusOK, answer
	}
	push.Hook = hook
	if err := r.onPush(req.Context(), *push); err != nil {
		return http.StatusInternalServerError, "push not queued"
	}
	return http.StatusAccepted, "accepted"
}

// route splits "<prefix><provider>/<namespace>/<name>".
func (r *Receiver) route(path string) (Hook, bool) {
	rest, ok := strings.CutPrefix(path, r.opts.PathPrefix)
	if !ok {
		return Hook{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return Hook{}, false
	}
	return Hook{Provider: Provider(parts[0]), Namespace: parts[1], Name: parts[2]}, true
}
