package diff

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
)

// FieldChange is one changed field of an object: its path and the value on
// each side. A side where the field is absent has no value (HasFrom or HasTo
// false), which JSON shows by leaving "from" or "to" out; a null value counts
// as absent, as it does for the API server.
type FieldChange struct {
	Path    string
	From    any
	To      any
	HasFrom bool
	HasTo   bool
	// Order marks a list keyed by name whose elements are the same but in
	// another order; From and To list the names in order.
	Order bool
	// Masked marks Secret values replaced by "***".
	Masked bool

	path fieldPath
}

// MarshalJSON writes {"path", "from", "to"} with absent sides left out, and
// "order" and "masked" only when set.
func (c FieldChange) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Path   string `json:"path"`
		From   any    `json:"from,omitempty"` // omitted only when absent (nil)
		To     any    `json:"to,omitempty"`
		Order  bool   `json:"order,omitempty"`
		Masked bool   `json:"masked,omitempty"`
	}{c.Path, c.From, c.To, c.Order, c.Masked})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// Fields compares two normalised objects (see Normalize) and returns every
// changed field, depth first, map keys in sorted order. Lists whose elements
// are all maps with a unique "name" (containers, env, volumes, ports,
// volumeMounts, ...) are matched by name, so inserting a container shows as
// one added container, not as every later container changed; a reordering
// of such a list is one Order change. Lists of scalars (args, command) are
// compared whole. Other lists are compared index by index.
//
//	base  containers: [{name: app, image: a:1}]
//	head  containers: [{name: log, image: l:1}, {name: app, image: a:2}]
//	=>    containers[name=app].image: a:1 → a:2
//	      containers[name=log]: (none) → {image: l:1, name: log}
func Fields(base, head map[string]any) []FieldChange {
	var out []FieldChange
	compare(nil, base, head, &out)
	return out
}

func compare(p fieldPath, a, b any, out *[]FieldChange) {
	if am, ok := a.(map[string]any); ok {
		if bm, ok := b.(map[string]any); ok {
			compareMaps(p, am, bm, out)
			return
		}
	}
	if al, ok := a.([]any); ok {
		if bl, ok := b.([]any); ok {
			compareLists(p, al, bl, out)
			return
		}
	}
	if !equal(a, b) {
		*out = append(*out, change(p, a, b))
	}
}

func change(p fieldPath, a, b any) FieldChange {
	return FieldChange{Path: p.String(), path: p, From: a, To: b, HasFrom: a != nil, HasTo: b != nil}
}

func compareMaps(p fieldPath, a, b map[string]any, out *[]FieldChange) {
	keys := make([]string, 0, len(a)+len(b))
	for k, v := range a {
		if v != nil {
			keys = append(keys, k)
		}
	}
	for k, v := range b {
		if _, dup := a[k]; v != nil && (!dup || a[k] == nil) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		compare(p.key(k), a[k], b[k], out)
	}
}

func compareLists(p fieldPath, a, b []any, out *[]FieldChange) {
	an, aok := names(a)
	bn, bok := names(b)
	switch {
	case aok && bok && len(a)+len(b) > 0:
		compareNamed(p, a, b, an, bn, out)
	case allScalars(a) && allScalars(b):
		if !equal(a, b) {
			*out = append(*out, change(p, a, b))
		}
	default:
		for i := 0; i < max(len(a), len(b)); i++ {
			var x, y any
			if i < len(a) {
				x = a[i]
			}
			if i < len(b) {
				y = b[i]
			}
			compare(p.index(i), x, y, out)
		}
	}
}

// compareNamed matches elements by name: sorted names first, then, if the
// elements both sides have are in another order, one Order change.
func compareNamed(p fieldPath, a, b []any, an, bn []string, out *[]FieldChange) {
	byName := func(list []any, names []string) map[string]any {
		m := make(map[string]any, len(list))
		for i, n := range names {
			m[n] = list[i]
		}
		return m
	}
	am, bm := byName(a, an), byName(b, bn)
	all := append(slices.Clone(an), bn...)
	sort.Strings(all)
	for _, n := range slices.Compact(all) {
		compare(p.named(n), am[n], bm[n], out)
	}
	common := func(names []string, other map[string]any) []any {
		var out []any
		for _, n := range names {
			if _, ok := other[n]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	if ca, cb := common(an, bm), common(bn, am); !equal(ca, cb) {
		*out = append(*out, FieldChange{Path: p.String(), path: p, From: ca, To: cb, HasFrom: true, HasTo: true, Order: true})
	}
}

// names returns the "name" of every element when each element is a map
// with a non-empty, unique string name; ok is false otherwise.
func names(list []any) (out []string, ok bool) {
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		m, isMap := e.(map[string]any)
		if !isMap {
			return nil, false
		}
		n, isStr := m["name"].(string)
		if !isStr || n == "" || seen[n] {
			return nil, false
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, true
}

func allScalars(list []any) bool {
	for _, e := range list {
		switch e.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// equal is deep equality of decoded JSON where a null map value is the same
// as no value, and numbers compare by value (5 == 5.0).
func equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range x {
			if !equal(v, y[k]) {
				return false
			}
		}
		for k, v := range y {
			if _, seen := x[k]; !seen && v != nil {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia == ib
		}
	}
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
