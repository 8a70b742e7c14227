package source_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferry-gitops/ferry/source"
	"github.com/ferry-gitops/ferry/source/gittest"
)

func TestSigningKeyFromSecret(t *testing.T) {
	key := gittest.NewPGPKey(t, "ferry", "ferry@example.com")
	plain := gittest.ArmoredPrivateKey(t, key, "")
	locked := gittest.ArmoredPrivateKey(t, key, "s3cret")
	for _, tc := range []struct {
		name string
		data map[string][]byte
		err  string // "" = the key comes back, able to sign
	}{
		{name: "plain key", data: map[string][]byte{"signing.asc": plain}},
		{name: "encrypted key and its passphrase", data: map[string][]byte{"signing.asc": locked, "passphrase": []byte("s3cret")}},
		{name: "no signing.asc", data: map[string][]byte{"key.asc": plain}, err: `no "signing.asc" entry`},
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
			if e.PrivateKey == nil || e.PrivateKey.Encrypted || e.PrimaryKey.KeyId != key.PrimaryKey.KeyId {
				t.Fatalf("got key %X (private %v), want %X unlocked", e.PrimaryKey.KeyId, e.PrivateKey != nil, key.PrimaryKey.KeyId)
			}
		})
	}
}
