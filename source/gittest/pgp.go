package gittest

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// NewPGPKey generates an OpenPGP key (EdDSA, quick to make) for signing
// test commits. The key is dated 2020-01-01 and never expires, so commits
// with fixed test dates can be signed and verified.
func NewPGPKey(t testing.TB, name, email string) *openpgp.Entity {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", email, &packet.Config{
		Algorithm: packet.PubKeyAlgoEdDSA,
		Time:      func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ArmoredPublicKey is the "*.asc" form of e's public key.
func ArmoredPublicKey(t testing.TB, e *openpgp.Entity) []byte {
	t.Helper()
	return armored(t, openpgp.PublicKeyType, e.Serialize)
}

// ArmoredPrivateKey is the armored private key of e, as a signing Secret
// holds it; with a passphrase, the key is encrypted with it first (e is
// left unchanged).
func ArmoredPrivateKey(t testing.TB, e *openpgp.Entity, passphrase string) []byte {
	t.Helper()
	if passphrase != "" {
		var plain bytes.Buffer
		if err := e.SerializePrivate(&plain, nil); err != nil {
			t.Fatal(err)
		}
		list, err := openpgp.ReadKeyRing(&plain)
		if err != nil {
			t.Fatal(err)
		}
		e = list[0]
		if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
			t.Fatal(err)
		}
	}
	return armored(t, openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivateWithoutSigning(w, nil) })
}

// armored writes one armored block of blockType with serialize.
func armored(t testing.TB, blockType string, serialize func(io.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, blockType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
