package diff

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ferry-gitops/ferry/render/diff/impact"
	"github.com/ferry-gitops/ferry/rollout/cloneset/simulate"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// Color adds ANSI colours: additions green, removals red, changes
	// yellow, headings bold.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// WriteText prints the preview for a terminal or a CI log:
//
//	ferry diff overlays/prod: origin/main (1a2b3c4d5e6f) → HEAD (9f8e7d6c5b4a)
//	1 changed, 0 added, 0 removed; 1 rollout
//
//	~ CloneSet prod/demo
//	    spec.template.spec.containers[name=app].image: app:1.0 → app:1.1
//	    spec.updateStrategy.partition: 0 → 3
//
//	Rollout of CloneSet prod/demo: image app:1.0 → app:1.1, batch 3 → 1 of 3 (partition 0 → 3)
//	  2 pods will update in place (image-only change); at most 6 pods at once ...
//	  revision demo-5b8f9c7d4 → demo-6c9d8b5f7
//	  STEP  PHASE   PLAN ...
func WriteText(w io.Writer, p *Preview, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	t := textWriter{w: bw, color: opts.Color}
	t.styled(ansiBold, fmt.Sprintf("ferry diff %s: %s → %s", strings.Join(p.Paths, " "), p.Base, p.Head))
	t.println(summaryLine(p.Summary))
	multi := len(p.Paths) > 1
	if len(p.Objects) > 0 {
		t.println("")
	}
	for _, o := range p.Objects {
		t.object(o, multi)
	}
	for _, r := range p.Rollouts {
		t.println("")
		if err := t.rollout(r); err != nil {
			return err
		}
	}
	if len(p.SidecarSets) > 0 {
		t.println("")
	}
	for _, s := range p.SidecarSets {
		t.println(s.Sentence())
	}
	if len(p.Notes) > 0 {
		t.println("")
	}
	for _, n := range p.Notes {
		t.println("note: " + n)
	}
	return bw.Flush()
}

// summaryLine is "2 changed, 1 added, 0 removed; 1 rollout".
func summaryLine(s Summary) string {
	rollouts := "rollouts"
	if s.Rollouts == 1 {
		rollouts = "rollout"
	}
	return fmt.Sprintf("%d changed, %d added, %d removed; %d %s", s.Changed, s.Added, s.Removed, s.Rollouts, rollouts)
}

// objectHeader is "~ CloneSet prod/demo", with the path when several paths
// were compared.
func objectHeader(o ObjectChange, multi bool) line {
	mark := map[Action]byte{Added: '+', Changed: '~', Removed: '-'}[o.Action]
	text := o.Key.String()
	if multi {
		text += "  (" + o.Path + ")"
	}
	return line{mark, text}
}

// objectLines are the lines under an object's header: its changed fields,
// or the body of an added object. A removed object has none.
func objectLines(o ObjectChange) []line {
	var out []line
	switch o.Action {
	case Changed:
		for _, f := range o.Fields {
			out = append(out, fieldLines(f)...)
		}
	case Added:
		for _, l := range block(o.Body) {
			out = append(out, line{'+', l})
		}
	}
	return out
}

type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t textWriter) println(s string) { t.w.WriteString(s + "\n") }

func (t textWriter) styled(style, s string) {
	if t.color {
		s = style + s + ansiReset
	}
	t.println(s)
}

func (t textWriter) marked(indent string, l line) {
	style := map[byte]string{'+': ansiGreen, '-': ansiRed, '~': ansiYellow}[l.mark]
	if style == "" {
		t.println(indent + l.String())
		return
	}
	t.styled(style, indent+l.String())
}

func (t textWriter) object(o ObjectChange, multi bool) {
	t.marked("", objectHeader(o, multi))
	for _, l := range objectLines(o) {
		t.marked("  ", l)
	}
}

func (t textWriter) rollout(r *impact.Rollout) error {
	t.styled(ansiBold, "Rollout of "+r.Headline())
	t.println("  " + r.Sentence())
	for _, l := range rolloutFacts(r) {
		t.println("  " + l)
	}
	for _, n := range r.Notes {
		t.println("  note: " + n)
	}
	if r.Result == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := simulate.WriteText(&buf, "", r.Result); err != nil {
		return err
	}
	for _, l := range splitLines(buf.String()) {
		t.println("  " + l)
	}
	return nil
}

// rolloutFacts are the revision lines under a rollout's sentence.
func rolloutFacts(r *impact.Rollout) []string {
	var out []string
	if r.Revision.From != r.Revision.To {
		out = append(out, fmt.Sprintf("revision %s → %s", r.Revision.From, r.Revision.To))
	} else {
		out = append(out, fmt.Sprintf("revision %s (unchanged)", r.Revision.To))
	}
	if r.Previous != "" {
		out = append(out, fmt.Sprintf("pods held back at base run %s", r.Previous))
	}
	return out
}
