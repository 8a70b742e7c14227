package main

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runFerry runs the root command with args and returns stdout.
func runFerry(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestRolloutSimulateGolden(t *testing.T) {
	dir := filepath.Join("testdata", "rollout")
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"seed-inplace.txt", []string{"-f", "seed-inplace.yaml"}},
		{"seed-inplace.json", []string{"-f", "seed-inplace.yaml", "-o", "json"}},
		{"seed-recreate.txt", []string{"-f", "seed-recreate.yaml"}},
		{"seed-recreate.json", []string{"-f", "seed-recreate.yaml", "-o", "json"}},
		{"seed-inplace-p0.txt", []string{"-f", "seed-inplace-p0.yaml", "--pods", "after-partition3.yaml"}},
		{"seed-inplace-p0.json", []string{"-f", "seed-inplace-p0.yaml", "--pods", "after-partition3.yaml", "-o", "json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			args := []string{"rollout", "simulate"}
			for i, a := range tc.args {
				if i > 0 && (tc.args[i-1] == "-f" || tc.args[i-1] == "--pods") {
					a = filepath.Join(dir, a)
				}
				args = append(args, a)
			}
			got, err := runFerry(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join(dir, tc.golden), got)
		})
	}
}

func TestRolloutSimulateHelp(t *testing.T) {
	out, err := runFerry(t, "rollout", "simulate", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ferry rollout simulate -f cloneset.yaml --pods pods.yaml -o json", "--from", "--no-partition-rollback", "currentRevision: current"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

func TestRolloutSimulateErrors(t *testing.T) {
	dir := filepath.Join("testdata", "rollout")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad output", []string{"-f", filepath.Join(dir, "seed-inplace.yaml"), "-o", "yaml"}, `--output "yaml"`},
		{"missing file", []string{"-f", filepath.Join(dir, "nope.yaml")}, "read cloneset"},
		{"invalid cloneset", []string{"-f", filepath.Join(dir, "invalid-partition.yaml")}, "spec.updateStrategy.partition"},
		{"bad pods file", []string{"-f", filepath.Join(dir, "seed-inplace.yaml"), "--pods", filepath.Join(dir, "bad-pods.yaml")}, "pods[0].revision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runFerry(t, append([]string{"rollout", "simulate"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
