package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
)

// apiWork is what the API server did, read from its own /metrics: the
// writes every client made (the engine or kube-controller-manager, the
// scheduler's bindings, kwok's status updates and deletions) and the CPU
// the API server process used. Both rollouts are measured the same way, so
// the ratio of their writes says how much of the time ratio the protocols
// explain on an API server that is the bottleneck.
type apiWork struct {
	writes     float64 // POST, PUT, PATCH, APPLY, DELETE on anything but events and leases
	podWrites  float64 // the part of writes on pods and their subresources
	cpuSeconds float64
	byKind     map[string]float64 // writes by "VERB resource[/subresource]"
}

func (a apiWork) sub(b apiWork) apiWork {
	out := apiWork{writes: a.writes - b.writes, podWrites: a.podWrites - b.podWrites, cpuSeconds: a.cpuSeconds - b.cpuSeconds,
		byKind: map[string]float64{}}
	for k, v := range a.byKind {
		if d := v - b.byKind[k]; d != 0 {
			out.byKind[k] = d
		}
	}
	return out
}

// String lists the writes by kind, most first.
func (a apiWork) String() string {
	kinds := make([]string, 0, len(a.byKind))
	for k := range a.byKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return a.byKind[kinds[i]] > a.byKind[kinds[j]] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %.0f", k, a.byKind[k])
	}
	return strings.Join(parts, ", ")
}

// readAPIWork scrapes the API server's /metrics.
func readAPIWork(ctx context.Context, client kubernetes.Interface) (apiWork, error) {
	raw, err := client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return apiWork{}, fmt.Errorf("read API server metrics: %w", err)
	}
	return parseAPIWork(raw)
}

var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

// parseAPIWork reads apiserver_request_total and process_cpu_seconds_total
// from the Prometheus text format.
func parseAPIWork(raw []byte) (apiWork, error) {
	w := apiWork{byKind: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "process_cpu_seconds_total "):
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, "process_cpu_seconds_total "), 64)
			if err != nil {
				return w, fmt.Errorf("process_cpu_seconds_total: %w", err)
			}
			w.cpuSeconds = v
		case strings.HasPrefix(line, "apiserver_request_total{"):
			end := strings.LastIndexByte(line, '}')
			if end < 0 {
				continue
			}
			labels := parseLabels(line[len("apiserver_request_total{"):end])
			if !writeVerbs[labels["verb"]] || labels["resource"] == "events" || labels["resource"] == "leases" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
			if err != nil {
				return w, fmt.Errorf("apiserver_request_total: %w", err)
			}
			w.writes += v
			kind := labels["resource"]
			if sub := labels["subresource"]; sub != "" {
				kind += "/" + sub
			}
			w.byKind[labels["verb"]+" "+kind] += v
			if labels["resource"] == "pods" {
				w.podWrites += v
			}
		}
	}
	return w, sc.Err()
}

// parseLabels splits `a="x",b="y"` (label values here never hold quotes
// or commas).
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}
