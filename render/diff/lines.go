package diff

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// A line of an object's diff, as text and markdown print it. The first
// column is the marker a diff highlighter colours:
//
//	  spec.replicas: 5 → 8                       changed field
//	+ metadata.labels.tier: web                  added field
//	- spec.template.spec.containers[name=log]:   removed field, value below
//	-     image: fluent-bit:2.2
//	  data["app.properties"]:                    multi-line string, line diff
//	      a=1
//	-     b=2
//	+     b=3
type line struct {
	mark byte // ' ', '+' or '-'
	text string
}

func (l line) String() string { return string(l.mark) + " " + l.text }

// fieldLines prints one field change.
func fieldLines(c FieldChange) []line {
	switch {
	case c.Order:
		return []line{{' ', fmt.Sprintf("%s: order %s → %s", c.Path, inline(c.From), inline(c.To))}}
	case !c.HasFrom:
		return valueLines('+', c.Path, c.To)
	case !c.HasTo:
		return valueLines('-', c.Path, c.From)
	}
	if a, ok := c.From.(string); ok {
		if b, ok := c.To.(string); ok {
			if out, ok := jsonStringLines(c.Path, a, b); ok {
				return out
			}
			if strings.Contains(a, "\n") || strings.Contains(b, "\n") {
				return stringDiffLines(c.Path, a, b)
			}
		}
	}
	if isInline(c.From) && isInline(c.To) {
		return []line{{' ', fmt.Sprintf("%s: %s → %s", c.Path, inline(c.From), inline(c.To))}}
	}
	return append(valueLines('-', c.Path, c.From), valueLines('+', c.Path, c.To)...)
}

// valueLines prints "path: value" on one line for a scalar, or "path:" and
// the value as an indented YAML block.
func valueLines(mark byte, path string, v any) []line {
	if isInline(v) {
		return []line{{mark, path + ": " + inline(v)}}
	}
	out := []line{{mark, path + ":"}}
	for _, l := range block(v) {
		out = append(out, line{mark, "    " + l})
	}
	return out
}

// jsonStringLines shows a change of a string holding a JSON object (an
// annotation such as kruise.io/sidecarset-hash) field by field, the inner
// path in braces:
//
//	metadata.annotations["kruise.io/sidecarset-hash"]{log-collector.hash}: 4zb… → c8z…
func jsonStringLines(path, a, b string) ([]line, bool) {
	var ja, jb map[string]any
	if !strings.HasPrefix(a, "{") || !strings.HasPrefix(b, "{") ||
		json.Unmarshal([]byte(a), &ja) != nil || json.Unmarshal([]byte(b), &jb) != nil {
		return nil, false
	}
	var out []line
	for _, c := range Fields(ja, jb) {
		c.Path = path + "{" + c.Path + "}"
		out = append(out, fieldLines(c)...)
	}
	return out, true
}

// stringDiffLines shows a multi-line string (a config file in a ConfigMap)
// as a line diff.
func stringDiffLines(path, a, b string) []line {
	out := []line{{' ', path + ":"}}
	for _, d := range lineDiff(splitLines(a), splitLines(b)) {
		out = append(out, line{d.mark, "    " + d.text})
	}
	return out
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// isInline reports whether a value prints on one line: a scalar, a
// single-line string, or a list of those.
func isInline(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		for _, e := range x {
			if !isInline(e) {
				return false
			}
			if _, isList := e.([]any); isList {
				return false
			}
		}
		return true
	case string:
		return !strings.Contains(x, "\n")
	}
	return true
}

// inline prints a one-line value: strings bare when that is unambiguous,
// quoted otherwise; lists in flow style.
func inline(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if plainString(x) {
			return x
		}
		return strconv.Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inline(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// plainString is a string that cannot be read as anything else when printed
// bare: not empty, no surrounding space, no arrow or brackets at the ends,
// and not a number, bool or null.
func plainString(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || strings.Contains(s, " → ") || strings.ContainsAny(s[:1], "[{\"'") {
		return false
	}
	switch s {
	case "true", "false", "null", "(none)":
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err != nil
}

// block prints a value as YAML lines, keys sorted.
func block(v any) []string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return []string{fmt.Sprint(v)}
	}
	return splitLines(string(b))
}
