package gitsync

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCountRequestsByCode(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	codes := []int{http.StatusUnauthorized, http.StatusAccepted, http.StatusUnauthorized}
	i := 0
	h := m.CountRequests("push", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[i])
		i++
	}))
	for range codes {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/hook/github/ns/app", nil))
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("push", "401")); got != 2 {
		t.Errorf("401s = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("push", "202")); got != 1 {
		t.Errorf("202s = %v, want 1", got)
	}
	var nilMetrics *Metrics // tools without a registry: serves, counts nothing
	rec := httptest.NewRecorder()
	nilMetrics.CountRequests("push", http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil metrics changed the response: %d", rec.Code)
	}
}
