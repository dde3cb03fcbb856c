// Package metrics is the service's Prometheus instrumentation: one private
// registry (never the global default, so tests and several instances in one
// process do not collide) holding the HTTP, ingest, store, /datos cache and
// BigQuery cost metrics, the /metrics handler that exposes it, and a store
// decorator that times and counts store calls.
//
// It is not for logging or tracing (see logging) and does not decide
// anything: adapters call its methods (the hooks) and it only counts.
// Every method is safe on a nil *Metrics, which records nothing, so
// callers need no "metrics enabled?" checks.
//
// Names follow the Prometheus conventions: one application prefix
// (flightevents_), base units (_seconds, _bytes), _total on counters, and
// labels with small closed value sets (a route template, never a raw path).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	flightevents "${{ values.goModule }}"
)

// Namespace prefixes every metric of the service. It is the domain's name,
// not the service's, so that one dashboard serves every service made from
// the template (the job and instance labels tell them apart).
const Namespace = "flightevents"

// Results of a /datos cache lookup (label "result" of
// flightevents_datos_cache_requests_total).
const (
	CacheHit        = "hit"        // a fresh entry was served
	CacheRevalidate = "revalidate" // an expired entry within the stale-while-revalidate window was served
	CacheCoalesced  = "coalesced"  // the request waited for an identical one in flight
	CacheMiss       = "miss"       // the store was queried
	CacheStale      = "stale"      // the store was unavailable; an expired entry was served
)

// Outcomes of a /datos cache background refresh (label "result" of
// flightevents_datos_cache_refreshes_total).
const (
	RefreshOK      = "ok"           // the store answered; the entry is fresh again
	RefreshError   = "error"        // the store failed; the stale entry is kept
	RefreshLimited = "rate_limited" // the client's rate limit refused the store query; none ran
	RefreshBusy    = "busy"         // the most refreshes the cache runs at once were running; none started
)

// Store operations (label "operation").
const (
	OpWrite  = "write"
	OpList   = "list"
	OpPing   = "ping"
	OpDryRun = "dry_run"
)

// Metrics holds the service's collectors on a private registry. Create it
// once per process with New; a nil *Metrics records nothing.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpInFlight prometheus.Gauge

	ingestReceived     prometheus.Counter
	ingestWritten      prometheus.Counter
	ingestDuplicates   prometheus.Counter
	ingestDeadLettered *prometheus.CounterVec
	ingestNacked       prometheus.Counter
	ingestBatch        prometheus.Histogram

	storeErrors   *prometheus.CounterVec
	storeDuration *prometheus.HistogramVec

	cacheRequests  *prometheus.CounterVec
	cacheEntries   prometheus.Gauge
	cacheBytes     prometheus.Gauge
	cacheEvictions prometheus.Counter
	cacheRefreshes *prometheus.CounterVec

	bqDryRuns        *prometheus.CounterVec
	bqBytesProcessed prometheus.Counter
	bqBytesBilled    prometheus.Counter
	bqCost           prometheus.Counter
}

// New returns Metrics registered on a new private registry, together with
// the Go runtime and process collectors (heap, goroutines, RSS, open fds).
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m := &Metrics{reg: reg}
	f := factory{reg}

	m.httpRequests = f.counterVec("http_requests_total",
		"HTTP requests served, by route template, method and status code.", "route", "method", "code")
	m.httpDuration = f.histogramVec("http_request_duration_seconds",
		"Time from receiving an HTTP request to finishing its response, by route template, method and status code.",
		[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, .8, 1, 2.5, 5, 10}, "route", "method", "code")
	m.httpInFlight = f.gauge("http_requests_in_flight", "HTTP requests being served.")

	m.ingestReceived = f.counter("ingest_messages_received_total", "Pub/Sub messages received by the subscriber.")
	m.ingestWritten = f.counter("ingest_events_written_total", "Events stored for the first time by the subscriber.")
	m.ingestDuplicates = f.counter("ingest_events_duplicate_total", "Events the subscriber received again and the idempotent store absorbed.")
	m.ingestDeadLettered = f.counterVec("ingest_messages_dead_lettered_total",
		"Messages that can never be valid, published to the dead-letter topic and acked, by reason.", "reason")
	m.ingestNacked = f.counter("ingest_messages_nacked_total", "Messages nacked for redelivery (store or dead-letter publish failed, or shutdown).")
	m.ingestBatch = f.histogram("ingest_batch_events", "Events per batch written by the subscriber.",
		[]float64{1, 5, 10, 25, 50, 100, 250, 500, 1000})

	m.storeErrors = f.counterVec("store_errors_total",
		"Failed event store calls, by operation and domain error code.", "operation", "code")
	m.storeDuration = f.histogramVec("store_operation_duration_seconds",
		"Duration of event store calls, by operation.",
		[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 4, 8}, "operation")

	m.cacheRequests = f.counterVec("datos_cache_requests_total",
		"GET /datos lookups in the response cache, by result (hit, revalidate, coalesced, miss, stale).", "result")
	m.cacheEntries = f.gauge("datos_cache_entries", "Responses held by the /datos cache.")
	m.cacheBytes = f.gauge("datos_cache_size_bytes", "Approximate memory held by the /datos cache.")
	m.cacheEvictions = f.counter("datos_cache_evictions_total", "Entries dropped by the /datos cache to stay within its memory bound or because they expired.")
	m.cacheRefreshes = f.counterVec("datos_cache_refreshes_total",
		"Background refreshes of expired /datos cache entries served stale-while-revalidate, by result (ok, error, rate_limited, busy).", "result")

	m.bqDryRuns = f.counterVec("bigquery_dry_runs_total",
		"BigQuery dry runs of uncached /datos queries, by result (ok, error).", "result")
	m.bqBytesProcessed = f.counter("bigquery_estimated_processed_bytes_total",
		"Bytes uncached /datos queries would process, as estimated by BigQuery dry runs (totalBytesProcessed).")
	m.bqBytesBilled = f.counter("bigquery_estimated_billed_bytes_total",
		"Bytes uncached /datos queries would bill on demand (rounded up to MiB, at least 10 MiB per query).")
	m.bqCost = f.counter("bigquery_estimated_cost_dollars_total",
		"Estimated on-demand cost in US dollars of uncached /datos queries, at the configured price per TiB.")

	// Pre-create the label values that are known up front, so that their
	// series exist (at 0) from the first scrape and rate() works at once.
	for _, r := range []string{CacheHit, CacheRevalidate, CacheCoalesced, CacheMiss, CacheStale} {
		m.cacheRequests.WithLabelValues(r)
	}
	for _, r := range []string{RefreshOK, RefreshError, RefreshLimited, RefreshBusy} {
		m.cacheRefreshes.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.bqDryRuns.WithLabelValues(r)
	}
	return m
}

// factory creates collectors with the namespace and registers them.
type factory struct{ reg prometheus.Registerer }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// Registry returns the private registry, for tests and for callers that
// add collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the registry in the Prometheus text (or OpenMetrics,
// when asked) exposition format. A nil *Metrics serves 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // counts scrape errors in promhttp_metric_handler_errors_total
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// HTTP hooks.

// RequestStarted counts a request in flight; call RequestDone when it ends.
func (m *Metrics) RequestStarted() {
	if m == nil {
		return
	}
	m.httpInFlight.Inc()
}

// RequestDone records one served request. route is the route template
// ("/datos"), never the raw path, so that the label set stays bounded;
// unmatched requests should pass "unmatched".
func (m *Metrics) RequestDone(route, method string, code int, elapsed time.Duration) {
	if m == nil {
		return
	}
	m.httpInFlight.Dec()
	c := strconv.Itoa(code)
	m.httpRequests.WithLabelValues(route, method, c).Inc()
	m.httpDuration.WithLabelValues(route, method, c).Observe(elapsed.Seconds())
}

// Ingest hooks, for the Pub/Sub subscriber. Every received message ends in
// exactly one of: written or duplicate (per event), dead-lettered, nacked.

// MessageReceived counts one message handed to the subscriber's handler.
func (m *Metrics) MessageReceived() {
	if m == nil {
		return
	}
	m.ingestReceived.Inc()
}

// BatchWritten records one successful store write of size events, of
// which written were new and duplicates were already stored.
func (m *Metrics) BatchWritten(size int, res flightevents.WriteResult) {
	if m == nil {
		return
	}
	m.ingestBatch.Observe(float64(size))
	m.ingestWritten.Add(float64(res.Written))
	m.ingestDuplicates.Add(float64(res.Duplicates))
}

// MessageDeadLettered counts one poison message sent to the dead-letter
// topic. reason must come from a closed set (a ValidationError reason).
func (m *Metrics) MessageDeadLettered(reason string) {
	if m == nil {
		return
	}
	m.ingestDeadLettered.WithLabelValues(reason).Inc()
}

// MessagesNacked counts n messages nacked for redelivery.
func (m *Metrics) MessagesNacked(n int) {
	if m == nil {
		return
	}
	m.ingestNacked.Add(float64(n))
}

// Store hooks (see InstrumentStore).

// StoreCall records one store call of operation that took elapsed and
// ended with err (nil on success).
func (m *Metrics) StoreCall(operation string, elapsed time.Duration, err error) {
	if m == nil {
		return
	}
	m.storeDuration.WithLabelValues(operation).Observe(elapsed.Seconds())
	if err != nil {
		m.storeErrors.WithLabelValues(operation, flightevents.ErrorCode(err)).Inc()
	}
}

// Cache hooks, for the /datos response cache.

// CacheRequest counts one cache lookup with its result (CacheHit,
// CacheRevalidate, CacheCoalesced, CacheMiss or CacheStale).
func (m *Metrics) CacheRequest(result string) {
	if m == nil {
		return
	}
	m.cacheRequests.WithLabelValues(result).Inc()
}

// CacheRefresh counts one background refresh of a stale entry with its
// outcome (RefreshOK, RefreshError, RefreshLimited or RefreshBusy).
func (m *Metrics) CacheRefresh(result string) {
	if m == nil {
		return
	}
	m.cacheRefreshes.WithLabelValues(result).Inc()
}

// CacheSize reports the cache's current number of entries and bytes.
func (m *Metrics) CacheSize(entries int, bytes int64) {
	if m == nil {
		return
	}
	m.cacheEntries.Set(float64(entries))
	m.cacheBytes.Set(float64(bytes))
}

// CacheEvicted counts n entries dropped by the cache.
func (m *Metrics) CacheEvicted(n int) {
	if m == nil {
		return
	}
	m.cacheEvictions.Add(float64(n))
}

// BigQuery cost hooks.

// DryRun records the estimate of one BigQuery dry run: the bytes the query
// would process and bill, and the cost in dollars at the configured price.
// err non-nil counts a failed dry run (the other values are ignored).
func (m *Metrics) DryRun(processedBytes, billedBytes int64, dollars float64, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.bqDryRuns.WithLabelValues("error").Inc()
		return
	}
	m.bqDryRuns.WithLabelValues("ok").Inc()
	m.bqBytesProcessed.Add(float64(processedBytes))
	m.bqBytesBilled.Add(float64(billedBytes))
	m.bqCost.Add(dollars)
}
