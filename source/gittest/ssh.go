package gittest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHServer serves the repositories under a root over SSH on 127.0.0.1,
// like a git host: any user name, public key authentication against a fixed
// set of keys, and only the git-upload-pack and git-receive-pack commands.
type SSHServer struct {
	Addr    string        // "127.0.0.1:port"
	HostKey ssh.PublicKey // the key clients must trust

	root     string
	env      []string
	listener net.Listener
	sessions atomic.Int64
	wg       sync.WaitGroup
}

// NewSSHServer starts a server that accepts the given client keys.
func NewSSHServer(t testing.TB, root string, authorized ...ssh.PublicKey) *SSHServer {
	t.Helper()
	hostSigner, _ := NewSSHKey(t)
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range authorized {
				if bytes.Equal(k.Marshal(), key.Marshal()) {
					return &ssh.Permissions{}, nil
				}
			}
			return nil, errors.New("key not authorized")
		},
	}
	cfg.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SSHServer{Addr: l.Addr().String(), HostKey: hostSigner.PublicKey(), root: root, env: GitEnv(t.TempDir()), listener: l}
	s.wg.Add(1)
	go s.serve(cfg)
	t.Cleanup(func() { l.Close(); s.wg.Wait() })
	return s
}

// URL is the ssh:// URL of the repository at name.
func (s *SSHServer) URL(name string) string { return "ssh://git@" + s.Addr + "/" + name }

// SCPURL is the scp-style URL (git@host:port:name) of the repository.
func (s *SSHServer) SCPURL(name string) string {
	host, port, _ := net.SplitHostPort(s.Addr)
	return "git@" + host + ":" + port + ":" + name
}

// KnownHosts is a known_hosts line for this server.
func (s *SSHServer) KnownHosts() []byte {
	return []byte(knownhosts.Line([]string{s.Addr}, s.HostKey) + "\n")
}

// Sessions counts the git commands run.
func (s *SSHServer) Sessions() int64 { return s.sessions.Load() }

func (s *SSHServer) serve(cfg *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConn(conn, cfg)
		}()
	}
}

func (s *SSHServer) handleConn(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	sc, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go s.handleSession(ch, chReqs)
	}
}

func (s *SSHServer) handleSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "env":
			_ = req.Reply(true, nil)
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				_ = req.Reply(false, nil)
				return
			}
			cmd, err := s.gitCommand(payload.Command)
			if err != nil {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			s.sessions.Add(1)
			status := runChannel(cmd, ch)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// gitCommand parses "git-upload-pack '/org/app.git'" into a command on a
// path that cannot escape the root.
func (s *SSHServer) gitCommand(line string) (*exec.Cmd, error) {
	name, arg, ok := strings.Cut(line, " ")
	if !ok || (name != "git-upload-pack" && name != "git-receive-pack") {
		return nil, fmt.Errorf("command %q not allowed", line)
	}
	arg = strings.Trim(arg, "'\"")
	dir := filepath.Join(s.root, filepath.FromSlash(path.Clean("/"+arg)))
	cmd := exec.Command(name, dir)
	cmd.Env = s.env
	return cmd, nil
}

// runChannel runs cmd with the channel as its stdin, stdout and stderr and
// returns the exit status. Stdin is copied by hand: the client keeps the
// channel open after the command ends, so exec's own copy would block Wait.
func runChannel(cmd *exec.Cmd, ch ssh.Channel) uint32 {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 255
	}
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	if err := cmd.Start(); err != nil {
		return 127
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return uint32(exit.ExitCode())
		}
		return 255
	}
	return 0
}

// NewSSHKey returns a fresh ed25519 key as a signer and as an OpenSSH
// private key file (the "identity" of a Secret).
func NewSSHKey(t testing.TB) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

// NewSSHKeyWithPassphrase is NewSSHKey with the file encrypted.
func NewSSHKeyWithPassphrase(t testing.TB, passphrase string) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}
