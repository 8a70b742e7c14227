package diff

// Mask is what a Secret's value shows as.
const Mask = "***"

// lastApplied is the annotation kubectl apply leaves on live objects; on a
// Secret it holds the values in clear.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// isSecret reports whether an object key is a core v1 Secret.
func isSecret(k ObjectKey) bool { return k.Group == "" && k.Kind == "Secret" }

// secretValue reports whether a field of a Secret holds a secret value: an
// entry of data or stringData (or the whole map), or the last-applied
// annotation.
func secretValue(p fieldPath) bool {
	if len(p) >= 1 && p[0].kind == byKey && (p[0].key == "data" || p[0].key == "stringData") {
		return true
	}
	return p.under("metadata", "annotations", lastApplied)
}

// maskChanges hides the values of a Secret's changed fields: keys stay
// visible (the path names them), values become "***". A whole data map
// added or removed keeps its keys with masked values.
func maskChanges(changes []FieldChange) {
	for i := range changes {
		c := &changes[i]
		if !secretValue(c.path) {
			continue
		}
		c.From, c.To, c.Masked = maskValue(c.From), maskValue(c.To), true
	}
}

func maskValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = Mask
			}
		}
		return out
	}
	return Mask
}

// maskObject returns a copy of a normalised Secret whose values are masked,
// for showing a whole added or removed Secret.
func maskObject(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	for _, k := range []string{"data", "stringData"} {
		if v, ok := out[k]; ok {
			out[k] = maskValue(v)
		}
	}
	if meta, ok := out["metadata"].(map[string]any); ok {
		if ann, ok := meta["annotations"].(map[string]any); ok {
			if _, ok := ann[lastApplied]; ok {
				m := make(map[string]any, len(meta))
				for k, v := range meta {
					m[k] = v
				}
				a := make(map[string]any, len(ann))
				for k, v := range ann {
					a[k] = v
				}
				a[lastApplied] = Mask
				m["annotations"] = a
				out["metadata"] = m
			}
		}
	}
	return out
}
