package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// SchemaVersion is the version of the JSON output. Fields are only added
// within a version; removing or changing one makes a new version.
const SchemaVersion = "ferry.dev/diff/v1"

// WriteJSON prints the preview as one JSON document (two-space indent,
// trailing newline), the schema docs/diff-in-ci.md documents:
//
//	{"schema": "ferry.dev/diff/v1", "base": ..., "head": ..., "paths": [...],
//	 "summary": {"changed", "added", "removed", "rollouts"},
//	 "objects": [{"action", "path", "apiVersion", "kind", "namespace", "name",
//	              "fields": [{"path", "from", "to"}]}],
//	 "rollouts": [{"namespace", "name", "revision": {"from", "to"},
//	               "partition": {"from", "to"}, "batch": {"from", "to", "of"},
//	               "inPlace", "podsToUpdate", "peakTotal", "minAvailable",
//	               "steps", "trajectory": [...], ...}],
//	 "sidecarSets": [...], "notes": [...]}
//
// Struct fields marshal in declaration order and maps with sorted keys, so
// the same preview always prints the same bytes.
func WriteJSON(w io.Writer, p *Preview) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Schema string `json:"schema"`
		*Preview
	}{SchemaVersion, p}); err != nil {
		return fmt.Errorf("encode diff: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
