package gitsync_test

import (
	"net/http"
	"testing"
)

// The benchmarks' API counts stand on this classification.
func TestRequestKind(t *testing.T) {
	for _, tc := range []struct {
		method, url, want             string
		write, dryRun, object, status bool
	}{
		{"GET", "/api/v1/namespaces/ns/configmaps/a", "GET configmaps", false, false, true, false},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/d?dryRun=All&fieldManager=ferry", "PATCH deployments dry-run", false, true, true, false},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/d?fieldManager=ferry", "PATCH deployments", true, false, true, false},
		{"PUT", "/apis/ferry.dev/v1alpha1/namespaces/ns/gitsyncs/g/status", "PUT gitsyncs/status", true, false, false, true},
		{"GET", "/apis/ferry.dev/v1alpha1/namespaces/ns/gitsyncs?watch=true", "WATCH gitsyncs", false, false, false, false},
		{"GET", "/api/v1/namespaces/ns", "GET namespaces", false, false, true, false},
		{"GET", "/apis/apps/v1", "GET discovery", false, false, false, false},
		{"GET", "/api", "GET discovery", false, false, false, false},
	} {
		req, err := http.NewRequest(tc.method, "https://127.0.0.1"+tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := requestKind(req)
		if got != tc.want {
			t.Errorf("%s %s: kind %q, want %q", tc.method, tc.url, got, tc.want)
		}
		if isWrite(got) != tc.write || isDryRun(got) != tc.dryRun || isObjectRequest(got) != tc.object || isStatusWrite(got) != tc.status {
			t.Errorf("%q: write=%v dryRun=%v object=%v status=%v, want %v %v %v %v", got,
				isWrite(got), isDryRun(got), isObjectRequest(got), isStatusWrite(got), tc.write, tc.dryRun, tc.object, tc.status)
		}
	}
}
