package engine

import (
	"fmt"
	"net/http"
)

// Handler serves /healthz (the process is up), /readyz (the engine does
// what its mode asks: see Ready) and /metrics (the controller counters in
// the Prometheus text format).
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		state, reason := e.State()
		if !e.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintf(w, "%s %s\n", state, reason)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = e.metrics.WriteTo(w)
	})
	return mux
}
