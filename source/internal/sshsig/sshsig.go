// Package sshsig is OpenSSH's signature format (PROTOCOL.sshsig in
// OpenSSH's sources), the one `git config gpg.format ssh` signs commits
// with: an armored blob naming the signing public key, a namespace ("git"
// for git objects) and a hash algorithm, over a wrapper of the hash of the
// signed message. ferry's verifier, its own commit signer and the test
// signer all use this one implementation; tests check it against
// ssh-keygen and `git commit -S`.
package sshsig

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

const (
	// Begin and End frame an armored signature.
	Begin   = "-----BEGIN SSH SIGNATURE-----"
	End     = "-----END SSH SIGNATURE-----"
	magic   = "SSHSIG"
	version = 1
)

// Signature is the decoded blob of an armored signature.
type Signature struct {
	Version   uint32
	PublicKey []byte // the signing key, in SSH wire format
	Namespace string
	Reserved  string
	HashAlg   string
	Signature []byte // an ssh.Signature, in SSH wire format
}

// Parse decodes an armored signature.
func Parse(armored string) (*Signature, error) {
	s := strings.TrimSpace(armored)
	if !strings.HasPrefix(s, Begin) || !strings.HasSuffix(s, End) {
		return nil, errors.New("not an armored SSH signature")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s[len(Begin):len(s)-len(End)]), ""))
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, errors.New("no SSHSIG preamble")
	}
	var sig Signature
	if err := ssh.Unmarshal(raw[len(magic):], &sig); err != nil {
		return nil, err
	}
	if sig.Version != version {
		return nil, fmt.Errorf("version %d, want %d", sig.Version, version)
	}
	return &sig, nil
}

// SignedData is what a signature in namespace with hashAlg (sha256 or
// sha512) signs for message.
func SignedData(namespace, hashAlg string, message []byte) ([]byte, error) {
	var sum []byte
	switch hashAlg {
	case "sha256":
		h := sha256.Sum256(message)
		sum = h[:]
	case "sha512":
		h := sha512.Sum512(message)
		sum = h[:]
	default:
		return nil, fmt.Errorf("hash algorithm %q (want sha256 or sha512)", hashAlg)
	}
	wrapped := ssh.Marshal(struct {
		Namespace string
		Reserved  string
		HashAlg   string
		Hash      []byte
	}{namespace, "", hashAlg, sum})
	return append([]byte(magic), wrapped...), nil
}

// Sign returns the armored signature of message by key in namespace, with
// SHA-512 (RSA keys sign with rsa-sha2-512, as ssh-keygen does).
func Sign(key ssh.Signer, namespace string, message []byte) (string, error) {
	data, err := SignedData(namespace, "sha512", message)
	if err != nil {
		return "", err
	}
	var sig *ssh.Signature
	if as, ok := key.(ssh.AlgorithmSigner); ok && key.PublicKey().Type() == ssh.KeyAlgoRSA {
		sig, err = as.SignWithAlgorithm(rand.Reader, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = key.Sign(rand.Reader, data)
	}
	if err != nil {
		return "", err
	}
	blob := append([]byte(magic), ssh.Marshal(Signature{
		Version: version, PublicKey: key.PublicKey().Marshal(), Namespace: namespace,
		HashAlg: "sha512", Signature: ssh.Marshal(sig),
	})...)
	enc := base64.StdEncoding.EncodeToString(blob)
	var out strings.Builder
	out.WriteString(Begin + "\n")
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	out.WriteString(enc + "\n" + End + "\n")
	return out.String(), nil
}
