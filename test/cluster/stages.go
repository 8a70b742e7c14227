package cluster

import (
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// startAtAnnotation holds the moment a delayed pod starts, with nanosecond
// precision (kwok reads it back as an absolute deadline).
const startAtAnnotation = "kwok.ferry.dev/start-at"

// stampStage marks a pod with its start time as soon as it is scheduled.
// kwok restarts a stage's delay whenever the pod changes while it waits;
// a deadline written once makes "Ready d after scheduling" hold for every
// pod, however often its controller writes to it meanwhile.
const stampStage = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-start-stamp
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: DoesNotExist
    - key: '.status.phase'
      operator: In
      values: ["Pending"]
    - key: '.spec.nodeName'
      operator: Exists
    - key: '.metadata.annotations["` + startAtAnnotation + `"]'
      operator: DoesNotExist
  next:
    patches:
    - root: metadata
      type: merge
      template: |
        annotations:
          ` + startAtAnnotation + `: {{ now | dateModify "+%dms" | date "2006-01-02T15:04:05.999999999Z07:00" | Quote }}`

// delayPodStages returns the pod stages with the pod-start stage delayed
// by d from scheduling (through stampStage); with d <= 0 it returns them
// unchanged.
func delayPodStages(stages string, d time.Duration) (string, error) {
	if d <= 0 {
		return stages, nil
	}
	docs := strings.Split(stages, "\n---\n")
	for i, doc := range docs {
		var stage map[string]any
		if err := yaml.Unmarshal([]byte(doc), &stage); err != nil {
			return "", fmt.Errorf("pod stage %d: %w", i, err)
		}
		meta, _ := stage["metadata"].(map[string]any)
		spec, _ := stage["spec"].(map[string]any)
		if meta == nil || spec == nil || meta["name"] != "pod-start" {
			continue
		}
		sel, _ := spec["selector"].(map[string]any)
		exprs, _ := sel["matchExpressions"].([]any)
		if sel == nil {
			return "", fmt.Errorf("pod stage pod-start has no selector")
		}
		sel["matchExpressions"] = append(exprs, map[string]any{
			"key": `.metadata.annotations["` + startAtAnnotation + `"]`, "operator": "Exists"})
		spec["delay"] = map[string]any{
			"durationMilliseconds": d.Milliseconds(),
			"durationFrom":         map[string]any{"jq": map[string]any{"expression": `.metadata.annotations["` + startAtAnnotation + `"]`}},
		}
		out, err := yaml.Marshal(stage)
		if err != nil {
			return "", err
		}
		docs[i] = string(out)
		docs = append(docs, fmt.Sprintf(stampStage, d.Milliseconds()))
		return strings.Join(docs, "\n---\n"), nil
	}
	return "", fmt.Errorf("pod stage pod-start not found")
}
