package source

import (
	"bytes"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Secret keys of a signing Secret (GitSync spec.verify.signingKeyRef).
const (
	SigningKeyEntry        = "signing.asc"
	SigningPassphraseEntry = "passphrase"
)

// SigningKeyFromSecret reads the OpenPGP private key ferry signs its own
// commits with: the armored key in "signing.asc", unlocked with
// "passphrase" when it is encrypted. Errors say which entry is wrong and
// never include key material.
func SigningKeyFromSecret(data map[string][]byte) (*openpgp.Entity, error) {
	raw, ok := data[SigningKeyEntry]
	if !ok {
		return nil, errorf("sign", "", ErrInvalid, "signing secret has no %q entry", SigningKeyEntry)
	}
	return ParseSigningKey(raw, data[SigningPassphraseEntry])
}

// ParseSigningKey reads an armored OpenPGP private key and unlocks it with
// passphrase when it is encrypted.
func ParseSigningKey(armored, passphrase []byte) (*openpgp.Entity, error) {
	list, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, errorf("sign", "", ErrInvalid, "signing key: not an armored OpenPGP key: %v", err)
	}
	for _, e := range list {
		if e.PrivateKey == nil {
			continue
		}
		if e.PrivateKey.Encrypted {
			if len(passphrase) == 0 {
				return nil, errorf("sign", "", ErrInvalid, "signing key %X is encrypted and no passphrase was given", e.PrimaryKey.KeyId)
			}
			if err := e.DecryptPrivateKeys(passphrase); err != nil {
				return nil, errorf("sign", "", ErrInvalid, "signing key %X: wrong passphrase", e.PrimaryKey.KeyId)
			}
		}
		return e, nil
	}
	return nil, errorf("sign", "", ErrInvalid, "signing key: no private key in it (a public key was given?)")
}
