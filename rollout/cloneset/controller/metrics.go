package controller

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics are the engine's counters, served in the Prometheus text format
// by WriteTo (no client library: a handful of counters do not need one).
type Metrics struct {
	syncs         atomic.Int64
	syncErrors    atomic.Int64
	syncNanos     atomic.Int64
	writes        atomic.Int64
	statusWrites  atomic.Int64
	podsCreated   atomic.Int64
	podsDeleted   atomic.Int64
	podsInPlace   atomic.Int64
	podsRecreated atomic.Int64
	waits         atomic.Int64 // passes that stopped early for the cache
	chained       atomic.Int64 // passes planned on the previous pass's writes
	metaDropped   atomic.Int64 // combined status patches whose metadata the API server dropped
	phases        sync.Map     // plan.Phase -> *atomic.Int64
}

func (m *Metrics) observePhase(phase string) {
	v, _ := m.phases.LoadOrStore(phase, &atomic.Int64{})
	v.(*atomic.Int64).Add(1)
}

func (m *Metrics) observeSync(d time.Duration, err error) {
	m.syncs.Add(1)
	m.syncNanos.Add(int64(d))
	if err != nil {
		m.syncErrors.Add(1)
	}
}

// Writes is how many API writes the engine made (events excluded).
func (m *Metrics) Writes() int64 { return m.writes.Load() }

// PodsDeleted counts the pods the engine deleted (a delete of a pod
// already gone is not counted).
func (m *Metrics) PodsDeleted() int64 { return m.podsDeleted.Load() }

// Passes is how many passes acted in the given phase (plan.Phase).
func (m *Metrics) Passes(phase string) int64 {
	v, ok := m.phases.Load(phase)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// StatusMetadataDropped counts combined pods/status patches whose label
// changes the API server did not keep (see combined.go).
func (m *Metrics) StatusMetadataDropped() int64 { return m.metaDropped.Load() }

// WriteTo writes the counters in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var n int64
	counters := []struct {
		name, help string
		v          float64
	}{
		{"ferry_engine_syncs_total", "CloneSet reconcile passes.", float64(m.syncs.Load())},
		{"ferry_engine_sync_errors_total", "CloneSet reconcile passes that failed.", float64(m.syncErrors.Load())},
		{"ferry_engine_sync_seconds_total", "Time spent in reconcile passes.", time.Duration(m.syncNanos.Load()).Seconds()},
		{"ferry_engine_api_writes_total", "API writes (creates, deletes, patches, updates) made by the engine.", float64(m.writes.Load())},
		{"ferry_engine_status_writes_total", "CloneSet status writes.", float64(m.statusWrites.Load())},
		{"ferry_engine_pods_created_total", "Pods created.", float64(m.podsCreated.Load())},
		{"ferry_engine_pods_deleted_total", "Pods deleted.", float64(m.podsDeleted.Load())},
		{"ferry_engine_pods_updated_in_place_total", "Pods updated in place.", float64(m.podsInPlace.Load())},
		{"ferry_engine_pods_marked_recreate_total", "Pods marked for recreation.", float64(m.podsRecreated.Load())},
		{"ferry_engine_chained_passes_total", "Passes planned on the previous pass's writes without waiting for the cache.", float64(m.chained.Load())},
		{"ferry_engine_status_metadata_dropped_total", "Combined readiness and lifecycle patches whose labels the API server did not keep (sent again on their own).", float64(m.metaDropped.Load())},
		{"ferry_engine_cache_waits_total", "Passes that stopped early until the cache showed the engine's own writes.", float64(m.waits.Load())},
	}
	for _, c := range counters {
		k, err := fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %g\n", c.name, c.help, c.name, c.name, c.v)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	k, err := fmt.Fprintf(w, "# HELP ferry_engine_passes_total Passes that planned, by the phase that acted.\n# TYPE ferry_engine_passes_total counter\n")
	n += int64(k)
	if err != nil {
		return n, err
	}
	var phases []string
	m.phases.Range(func(k, _ any) bool { phases = append(phases, k.(string)); return true })
	sort.Strings(phases)
	for _, p := range phases {
		v, _ := m.phases.Load(p)
		k, err := fmt.Fprintf(w, "ferry_engine_passes_total{phase=%q} %d\n", p, v.(*atomic.Int64).Load())
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
