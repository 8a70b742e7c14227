package source

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"golang.org/x/crypto/ssh"

	"github.com/ferry-gitops/ferry/source/internal/sshsig"
)

// Secret keys of a signing Secret (GitSync spec.verify.signingKeyRef).
const (
	SigningKeyEntry        = "signing.asc" // an armored OpenPGP private key
	SigningSSHKeyEntry     = "signing.key" // an OpenSSH private key, for SSH signatures
	SigningPassphraseEntry = "passphrase"
)

// CommitSigner signs the commits ferry makes itself (advance commits), so
// that they pass its own verification: with an OpenPGP key, or with an SSH
// key as `git config gpg.format ssh` signs.
type CommitSigner interface {
	// SignCommit returns the armored signature of an encoded commit made
	// at when.
	SignCommit(message []byte, when time.Time) (string, error)
	// KeyName names the key in errors and logs (never key material).
	KeyName() string
}

// PGPSigner signs with an unlocked OpenPGP key.
func PGPSigner(e *openpgp.Entity) CommitSigner { return pgpSigner{e} }

type pgpSigner struct{ e *openpgp.Entity }

func (s pgpSigner) SignCommit(message []byte, when time.Time) (string, error) {
	var sig bytes.Buffer
	cfg := &packet.Config{Time: func() time.Time { return when }}
	if err := openpgp.ArmoredDetachSign(&sig, s.e, bytes.NewReader(message), cfg); err != nil {
		return "", err
	}
	return sig.String(), nil
}

func (s pgpSigner) KeyName() string { return fmt.Sprintf("OpenPGP key %X", s.e.PrimaryKey.KeyId) }

// SSHSigner signs with an SSH key, in OpenSSH's signature format with
// namespace "git" and SHA-512 (RSA keys sign with rsa-sha2-512).
func SSHSigner(key ssh.Signer) CommitSigner { return sshSigner{key} }

type sshSigner struct{ key ssh.Signer }

func (s sshSigner) SignCommit(message []byte, _ time.Time) (string, error) {
	return sshsig.Sign(s.key, sshSigNamespace, message)
}

func (s sshSigner) KeyName() string { return "SSH key " + ssh.FingerprintSHA256(s.key.PublicKey()) }

// SigningKeyFromSecret reads the key ferry signs its own commits with: an
// armored OpenPGP private key in "signing.asc", or an OpenSSH private key
// in "signing.key", unlocked with "passphrase" when it is encrypted.
// Errors say which entry is wrong and never include key material.
func SigningKeyFromSecret(data map[string][]byte) (CommitSigner, error) {
	pgpKey, hasPGP := data[SigningKeyEntry]
	sshKey, hasSSH := data[SigningSSHKeyEntry]
	switch {
	case hasPGP && hasSSH:
		return nil, errorf("sign", "", ErrInvalid, "signing secret has both %q and %q: keep one", SigningKeyEntry, SigningSSHKeyEntry)
	case hasSSH:
		return parseSSHSigningKey(sshKey, data[SigningPassphraseEntry])
	case hasPGP:
		return parsePGPSigningKey(pgpKey, data[SigningPassphraseEntry])
	}
	return nil, errorf("sign", "", ErrInvalid, "signing secret has no %q (OpenPGP) or %q (SSH) entry", SigningKeyEntry, SigningSSHKeyEntry)
}

// ParseSigningKey reads a private key file, OpenSSH (or another PEM
// private key ssh understands) or armored OpenPGP, and unlocks it with
// passphrase when it is encrypted.
func ParseSigningKey(raw, passphrase []byte) (CommitSigner, error) {
	if bytes.Contains(raw, []byte("-----BEGIN OPENSSH PRIVATE KEY-----")) || bytes.Contains(raw, []byte(" PRIVATE KEY-----")) {
		return parseSSHSigningKey(raw, passphrase)
	}
	return parsePGPSigningKey(raw, passphrase)
}

func parseSSHSigningKey(raw, passphrase []byte) (CommitSigner, error) {
	key, err := ssh.ParsePrivateKey(raw)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing) && len(passphrase) == 0:
		return nil, errorf("sign", "", ErrInvalid, "SSH signing key %s is encrypted and no passphrase was given",
			ssh.FingerprintSHA256(missing.PublicKey))
	case errors.As(err, &missing):
		key, err = ssh.ParsePrivateKeyWithPassphrase(raw, passphrase)
		if err != nil {
			return nil, errorf("sign", "", ErrInvalid, "SSH signing key %s: wrong passphrase", ssh.FingerprintSHA256(missing.PublicKey))
		}
	case err != nil:
		return nil, errorf("sign", "", ErrInvalid, "signing key: not an OpenSSH private key: %v", err)
	}
	return SSHSigner(key), nil
}

func parsePGPSigningKey(armored, passphrase []byte) (CommitSigner, error) {
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
		return PGPSigner(e), nil
	}
	return nil, errorf("sign", "", ErrInvalid, "signing key: no private key in it (a public key was given?)")
}
