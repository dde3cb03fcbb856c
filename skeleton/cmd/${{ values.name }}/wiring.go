package main

import (
	"log/slog"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/config"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/pubsub"
)

// *metrics.Metrics is the subscriber's observer.
var _ pubsub.Observer = (*metrics.Metrics)(nil)

// observed is the instrumentation shared by the API and the subscriber of
// one process.
type observed struct {
	metrics *metrics.Metrics
	cache   *httpapi.Cache // nil when DATOS_CACHE=off
	// pricePerTiB prices the BigQuery dry run of every uncached /datos
	// query (config.Config.PricePerTiB; zero: bigquery.DefaultPricePerTiB).
	pricePerTiB float64
	// maxRange and limit are the /datos cost guards (DATOS_MAX_RANGE,
	// DATOS_RATE_LIMIT, DATOS_RATE_BURST, TRUSTED_PROXY_HOPS); limit is nil
	// when DATOS_RATE_LIMIT=off.
	maxRange time.Duration
	limit    *httpapi.RateLimiter
}

// observe creates the process's metrics registry and, unless
// DATOS_CACHE=off, its /datos cache, as cfg says.
func observe(cfg config.Config) observed {
	o := observed{metrics: metrics.New(), pricePerTiB: cfg.PricePerTiB, maxRange: cfg.DatosMaxRange}
	if cfg.DatosRateLimit > 0 {
		o.limit = httpapi.NewRateLimiter(httpapi.RateLimitConfig{
			Rate:             cfg.DatosRateLimit,
			Burst:            cfg.DatosRateBurst,
			TrustedProxyHops: cfg.TrustedProxyHops,
		})
	}
	if cfg.DatosCache {
		o.cache = httpapi.NewCache(httpapi.CacheConfig{
			TTL:      cfg.DatosCacheTTL,
			MaxStale: cfg.DatosCacheMaxStale,
			MaxBytes: cfg.DatosCacheMaxBytes,
			Metrics:  o.metrics,

			StaleWhileRevalidate: cfg.DatosCacheStaleWhileRevalidate,
		})
	}
	return o
}

// close stops the /datos cache's background refreshes and waits for them;
// call it after the HTTP server has shut down, before the store closes.
func (o observed) close() {
	if o.cache != nil {
		o.cache.Close()
	}
}

// store wraps s with store-call metrics and, on BigQuery, with the cost
// report of every read (a dry run logged with the request's trace and
// exported as flightevents_bigquery_estimated_* metrics). It sits under the
// /datos cache, so only the reads BigQuery bills are estimated.
func (o observed) store(s flightevents.EventStore, log *slog.Logger) flightevents.EventStore {
	if bq, ok := s.(*bigquery.Store); ok {
		s = bigquery.WithCostReport(bq, bigquery.CostReportConfig{
			Pricing:  bigquery.Pricing{PricePerTiB: o.pricePerTiB},
			Logger:   log,
			Recorder: o.metrics,
		})
	}
	return metrics.InstrumentStore(s, o.metrics)
}

// deps are the API's dependencies on store.
func (o observed) deps(store flightevents.EventStore, log *slog.Logger) httpapi.Deps {
	return httpapi.Deps{Store: store, Logger: log, Cache: o.cache, Metrics: o.metrics, MaxRange: o.maxRange, RateLimit: o.limit}
}
