package sidecar

import (
	"encoding/json"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
)

// patchPodMetadata applies a SidecarSet's patchPodMetadata to pod annotations,
// as Kruise's PatchPodMetadata (pkg/control/sidecarcontrol/util.go):
//
//	Retain          set the key only if the pod does not have it
//	Overwrite       set the key
//	MergePatchJson  RFC 7386 merge of the patch into the pod's JSON value
//	                ({"a":1} + {"b":2} = {"a":1,"b":2}); set it if absent
//
// Kruise also requires the keys to be whitelisted in its kruise-configuration
// ConfigMap; ferry takes the SidecarSet from git, where review is the whitelist.
func patchPodMetadata(annotations map[string]string, p *Prepared) error {
	for i, patch := range p.set.Spec.PatchPodMetadata {
		for _, k := range sortedKeys(patch.Annotations) {
			v := patch.Annotations[k]
			switch patch.PatchPolicy {
			case appsv1alpha1.SidecarSetRetainPatchPolicy:
				if _, ok := annotations[k]; !ok {
					annotations[k] = v
				}
			case appsv1alpha1.SidecarSetOverwritePatchPolicy:
				annotations[k] = v
			case appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy:
				merged, err := mergeJSON(annotations[k], v)
				if err != nil {
					return fieldErr(p.Name(), fmt.Sprintf("spec.patchPodMetadata[%d].annotations[%s]", i, k),
						"cannot merge into the pod's annotation: %v", err)
				}
				annotations[k] = merged
			}
		}
	}
	return nil
}

// mergeJSON merges an RFC 7386 JSON merge patch into a JSON document; an empty
// document takes the patch as it is. Keys come out sorted.
func mergeJSON(doc, patch string) (string, error) {
	if doc == "" {
		return patch, nil
	}
	var d, p any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "", fmt.Errorf("pod value is not JSON: %w", err)
	}
	if err := json.Unmarshal([]byte(patch), &p); err != nil {
		return "", fmt.Errorf("patch is not JSON: %w", err)
	}
	out, err := json.Marshal(mergePatch(d, p))
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// mergePatch is RFC 7386: an object patch merges key by key, null deletes a
// key, anything else replaces the target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}
