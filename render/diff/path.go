package diff

import (
	"regexp"
	"strconv"
	"strings"
)

// stepKind says how a path step picks its child.
type stepKind uint8

const (
	byKey   stepKind = iota // a map key
	byName                  // an element of a list keyed by name
	byIndex                 // an element of a list without unique names
)

// segment is one step of a field path.
type segment struct {
	kind  stepKind
	key   string // the map key, or the element's name
	index int
}

// fieldPath is a field inside an object, printed as
// spec.template.spec.containers[name=app].image.
type fieldPath []segment

func (p fieldPath) key(k string) fieldPath   { return p.with(segment{kind: byKey, key: k}) }
func (p fieldPath) named(n string) fieldPath { return p.with(segment{kind: byName, key: n}) }
func (p fieldPath) index(i int) fieldPath    { return p.with(segment{kind: byIndex, index: i}) }

// with appends without sharing the backing array with other paths built
// from the same prefix.
func (p fieldPath) with(s segment) fieldPath {
	out := make(fieldPath, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

var (
	// plainKey is a map key that reads unambiguously after a dot.
	plainKey = regexp.MustCompile(`^[A-Za-z0-9_$-]+$`)
	// plainName is a list element's name that needs no quotes inside [name=...].
	plainName = regexp.MustCompile(`^[A-Za-z0-9_.:/$-]+$`)
)

// String prints the path. Keys that would be ambiguous after a dot
// (annotations such as kruise.io/sidecarset-hash) are quoted in brackets:
//
//	metadata.annotations["ferry.dev/batches"]
//	spec.template.spec.containers[name=app].env[name=LOG_LEVEL].value
//	spec.rules[0].http.paths[1].backend
func (p fieldPath) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.kind == byIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.kind == byName && plainName.MatchString(s.key):
			b.WriteString("[name=" + s.key + "]")
		case s.kind == byName:
			b.WriteString("[name=" + strconv.Quote(s.key) + "]")
		case plainKey.MatchString(s.key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteString("[" + strconv.Quote(s.key) + "]")
		}
	}
	return b.String()
}

// under reports whether the path starts with the given map keys.
func (p fieldPath) under(keys ...string) bool {
	if len(p) < len(keys) {
		return false
	}
	for i, k := range keys {
		if p[i].kind != byKey || p[i].key != k {
			return false
		}
	}
	return true
}
