package webhook

import (
	"net/http"
	"reflect"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

func TestServingHosts(t *testing.T) {
	opts := DefaultOptions()
	opts.Hosts = []string{"10.0.0.5"}
	got, err := servingHosts(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ferry-webhook.ferry-system.svc", "ferry-webhook.ferry-system.svc.cluster.local", "ferry-webhook.ferry-system", "10.0.0.5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("service hosts %v, want %v", got, want)
	}
	opts.URL = "https://127.0.0.1:9443/mutate-pods"
	if got, _ := servingHosts(opts); !reflect.DeepEqual(got, []string{"127.0.0.1", "10.0.0.5"}) {
		t.Errorf("URL hosts %v", got)
	}
	for _, bad := range []string{"http://127.0.0.1:9443/x", "https:///x", "::"} {
		opts.URL = bad
		if _, err := servingHosts(opts); err == nil {
			t.Errorf("URL %q accepted", bad)
		}
	}
}

// TestHandlerDeniesUntilReady: with unsynced caches a pod could escape
// injection, so it is denied instead (a denial is an answer, not a failed
// call: failurePolicy Ignore does not admit the pod; its creator retries).
func TestHandlerDeniesUntilReady(t *testing.T) {
	sets, tpl := seed(t)
	h := newHandler(t, sets)
	h.Ready = func() bool { return false }
	resp := post(t, h, review(t, admissionv1.Create, "demo", podFrom(tpl, "demo")))
	if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusServiceUnavailable {
		t.Errorf("response %+v, want denied with 503", resp)
	}
}
