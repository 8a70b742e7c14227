package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/crypto/ssh"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// Commits signed with an SSH key (`git config gpg.format ssh`) verify
// against the Secret's *.pub keys: by ssh-keygen's signature as git makes
// it, and by ferry's test signer; a stranger's key, another namespace, a
// signature moved to another commit and a garbled blob are untrusted.
func TestVerifySSH(t *testing.T) {
	trusted, trustedPEM := gittest.NewSSHKey(t)
	stranger, _ := gittest.NewSSHKey(t)
	pgp := gittest.NewPGPKey(t, "Release Bot", "release@example.com")
	keyring, err := KeyringFromSecret(map[string][]byte{
		"release.asc": gittest.ArmoredPublicKey(t, pgp),
		// an allowed_signers line: the principal before the key is ignored
		"deploy.pub": append([]byte("ops@example.com "), gittest.AuthorizedKey(trusted.PublicKey(), "deploy bot")...),
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	signed := repo.CommitSignedWith(map[string]string{"v": "1"}, "signed", gittest.SSHSigner{Key: trusted})
	foreign := repo.CommitSignedWith(map[string]string{"v": "2"}, "foreign", gittest.SSHSigner{Key: stranger})
	otherNS := repo.CommitSignedWith(map[string]string{"v": "3"}, "other namespace", gittest.SSHSigner{Key: trusted, Namespace: "file"})
	pgpSigned := repo.CommitSigned(map[string]string{"v": "4"}, "pgp", pgp)
	fetch := func(rev string) *object.Commit {
		return mustFetch(t, NewFetcher(DefaultFetcherOptions()), Request{URL: repo.FileURL(), Ref: Ref{Commit: rev}}).Commit
	}
	fp := ssh.FingerprintSHA256(trusted.PublicKey())

	t.Run("trusted", func(t *testing.T) {
		s, err := Verify(fetch(signed), keyring, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := (Signer{KeyID: fp, Fingerprint: fp, Identity: "deploy bot"}); s != want {
			t.Errorf("signer = %+v, want %+v", s, want)
		}
	})
	t.Run("signed by ssh-keygen, as git signs", func(t *testing.T) {
		rev := repo.CommitSignedWith(map[string]string{"v": "5"}, "ssh-keygen", gittest.SSHKeygenSigner(t, trustedPEM))
		if _, err := Verify(fetch(rev), keyring, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signed by git commit -S", func(t *testing.T) {
		gittest.SSHKeygenSigner(t, trustedPEM) // skips without ssh-keygen
		keyFile := filepath.Join(t.TempDir(), "id_ed25519")
		if err := os.WriteFile(keyFile, trustedPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		repo.WriteFiles(map[string]string{"v": "6"})
		repo.Git("add", "-A")
		repo.Git("-c", "gpg.format=ssh", "-c", "user.signingkey="+keyFile, "commit", "--quiet", "-S", "-m", "git -S")
		repo.Git("push", "--quiet", "origin", "HEAD")
		rev := strings.TrimSpace(repo.Git("rev-parse", "HEAD"))
		if _, err := Verify(fetch(rev), keyring, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OpenPGP next to SSH keys", func(t *testing.T) {
		if _, err := Verify(fetch(pgpSigned), keyring, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("allowed_signers namespaces", func(t *testing.T) {
		line := func(ns string) []byte {
			return append([]byte(`ops@example.com namespaces="`+ns+`" `), gittest.AuthorizedKey(trusted.PublicKey(), "deploy bot")...)
		}
		for ns, ok := range map[string]bool{"file,git": true, "file": false} {
			k, err := KeyringFromSecret(map[string][]byte{"deploy.pub": line(ns)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(fetch(signed), k, time.Now())
			if ok && err != nil {
				t.Errorf("namespaces=%q: %v", ns, err)
			}
			if !ok && (!errors.Is(err, ErrUntrustedSignature) || !strings.Contains(err.Error(), "trusted only for namespaces file")) {
				t.Errorf("namespaces=%q: err = %v, want untrusted for git", ns, err)
			}
		}
	})
	moved := *fetch(foreign)
	moved.PGPSignature = fetch(signed).PGPSignature
	for _, tc := range []struct {
		name   string
		commit *object.Commit
		want   string
	}{
		{"stranger's key", fetch(foreign), "signed by SSH key " + ssh.FingerprintSHA256(stranger.PublicKey()) + ", which is not in the keyring"},
		{"another namespace", fetch(otherNS), `is for namespace "file", not "git"`},
		{"signature of another commit", &moved, "SSH signature by key " + fp + " does not verify"},
		{"garbled", &object.Commit{PGPSignature: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"}, "unreadable SSH signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.commit, keyring, time.Now())
			if !errors.Is(err, ErrUntrustedSignature) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrUntrustedSignature saying %q", err, tc.want)
			}
		})
	}
}

func TestKeyringFromSecretSSHInvalid(t *testing.T) {
	_, err := KeyringFromSecret(map[string][]byte{"deploy.pub": []byte("ssh-ed25519 not-base64!\n")})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"deploy.pub"`) {
		t.Fatalf("err = %v, want ErrInvalid naming deploy.pub", err)
	}
}
