package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-gitops/ferry/source/gittest"
)

var commitTime = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// setPartition is the kind of edit `ferry advance` makes.
func setPartition(to string) EditFunc {
	return func(old []byte) ([]byte, error) {
		if old == nil {
			return nil, errors.New("file missing")
		}
		return []byte(strings.Replace(string(old), "partition: 3", "partition: "+to, 1)), nil
	}
}

const cloneset = "spec:\n  updateStrategy:\n    partition: 3\n"

func TestWriteBackRemote(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "org/app.git")
	base := repo.Commit(map[string]string{"apps/web/cloneset.yaml": cloneset, "apps/web/kustomization.yaml": "resources: [cloneset.yaml]\n"}, "initial")
	httpSrv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{Username: "ferry", Password: testPassword})
	signer, identity := gittest.NewSSHKey(t)
	sshSrv := gittest.NewSSHServer(t, root, signer.PublicKey())

	targets := []struct {
		name string
		url  string
		data map[string][]byte
	}{
		{"file", repo.FileURL(), nil},
		{"http", httpSrv.RepoURL("org/app.git"), map[string][]byte{"username": []byte("ferry"), "password": []byte(testPassword)}},
		{"ssh", sshSrv.URL("org/app.git"), map[string][]byte{"identity": identity, "known_hosts": sshSrv.KnownHosts()}},
	}
	parent := base
	for i, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			to := []string{"2", "1", "0"}[i]
			res, err := WriteBack(context.Background(), WriteBackRequest{
				URL: tt.url, Auth: authFor(t, tt.data, tt.url), Branch: "main",
				Path: "apps/web/cloneset.yaml", Edit: func(old []byte) ([]byte, error) {
					return []byte(strings.Replace(string(old), "partition: "+map[int]string{0: "3", 1: "2", 2: "1"}[i], "partition: "+to, 1)), nil
				},
				Message: "rollout(web): batch " + to, When: commitTime,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed || !res.Pushed || res.Parent.String() != parent {
				t.Fatalf("result %+v, want a pushed change on %s", res, parent)
			}
			if head := repo.Head(); head != res.Hash.String() {
				t.Fatalf("remote main = %s, want %s", head, res.Hash)
			}
			if got := repo.BareGit("show", "main:apps/web/cloneset.yaml"); got != strings.TrimSpace(strings.Replace(cloneset, "3", to, 1)) {
				t.Errorf("file = %q", got)
			}
			if got := repo.BareGit("diff", "--name-only", parent, res.Hash.String()); got != "apps/web/cloneset.yaml" {
				t.Errorf("changed files = %q", got)
			}
			if got := repo.BareGit("log", "-1", "--format=%an <%ae>|%cn <%ce>|%aI|%s|%P", "main"); got != "ferry <ferry@ferry.dev>|ferry <ferry@ferry.dev>|2026-03-01T09:30:00+00:00|rollout(web): batch "+to+"|"+parent {
				t.Errorf("commit = %q", got)
			}
			repo.BareGit("fsck", "--strict")
			parent = res.Hash.String()
		})
	}
}

func TestWriteBackNoChange(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	base := repo.Commit(map[string]string{"c.yaml": "partition: 0\n"}, "initial")
	res, err := WriteBack(context.Background(), WriteBackRequest{
		URL: repo.FileURL(), Branch: "main", Path: "c.yaml", Edit: setPartition("0"), Message: "noop", When: commitTime,
	})
	if err != nil || res.Changed || res.Pushed || res.Hash.String() != base || repo.Head() != base {
		t.Fatalf("res %+v err %v; want unchanged %s", res, err, base)
	}
}

func TestWriteBackNewFileAndSigned(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{"a.yaml": "a\n", "b/z.yaml": "z\n"}, "initial")
	key := gittest.NewPGPKey(t, "ferry", "ferry@ferry.dev")
	res, err := WriteBack(context.Background(), WriteBackRequest{
		URL: repo.FileURL(), Branch: "main", Path: "b/c/new.yaml",
		Edit:    func(old []byte) ([]byte, error) { return []byte("created\n"), nil },
		Message: "add", When: commitTime, SignKey: PGPSigner(key),
		Author: Identity{Name: "Batch Bot", Email: "bot@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := repo.BareGit("ls-tree", "-r", "--name-only", "main"); got != "a.yaml\nb/c/new.yaml\nb/z.yaml" {
		t.Errorf("tree = %q", got)
	}
	repo.BareGit("fsck", "--strict")
	fetched := mustFetch(t, NewFetcher(DefaultFetcherOptions()), Request{URL: repo.FileURL()})
	keyring, err := KeyringFromSecret(map[string][]byte{"bot.asc": gittest.ArmoredPublicKey(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	if fetched.Hash != res.Hash {
		t.Fatalf("fetched %s, wrote %s", fetched.Hash, res.Hash)
	}
	if _, err := Verify(fetched.Commit, keyring, commitTime.Add(time.Hour)); err != nil {
		t.Errorf("ferry's own signed commit does not verify: %v", err)
	}
}

// Someone pushes between ferry's read and its push: ErrNonFastForward, and
// the other commit stays.
func TestWriteBackNonFastForward(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	base := repo.Commit(map[string]string{"c.yaml": cloneset}, "initial")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{})
	var theirs string
	racing := func(old []byte) ([]byte, error) {
		theirs = repo.Commit(map[string]string{"other.yaml": "x\n"}, "someone else")
		return setPartition("2")(old)
	}
	for _, url := range []string{repo.FileURL(), srv.RepoURL("app.git")} {
		res, err := WriteBack(context.Background(), WriteBackRequest{
			URL: url, Branch: "main", Path: "c.yaml", Edit: racing, Message: "advance", When: commitTime,
		})
		if !errors.Is(err, ErrNonFastForward) {
			t.Fatalf("%s: err = %v, want ErrNonFastForward", url, err)
		}
		if res.Pushed || repo.Head() != theirs {
			t.Errorf("%s: remote main = %s, want their %s", url, repo.Head(), theirs)
		}
	}

	// Expect pins the planned base: nothing is written when it moved.
	_, err := WriteBack(context.Background(), WriteBackRequest{
		URL: repo.FileURL(), Branch: "main", Path: "c.yaml", Edit: setPartition("2"),
		Message: "advance", When: commitTime, Expect: base,
	})
	if !errors.Is(err, ErrNonFastForward) {
		t.Fatalf("stale Expect: err = %v", err)
	}
	// A retry from the new head succeeds.
	res, err := WriteBack(context.Background(), WriteBackRequest{
		URL: repo.FileURL(), Branch: "main", Path: "c.yaml", Edit: setPartition("2"),
		Message: "advance", When: commitTime, Expect: repo.Head(),
	})
	if err != nil || res.Parent.String() != theirs || repo.Head() != res.Hash.String() {
		t.Fatalf("retry: %+v, %v", res, err)
	}
}

func TestWriteBackInvalid(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{"c.yaml": cloneset, "dir/x": "x"}, "initial")
	ok := WriteBackRequest{URL: repo.FileURL(), Branch: "main", Path: "c.yaml", Edit: setPartition("2"), Message: "m", When: commitTime}
	tests := []struct {
		name   string
		mutate func(*WriteBackRequest)
		want   error
	}{
		{"no target", func(r *WriteBackRequest) { r.URL = "" }, ErrInvalid},
		{"both targets", func(r *WriteBackRequest) { r.Dir = repo.Work }, ErrInvalid},
		{"no branch", func(r *WriteBackRequest) { r.Branch = "" }, ErrInvalid},
		{"no time", func(r *WriteBackRequest) { r.When = time.Time{} }, ErrInvalid},
		{"no message", func(r *WriteBackRequest) { r.Message = "" }, ErrInvalid},
		{"escaping path", func(r *WriteBackRequest) { r.Path = "../c.yaml" }, ErrInvalid},
		{"git dir", func(r *WriteBackRequest) { r.Path = ".git/config" }, ErrInvalid},
		{"directory", func(r *WriteBackRequest) { r.Path = "dir" }, ErrInvalid},
		{"file as directory", func(r *WriteBackRequest) { r.Path = "c.yaml/x" }, ErrInvalid},
		{"edit fails", func(r *WriteBackRequest) { r.Path = "missing.yaml" }, ErrInvalid},
		{"missing branch", func(r *WriteBackRequest) { r.Branch = "nope" }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.mutate(&req)
			if _, err := WriteBack(context.Background(), req); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// An advance commit signed with an SSH key verifies against that key's
// public half (ferry's own verify), and `git verify-commit` accepts it
// with the key in an allowed_signers file (when ssh-keygen is installed).
func TestWriteBackSignedWithSSHKey(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{"a.yaml": "a\n"}, "initial")
	key, keyPEM := gittest.NewSSHKey(t)
	signer, err := SigningKeyFromSecret(map[string][]byte{SigningSSHKeyEntry: keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	res, err := WriteBack(context.Background(), WriteBackRequest{
		URL: repo.FileURL(), Branch: "main", Path: "a.yaml",
		Edit:    func(old []byte) ([]byte, error) { return []byte("b\n"), nil },
		Message: "edit", When: commitTime, SignKey: signer,
		Author: Identity{Name: "Batch Bot", Email: "bot@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	fetched := mustFetch(t, NewFetcher(DefaultFetcherOptions()), Request{URL: repo.FileURL()})
	keyring, err := KeyringFromSecret(map[string][]byte{"bot.pub": gittest.AuthorizedKey(key.PublicKey(), "batch bot")})
	if err != nil {
		t.Fatal(err)
	}
	if fetched.Hash != res.Hash {
		t.Fatalf("fetched %s, wrote %s", fetched.Hash, res.Hash)
	}
	if _, err := Verify(fetched.Commit, keyring, time.Now()); err != nil {
		t.Fatalf("ferry's own SSH-signed commit does not verify: %v", err)
	}

	gittest.SSHKeygenSigner(t, keyPEM) // skips without ssh-keygen
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, append([]byte("bot@example.com "), gittest.AuthorizedKey(key.PublicKey(), "")...), 0o600); err != nil {
		t.Fatal(err)
	}
	repo.Git("fetch", "--quiet", "origin")
	// fails the test unless git accepts the signature
	repo.Git("-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", res.Hash.String())
}
