package render

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const goodCloneSet = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
spec:
  replicas: 5
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: app
        image: app:v1
  updateStrategy:
    partition: 3
    maxSurge: 20%
    maxUnavailable: 0
`

const partitionPatch = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: demo
spec:
  updateStrategy:
    partition: "30"
`

// Each bad input fails the whole render with a typed error that names the
// file (and line, where there is one) and the revision; nothing is returned.
func TestBuildRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		path  string
		is    error
		want  []string // substrings of the message
	}{{
		name: "invalid YAML",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n   c: d\n",
		},
		is:   ErrInvalidYAML,
		want: []string{"app/cs.yaml", "line 7"},
	}, {
		name: "unknown kustomization field",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\nresourcez: [x.yaml]\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrInvalidKustomization,
		want: []string{"app/kustomization.yaml", `unknown field "resourcez"`},
	}, {
		name: "invalid kustomization YAML",
		files: map[string]string{
			"app/kustomization.yaml": "namespace: x\nresources: [cs.yaml\n",
		},
		is:   ErrInvalidKustomization,
		want: []string{"app/kustomization.yaml", "invalid Kustomization: yaml: line 2"},
	}, {
		name: "missing resource",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml, gone.yaml]\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrMissingResource,
		want: []string{"app/kustomization.yaml", `"gone.yaml"`},
	}, {
		name: "missing base",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [../base]\n",
		},
		is:   ErrMissingResource,
		want: []string{"app/kustomization.yaml", `"../base"`},
	}, {
		name: "no kustomization",
		files: map[string]string{
			"app/cs.yaml": goodCloneSet,
		},
		is:   ErrInvalidKustomization,
		want: []string{"app: ", "no kustomization.yaml"},
	}, {
		name: "missing build path",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            goodCloneSet,
		},
		path: "overlays/nope",
		is:   ErrMissingResource,
		want: []string{"overlays/nope: ", "no such directory"},
	}, {
		name: "duplicate object",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [a.yaml, b.yaml]\n",
			"app/a.yaml":             goodCloneSet,
			"app/b.yaml":             goodCloneSet,
		},
		is:   ErrKustomize,
		want: []string{"b.yaml", "already registered id", "CloneSet"},
	}, {
		name: "object without kind",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            goodCloneSet + "---\napiVersion: v1\nmetadata:\n  name: nokind\n",
		},
		is:   ErrInvalidObject,
		want: []string{"app/cs.yaml:21", "no kind"},
	}, {
		name: "object without name",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cm.yaml]\n",
			"app/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\ndata: {a: b}\n",
		},
		is:   ErrInvalidObject,
		want: []string{"app/cm.yaml:1", "ConfigMap has no metadata.name"},
	}, {
		name: "partition without percent",
		files: map[string]string{
			"base/kustomization.yaml":  "resources: [cs.yaml]\n",
			"base/cs.yaml":             goodCloneSet,
			"batch/kustomization.yaml": "resources: [../base]\npatches:\n- path: partition.yaml\n",
			"batch/partition.yaml":     partitionPatch,
		},
		path: "batch",
		is:   ErrInvalidObject,
		want: []string{"batch/partition.yaml:7", "CloneSet demo", "spec.updateStrategy.partition", `"30" is a string but not a percent`},
	}, {
		name: "maxSurge without percent",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            strings.Replace(goodCloneSet, "maxSurge: 20%", `maxSurge: "1"`, 1),
		},
		is:   ErrInvalidObject,
		want: []string{"app/cs.yaml:18", "spec.updateStrategy.maxSurge"},
	}, {
		name: "negative maxUnavailable",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            strings.Replace(goodCloneSet, "maxUnavailable: 0", "maxUnavailable: -1", 1),
		},
		is:   ErrInvalidObject,
		want: []string{"app/cs.yaml:19", "spec.updateStrategy.maxUnavailable", "negative"},
	}, {
		name: "resource path escapes the repository",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [../../../../../../etc/passwd]\n",
		},
		is:   ErrOutsideRepo,
		want: []string{"app/kustomization.yaml", "etc/passwd"},
	}, {
		name: "patch path escapes the repository",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\npatches:\n- path: ../../secret.yaml\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrOutsideRepo,
		want: []string{"app/kustomization.yaml", "../../secret.yaml"},
	}, {
		name: "build path escapes the repository",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\n",
			"app/cs.yaml":            goodCloneSet,
		},
		path: "../outside",
		is:   ErrOutsideRepo,
	}, {
		name: "absolute symlink out of the repository",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml, passwd.yaml]\n",
			"app/cs.yaml":            goodCloneSet,
			"app/passwd.yaml":        symlinkPrefix + "/etc/passwd",
		},
		is:   ErrOutsideRepo,
		want: []string{"app/passwd.yaml", "/etc/passwd"},
	}, {
		name: "relative symlink out of the repository",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml, base]\n",
			"app/cs.yaml":            goodCloneSet,
			"app/base":               symlinkPrefix + "../../../../../../etc",
		},
		is:   ErrOutsideRepo,
		want: []string{"app/base", "../../../../../../etc"},
	}, {
		name: "symlinked kustomization out of the repository",
		files: map[string]string{
			"app/kustomization.yaml": symlinkPrefix + "/etc/hostname",
		},
		is:   ErrOutsideRepo,
		want: []string{"app/kustomization.yaml"},
	}, {
		name: "remote git base",
		files: map[string]string{
			"app/kustomization.yaml": "resources:\n- github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n",
		},
		is:   ErrRemoteBase,
		want: []string{"app/kustomization.yaml", "github.com/kubernetes-sigs"},
	}, {
		name: "remote HTTP resource",
		files: map[string]string{
			"app/kustomization.yaml": "resources:\n- https://raw.example.invalid/cs.yaml\n",
		},
		is:   ErrRemoteBase,
		want: []string{"app/kustomization.yaml", "https://raw.example.invalid/cs.yaml"},
	}, {
		name: "remote component",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\ncomponents:\n- git@github.invalid:acme/components.git//logging\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrRemoteBase,
		want: []string{"app/kustomization.yaml", "components"},
	}, {
		name: "remote patch file",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\npatches:\n- path: https://raw.example.invalid/p.yaml\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrRemoteBase,
		want: []string{"app/kustomization.yaml", "patches"},
	}, {
		name: "helm chart",
		files: map[string]string{
			"app/kustomization.yaml": "helmCharts:\n- name: nginx\n  repo: https://charts.example.invalid\n",
		},
		is:   ErrUnsupported,
		want: []string{"app/kustomization.yaml", "helm"},
	}, {
		name: "own openapi schema",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [cs.yaml]\nopenapi:\n  path: schema.json\n",
			"app/cs.yaml":            goodCloneSet,
		},
		is:   ErrUnsupported,
		want: []string{"app/kustomization.yaml", "openapi"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := gitRepo(t, tc.files)
			p := tc.path
			if p == "" {
				p = "app"
			}
			res, err := Build(context.Background(), headSource(t, dir), p, testOptions())
			if err == nil {
				t.Fatalf("no error; rendered:\n%s", res.YAML)
			}
			if res != nil {
				t.Errorf("a failed render returned a result")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *render.Error", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "at HEAD (") {
				t.Errorf("error %q does not name the revision", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}
