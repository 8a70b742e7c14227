package gitsync

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferry-gitops/ferry/api/v1alpha1"
	"github.com/ferry-gitops/ferry/rollout/apply"
)

// Metrics are the loop's Prometheus metrics. A nil *Metrics records nothing,
// so tests and tools can run the reconciler without a registry.
type Metrics struct {
	duration *prometheus.HistogramVec
	objects  *prometheus.CounterVec
	revision *prometheus.GaugeVec
	batch    *prometheus.GaugeVec
	ready    *prometheus.GaugeVec
	requests *prometheus.CounterVec
}

// NewMetrics registers the loop's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ferry_reconcile_duration_seconds", Help: "Time spent in each phase of a GitSync sync.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"namespace", "name", "phase"}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_objects_total", Help: "Objects applied or pruned, by action.",
		}, []string{"action"}),
		revision: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_source_revision_info", Help: "The revision a GitSync last applied (value 1).",
		}, []string{"namespace", "name", "revision"}),
		batch: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_rollout_batch", Help: "The batch a CloneSet's partition in git is at (0 = not started).",
		}, []string{"namespace", "name", "cloneset"}),
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_gitsync_ready", Help: "1 when the GitSync's last attempt succeeded, 0 otherwise.",
		}, []string{"namespace", "name"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_webhook_requests_total", Help: "Webhook requests (push hooks, sidecar admission) by response code.",
		}, []string{"webhook", "code"}),
	}
	reg.MustRegister(m.duration, m.objects, m.revision, m.batch, m.ready, m.requests)
	return m
}

// phase returns a func that records the time since the previous call under
// the named phase.
func (m *Metrics) phase(gs *v1alpha1.GitSync) func(name string) {
	last := time.Now()
	return func(name string) {
		if m == nil {
			return
		}
		now := time.Now()
		m.duration.WithLabelValues(gs.Namespace, gs.Name, name).Observe(now.Sub(last).Seconds())
		last = now
	}
}

func (m *Metrics) applied(cs *apply.ChangeSet) {
	if m == nil || cs == nil {
		return
	}
	for _, e := range cs.Entries {
		m.objects.WithLabelValues(string(e.Action)).Inc()
	}
}

func (m *Metrics) observe(gs *v1alpha1.GitSync, o Outcome) {
	if m == nil {
		return
	}
	ok := 0.0
	if o.Result != ResultFailed {
		ok = 1
	}
	m.ready.WithLabelValues(gs.Namespace, gs.Name).Set(ok)
	if o.Result == ResultApplied || o.Result == ResultUnchanged {
		m.revision.DeletePartialMatch(prometheus.Labels{"namespace": gs.Namespace, "name": gs.Name})
		m.revision.WithLabelValues(gs.Namespace, gs.Name, o.Revision).Set(1)
	}
	m.batches(gs, o.Batches)
}

func (m *Metrics) batches(gs *v1alpha1.GitSync, bs []v1alpha1.BatchStatus) {
	if m == nil {
		return
	}
	for _, b := range bs {
		if b.Batch != nil {
			m.batch.WithLabelValues(gs.Namespace, gs.Name, b.Name).Set(float64(*b.Batch))
		}
	}
}

// CountRequests wraps h so that every response is counted under
// ferry_webhook_requests_total{webhook, code}: a run of 401s on the push
// hook is someone with the wrong secret, a run of 500s on admission is
// pods created without their sidecars.
func (m *Metrics) CountRequests(webhook string, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(prometheus.Labels{"webhook": webhook}), h)
}
