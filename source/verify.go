package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source/internal/sshsig"
)

// Keyring is the set of public keys a GitSync trusts: OpenPGP keys, and
// SSH keys for commits signed with `gpg.format ssh`.
type Keyring struct {
	entities openpgp.EntityList
	ssh      []sshKey
}

func (k *Keyring) empty() bool { return k == nil || len(k.entities)+len(k.ssh) == 0 }

// KeyringFromSecret reads every "*.asc" entry of a Secret (armored OpenPGP
// public keys, one or more per entry, as Flux expects them) and every
// "*.pub" entry (OpenSSH public keys, one per line; an authorized_keys or
// allowed_signers file works). A Secret without any is ErrInvalid:
// verification that trusts nobody is a typo.
func KeyringFromSecret(data map[string][]byte) (*Keyring, error) {
	names := make([]string, 0, len(data))
	for name := range data {
		if strings.HasSuffix(name, ".asc") || strings.HasSuffix(name, ".pub") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, errorf("verify", "", ErrInvalid, "verification secret has no *.asc (OpenPGP) or *.pub (SSH) public keys")
	}
	k := &Keyring{}
	for _, name := range names {
		if strings.HasSuffix(name, ".pub") {
			keys, err := parseSSHKeys(data[name])
			if err != nil {
				return nil, errorf("verify", "", ErrInvalid, "secret key %q: not OpenSSH public keys: %v", name, err)
			}
			k.ssh = append(k.ssh, keys...)
			continue
		}
		list, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data[name]))
		if err != nil {
			return nil, errorf("verify", "", ErrInvalid, "secret key %q: not an armored OpenPGP key ring: %v", name, err)
		}
		k.entities = append(k.entities, list...)
	}
	return k, nil
}

// Signer names the key behind a valid signature, for status and events.
type Signer struct {
	// KeyID: 16 hex digits of the OpenPGP signing (sub)key, as gpg prints
	// it; for an SSH key its SHA256 fingerprint, as ssh-keygen prints it.
	KeyID string
	// Fingerprint: 40 hex digits of the OpenPGP primary key; the SHA256
	// fingerprint of an SSH key.
	Fingerprint string
	// Identity: a user id of the OpenPGP key, "Name <email>"; the comment
	// of the SSH key in the Secret.
	Identity string
}

// Verify checks the signature of commit, OpenPGP or SSH, against keyring
// at time now (OpenPGP key expiry and revocation are judged then; SSH keys
// carry no expiry). A zero now judges them at the signature's creation
// time, as `git verify-commit` does when it accepts a since-expired key.
//
// The outcomes: a Signer, or ErrUnsignedCommit (no signature), or
// ErrUntrustedSignature (unknown key, bad or multiple signatures, an SSH
// signature for another namespace); the message names the commit and the
// signing key.
func Verify(commit *object.Commit, keyring *Keyring, now time.Time) (Signer, error) {
	return verifyObject("commit", commit.Hash, commit.PGPSignature, commit.EncodeWithoutSignature, keyring, now)
}

// VerifyTag is Verify for an annotated tag (GitSync verify mode Tag).
func VerifyTag(tag *object.Tag, keyring *Keyring, now time.Time) (Signer, error) {
	return verifyObject("tag", tag.Hash, tag.PGPSignature, tag.EncodeWithoutSignature, keyring, now)
}

// VerifyMode is GitSync's spec.verify.mode: which signatures are required.
type VerifyMode string

const (
	ModeHEAD       VerifyMode = "HEAD"       // the commit
	ModeTag        VerifyMode = "Tag"        // the annotated tag the ref names
	ModeTagAndHEAD VerifyMode = "TagAndHEAD" // both
)

// VerifyResult applies mode to a fetched Result and returns the signer of
// the last object checked (the commit, except in Tag mode). The tag modes
// need a Result fetched for an annotated tag: a branch is ErrInvalid, and
// a lightweight tag, which cannot carry a signature, is ErrUnsignedCommit.
func VerifyResult(res Result, mode VerifyMode, keyring *Keyring, now time.Time) (Signer, error) {
	switch mode {
	case ModeHEAD:
		return Verify(res.Commit, keyring, now)
	case ModeTag, ModeTagAndHEAD:
	default:
		return Signer{}, errorf("verify", "", ErrInvalid, "unknown verify mode %q (want HEAD, Tag or TagAndHEAD)", mode)
	}
	if !res.RefName.IsTag() {
		return Signer{}, errorf("verify", "", ErrInvalid, "verify mode %s needs a tag ref, got %q", mode, res.RefName)
	}
	if res.Tag == nil {
		return Signer{}, errorf("verify", "", ErrUnsignedCommit, "tag %s is lightweight and cannot be signed", res.RefName.Short())
	}
	s, err := VerifyTag(res.Tag, keyring, now)
	if err != nil || mode == ModeTag {
		return s, err
	}
	return Verify(res.Commit, keyring, now)
}

func verifyObject(kind string, id plumbing.Hash, sig string, encode func(plumbing.EncodedObject) error, keyring *Keyring, now time.Time) (Signer, error) {
	fail := func(k error, format string, args ...any) (Signer, error) {
		return Signer{}, errorf("verify", "", k, "%s %s: "+format, append([]any{kind, id}, args...)...)
	}
	if keyring.empty() {
		return fail(ErrInvalid, "no keyring to verify against")
	}
	if strings.TrimSpace(sig) == "" {
		return fail(ErrUnsignedCommit, "no signature")
	}
	message, err := encodedBytes(encode)
	if err != nil {
		return fail(ErrInvalid, "encode: %v", err)
	}
	if strings.HasPrefix(strings.TrimSpace(sig), sshsig.Begin) {
		return verifySSH(sig, message, keyring.ssh, fail)
	}
	if n := strings.Count(sig, "-----BEGIN PGP SIGNATURE-----"); n != 1 {
		// Two blocks could pair a valid signature with other content.
		return fail(ErrUntrustedSignature, "%d signature blocks, want exactly one", n)
	}
	issuer, created, err := signatureIssuer(sig)
	if err != nil {
		return fail(ErrUntrustedSignature, "unreadable signature: %v", err)
	}
	at := now
	if at.IsZero() {
		at = created
	}
	entity, err := openpgp.CheckArmoredDetachedSignature(keyring.entities, bytes.NewReader(message), strings.NewReader(sig),
		&packet.Config{Time: func() time.Time { return at }})
	switch {
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		return fail(ErrUntrustedSignature, "signed by key %s, which is not in the keyring", issuer)
	case err != nil:
		return fail(ErrUntrustedSignature, "signature by key %s does not verify: %v", issuer, err)
	}
	return signerOf(entity, issuer), nil
}

// encodedBytes is the object as encode writes it without its signature:
// the signed message.
func encodedBytes(encode func(plumbing.EncodedObject) error) ([]byte, error) {
	obj := &plumbing.MemoryObject{}
	if err := encode(obj); err != nil {
		return nil, err
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// signatureIssuer reads the key id and creation time from an armored
// signature without verifying it, so failures can name the key.
func signatureIssuer(armored string) (string, time.Time, error) {
	block, err := armor.Decode(strings.NewReader(armored))
	if err != nil {
		return "", time.Time{}, err
	}
	p, err := packet.Read(block.Body)
	if err != nil {
		return "", time.Time{}, err
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return "", time.Time{}, fmt.Errorf("first packet is %T, not a signature", p)
	}
	switch {
	case sig.IssuerKeyId != nil:
		return fmt.Sprintf("%016X", *sig.IssuerKeyId), sig.CreationTime, nil
	case len(sig.IssuerFingerprint) >= 8:
		return fmt.Sprintf("%X", sig.IssuerFingerprint[len(sig.IssuerFingerprint)-8:]), sig.CreationTime, nil
	}
	return "unknown", sig.CreationTime, nil
}

func signerOf(e *openpgp.Entity, keyID string) Signer {
	s := Signer{KeyID: keyID, Fingerprint: fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)}
	if id := e.PrimaryIdentity(); id != nil {
		s.Identity = id.Name
	}
	return s
}
