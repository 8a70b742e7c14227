// Package gittest runs real git for tests: bare repositories made with the
// git binary in a temporary directory, served over file://, HTTP (git
// http-backend behind net/http/cgi) and SSH (an x/crypto/ssh server that
// runs git-upload-pack and git-receive-pack) on 127.0.0.1.
//
// It is a normal package, not _test files, so the GitOps loop and e2e tests
// can serve repositories the same way.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Repo is a bare repository under a served root plus a working clone that
// tests commit in and push from.
type Repo struct {
	t    testing.TB
	Root string // the directory servers export
	Name string // path of the bare repository under Root, e.g. "org/app.git"
	Bare string // absolute path of the bare repository
	Work string // absolute path of the working clone
	env  []string
	tick int
}

// NewRepo creates root/name as a bare repository with branch main and an
// empty working clone of it. Commits get fixed, increasing dates so tests
// are reproducible.
func NewRepo(t testing.TB, root, name string) *Repo {
	t.Helper()
	home := t.TempDir()
	r := &Repo{
		t: t, Root: root, Name: name,
		Bare: filepath.Join(root, filepath.FromSlash(name)),
		Work: filepath.Join(t.TempDir(), "work"),
		env:  GitEnv(home),
	}
	r.run("", "init", "--quiet", "--bare", "--initial-branch=main", r.Bare)
	r.run("", "-C", r.Bare, "config", "http.receivepack", "true")
	r.run("", "clone", "--quiet", r.Bare, r.Work)
	r.run(r.Work, "checkout", "--quiet", "-B", "main")
	return r
}

// GitEnv isolates git from the user's configuration: no system or global
// config, a private HOME, and a fixed identity.
func GitEnv(home string) []string {
	return append(os.Environ(),
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Test Author", "GIT_COMMITTER_EMAIL=author@example.com",
		"GIT_TERMINAL_PROMPT=0",
	)
}

// FileURL is the file:// URL of the bare repository.
func (r *Repo) FileURL() string { return "file://" + filepath.ToSlash(r.Bare) }

// Git runs git in the working clone and returns its trimmed stdout.
func (r *Repo) Git(args ...string) string { r.t.Helper(); return r.run(r.Work, args...) }

// BareGit runs git in the bare repository.
func (r *Repo) BareGit(args ...string) string { r.t.Helper(); return r.run(r.Bare, args...) }

func (r *Repo) run(dir string, args ...string) string {
	r.t.Helper()
	out, err := RunGit(dir, r.env, args...)
	if err != nil {
		r.t.Fatalf("%v", err)
	}
	return out
}

// RunGit runs the git binary and returns trimmed stdout; the error quotes
// stderr.
func RunGit(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &GitError{Args: args, Stderr: stderr.String(), Err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

// GitError is a failed git command.
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GitError) Error() string {
	return "git " + strings.Join(e.Args, " ") + ": " + e.Err.Error() + ": " + e.Stderr
}

func (e *GitError) Unwrap() error { return e.Err }

// WriteFiles writes files into the working clone. A key starting with "-"
// deletes that file instead: {"-old.yaml": ""}.
func (r *Repo) WriteFiles(files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		if del, ok := strings.CutPrefix(name, "-"); ok {
			if err := os.Remove(filepath.Join(r.Work, filepath.FromSlash(del))); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		p := filepath.Join(r.Work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// Commit writes files, commits everything and pushes the current branch
// (main unless the test checked out another). It returns the new commit
// hash.
func (r *Repo) Commit(files map[string]string, msg string) string {
	r.t.Helper()
	r.WriteFiles(files)
	r.Git("add", "-A")
	date := r.nextDate()
	r.runEnv([]string{"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date},
		"commit", "--quiet", "--allow-empty", "-m", msg)
	r.Git("push", "--quiet", "origin", "HEAD")
	return r.Git("rev-parse", "HEAD")
}

// CommitSigned is Commit with an OpenPGP signature by key, made with
// go-git so no gpg agent is needed.
func (r *Repo) CommitSigned(files map[string]string, msg string, key *openpgp.Entity) string {
	r.t.Helper()
	return r.commitGoGit(files, msg, git.CommitOptions{SignKey: key})
}

// commitGoGit commits files with go-git (which signs, when opts say how)
// and pushes.
func (r *Repo) commitGoGit(files map[string]string, msg string, opts git.CommitOptions) string {
	r.t.Helper()
	r.WriteFiles(files)
	repo, err := git.PlainOpen(r.Work)
	if err != nil {
		r.t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	sig := &object.Signature{Name: "Test Author", Email: "author@example.com", When: r.nextTime()}
	opts.Author, opts.Committer, opts.AllowEmptyCommits = sig, sig, true
	h, err := wt.Commit(msg, &opts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.Git("push", "--quiet", "origin", "HEAD")
	return h.String()
}

// Tag tags HEAD and pushes the tag: annotated when msg is not empty.
func (r *Repo) Tag(name, msg string) {
	r.t.Helper()
	if msg == "" {
		r.Git("tag", name)
	} else {
		date := r.nextDate()
		r.runEnv([]string{"GIT_COMMITTER_DATE=" + date}, "tag", "-a", name, "-m", msg)
	}
	r.Git("push", "--quiet", "origin", "refs/tags/"+name)
}

// Head returns the commit main points to in the bare repository.
func (r *Repo) Head() string { r.t.Helper(); return r.BareGit("rev-parse", "refs/heads/main") }

// AllowFetchBySHA sets uploadpack.allowReachableSHA1InWant, which lets
// clients fetch a commit by hash over ssh and file.
func (r *Repo) AllowFetchBySHA() {
	r.t.Helper()
	r.BareGit("config", "uploadpack.allowReachableSHA1InWant", "true")
}

func (r *Repo) runEnv(extra []string, args ...string) {
	r.t.Helper()
	if _, err := RunGit(r.Work, append(append([]string{}, r.env...), extra...), args...); err != nil {
		r.t.Fatal(err)
	}
}

func (r *Repo) nextTime() time.Time {
	r.tick++
	return time.Date(2026, 1, 1, 12, r.tick, 0, 0, time.UTC)
}

func (r *Repo) nextDate() string { return r.nextTime().Format(time.RFC3339) }

// TagSigned creates an annotated tag on HEAD signed by key (with go-git)
// and pushes it.
func (r *Repo) TagSigned(name, msg string, key *openpgp.Entity) {
	r.t.Helper()
	repo, err := git.PlainOpen(r.Work)
	if err != nil {
		r.t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		r.t.Fatal(err)
	}
	tagger := &object.Signature{Name: "Test Author", Email: "author@example.com", When: r.nextTime()}
	if _, err := repo.CreateTag(name, head.Hash(), &git.CreateTagOptions{Tagger: tagger, Message: msg, SignKey: key}); err != nil {
		r.t.Fatal(err)
	}
	r.Git("push", "--quiet", "origin", "refs/tags/"+name)
}
