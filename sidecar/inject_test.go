package sidecar

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/inject/*.golden.yaml (review the diff!)")

// injectCase is one testdata/inject/NAME.yaml file, a template and SidecarSets
// in; NAME.golden.yaml holds what comes out: the template, the injected names,
// or the fields of the errors.
type injectCase struct {
	Doc         string                     `json:"doc"`
	Namespace   NamespaceInfo              `json:"namespace"`
	Options     *caseOptions               `json:"options,omitempty"`
	SidecarSets []*appsv1alpha1.SidecarSet `json:"sidecarSets"`
	Template    corev1.PodTemplateSpec     `json:"template"`
	Want        caseWant                   `json:"-"`
}

type caseOptions struct {
	Now      *time.Time     `json:"now,omitempty"`
	Recorded RecordedPolicy `json:"recorded,omitempty"`
}

type caseWant struct {
	Injected  []string     `json:"injected,omitempty"`
	Unchanged []string     `json:"unchanged,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// Template is the template after injection; absent when it must not change.
	Template *corev1.PodTemplateSpec `json:"template,omitempty"`
}

func (c *injectCase) options() Options {
	opts := DefaultOptions()
	if c.Options != nil {
		if c.Options.Now != nil {
			now := *c.Options.Now
			opts.Now = func() time.Time { return now }
		}
		if c.Options.Recorded != "" {
			opts.Recorded = c.Options.Recorded
		}
	}
	return opts
}

func loadCases(t *testing.T) map[string]*injectCase {
	t.Helper()
	files, err := filepath.Glob("testdata/inject/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	cases := map[string]*injectCase{}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.yaml") {
			continue
		}
		c := &injectCase{}
		readYAML(t, f, c)
		if !*update {
			readYAML(t, goldenFile(f), &c.Want)
		}
		cases[f] = c
	}
	return cases
}

// TestInject runs every testdata/inject case: the template after injection is
// compared as YAML with want.template (absent: the template must not change).
func TestInject(t *testing.T) {
	for file, c := range loadCases(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			tpl := c.Template.DeepCopy()
			res, err := injectWith(c, tpl)
			got := caseWant{Injected: res.Injected, Unchanged: res.Unchanged, Errors: fieldErrors(t, err)}
			if err == nil && !reflect.DeepEqual(tpl, &c.Template) {
				got.Template = tpl
			}
			if err != nil && !reflect.DeepEqual(tpl, &c.Template) {
				t.Errorf("template changed although injection failed")
			}
			if *update {
				writeYAML(t, goldenFile(file), got)
				return
			}
			if g, w := toYAML(t, got), toYAML(t, c.Want); g != w {
				t.Errorf("%s\n--- got\n%s\n--- want\n%s", c.Doc, g, w)
			}
		})
	}
}

// TestInjectIsIdempotent injects every successful case's output again: the
// second pass must change nothing and report every SidecarSet as unchanged.
func TestInjectIsIdempotent(t *testing.T) {
	for file, c := range loadCases(t) {
		if len(c.Want.Errors) > 0 {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			once := c.Template.DeepCopy()
			first, err := injectWith(c, once)
			if err != nil {
				t.Fatal(err)
			}
			twice := once.DeepCopy()
			second, err := injectWith(c, twice)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := toYAML(t, twice), toYAML(t, once); g != w {
				t.Errorf("second injection changed the template\n--- twice\n%s\n--- once\n%s", g, w)
			}
			if len(second.Injected) != 0 {
				t.Errorf("second injection injected %v", second.Injected)
			}
			want := sortedUnique(append(append([]string(nil), first.Injected...), first.Unchanged...))
			if !reflect.DeepEqual(sortedUnique(second.Unchanged), want) {
				t.Errorf("second injection: unchanged %v, want %v", second.Unchanged, want)
			}
		})
	}
}

func injectWith(c *injectCase, tpl *corev1.PodTemplateSpec) (Result, error) {
	in, err := NewInjector(c.SidecarSets, c.options())
	if err != nil {
		return Result{}, err
	}
	return in.InjectTemplate(tpl, c.Namespace)
}

// fieldErrors unwraps a joined error into its FieldErrors; any other error
// fails the test.
func fieldErrors(t *testing.T, err error) []FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []FieldError
	var walk func(error)
	walk = func(e error) {
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error is not a FieldError: %v", e)
		}
		if !errors.Is(e, ErrInvalidSidecarSet) {
			t.Errorf("errors.Is(%v, ErrInvalidSidecarSet) = false", e)
		}
		out = append(out, *fe)
	}
	walk(err)
	return out
}

func toYAML(t testing.TB, v any) string {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func goldenFile(input string) string {
	return strings.TrimSuffix(input, ".yaml") + ".golden.yaml"
}

func readYAML(t testing.TB, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func writeYAML(t *testing.T, file string, v any) {
	t.Helper()
	if err := os.WriteFile(file, []byte(toYAML(t, v)), 0o644); err != nil {
		t.Fatal(err)
	}
}
