package gittest

import (
	"crypto/subtle"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPOptions configures an HTTPServer. With both Username and BearerToken
// set, either credential is accepted.
type HTTPOptions struct {
	Username, Password string // enforce basic auth when Username is set
	BearerToken        string // enforce "Authorization: Bearer" when set
	TLS                bool   // serve https with a self-signed certificate
}

// HTTPServer serves every repository under a root through git
// http-backend (smart HTTP, fetch and push) and counts what crosses the
// wire, so tests can assert the cost of a poll.
type HTTPServer struct {
	URL string // base URL; repositories are at URL + "/" + name

	srv      *httptest.Server
	opts     HTTPOptions
	requests atomic.Int64
	bytesOut atomic.Int64
	bytesIn  atomic.Int64
	denied   atomic.Int64
}

// NewHTTPServer starts a server for root on 127.0.0.1. It fails the test
// when git-http-backend is not installed.
func NewHTTPServer(t testing.TB, root string, opts HTTPOptions) *HTTPServer {
	t.Helper()
	execPath, err := RunGit("", nil, "--exec-path")
	if err != nil {
		t.Fatal(err)
	}
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := exec.LookPath(backend); err != nil {
		t.Fatalf("git-http-backend: %v", err)
	}
	s := &HTTPServer{opts: opts}
	cgiHandler := &cgi.Handler{
		Path: backend,
		Root: "/git",
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"HOME=" + t.TempDir(),
			"REMOTE_USER=gittest", // http-backend allows push only to a known user
		},
		InheritEnv: []string{"PATH"},
	}
	mux := http.NewServeMux()
	mux.Handle("/git/", s.count(s.authorize(cgiHandler)))
	if opts.TLS {
		s.srv = httptest.NewTLSServer(mux)
	} else {
		s.srv = httptest.NewServer(mux)
	}
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/git"
	return s
}

// RepoURL is the clone URL of the repository at name under the root.
func (s *HTTPServer) RepoURL(name string) string { return s.URL + "/" + name }

// CACert returns the PEM certificate of a TLS server, for a ca.crt key.
func (s *HTTPServer) CACert() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Requests is the number of requests served, including refused ones.
func (s *HTTPServer) Requests() int64 { return s.requests.Load() }

// BytesOut is the number of response body bytes written.
func (s *HTTPServer) BytesOut() int64 { return s.bytesOut.Load() }

// BytesIn is the number of request body bytes read.
func (s *HTTPServer) BytesIn() int64 { return s.bytesIn.Load() }

// Denied is the number of requests refused with 401.
func (s *HTTPServer) Denied() int64 { return s.denied.Load() }

// Reset zeroes the counters.
func (s *HTTPServer) Reset() {
	s.requests.Store(0)
	s.bytesOut.Store(0)
	s.bytesIn.Store(0)
	s.denied.Store(0)
}

func (s *HTTPServer) authorize(next http.Handler) http.Handler {
	if s.opts.Username == "" && s.opts.BearerToken == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.allowed(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.denied.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

func (s *HTTPServer) allowed(r *http.Request) bool {
	if s.opts.Username != "" {
		if u, p, ok := r.BasicAuth(); ok && equal(u, s.opts.Username) && equal(p, s.opts.Password) {
			return true
		}
	}
	if s.opts.BearerToken != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(tok, s.opts.BearerToken) {
			return true
		}
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *HTTPServer) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		r.Body = &countingReader{r: r.Body, n: &s.bytesIn}
		next.ServeHTTP(&countingWriter{ResponseWriter: w, n: &s.bytesOut}, r)
	})
}

type countingReader struct {
	r io.ReadCloser
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
