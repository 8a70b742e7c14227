package source

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const hookSecret = "hook-secret-123"

func sign(body string, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

const githubBody = `{"ref":"refs/heads/main","after":"1111111111111111111111111111111111111111",
 "repository":{"clone_url":"https://github.com/acme/app.git","ssh_url":"git@github.com:acme/app.git","html_url":"https://github.com/acme/app"}}`

const gitlabBody = `{"object_kind":"tag_push","ref":"refs/tags/v1.2.0","after":"2222222222222222222222222222222222222222",
 "checkout_sha":"3333333333333333333333333333333333333333",
 "project":{"git_http_url":"https://gitlab.com/acme/app.git","git_ssh_url":"git@gitlab.com:acme/app.git","web_url":"https://gitlab.com/acme/app"}}`

func TestReceiver(t *testing.T) {
	ghHook := Hook{Provider: ProviderGitHub, Namespace: "prod", Name: "web"}
	tests := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		code    int
		push    *Push
	}{
		{
			name: "github push", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(githubBody, hookSecret), "Content-Type": "application/json"},
			body:    githubBody, code: 202,
			push: &Push{Hook: ghHook, Event: "push", Ref: "refs/heads/main", After: "1111111111111111111111111111111111111111",
				RepoURLs: []string{"https://github.com/acme/app.git", "git@github.com:acme/app.git", "https://github.com/acme/app"}},
		},
		{
			name: "github push as form", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "Content-Type": "application/x-www-form-urlencoded",
				"X-Hub-Signature-256": sign("payload="+url.QueryEscape(githubBody), hookSecret)},
			body: "payload=" + url.QueryEscape(githubBody), code: 202,
			push: &Push{Hook: ghHook, Event: "push", Ref: "refs/heads/main", After: "1111111111111111111111111111111111111111",
				RepoURLs: []string{"https://github.com/acme/app.git", "git@github.com:acme/app.git", "https://github.com/acme/app"}},
		},
		{
			name: "github ping", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": sign(`{"zen":"hi"}`, hookSecret)},
			body:    `{"zen":"hi"}`, code: 200,
		},
		{
			name: "github other event", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "issues", "X-Hub-Signature-256": sign(`{}`, hookSecret)},
			body:    `{}`, code: 200,
		},
		{
			name: "github wrong signature", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(githubBody, "other-secret")},
			body:    githubBody, code: 401,
		},
		{
			name: "github signature of another body", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(githubBody, hookSecret)},
			body:    strings.Replace(githubBody, "main", "evil", 1), code: 401,
		},
		{
			name: "github missing signature", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push"},
			body:    githubBody, code: 401,
		},
		{
			name: "github sha1 signature only", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature": "sha1=0000"},
			body:    githubBody, code: 401,
		},
		{
			name: "github ping unsigned", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "ping"},
			body:    `{}`, code: 401,
		},
		{
			name: "github bad json", path: "/hook/github/prod/web",
			headers: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(`{`, hookSecret)},
			body:    `{`, code: 400,
		},
		{
			name: "gitlab tag push", path: "/hook/gitlab/prod/web",
			headers: map[string]string{"X-Gitlab-Event": "Tag Push Hook", "X-Gitlab-Token": hookSecret},
			body:    gitlabBody, code: 202,
			push: &Push{Hook: Hook{ProviderGitLab, "prod", "web"}, Event: "Tag Push Hook", Ref: "refs/tags/v1.2.0",
				After:    "3333333333333333333333333333333333333333",
				RepoURLs: []string{"https://gitlab.com/acme/app.git", "git@gitlab.com:acme/app.git", "https://gitlab.com/acme/app"}},
		},
		{
			name: "gitlab wrong token", path: "/hook/gitlab/prod/web",
			headers: map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": hookSecret + "x"},
			body:    gitlabBody, code: 401,
		},
		{
			name: "gitlab missing token", path: "/hook/gitlab/prod/web",
			headers: map[string]string{"X-Gitlab-Event": "Push Hook"},
			body:    gitlabBody, code: 401,
		},
		{
			name: "gitlab other event", path: "/hook/gitlab/prod/web",
			headers: map[string]string{"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": hookSecret},
			body:    `{}`, code: 200,
		},
		{
			name: "generic empty body", path: "/hook/generic/prod/web",
			headers: map[string]string{"X-Signature": sign("", hookSecret)},
			code:    202, push: &Push{Hook: Hook{ProviderGeneric, "prod", "web"}, Event: "generic"},
		},
		{
			name: "generic with payload", path: "/hook/generic/prod/web",
			headers: map[string]string{"X-Signature": sign(`{"url":"https://git.example.com/app.git","ref":"refs/heads/main"}`, hookSecret)},
			body:    `{"url":"https://git.example.com/app.git","ref":"refs/heads/main"}`, code: 202,
			push: &Push{Hook: Hook{ProviderGeneric, "prod", "web"}, Event: "generic", Ref: "refs/heads/main",
				RepoURLs: []string{"https://git.example.com/app.git"}},
		},
		{
			name: "generic bad signature", path: "/hook/generic/prod/web",
			headers: map[string]string{"X-Signature": "sha256=zz"},
			code:    401,
		},
		{
			name: "generic signature without prefix", path: "/hook/generic/prod/web",
			headers: map[string]string{"X-Signature": strings.TrimPrefix(sign("", hookSecret), "sha256=")},
			code:    401,
		},
		{name: "unknown hook", path: "/hook/github/prod/missing", headers: map[string]string{"X-Hub-Signature-256": sign("", hookSecret)}, code: 404},
		{name: "unknown provider", path: "/hook/bitbucket/prod/web", code: 404},
		{name: "short path", path: "/hook/github/prod", code: 404},
		{name: "long path", path: "/hook/github/prod/web/x", code: 404},
		{name: "GET", method: http.MethodGet, path: "/hook/github/prod/web", code: 405},
		{name: "lookup failure", path: "/hook/github/broken/web", code: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Push
			rcv := NewReceiver(DefaultReceiverOptions(), testSecrets, func(_ context.Context, p Push) error {
				got = append(got, p)
				return nil
			})
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, tt.path, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			rcv.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("code = %d (%q), want %d", rec.Code, rec.Body.String(), tt.code)
			}
			var want []Push
			if tt.push != nil {
				want = []Push{*tt.push}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pushes = %+v, want %+v", got, want)
			}
			if strings.Contains(rec.Body.String(), hookSecret) {
				t.Errorf("response echoes the secret")
			}
		})
	}
}

func testSecrets(_ context.Context, h Hook) ([]byte, error) {
	switch {
	case h.Namespace == "broken":
		return nil, errors.New("apiserver unavailable")
	case h.Name == "web":
		return []byte(hookSecret), nil
	}
	return nil, fmt.Errorf("hook %s/%s: %w", h.Namespace, h.Name, ErrNotFound)
}

func TestReceiverLimitsAndFailures(t *testing.T) {
	called := 0
	onPush := func(context.Context, Push) error { called++; return errors.New("queue full") }
	var observed []int
	opts := DefaultReceiverOptions()
	opts.Observe = func(_ Hook, code int) { observed = append(observed, code) }
	rcv := NewReceiver(opts, testSecrets, onPush)

	big := bytes.Repeat([]byte("a"), 1<<20+1)
	req := httptest.NewRequest(http.MethodPost, "/hook/generic/prod/web", bytes.NewReader(big))
	req.Header.Set("X-Signature", sign(string(big), hookSecret))
	rec := httptest.NewRecorder()
	rcv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || called != 0 {
		t.Errorf("1 MiB + 1: code %d, callback %d times", rec.Code, called)
	}

	exact := bytes.Repeat([]byte(" "), 1<<20) // at the cap, and a valid empty payload
	req = httptest.NewRequest(http.MethodPost, "/hook/generic/prod/web", bytes.NewReader(exact))
	req.Header.Set("X-Signature", sign(string(exact), hookSecret))
	rec = httptest.NewRecorder()
	rcv.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || called != 1 {
		t.Errorf("failing callback: code %d, callback %d times", rec.Code, called)
	}
	if !reflect.DeepEqual(observed, []int{413, 500}) {
		t.Errorf("observed = %v", observed)
	}
}

func TestPushBranchTag(t *testing.T) {
	for _, tt := range []struct{ ref, branch, tag string }{
		{"refs/heads/main", "main", ""},
		{"refs/heads/feature/x", "feature/x", ""},
		{"refs/tags/v1", "", "v1"},
		{"", "", ""},
		{"main", "", ""},
	} {
		p := Push{Ref: tt.ref}
		if p.Branch() != tt.branch || p.Tag() != tt.tag {
			t.Errorf("%q: branch %q tag %q", tt.ref, p.Branch(), p.Tag())
		}
	}
}

func TestSameRepository(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://github.com/acme/app.git", "git@github.com:acme/app.git", true},
		{"https://github.com/acme/app", "ssh://git@github.com:22/acme/app/", true},
		{"https://GitHub.com/acme/app", "https://github.com/acme/app.git", true},
		{"https://token@github.com/acme/app", "https://github.com/acme/app", true},
		{"https://github.com/acme/app", "https://github.com/acme/app2", false},
		{"https://github.com/acme/app", "https://gitlab.com/acme/app", false},
		{"ssh://git@host:2222/app.git", "ssh://git@host/app.git", false},
		{"https://host:443/app", "https://host/app", true},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := SameRepository(tt.a, tt.b); got != tt.want {
			t.Errorf("SameRepository(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://user:pass@host/r.git":      "https://***@host/r.git",
		"https://TOKEN@host/r.git":          "https://***@host/r.git",
		"http://u:p@127.0.0.1:8080/a@b.git": "http://***@127.0.0.1:8080/a@b.git",
		"ssh://git:pw@host/r.git":           "ssh://git:***@host/r.git",
		"ssh://git@host/r.git":              "ssh://git@host/r.git",
		"git@host:org/r.git":                "git@host:org/r.git",
		"https://host/r.git":                "https://host/r.git",
		"file:///tmp/r.git":                 "file:///tmp/r.git",
	}
	for in, want := range tests {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
