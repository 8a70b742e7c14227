package source

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/ferry-gitops/ferry/source/internal/sshsig"
)

// Commits signed with `git config gpg.format ssh` carry an OpenSSH
// signature (package sshsig). ferry trusts such a signature when its
// public key is one of the Secret's *.pub keys, its namespace is "git",
// and the signature verifies.

const sshSigNamespace = "git" // the namespace git signs objects in

// sshKey is a trusted SSH public key, the comment it had in the Secret,
// and the namespaces an allowed_signers line limits it to (nil: any).
type sshKey struct {
	key        ssh.PublicKey
	comment    string
	namespaces []string
}

// parseSSHKeys reads OpenSSH public keys, one per line (an authorized_keys
// or allowed_signers file: principals before the key are ignored, a
// namespaces="..." option is kept). Blank lines and # comments are skipped.
func parseSSHKeys(data []byte) ([]sshKey, error) {
	var out []sshKey
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, comment, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			// an allowed_signers line with options: principals first
			_, after, ok := strings.Cut(line, " ")
			if !ok {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			if key, comment, options, _, err = ssh.ParseAuthorizedKey([]byte(after)); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		k := sshKey{key: key, comment: comment}
		for _, o := range options {
			if v, ok := strings.CutPrefix(o, "namespaces="); ok {
				k.namespaces = strings.Split(strings.Trim(v, `"`), ",")
			}
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("no public key")
	}
	return out, nil
}

// verifySSH checks an armored SSH signature over message against keys.
// fail builds the error (with the object's kind and id).
func verifySSH(armored string, message []byte, keys []sshKey, fail func(error, string, ...any) (Signer, error)) (Signer, error) {
	if strings.Count(armored, sshsig.Begin) != 1 {
		return fail(ErrUntrustedSignature, "%d signature blocks, want exactly one", strings.Count(armored, sshsig.Begin))
	}
	sig, err := sshsig.Parse(armored)
	if err != nil {
		return fail(ErrUntrustedSignature, "unreadable SSH signature: %v", err)
	}
	pub, err := ssh.ParsePublicKey(sig.PublicKey)
	if err != nil {
		return fail(ErrUntrustedSignature, "unreadable SSH signature key: %v", err)
	}
	fp := ssh.FingerprintSHA256(pub)
	var trusted *sshKey
	for i := range keys {
		if bytes.Equal(keys[i].key.Marshal(), sig.PublicKey) {
			trusted = &keys[i]
			break
		}
	}
	if trusted == nil {
		return fail(ErrUntrustedSignature, "signed by SSH key %s, which is not in the keyring", fp)
	}
	if sig.Namespace != sshSigNamespace {
		return fail(ErrUntrustedSignature, "SSH signature by key %s is for namespace %q, not %q", fp, sig.Namespace, sshSigNamespace)
	}
	if trusted.namespaces != nil && !slices.Contains(trusted.namespaces, sshSigNamespace) {
		return fail(ErrUntrustedSignature, "SSH key %s is trusted only for namespaces %s, not %q", fp, strings.Join(trusted.namespaces, ","), sshSigNamespace)
	}
	var s ssh.Signature
	if err := ssh.Unmarshal(sig.Signature, &s); err != nil {
		return fail(ErrUntrustedSignature, "SSH signature by key %s: %v", fp, err)
	}
	if s.Format == ssh.KeyAlgoRSA {
		// SHA-1 RSA signatures are not allowed in this format
		return fail(ErrUntrustedSignature, "SSH signature by key %s uses ssh-rsa (SHA-1)", fp)
	}
	signed, err := sshsig.SignedData(sig.Namespace, sig.HashAlg, message)
	if err != nil {
		return fail(ErrUntrustedSignature, "SSH signature by key %s: %v", fp, err)
	}
	if err := pub.Verify(signed, &s); err != nil {
		return fail(ErrUntrustedSignature, "SSH signature by key %s does not verify: %v", fp, err)
	}
	return Signer{KeyID: fp, Fingerprint: fp, Identity: trusted.comment}, nil
}
