// Package yamlnode reads YAML node trees (kyaml's, which keep comments and
// positions): render checks values where kustomize would not, and advance
// finds the one value it rewrites.
package yamlnode

import kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

// Child returns the value node of key in mapping node n, or nil when n is
// not a mapping or has no such key.
func Child(n *kyaml.Node, key string) *kyaml.Node {
	if n == nil || n.Kind != kyaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
