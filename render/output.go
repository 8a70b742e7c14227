package render

import (
	"encoding/json"
	"fmt"
)

// JSON is the render as a Kubernetes v1 List, as `kubectl get -o json`
// prints several objects: keys sorted, four-space indent, trailing newline.
func (r *Result) JSON() ([]byte, error) {
	items := make([]map[string]any, len(r.Objects))
	for i, o := range r.Objects {
		items[i] = o.Object
	}
	b, err := json.MarshalIndent(map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]any{},
		"items":      items,
	}, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode %s as JSON: %w", r.Path, err)
	}
	return append(b, '\n'), nil
}
