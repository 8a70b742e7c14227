package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-gitops/ferry/source/gittest"
)

// demoRepo is a small ferry repository: a CloneSet with a batch plan and a
// Deployment, both with a log collector SidecarSet injected at render
// time, and a Secret, in overlay overlays/prod (namespace prod).
var demoRepo = map[string]string{
	"base/kustomization.yaml": `resources:
- cloneset.yaml
- deployment.yaml
- sidecarset.yaml
- secret.yaml
`,
	"base/cloneset.yaml": `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
  annotations:
    ferry.dev/batches: "3,1,0"
spec:
  replicas: 5
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo, logging: "on"}
    spec:
      containers:
      - name: app
        image: registry.example/demo:1.0
        env:
        - {name: LOG_LEVEL, value: info}
  updateStrategy:
    type: InPlaceIfPossible
    maxSurge: 20%
    maxUnavailable: 0
    partition: 0
`,
	"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api, logging: "on"}
    spec:
      containers:
      - name: api
        image: registry.example/api:3.1
`,
	"base/sidecarset.yaml": `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: log-collector
spec:
  selector:
    matchLabels: {logging: "on"}
  containers:
  - name: log-collector
    image: registry.example/fluent-bit:2.2
    podInjectPolicy: AfterAppContainer
`,
	"base/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  password: c2VjcmV0
  username: YWRtaW4=
`,
	"overlays/prod/kustomization.yaml": `namespace: prod
resources:
- ../../base
images:
- name: registry.example/demo
  newTag: "1.0"
patches:
- path: partition.yaml
`,
	"overlays/prod/partition.yaml": partitionPatch("0"),
}

func partitionPatch(p string) string {
	return `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
spec:
  updateStrategy:
    partition: ` + p + "\n"
}

func withTag(tag string) string {
	return strings.Replace(demoRepo["overlays/prod/kustomization.yaml"], `"1.0"`, `"`+tag+`"`, 1)
}

// reformatted is base/cloneset.yaml with other indentation, key order and
// quoting, and a comment: the same object.
const reformatted = `# the demo workload
kind: CloneSet
apiVersion: "apps.kruise.io/v1alpha1"
metadata:
    annotations: {"ferry.dev/batches": '3,1,0'}
    name: demo
spec:
    updateStrategy: {partition: 0, maxUnavailable: 0, maxSurge: "20%", type: InPlaceIfPossible}
    selector: {matchLabels: {app: demo}}
    replicas: 5
    template:
        spec:
            containers:
                - env: [{value: info, name: LOG_LEVEL}]
                  image: "registry.example/demo:1.0"
                  name: app
        metadata: {labels: {logging: "on", app: demo}}
`

// diffCase is a repository history (each map one commit; the last is head,
// the one before it base) and what ferry diff prints for it.
type diffCase struct {
	name    string
	commits []map[string]string
	args    []string
	golden  string // file under testdata/diff
	code    int    // exit status
}

var diffCases = []diffCase{
	{
		name:    "image change",
		commits: []map[string]string{{"overlays/prod/kustomization.yaml": withTag("1.1"), "overlays/prod/partition.yaml": partitionPatch("3")}},
		golden:  "image.txt", code: 1,
	},
	{
		name:    "image change markdown",
		commits: []map[string]string{{"overlays/prod/kustomization.yaml": withTag("1.1"), "overlays/prod/partition.yaml": partitionPatch("3")}},
		args:    []string{"-o", "markdown"},
		golden:  "image.md", code: 1,
	},
	{
		name:    "image change json",
		commits: []map[string]string{{"overlays/prod/kustomization.yaml": withTag("1.1"), "overlays/prod/partition.yaml": partitionPatch("3")}},
		args:    []string{"-o", "json"},
		golden:  "image.json", code: 1,
	},
	{
		name: "partition change",
		commits: []map[string]string{
			{"overlays/prod/kustomization.yaml": withTag("1.1"), "overlays/prod/partition.yaml": partitionPatch("3")},
			{"overlays/prod/partition.yaml": partitionPatch("1")},
		},
		golden: "partition.txt", code: 1,
	},
	{
		name:    "replicas change",
		commits: []map[string]string{{"base/cloneset.yaml": strings.Replace(demoRepo["base/cloneset.yaml"], "replicas: 5", "replicas: 8", 1)}},
		golden:  "replicas.txt", code: 1,
	},
	{
		name:    "sidecar image reaches two workloads",
		commits: []map[string]string{{"base/sidecarset.yaml": strings.Replace(demoRepo["base/sidecarset.yaml"], "2.2", "2.3", 1)}},
		golden:  "sidecar.txt", code: 1,
	},
	{
		name:    "reformat only",
		commits: []map[string]string{{"base/cloneset.yaml": reformatted}},
		golden:  "reformat.txt", code: 0,
	},
	{
		name: "secret change is masked",
		commits: []map[string]string{{"base/secret.yaml": strings.Replace(demoRepo["base/secret.yaml"], "c2VjcmV0", "bmV3LXNlY3JldA==", 1) +
			"  token: dG9rZW4=\n"}},
		golden: "secret.txt", code: 1,
	},
	{
		name: "secret change is masked in json",
		commits: []map[string]string{{"base/secret.yaml": strings.Replace(demoRepo["base/secret.yaml"], "c2VjcmV0", "bmV3LXNlY3JldA==", 1) +
			"  token: dG9rZW4=\n"}},
		args:   []string{"-o", "json"},
		golden: "secret.json", code: 1,
	},
	{
		name:    "a change with --exit-code=false exits 0",
		commits: []map[string]string{{"overlays/prod/partition.yaml": partitionPatch("3")}},
		args:    []string{"--exit-code=false"},
		golden:  "exit-code-false.txt", code: 0,
	},
}

// commitAll makes the repository: demoRepo, then each commit in turn.
func commitAll(t *testing.T, commits []map[string]string) *gittest.Repo {
	t.Helper()
	r := gittest.NewRepo(t, t.TempDir(), "app.git")
	r.Commit(demoRepo, "demo")
	for i, c := range commits {
		r.Commit(c, "change "+string(rune('a'+i)))
	}
	return r
}

func exitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.code
	}
	return 2
}

func TestDiffGolden(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			r := commitAll(t, tc.commits)
			args := append([]string{"diff", "--repo", r.Work, "--base", "HEAD~1", "--head", "HEAD", "overlays/prod"}, tc.args...)
			got, err := runFerry(t, args...)
			if code := exitCode(err); code != tc.code {
				t.Fatalf("exit status %d (%v), want %d", code, err, tc.code)
			}
			checkGolden(t, filepath.Join("testdata", "diff", tc.golden), got)
			again, _ := runFerry(t, args...)
			if again != got {
				t.Error("a second run printed different bytes")
			}
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// A render error at head exits 2, prints nothing, and names the file, line
// and revision.
func TestDiffRenderErrorInHead(t *testing.T) {
	r := commitAll(t, []map[string]string{{"base/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: creds\ndata: {}\n"}})
	out, err := runFerry(t, "diff", "--repo", r.Work, "--base", "HEAD~1", "--head", "HEAD", "overlays/prod")
	if code := exitCode(err); code != 2 {
		t.Fatalf("exit status %d (%v), want 2", code, err)
	}
	if out != "" {
		t.Errorf("printed %q on error", out)
	}
	head := r.Git("rev-parse", "--short=12", "HEAD")
	for _, want := range []string{"base/secret.yaml:", "HEAD (" + head + ")"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	checkGolden(t, filepath.Join("testdata", "diff", "render-error.txt"), "error: "+err.Error()+"\n")
}

func TestDiffHelp(t *testing.T) {
	out, err := runFerry(t, "diff", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--base  the revision the change starts from",
		"0 no change, 1 changes, 2 error",
		"ferry diff --repo . --base origin/main --head HEAD overlays/prod -o markdown > comment.md",
		"--exit-code", "--live", "--max-bytes", "--show-secrets", "--kubeconfig", "--context",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// Bad flags exit 2 before anything is rendered.
func TestDiffFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "yaml", "x"}, `--output "yaml"`},
		{[]string{"--color", "sometimes", "x"}, `--color "sometimes"`},
		{[]string{"--live", "--base", "main", "x"}, "--base does not apply with --live"},
		{[]string{}, "requires at least 1 arg"},
	} {
		out, err := runFerry(t, append([]string{"diff", "--repo", t.TempDir()}, tc.args...)...)
		if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("%v: exit %d, error %v, output %q; want exit 2 mentioning %q", tc.args, code, err, out, tc.want)
		}
	}
}

// --color auto colours a terminal only, and NO_COLOR (any non-empty value)
// turns that off; always and never ignore both. /dev/null is a character
// device, as a terminal is, so it stands in for one.
func TestUseColor(t *testing.T) {
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var buf strings.Builder
	for _, tc := range []struct {
		mode    string
		noColor string
		w       io.Writer
		want    bool
	}{
		{"auto", "", tty, true},
		{"auto", "1", tty, false},
		{"auto", "", file, false},
		{"auto", "", &buf, false},
		{"always", "1", &buf, true},
		{"never", "", tty, false},
	} {
		t.Setenv("NO_COLOR", tc.noColor)
		got, err := useColor(tc.mode, tc.w)
		if err != nil {
			t.Fatalf("useColor(%s, %T) with NO_COLOR=%q: %v", tc.mode, tc.w, tc.noColor, err)
		}
		if got != tc.want {
			t.Errorf("useColor(%s, %T) with NO_COLOR=%q = %t, want %t", tc.mode, tc.w, tc.noColor, got, tc.want)
		}
	}
}
