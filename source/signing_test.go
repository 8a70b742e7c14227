package source_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
)

func TestSigningKeyFromSecret(t *testing.T) {
	key := gittest.NewPGPKey(t, "ferry", "ferry@example.com")
	plain := gittest.ArmoredPrivateKey(t, key, "")
	locked := gittest.ArmoredPrivateKey(t, key, "s3cret")
	sshKey, sshPlain := gittest.NewSSHKey(t)
	sshLocked, sshLockedPEM := gittest.NewSSHKeyWithPassphrase(t, "s3cret")
	pgpName := fmt.Sprintf("OpenPGP key %X", key.PrimaryKey.KeyId)
	for _, tc := range []struct {
		name string
		data map[string][]byte
		want string // the key's name when it comes back, able to sign
		err  string
	}{
		{name: "SSH key", data: map[string][]byte{"signing.key": sshPlain}, want: "SSH key " + ssh.FingerprintSHA256(sshKey.PublicKey())},
		{name: "encrypted SSH key and its passphrase", data: map[string][]byte{"signing.key": sshLockedPEM, "passphrase": []byte("s3cret")},
			want: "SSH key " + ssh.FingerprintSHA256(sshLocked.PublicKey())},
		{name: "encrypted SSH key, no passphrase", data: map[string][]byte{"signing.key": sshLockedPEM}, err: "encrypted and no passphrase"},
		{name: "encrypted SSH key, wrong passphrase", data: map[string][]byte{"signing.key": sshLockedPEM, "passphrase": []byte("guess")}, err: "wrong passphrase"},
		{name: "signing.key not a key", data: map[string][]byte{"signing.key": []byte("hello")}, err: "not an OpenSSH private key"},
		{name: "both kinds", data: map[string][]byte{"signing.key": sshPlain, "signing.asc": plain}, err: "keep one"},
		{name: "plain key", data: map[string][]byte{"signing.asc": plain}, want: pgpName},
		{name: "encrypted key and its passphrase", data: map[string][]byte{"signing.asc": locked, "passphrase": []byte("s3cret")}, want: pgpName},
		{name: "no signing entry", data: map[string][]byte{"key.asc": plain}, err: `no "signing.asc" (OpenPGP) or "signing.key" (SSH) entry`},
		{name: "a public key", data: map[string][]byte{"signing.asc": gittest.ArmoredPublicKey(t, key)}, err: "no private key"},
		{name: "encrypted, no passphrase", data: map[string][]byte{"signing.asc": locked}, err: "encrypted and no passphrase"},
		{name: "encrypted, wrong passphrase", data: map[string][]byte{"signing.asc": locked, "passphrase": []byte("guess")}, err: "wrong passphrase"},
		{name: "not a key", data: map[string][]byte{"signing.asc": []byte("hello")}, err: "not an armored OpenPGP key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := source.SigningKeyFromSecret(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, source.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid saying %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "guess") {
					t.Fatalf("the error shows the passphrase: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.KeyName() != tc.want {
				t.Fatalf("got %s, want %s", e.KeyName(), tc.want)
			}
			if sig, err := e.SignCommit([]byte("tree 0\n"), time.Now()); err != nil || !strings.HasPrefix(sig, "-----BEGIN ") {
				t.Fatalf("SignCommit: %q, %v; want an armored signature", sig, err)
			}
		})
	}
}
