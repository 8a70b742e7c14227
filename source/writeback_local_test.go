package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// The user's clone has unrelated edits, staged and unstaged; ferry commits
// its one file and leaves them exactly as they were.
func TestWriteBackLocalKeepsUserChanges(t *testing.T) {
	repo := gittest.NewRepo(t, t.TempDir(), "app.git")
	base := repo.Commit(map[string]string{"apps/c.yaml": cloneset, "notes.md": "n\n", "staged.md": "s\n"}, "initial")
	repo.WriteFiles(map[string]string{"notes.md": "user edit\n", "staged.md": "user staged\n", "new.md": "untracked\n"})
	repo.Git("add", "staged.md")
	before := repo.Git("status", "--porcelain")

	res, err := WriteBack(context.Background(), WriteBackRequest{
		Dir: filepath.Join(repo.Work, "apps"), Path: "apps/c.yaml", Edit: setPartition("2"),
		Message: "advance", When: commitTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Pushed || res.Parent.String() != base {
		t.Fatalf("result %+v", res)
	}
	if head := repo.Git("rev-parse", "HEAD"); head != res.Hash.String() {
		t.Fatalf("HEAD = %s, want %s", head, res.Hash)
	}
	if got := repo.Git("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"); got != "apps/c.yaml" {
		t.Errorf("commit touched %q", got)
	}
	if after := repo.Git("status", "--porcelain"); after != before {
		t.Errorf("status changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got, _ := os.ReadFile(filepath.Join(repo.Work, "apps/c.yaml")); string(got) != "spec:\n  updateStrategy:\n    partition: 2\n" {
		t.Errorf("working tree file = %q", got)
	}
	if got := repo.Git("diff", "--cached", "--name-only"); got != "staged.md" {
		t.Errorf("staged = %q, want only the user's staged.md", got)
	}
	if repo.Head() != base {
		t.Errorf("remote moved without Push")
	}
}

func TestWriteBackLocalRefusesLocalChanges(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		setup func(r *gittest.Repo)
		want  error
	}{
		{"modified", "c.yaml", func(r *gittest.Repo) { r.WriteFiles(map[string]string{"c.yaml": "edited\n"}) }, ErrLocalChanges},
		{"staged", "c.yaml", func(r *gittest.Repo) {
			r.WriteFiles(map[string]string{"c.yaml": "edited\n"})
			r.Git("add", "c.yaml")
			r.WriteFiles(map[string]string{"c.yaml": cloneset}) // worktree back to HEAD, index not
		}, ErrLocalChanges},
		{"deleted", "c.yaml", func(r *gittest.Repo) { r.WriteFiles(map[string]string{"-c.yaml": ""}) }, ErrLocalChanges},
		{"removal staged", "c.yaml", func(r *gittest.Repo) { r.Git("rm", "--quiet", "--cached", "c.yaml") }, ErrLocalChanges},
		{"untracked in the way", "new.yaml", func(r *gittest.Repo) { r.WriteFiles(map[string]string{"new.yaml": "mine\n"}) }, ErrLocalChanges},
		{"other branch", "c.yaml", func(r *gittest.Repo) { r.Git("checkout", "--quiet", "-b", "other") }, ErrInvalid},
		{"detached", "c.yaml", func(r *gittest.Repo) { r.Git("checkout", "--quiet", "--detach") }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := gittest.NewRepo(t, t.TempDir(), "app.git")
			base := repo.Commit(map[string]string{"c.yaml": cloneset}, "initial")
			tt.setup(repo)
			before := repo.Git("status", "--porcelain")
			_, err := WriteBack(context.Background(), WriteBackRequest{
				Dir: repo.Work, Branch: "main", Path: tt.path, Message: "advance", When: commitTime,
				Edit: func(old []byte) ([]byte, error) { return []byte("partition: 2\n"), nil },
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if head := repo.Git("rev-parse", "main"); head != base {
				t.Errorf("main moved to %s", head)
			}
			if after := repo.Git("status", "--porcelain"); after != before {
				t.Errorf("status changed:\n%s\n->\n%s", before, after)
			}
		})
	}
}

func TestWriteBackLocalPush(t *testing.T) {
	root := t.TempDir()
	repo := gittest.NewRepo(t, root, "app.git")
	repo.Commit(map[string]string{"c.yaml": cloneset}, "initial")
	srv := gittest.NewHTTPServer(t, root, gittest.HTTPOptions{BearerToken: testToken})
	url := srv.RepoURL("app.git")
	repo.Git("remote", "set-url", "origin", url)
	auth := authFor(t, map[string][]byte{"bearerToken": []byte(testToken)}, url)

	res, err := WriteBack(context.Background(), WriteBackRequest{
		Dir: repo.Work, Path: "c.yaml", Edit: setPartition("2"), Message: "advance", When: commitTime,
		Push: true, Auth: auth,
	})
	if err != nil || !res.Pushed || repo.Head() != res.Hash.String() {
		t.Fatalf("push: %+v, %v; remote at %s", res, err, repo.Head())
	}

	// Someone else pushes; the clone is now behind and must pull first.
	other := gittest.NewRepo(t, t.TempDir(), "scratch.git")
	other.Git("remote", "set-url", "origin", repo.Bare)
	other.Git("fetch", "--quiet", "origin")
	other.Git("reset", "--quiet", "--hard", "origin/main")
	theirs := other.Commit(map[string]string{"x": "y"}, "theirs")
	local := repo.Git("rev-parse", "HEAD")
	_, err = WriteBack(context.Background(), WriteBackRequest{
		Dir: repo.Work, Path: "c.yaml", Edit: setPartition("1"), Message: "advance", When: commitTime,
		Push: true, Auth: auth,
	})
	if !errors.Is(err, ErrNonFastForward) {
		t.Fatalf("behind: err = %v, want ErrNonFastForward", err)
	}
	if repo.Git("rev-parse", "HEAD") != local || repo.Head() != theirs {
		t.Errorf("something moved: local %s remote %s", repo.Git("rev-parse", "HEAD"), repo.Head())
	}
}
