package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/pubsub"
)

// *metrics.Metrics is the subscriber's observer.
var _ pubsub.Observer = (*metrics.Metrics)(nil)

// cacheSettings are the /datos cache settings read from the environment:
// DATOS_CACHE (on|off, default on), DATOS_CACHE_TTL (2s),
// DATOS_CACHE_MAX_STALE (5m) and DATOS_CACHE_MAX_BYTES (64 MiB).
type cacheSettings struct {
	Off      bool
	TTL      time.Duration
	MaxStale time.Duration
	MaxBytes int64
}

// cacheFromEnv reads the cache settings, reporting every bad variable.
func cacheFromEnv(getenv func(string) string) (cacheSettings, error) {
	var s cacheSettings
	var errs []error
	switch v := strings.ToLower(strings.TrimSpace(getenv("DATOS_CACHE"))); v {
	case "", "on", "true", "1":
	case "off", "false", "0":
		s.Off = true
	default:
		errs = append(errs, fmt.Errorf("DATOS_CACHE=%q: want on or off", v))
	}
	dur := func(key string, lo, hi time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(key))
		if v == "" {
			return 0
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration from %s to %s", key, v, lo, hi))
			return 0
		}
		return d
	}
	s.TTL = dur("DATOS_CACHE_TTL", 10*time.Millisecond, time.Minute)
	s.MaxStale = dur("DATOS_CACHE_MAX_STALE", time.Second, time.Hour)
	if v := strings.TrimSpace(getenv("DATOS_CACHE_MAX_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1<<20 || n > 4<<30 {
			errs = append(errs, fmt.Errorf("DATOS_CACHE_MAX_BYTES=%q: want bytes from 1048576 to 4294967296", v))
		}
		s.MaxBytes = n
	}
	if err := errors.Join(errs...); err != nil {
		return s, badInput("read cache config from environment: %w", err)
	}
	return s, nil
}

// observed is the instrumentation shared by the API and the subscriber of
// one process.
type observed struct {
	metrics *metrics.Metrics
	cache   *httpapi.Cache // nil when DATOS_CACHE=off
	// pricePerTiB prices the BigQuery dry run of every uncached /datos
	// query (BIGQUERY_PRICE_PER_TIB, default bigquery.DefaultPricePerTiB).
	pricePerTiB float64
}

// priceFromEnv reads BIGQUERY_PRICE_PER_TIB (USD per TiB scanned).
func priceFromEnv(getenv func(string) string) (float64, error) {
	v := strings.TrimSpace(getenv("BIGQUERY_PRICE_PER_TIB"))
	if v == "" {
		return bigquery.DefaultPricePerTiB, nil
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p < 0 || p > 1000 {
		return 0, badInput("read BIGQUERY_PRICE_PER_TIB=%q: want USD per TiB from 0 to 1000", v)
	}
	return p, nil
}

// observe creates the process's metrics registry and /datos cache.
func (c *cli) observe() (observed, error) {
	cs, err := cacheFromEnv(c.getenv)
	if err != nil {
		return observed{}, err
	}
	price, err := priceFromEnv(c.getenv)
	if err != nil {
		return observed{}, err
	}
	o := observed{metrics: metrics.New(), pricePerTiB: price}
	if !cs.Off {
		o.cache = httpapi.NewCache(httpapi.CacheConfig{TTL: cs.TTL, MaxStale: cs.MaxStale, MaxBytes: cs.MaxBytes, Metrics: o.metrics})
	}
	return o, nil
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
	return httpapi.Deps{Store: store, Logger: log, Cache: o.cache, Metrics: o.metrics}
}
