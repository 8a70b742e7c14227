package bench

import "testing"

func TestParseAPIWork(t *testing.T) {
	raw := []byte(`# HELP apiserver_request_total Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} 12
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="status",verb="PATCH",version="v1"} 5
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="replicasets",scope="resource",subresource="",verb="PUT",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 100
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 40
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 7
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 42.5
`)
	got, err := parseAPIWork(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.writes != 20 || got.podWrites != 17 || got.cpuSeconds != 42.5 {
		t.Fatalf("parseAPIWork = %+v, want 20 writes, 17 on pods, 42.5 s", got)
	}
	if s, want := got.String(), "POST pods 12, PATCH pods/status 5, PUT replicasets 3"; s != want {
		t.Fatalf("by kind %q, want %q", s, want)
	}
}
