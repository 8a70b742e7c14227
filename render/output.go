package render

import (
	"bytes"
	"encoding/json"
	"fmt"

	sigsyaml "sigs.k8s.io/yaml"
)

// yamlStream is the multi-document YAML of the rendered objects, byte for
// byte what kustomize's ResMap.AsYaml prints: each object's JSON converted
// to YAML (keys sorted), documents separated by "---".
func yamlStream(objects [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	for i, j := range objects {
		y, err := sigsyaml.JSONToYAML(j)
		if err != nil {
			return nil, fmt.Errorf("encode rendered object %d as YAML: %w", i, err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(y)
	}
	return buf.Bytes(), nil
}

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
