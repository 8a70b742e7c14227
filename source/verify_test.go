package source

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ferry-gitops/ferry/source/gittest"
)

func TestVerify(t *testing.T) {
	trusted := gittest.NewPGPKey(t, "Release Bot", "release@example.com")
	stranger := gittest.NewPGPKey(t, "Stranger", "stranger@example.com")
	keyring, err := KeyringFromSecret(map[string][]byte{
		"release.asc": gittest.ArmoredPublicKey(t, trusted),
		"ca.crt":      []byte("ignored: not a key"),
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	signed := repo.CommitSigned(map[string]string{"v": "1"}, "signed", trusted)
	repo.TagSigned("v1", "release 1", trusted)
	unsigned := repo.Commit(map[string]string{"v": "2"}, "unsigned")
	foreign := repo.CommitSigned(map[string]string{"v": "3"}, "foreign", stranger)
	// The keys and signatures were made at wall-clock time just now, so
	// that is the time to judge them at.
	now := time.Now()

	fetch := func(ref Ref) Result {
		return mustFetch(t, NewFetcher(DefaultFetcherOptions()), Request{URL: repo.FileURL(), Ref: ref})
	}

	t.Run("trusted", func(t *testing.T) {
		s, err := Verify(fetch(Ref{Commit: signed}).Commit, keyring, now)
		if err != nil {
			t.Fatal(err)
		}
		want := Signer{
			KeyID:       trusted.PrimaryKey.KeyIdString(),
			Fingerprint: strings.ToUpper(hex.EncodeToString(trusted.PrimaryKey.Fingerprint)),
			Identity:    "Release Bot <release@example.com>",
		}
		if s != want {
			t.Errorf("signer = %+v, want %+v", s, want)
		}
		// A zero time judges the key at the signature's creation time.
		if _, err := Verify(fetch(Ref{Commit: signed}).Commit, keyring, time.Time{}); err != nil {
			t.Errorf("zero now: %v", err)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		_, err := Verify(fetch(Ref{Commit: unsigned}).Commit, keyring, now)
		if !errors.Is(err, ErrUnsignedCommit) || !strings.Contains(err.Error(), unsigned) {
			t.Fatalf("err = %v, want ErrUnsignedCommit naming %s", err, unsigned)
		}
	})
	t.Run("untrusted key", func(t *testing.T) {
		_, err := Verify(fetch(Ref{Commit: foreign}).Commit, keyring, now)
		if !errors.Is(err, ErrUntrustedSignature) {
			t.Fatalf("err = %v, want ErrUntrustedSignature", err)
		}
		for _, want := range []string{foreign, stranger.PrimaryKey.KeyIdString(), "not in the keyring"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	t.Run("tampered content", func(t *testing.T) {
		c := *fetch(Ref{Commit: signed}).Commit
		c.Message = "signed, then edited\n"
		_, err := Verify(&c, keyring, now)
		if !errors.Is(err, ErrUntrustedSignature) || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("err = %v, want a failed signature check", err)
		}
	})
	t.Run("two signature blocks", func(t *testing.T) {
		c := *fetch(Ref{Commit: signed}).Commit
		c.PGPSignature += c.PGPSignature
		if _, err := Verify(&c, keyring, now); !errors.Is(err, ErrUntrustedSignature) {
			t.Fatalf("err = %v, want ErrUntrustedSignature", err)
		}
	})
	t.Run("ssh signature", func(t *testing.T) {
		c := object.Commit{PGPSignature: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"}
		if _, err := Verify(&c, keyring, now); !errors.Is(err, ErrUntrustedSignature) {
			t.Fatalf("err = %v, want ErrUntrustedSignature", err)
		}
	})
	t.Run("signed tag", func(t *testing.T) {
		res := fetch(Ref{Tag: "v1"})
		if res.Tag == nil {
			t.Fatal("annotated tag not returned")
		}
		if _, err := VerifyTag(res.Tag, keyring, now); err != nil {
			t.Fatal(err)
		}
		// The tag is signed, the commit under it too; an unsigned tag fails.
		repo.Tag("v2", "unsigned release")
		if _, err := VerifyTag(fetch(Ref{Tag: "v2"}).Tag, keyring, now); !errors.Is(err, ErrUnsignedCommit) {
			t.Fatalf("unsigned tag: err = %v", err)
		}
	})
}

func TestKeyringFromSecretInvalid(t *testing.T) {
	for name, data := range map[string]map[string][]byte{
		"no keys":      {"identity": []byte("x")},
		"not a key":    {"a.asc": []byte("hello")},
		"empty secret": nil,
	} {
		if _, err := KeyringFromSecret(data); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestVerifyResultModes(t *testing.T) {
	key := gittest.NewPGPKey(t, "Release Bot", "release@example.com")
	keyring, err := KeyringFromSecret(map[string][]byte{"k.asc": gittest.ArmoredPublicKey(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	repo.Commit(map[string]string{"v": "1"}, "unsigned commit")
	repo.TagSigned("signed-tag-unsigned-commit", "r1", key)
	repo.CommitSigned(map[string]string{"v": "2"}, "signed commit", key)
	repo.TagSigned("both-signed", "r2", key)
	repo.Tag("light", "")
	f := NewFetcher(DefaultFetcherOptions())
	fetch := func(ref Ref) Result { return mustFetch(t, f, Request{URL: repo.FileURL(), Ref: ref}) }
	now := time.Now()

	tests := []struct {
		ref  Ref
		mode VerifyMode
		want error // nil: verified
	}{
		{Ref{Branch: "main"}, ModeHEAD, nil},
		{Ref{Branch: "main"}, ModeTag, ErrInvalid},
		{Ref{Branch: "main"}, "head", ErrInvalid},
		{Ref{Tag: "signed-tag-unsigned-commit"}, ModeTag, nil},
		{Ref{Tag: "signed-tag-unsigned-commit"}, ModeHEAD, ErrUnsignedCommit},
		{Ref{Tag: "signed-tag-unsigned-commit"}, ModeTagAndHEAD, ErrUnsignedCommit},
		{Ref{Tag: "both-signed"}, ModeTagAndHEAD, nil},
		{Ref{Tag: "light"}, ModeTag, ErrUnsignedCommit},
		{Ref{Tag: "light"}, ModeHEAD, nil},
	}
	for _, tt := range tests {
		_, err := VerifyResult(fetch(tt.ref), tt.mode, keyring, now)
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s, mode %s: err = %v, want %v", tt.ref, tt.mode, err, tt.want)
		}
	}
}
