package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// advanceRepo is testdata/advance/repo committed to a fresh bare
// repository, with a working clone.
func advanceRepo(t *testing.T, root string) *gittest.Repo {
	t.Helper()
	files := map[string]string{}
	dir := filepath.Join("testdata", "advance", "repo")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := gittest.NewRepo(t, root, "app.git")
	r.Commit(files, "initial")
	return r
}

// Without a cluster, ferry advance says so and refuses unless --force; with
// --force it commits one line, and a second run is a no-op.
func TestAdvanceWithoutCluster(t *testing.T) {
	r := advanceRepo(t, t.TempDir())
	noKube := filepath.Join(t.TempDir(), "kubeconfig")
	args := []string{"advance", "default/demo", "--repo", r.Work, "--path", "overlays/prod", "--kubeconfig", noKube}

	out, err := runFerry(t, append(args, "--next", "--push")...)
	var exit *exitError
	if !errors.As(err, &exit) || exit.code != 1 || out != "" {
		t.Fatalf("unforced without a cluster: out %q, err %v; want exit 1 and no output", out, err)
	}
	want := "CloneSet default/demo: batch 1 of 3 (partition 3) is not healthy: cannot read the cluster: kubeconfig: " +
		"stat " + noKube + ": no such file or directory; use --force to advance anyway"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	head := r.Head()

	out, err = runFerry(t, append(args, "--next", "--push", "--force")...)
	if err != nil {
		t.Fatal(err)
	}
	commit := r.Head()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantLines := []string{
		"demo: batch 1 → 2 of 3 (partition 3 → 1); batch 1 health unknown: kubeconfig: stat " + noKube + ": no such file or directory",
		"edited overlays/prod/partition.yaml:9 (spec.updateStrategy.partition)",
		`committed ` + commit[:7] + ` "rollout(default/demo): batch 2/3 (partition 3→1)" and pushed to main`,
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(wantLines, "\n"))
	}
	if got := r.BareGit("diff", "--numstat", head, commit); got != "1\t1\toverlays/prod/partition.yaml" {
		t.Errorf("git diff --numstat = %q, want one line of overlays/prod/partition.yaml", got)
	}
	if got := r.BareGit("diff", "-U0", head, commit, "--", "overlays/prod/partition.yaml"); !strings.HasSuffix(got,
		"-    partition: 3   # batch 1: two pods on 1.1\n+    partition: 1   # batch 1: two pods on 1.1") {
		t.Errorf("diff:\n%s", got)
	}

	out, err = runFerry(t, append(args, "--to-batch", "2", "--push", "--force")...)
	if err != nil || out != "demo: already at batch 2 of 3 (partition 1); nothing to commit\n" {
		t.Errorf("second run: out %q, err %v", out, err)
	}
	if r.Head() != commit {
		t.Error("the second run committed")
	}
}

func TestAdvanceDryRunJSON(t *testing.T) {
	r := advanceRepo(t, t.TempDir())
	head := r.Head()
	out, err := runFerry(t, "advance", "demo", "-n", "default", "--repo", r.Work, "--path", "overlays/prod",
		"--kubeconfig", filepath.Join(t.TempDir(), "none"), "--partition", "0", "--force", "--dry-run", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	want := map[string]any{
		"namespace": "default", "name": "demo",
		"from": map[string]any{"batch": 1.0, "of": 3.0, "partition": 3.0, "value": 3.0},
		"to":   map[string]any{"batch": 3.0, "of": 3.0, "partition": 0.0, "value": 0.0},
		"file": "overlays/prod/partition.yaml", "line": 9.0, "field": "spec.updateStrategy.partition",
		"message": "rollout(default/demo): batch 3/3 (partition 3→0)", "branch": "main", "parent": head,
		"changed": false, "pushed": false, "dryRun": true,
	}
	delete(got, "health")
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("-o json:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	if r.Head() != head {
		t.Error("a dry run committed")
	}
}

func TestAdvanceArgumentErrors(t *testing.T) {
	r := advanceRepo(t, t.TempDir())
	noKube := filepath.Join(t.TempDir(), "none")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"default/demo", "--repo", r.Work}, "--path is required: no GitSync in namespace default applies CloneSet default/demo (cluster not read: kubeconfig: "},
		{[]string{"default/demo", "--repo", r.FileURL(), "--path", "overlays/prod"}, "is a URL: ferry commits to it by pushing; add --push"},
		{[]string{"default/demo", "--next", "--to-batch", "2", "--path", "p"}, "if any flags in the group [next to-batch partition] are set none of the others can be"},
		{[]string{"default/demo", "--partition", "30 %", "--path", "p"}, `--partition "30 %": invalid partition`},
		{[]string{"default/demo", "--path", "overlays/prod", "--repo", r.Work, "-o", "yaml"}, "--output"},
		{[]string{"default/demo", "--path", "overlays/prod", "--repo", r.Work, "--to-batch", "7", "--force"}, "batch 7 does not exist: the plan has batches 1 to 3"},
	} {
		out, err := runFerry(t, append([]string{"advance", "--kubeconfig", noKube}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("%v: out %q, error %v; want one mentioning %q", tc.args, out, err, tc.want)
		}
	}
}

// --sign-key signs the advance commit with an armored OpenPGP key, unlocked
// with $FERRY_SIGN_KEY_PASSPHRASE, so a GitSync with spec.verify applies it.
func TestAdvanceSignsWithSignKey(t *testing.T) {
	r := advanceRepo(t, t.TempDir())
	key := gittest.NewPGPKey(t, "release", "release@example.com")
	keyFile := filepath.Join(t.TempDir(), "signing.asc")
	if err := os.WriteFile(keyFile, gittest.ArmoredPrivateKey(t, key, "pass phrase"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FERRY_SIGN_KEY_PASSPHRASE", "pass phrase")
	noKube := filepath.Join(t.TempDir(), "kubeconfig")
	if _, err := runFerry(t, "advance", "default/demo", "--repo", r.Work, "--path", "overlays/prod", "--kubeconfig", noKube,
		"--next", "--push", "--force", "--sign-key", keyFile); err != nil {
		t.Fatal(err)
	}
	repo, err := git.PlainOpen(r.Bare)
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.CommitObject(plumbing.NewHash(r.Head()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := commit.Verify(string(gittest.ArmoredPublicKey(t, key))); err != nil {
		t.Fatalf("the advance commit does not verify with the signing key: %v", err)
	}

	t.Setenv("FERRY_SIGN_KEY_PASSPHRASE", "")
	_, err = runFerry(t, "advance", "default/demo", "--repo", r.Work, "--path", "overlays/prod", "--kubeconfig", noKube,
		"--to-batch", "3", "--push", "--force", "--sign-key", keyFile)
	if err == nil || !strings.Contains(err.Error(), "--sign-key "+keyFile) || !strings.Contains(err.Error(), "no passphrase") {
		t.Fatalf("an encrypted key without its passphrase: err %v, want a --sign-key error", err)
	}
}
