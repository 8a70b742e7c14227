package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Operation is one RFC 6902 JSON patch operation (add, remove or replace).
type Operation struct {
	Op    string
	Path  string
	Value any // not encoded for remove
}

// MarshalJSON writes value even when it is null, false or 0 (an omitempty tag
// would drop it), and leaves it out of a remove.
func (o Operation) MarshalJSON() ([]byte, error) {
	if o.Op == "remove" {
		return json.Marshal(struct {
			Op   string `json:"op"`
			Path string `json:"path"`
		}{o.Op, o.Path})
	}
	return json.Marshal(struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}{o.Op, o.Path, o.Value})
}

// CreatePatch returns the JSON patch that turns the document before into the
// document after. Objects are compared key by key (in sorted key order);
// arrays keep their common prefix and suffix untouched, compare the middle
// element by element, and add or remove the rest at the end of the middle.
// A sidecar prepended to two app containers is one add at /spec/containers/0;
// untouched containers get no operation at all.
func CreatePatch(before, after []byte) ([]Operation, error) {
	a, err := decode(before)
	if err != nil {
		return nil, fmt.Errorf("decode original: %w", err)
	}
	b, err := decode(after)
	if err != nil {
		return nil, fmt.Errorf("decode mutated: %w", err)
	}
	var ops []Operation
	diff("", a, b, &ops)
	return ops, nil
}

// decode keeps numbers as json.Number, so no value changes on the way through.
func decode(doc []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func diff(path string, a, b any, ops *[]Operation) {
	if reflect.DeepEqual(a, b) {
		return
	}
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffObject(path, av, bv, ops)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			diffArray(path, av, bv, ops)
			return
		}
	}
	*ops = append(*ops, Operation{Op: "replace", Path: path, Value: b})
}

func diffObject(path string, a, b map[string]any, ops *[]Operation) {
	for _, k := range sortedKeys(a) {
		if _, ok := b[k]; !ok {
			*ops = append(*ops, Operation{Op: "remove", Path: path + "/" + escape(k)})
		}
	}
	for _, k := range sortedKeys(b) {
		av, ok := a[k]
		if !ok {
			*ops = append(*ops, Operation{Op: "add", Path: path + "/" + escape(k), Value: b[k]})
			continue
		}
		diff(path+"/"+escape(k), av, b[k], ops)
	}
}

func diffArray(path string, a, b []any, ops *[]Operation) {
	short := min(len(a), len(b))
	prefix := 0
	for prefix < short && reflect.DeepEqual(a[prefix], b[prefix]) {
		prefix++
	}
	suffix := 0
	for suffix < short-prefix && reflect.DeepEqual(a[len(a)-1-suffix], b[len(b)-1-suffix]) {
		suffix++
	}
	am, bm := a[prefix:len(a)-suffix], b[prefix:len(b)-suffix]
	n := min(len(am), len(bm))
	for i := 0; i < n; i++ {
		diff(path+"/"+strconv.Itoa(prefix+i), am[i], bm[i], ops)
	}
	for i := len(am) - 1; i >= n; i-- {
		*ops = append(*ops, Operation{Op: "remove", Path: path + "/" + strconv.Itoa(prefix+i)})
	}
	for i := n; i < len(bm); i++ {
		*ops = append(*ops, Operation{Op: "add", Path: path + "/" + strconv.Itoa(prefix+i), Value: bm[i]})
	}
}

// escape encodes a key as a JSON pointer token: "~" is "~0", "/" is "~1"
// (kruise.io/sidecarset-hash -> kruise.io~1sidecarset-hash).
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
