package advance

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/intstr"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// text is a file's bytes with the offset of each line, so a YAML position
// (1-based line, 1-based column counted in characters, as the parser
// reports it) can be turned into a byte offset. An edit is a splice at that
// offset: every other byte of the file stays as it was, comments, quoting,
// indentation and line endings included.
type text struct {
	src   []byte
	lines []int // byte offset where each line starts
}

func newText(src []byte) text {
	t := text{src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// line returns line n (1-based) without its line break.
func (t text) line(n int) ([]byte, bool) {
	if n < 1 || n > len(t.lines) {
		return nil, false
	}
	end := len(t.src)
	if n < len(t.lines) {
		end = t.lines[n] - 1
	}
	return bytes.TrimSuffix(t.src[t.lines[n-1]:end], []byte("\r")), true
}

// offset is the byte offset of character column col (1-based) of line n.
func (t text) offset(n, col int) (int, bool) {
	l, ok := t.line(n)
	if !ok || col < 1 {
		return 0, false
	}
	b := 0
	for c := 1; c < col; c++ {
		if b >= len(l) {
			return 0, false
		}
		_, size := utf8.DecodeRune(l[b:])
		b += size
	}
	return t.lines[n-1] + b, true
}

// tokenOf is how a scalar with this value and style is written in a file,
// when it needs no escapes: 3, "60%", '60%'. ok is false for styles whose
// text is not the value itself (block scalars, escapes), which are never
// edited in place.
func tokenOf(value string, style kyaml.Style) (string, bool) {
	switch style &^ kyaml.FlowStyle {
	case 0, kyaml.TaggedStyle:
		return value, !strings.ContainsAny(value, "\n\"'")
	case kyaml.DoubleQuotedStyle:
		return `"` + value + `"`, !strings.ContainsAny(value, "\n\"\\")
	case kyaml.SingleQuotedStyle:
		return "'" + value + "'", !strings.ContainsAny(value, "\n'")
	}
	return "", false
}

// newToken writes v the way the old value was written: an int is always a
// plain number (a quoted "1" would be a string, which a partition must not
// be); a percent keeps the old quotes, and is double-quoted where the old
// value was a plain number inside a flow collection, so JSON stays JSON.
func newToken(v intstr.IntOrString, old Site) string {
	if v.Type == intstr.Int {
		return strconv.Itoa(int(v.IntVal))
	}
	switch {
	case old.style&kyaml.SingleQuotedStyle != 0:
		return "'" + v.StrVal + "'"
	case old.style&kyaml.DoubleQuotedStyle != 0, old.flow:
		return `"` + v.StrVal + `"`
	}
	return v.StrVal
}

// splice replaces the site's token in src with tok. It refuses when the
// bytes at the site are not the token the site was found with.
func splice(src []byte, s Site, tok string) ([]byte, bool) {
	end := s.offset + len(s.Token)
	if s.offset < 0 || end > len(src) || string(src[s.offset:end]) != s.Token {
		return nil, false
	}
	out := make([]byte, 0, len(src)-len(s.Token)+len(tok))
	out = append(out, src[:s.offset]...)
	out = append(out, tok...)
	return append(out, src[end:]...), true
}
