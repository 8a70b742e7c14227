package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/ferry-gitops/ferry/internal/yamlnode"
)

// intOrPercentField is a CloneSet field that OpenKruise reads as an
// int-or-percent, and how it parses the percent.
type intOrPercentField struct {
	path    []string
	decimal bool // Kruise's own parser (partition) accepts "99.5%"; Kubernetes' does not
}

// cloneSetIntOrPercent are the CloneSet fields OpenKruise's webhook parses
// as int-or-percent (pkg/webhook/cloneset/validating/validation.go).
var cloneSetIntOrPercent = []intOrPercentField{
	{path: []string{"spec", "updateStrategy", "partition"}, decimal: true},
	{path: []string{"spec", "updateStrategy", "maxSurge"}},
	{path: []string{"spec", "updateStrategy", "maxUnavailable"}},
	{path: []string{"spec", "scaleStrategy", "maxUnavailable"}},
}

var (
	percent        = regexp.MustCompile(`^[0-9]+%$`)
	decimalPercent = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?%$`)
)

// checkIntOrPercent accepts what OpenKruise accepts: a non-negative integer,
// or a string that is a percent. A string without "%" ("30") is the classic
// mistake: Kruise rejects it, and the CloneSet would never apply.
//
//	3 ok   "30%" ok   "30" error   -1 error   "99.5%" ok only if decimal   1.5 error
func checkIntOrPercent(v any, decimal bool) error {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return fmt.Errorf("%w: %d is negative", ErrInvalidObject, x)
		}
		return nil
	case string:
		re := percent
		if decimal {
			re = decimalPercent
		}
		if re.MatchString(x) {
			return nil
		}
		if !strings.HasSuffix(x, "%") {
			return fmt.Errorf("%w: %q is a string but not a percent: write %s or \"%s%%\"", ErrInvalidObject, x, x, x)
		}
		return fmt.Errorf("%w: %q is not a valid percent", ErrInvalidObject, x)
	}
	return fmt.Errorf("%w: %v is neither an integer nor a percent string", ErrInvalidObject, v)
}

// validateObjects rejects rendered objects the API server or OpenKruise
// would reject, so that nothing of the revision is applied.
func validateObjects(objs []*unstructured.Unstructured, prov []Provenance, locate fieldLocator) error {
	for i, o := range objs {
		if o.GetKind() == "" || o.GetName() == "" {
			return &objectError{object: objectName(o), field: "kind/metadata.name", file: prov[i].File(),
				err: fmt.Errorf("%w: kind and metadata.name are required", ErrInvalidObject)}
		}
		if o.GroupVersionKind().GroupKind() != cloneSetKind {
			continue
		}
		for _, f := range cloneSetIntOrPercent {
			v, found, _ := unstructured.NestedFieldNoCopy(o.Object, f.path...)
			if !found || v == nil {
				continue
			}
			if err := checkIntOrPercent(v, f.decimal); err != nil {
				file, line := locate(prov[i], o, f.path)
				return &fileError{file: file, line: line, err: &objectError{
					object: objectName(o), field: strings.Join(f.path, "."), err: err}}
			}
		}
	}
	return nil
}

// fieldLocator finds the file and line that set a field of an object.
type fieldLocator func(p Provenance, o *unstructured.Unstructured, field []string) (string, int)

// locateIn returns a fieldLocator that looks through the object's patches
// (last applied first) and then its origin file for a document of the same
// kind and name that sets the field; failing that it names the origin file
// without a line.
func locateIn(fsys *repoFS) fieldLocator {
	return func(p Provenance, o *unstructured.Unstructured, field []string) (string, int) {
		var files []string
		for i := len(p.Patches) - 1; i >= 0; i-- {
			files = append(files, p.Patches[i])
		}
		files = append(files, p.File())
		for _, f := range files {
			if f == "" {
				continue
			}
			if line := fieldLine(fsys, f, o.GetKind(), o.GetName(), field); line > 0 {
				return f, line
			}
		}
		return p.File(), 0
	}
}

// fieldLine is the line of fieldPath in the first document of file with the
// given kind whose name is part of name (kustomize may have added a prefix or
// suffix), or which names no one; 0 if none sets it.
func fieldLine(fsys *repoFS, file, kind, name string, fieldPath []string) int {
	b, err := fsys.ReadFile(file)
	if err != nil {
		return 0
	}
	dec := kyaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc kyaml.Node
		if err := dec.Decode(&doc); err != nil {
			return 0 // io.EOF, or a file that is not YAML: no line to give
		}
		if len(doc.Content) == 0 || scalar(doc.Content[0], "kind") != kind {
			continue
		}
		n := doc.Content[0]
		if docName := scalar(yamlnode.Child(n, "metadata"), "name"); docName != "" && !strings.Contains(name, docName) {
			continue
		}
		for _, k := range fieldPath {
			if n = yamlnode.Child(n, k); n == nil {
				break
			}
		}
		if n != nil {
			return n.Line
		}
	}
}
