package source

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ferry-gitops/ferry/source/gittest"
)

const (
	testPassword = "s3cret-passw0rd"
	testToken    = "tok-0123456789abcdef"
)

func authFor(t *testing.T, data map[string][]byte, url string) *Auth {
	t.Helper()
	a, err := AuthFromSecret(data, url)
	if err != nil {
		t.Fatalf("AuthFromSecret: %v", err)
	}
	return a
}

func fetchErr(t *testing.T, url string, auth *Auth) error {
	t.Helper()
	_, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), Request{URL: url, Auth: auth})
	return err
}

func TestHTTPAuth(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	repo.Commit(map[string]string{"v": "1"}, "one")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{Username: "ferry", Password: testPassword, BearerToken: testToken})
	url := srv.RepoURL("app.git")

	good := []struct {
		name string
		data map[string][]byte
	}{
		{"basic", map[string][]byte{"username": []byte("ferry"), "password": []byte(testPassword)}},
		{"bearer", map[string][]byte{"bearerToken": []byte(testToken)}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			if err := fetchErr(t, url, authFor(t, tt.data, url)); err != nil {
				t.Fatal(err)
			}
		})
	}

	bad := []struct {
		name    string
		url     string
		data    map[string][]byte
		secrets []string // must not appear in the message
	}{
		{"no credentials", url, nil, nil},
		{"wrong password", url, map[string][]byte{"username": []byte("ferry"), "password": []byte("wrong-" + testPassword)}, []string{"wrong-" + testPassword}},
		{"wrong token", url, map[string][]byte{"bearerToken": []byte("bad-" + testToken)}, []string{"bad-" + testToken}},
		{"userinfo in URL", strings.Replace(url, "http://", "http://ferry:url-"+testPassword+"@", 1), nil, []string{"url-" + testPassword}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := fetchErr(t, tt.url, authFor(t, tt.data, tt.url))
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			msg := err.Error()
			for _, s := range tt.secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q leaks %q", msg, s)
				}
			}
			if tt.name == "userinfo in URL" && !strings.Contains(msg, "http://***@127.0.0.1") {
				t.Errorf("error %q does not show the redacted URL", msg)
			}
		})
	}
}

func TestHTTPSCustomCA(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	want := repo.Commit(map[string]string{"v": "1"}, "one")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{TLS: true, BearerToken: testToken})
	url := srv.RepoURL("app.git")

	err := fetchErr(t, url, authFor(t, map[string][]byte{"bearerToken": []byte(testToken)}, url))
	if !errors.Is(err, ErrServerIdentity) {
		t.Fatalf("without ca.crt: err = %v, want ErrServerIdentity", err)
	}
	auth := authFor(t, map[string][]byte{"bearerToken": []byte(testToken), "ca.crt": srv.CACert()}, url)
	res, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), Request{URL: url, Auth: auth})
	if err != nil || res.Hash.String() != want {
		t.Fatalf("with ca.crt: %v, %v", res.Hash, err)
	}
}

// sshFixture is a repository served over SSH with one authorized key.
type sshFixture struct {
	repo     *gittest.Repo
	srv      *gittest.SSHServer
	identity []byte
	head     string
}

func newSSHFixture(t *testing.T) sshFixture {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "org/app.git")
	head := repo.Commit(map[string]string{"v": "1"}, "one")
	signer, identity := gittest.NewSSHKey(t)
	srv := gittest.NewSSHServer(t, root, signer.PublicKey())
	return sshFixture{repo: repo, srv: srv, identity: identity, head: head}
}

func TestSSHFetch(t *testing.T) {
	fx := newSSHFixture(t)
	encSigner, encIdentity := gittest.NewSSHKeyWithPassphrase(t, testPassword)
	srvEnc := gittest.NewSSHServer(t, fx.repo.Root, encSigner.PublicKey())
	tests := []struct {
		name string
		url  string
		data map[string][]byte
	}{
		{"ssh URL", fx.srv.URL("org/app.git"), map[string][]byte{"identity": fx.identity, "known_hosts": fx.srv.KnownHosts()}},
		{"scp-style URL", fx.srv.SCPURL("org/app.git"), map[string][]byte{"identity": fx.identity, "known_hosts": fx.srv.KnownHosts()}},
		{"encrypted key", srvEnc.URL("org/app.git"), map[string][]byte{"identity": encIdentity, "password": []byte(testPassword), "known_hosts": srvEnc.KnownHosts()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewFetcher(DefaultFetcherOptions()).Fetch(context.Background(), Request{URL: tt.url, Auth: authFor(t, tt.data, tt.url)})
			if err != nil || res.Hash.String() != fx.head {
				t.Fatalf("Fetch = %s, %v; want %s", res.Hash, err, fx.head)
			}
		})
	}
}

func TestSSHFailsClosed(t *testing.T) {
	fx := newSSHFixture(t)
	url := fx.srv.URL("org/app.git")
	_, otherIdentity := gittest.NewSSHKey(t)
	other := newSSHFixture(t) // another server: its host key is not ours
	sessions := fx.srv.Sessions()

	tests := []struct {
		name string
		data map[string][]byte
		want error
	}{
		{"host key of another server", map[string][]byte{"identity": fx.identity, "known_hosts": []byte(knownhosts.Line([]string{fx.srv.Addr}, other.srv.HostKey))}, ErrServerIdentity},
		{"known_hosts lists other hosts only", map[string][]byte{"identity": fx.identity, "known_hosts": other.srv.KnownHosts()}, ErrServerIdentity},
		{"revoked host key", map[string][]byte{"identity": fx.identity, "known_hosts": append(fx.srv.KnownHosts(), []byte("@revoked "+string(fx.srv.KnownHosts()))...)}, ErrServerIdentity},
		{"key not authorized", map[string][]byte{"identity": otherIdentity, "known_hosts": fx.srv.KnownHosts()}, ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fetchErr(t, url, authFor(t, tt.data, url))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if got := fx.srv.Sessions(); got != sessions {
		t.Errorf("server ran %d git commands for refused connections", got-sessions)
	}

	t.Run("missing known_hosts", func(t *testing.T) {
		_, err := AuthFromSecret(map[string][]byte{"identity": fx.identity}, url)
		if !errors.Is(err, ErrServerIdentity) {
			t.Fatalf("err = %v, want ErrServerIdentity", err)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		if err := fetchErr(t, url, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}

// Fetching a pinned commit over SSH: by hash when the server allows it
// (one shallow transfer), otherwise by a full fetch of branches and tags.
func TestSSHPinnedCommit(t *testing.T) {
	for _, allow := range []bool{false, true} {
		fx := newSSHFixture(t)
		pinned := fx.head
		fx.repo.Commit(map[string]string{"v": "2"}, "two")
		if allow {
			fx.repo.AllowFetchBySHA()
		}
		url := fx.srv.URL("org/app.git")
		f := NewFetcher(DefaultFetcherOptions())
		auth := authFor(t, map[string][]byte{"identity": fx.identity, "known_hosts": fx.srv.KnownHosts()}, url)
		res := mustFetch(t, f, Request{URL: url, Ref: Ref{Commit: pinned}, Auth: auth})
		if res.Hash.String() != pinned {
			t.Fatalf("allow=%v: got %s, want %s", allow, res.Hash, pinned)
		}
		wantFetches := map[bool]int64{false: 2, true: 1}[allow]
		if got := f.Stats().Fetches; got != wantFetches {
			t.Errorf("allow=%v: %d fetches, want %d", allow, got, wantFetches)
		}
	}
}

func TestAuthFromSecretInvalid(t *testing.T) {
	_, identity := gittest.NewSSHKey(t)
	_, encrypted := gittest.NewSSHKeyWithPassphrase(t, testPassword)
	kh := []byte("[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
	tests := []struct {
		name string
		url  string
		data map[string][]byte
		want error
	}{
		{"password without username", "https://h/r.git", map[string][]byte{"password": []byte(testPassword)}, ErrInvalid},
		{"basic and bearer", "https://h/r.git", map[string][]byte{"username": []byte("u"), "bearerToken": []byte(testToken)}, ErrInvalid},
		{"ca.crt not PEM", "https://h/r.git", map[string][]byte{"ca.crt": []byte("nope")}, ErrInvalid},
		{"tls.crt without tls.key", "https://h/r.git", map[string][]byte{"tls.crt": []byte("nope")}, ErrInvalid},
		{"ssh without identity", "ssh://git@h/r.git", map[string][]byte{"known_hosts": kh}, ErrInvalid},
		{"identity not a key", "ssh://git@h/r.git", map[string][]byte{"identity": []byte(testPassword), "known_hosts": kh}, ErrInvalid},
		{"encrypted key without password", "ssh://git@h/r.git", map[string][]byte{"identity": encrypted, "known_hosts": kh}, ErrInvalid},
		{"encrypted key wrong password", "ssh://git@h/r.git", map[string][]byte{"identity": encrypted, "password": []byte("wrong-" + testPassword), "known_hosts": kh}, ErrInvalid},
		{"known_hosts garbage", "git@h:r.git", map[string][]byte{"identity": identity, "known_hosts": []byte("h ssh-ed25519 !!!\n")}, ErrServerIdentity},
		{"unsupported protocol", "git://h/r.git", nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AuthFromSecret(tt.data, tt.url)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, v := range tt.data {
				if len(v) >= 4 && strings.Contains(err.Error(), string(v)) {
					t.Errorf("error %q quotes secret data", err)
				}
			}
		})
	}
}

// Credentials are part of the cache key: a Secret that cannot read the
// repository is not served the snapshot another Secret fetched.
func TestFetchCacheIsPerCredential(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	c := repo.Commit(map[string]string{"v": "1"}, "one")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{BearerToken: testToken})
	url := srv.RepoURL("app.git")
	f := NewFetcher(DefaultFetcherOptions())
	good := authFor(t, map[string][]byte{"bearerToken": []byte(testToken)}, url)
	bad := authFor(t, map[string][]byte{"bearerToken": []byte("nope-nope")}, url)
	// A pinned commit skips ls-remote once cached, so only the key protects it.
	pin := Ref{Commit: c}
	mustFetch(t, f, Request{URL: url, Ref: pin, Auth: good})
	if _, err := f.Fetch(context.Background(), Request{URL: url, Ref: pin, Auth: bad}); !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
}
