package diff

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/ferry-gitops/ferry/render/diff/impact"
	"github.com/ferry-gitops/ferry/rollout/cloneset/simulate"
)

// MarkdownOptions tune WriteMarkdown.
type MarkdownOptions struct {
	// MaxBytes caps the output; whole sections that do not fit are left out
	// and a note says how many. 0 means no cap.
	MaxBytes int
}

// DefaultMarkdownOptions fit a GitHub pull-request comment (65536 bytes),
// with room to spare for a bot's own header.
func DefaultMarkdownOptions() MarkdownOptions { return MarkdownOptions{MaxBytes: 65000} }

// chunk is one section of the markdown output; truncation drops whole
// chunks from the end.
type chunk struct {
	text   string
	object bool // an object's section (counted in the truncation note)
	rollup bool // a rollout's section
}

// WriteMarkdown prints the preview as a pull-request comment: a summary
// table, each rollout as a blockquote with its steps in a collapsed table,
// the SidecarSets and the workloads they reach, then a collapsed section
// per object with its field diff. Rollouts come before objects so that a
// long diff truncated at MaxBytes still shows them.
func WriteMarkdown(w io.Writer, p *Preview, opts MarkdownOptions) error {
	head := markdownHeader(p)
	var chunks []chunk
	for i, r := range p.Rollouts {
		text := markdownRollout(r)
		if i == 0 {
			text = "#### Rollouts\n\n" + text
		}
		chunks = append(chunks, chunk{text: text, rollup: true})
	}
	if len(p.SidecarSets) > 0 {
		var b strings.Builder
		b.WriteString("#### SidecarSets\n\n")
		for _, s := range p.SidecarSets {
			b.WriteString("- " + escapeMarkdown(s.Sentence()) + "\n")
		}
		chunks = append(chunks, chunk{text: b.String() + "\n"})
	}
	multi := len(p.Paths) > 1
	for i, o := range p.Objects {
		text := markdownObject(o, multi)
		if i == 0 {
			text = "#### Objects\n\n" + text
		}
		chunks = append(chunks, chunk{text: text, object: true})
	}
	if len(p.Notes) > 0 {
		var b strings.Builder
		for _, n := range p.Notes {
			b.WriteString("> **Note:** " + escapeMarkdown(n) + "\n>\n")
		}
		chunks = append(chunks, chunk{text: strings.TrimSuffix(b.String(), ">\n") + "\n"})
	}
	_, err := io.WriteString(w, fitMarkdown(head, chunks, opts.MaxBytes, len(p.Objects), len(p.Rollouts)))
	return err
}

// fitMarkdown joins the header and as many chunks as fit in maxBytes,
// keeping room for the note that says what was left out.
func fitMarkdown(head string, chunks []chunk, maxBytes, objects, rollouts int) string {
	var b strings.Builder
	b.WriteString(head)
	total := len(head)
	for _, c := range chunks {
		total += len(c.text)
	}
	if maxBytes <= 0 || total <= maxBytes {
		for _, c := range chunks {
			b.WriteString(c.text)
		}
		return b.String()
	}
	shownObjects, shownRollouts := 0, 0
	const reserve = 300 // the truncation note
	for _, c := range chunks {
		if b.Len()+len(c.text)+reserve > maxBytes {
			break
		}
		b.WriteString(c.text)
		if c.object {
			shownObjects++
		}
		if c.rollup {
			shownRollouts++
		}
	}
	note := fmt.Sprintf("> [!WARNING]\n> Output truncated at %d bytes: %d of %d objects and %d of %d rollouts shown. Run `ferry diff` for the whole diff.\n",
		maxBytes, shownObjects, objects, shownRollouts, rollouts)
	out := b.String()
	if len(out)+len(note) > maxBytes {
		out = cutUTF8(out, max(maxBytes-len(note)-1, 0)) + "\n"
	}
	return out + note
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func markdownHeader(p *Preview) string {
	var b strings.Builder
	paths := make([]string, len(p.Paths))
	for i, path := range p.Paths {
		paths[i] = "`" + path + "`"
	}
	fmt.Fprintf(&b, "### ferry diff %s\n\n", strings.Join(paths, " "))
	fmt.Fprintf(&b, "`%s` → `%s`\n\n", p.Base, p.Head)
	b.WriteString("| changed | added | removed | rollouts |\n|---:|---:|---:|---:|\n")
	s := p.Summary
	fmt.Fprintf(&b, "| %d | %d | %d | %d |\n\n", s.Changed, s.Added, s.Removed, s.Rollouts)
	return b.String()
}

func markdownRollout(r *impact.Rollout) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> **%s**\n>\n> %s\n", escapeMarkdown(r.Headline()), escapeMarkdown(r.Sentence()))
	for _, f := range rolloutFacts(r) {
		fmt.Fprintf(&b, ">\n> %s\n", escapeMarkdown(f))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, ">\n> _Note: %s_\n", escapeMarkdown(n))
	}
	b.WriteString("\n")
	if r.Result == nil || len(r.Result.Steps) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", html.EscapeString(fmt.Sprintf("Steps of CloneSet %s: %s", r.ID(), simulate.SummaryLine(r.Result.Summary))))
	b.WriteString("| step | phase | plan | create | delete | update | total | updated | ready |\n")
	b.WriteString("|---:|---|---|---:|---:|---:|---:|---:|---:|\n")
	for i, s := range r.Result.Steps {
		fmt.Fprintf(&b, "| %d | %s | `%s` | %d | %d | %d | %d | %d | %d |\n", i, s.Phase, simulate.Highlights(s.Plan),
			s.Actions.Create, s.Actions.Delete, s.Actions.Update, s.Pods.Total, s.Pods.Updated, s.Pods.Ready)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func markdownObject(o ObjectChange, multi bool) string {
	var b strings.Builder
	summary := objectHeader(o, multi).String()
	switch o.Action {
	case Changed:
		summary += fmt.Sprintf(" (%s)", pluralWord(len(o.Fields), "field"))
	case Removed:
		summary += " (removed)"
	case Added:
		summary += " (added)"
	}
	fmt.Fprintf(&b, "<details><summary><code>%s</code></summary>\n\n", html.EscapeString(summary))
	lines := objectLines(o)
	if len(lines) > 0 {
		var body strings.Builder
		for _, l := range lines {
			body.WriteString(l.String() + "\n")
		}
		fence := codeFence(body.String())
		fmt.Fprintf(&b, "%sdiff\n%s%s\n\n", fence, body.String(), fence)
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// codeFence is a backtick fence longer than any backtick run in s.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// escapeMarkdown keeps image names, paths and notes literal in markdown
// text: emphasis, code, links, tables and HTML are escaped.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
