package gittest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"golang.org/x/crypto/ssh"

	"github.com/ferry-gitops/ferry/source/internal/sshsig"
)

// SSHSigner signs git objects the way `git config gpg.format ssh` does,
// with namespace Namespace ("git" unless a test wants a wrong one). It
// implements go-git's Signer.
type SSHSigner struct {
	Key       ssh.Signer
	Namespace string
}

// Sign returns the armored signature of message.
func (s SSHSigner) Sign(message io.Reader) ([]byte, error) {
	msg, err := io.ReadAll(message)
	if err != nil {
		return nil, err
	}
	ns := s.Namespace
	if ns == "" {
		ns = "git"
	}
	sig, err := sshsig.Sign(s.Key, ns, msg)
	return []byte(sig), err
}

// SSHKeygenSigner signs with `ssh-keygen -Y sign -n git`, as git does: the
// reference implementation, for interoperability tests. It skips the test
// when ssh-keygen is not installed.
func SSHKeygenSigner(t testing.TB, privateKeyPEM []byte) SSHKeygenSign {
	t.Helper()
	bin, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen not installed")
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, privateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return SSHKeygenSign{bin: bin, key: file}
}

// SSHKeygenSign is a go-git Signer backed by ssh-keygen.
type SSHKeygenSign struct{ bin, key string }

// Sign returns ssh-keygen's armored signature of message.
func (s SSHKeygenSign) Sign(message io.Reader) ([]byte, error) {
	cmd := exec.Command(s.bin, "-Y", "sign", "-n", "git", "-f", s.key)
	cmd.Stdin = message
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ssh-keygen -Y sign: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// AuthorizedKey is key's public half as an authorized_keys line with comment.
func AuthorizedKey(key ssh.PublicKey, comment string) []byte {
	line := bytes.TrimSpace(ssh.MarshalAuthorizedKey(key))
	return append(append(line, ' '), comment+"\n"...)
}

// CommitSignedWith commits files with go-git, signed by signer (any
// go-git Signer, e.g. SSHSigner), and pushes.
func (r *Repo) CommitSignedWith(files map[string]string, msg string, signer git.Signer) string {
	r.t.Helper()
	return r.commitGoGit(files, msg, git.CommitOptions{Signer: signer})
}
