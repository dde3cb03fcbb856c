// Package httpapi is the HTTP adapter of the service: the Huma v2 routes
// (GET /datos, /healthz, /readyz), the OpenAPI 3.1 document they produce,
// the offline docs UI at /docs, the Prometheus endpoint at /metrics, the
// /datos response cache (TTL, request coalescing, stale-while-unavailable)
// and the request middleware (trace-aware request logs, panic recovery,
// request metrics by route template).
//
// GET /datos has one response path. The Huma route (datos.go) validates
// the query and gets a datosPage, the serialised body (appendEvents,
// encode.go) with its ETag and next-page Link: from the Cache when there
// is one (cache.go: a fresh entry; else one store query shared by all
// concurrent identical requests through x/sync/singleflight; else, when
// the store is unavailable, a stale entry; entries in a byte-bounded
// hashicorp/golang-lru list), straight from the store otherwise.
// datosResponse turns the page into the response (200 or 304, Cache-Control,
// Age, Warning). The fast path (fastpath.go) in front of the mux only
// short-cuts a query string the route already validated and answered while
// its entry is fresh: it sends that same datosResponse without Huma's
// parameter binding, which the benchmark (bench_test.go) shows it needs.
//
// It is not for storage or ingest: it reads events through the
// flightevents.EventStore port and maps the port's error codes to HTTP
// statuses in one place (errors.go).
package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/metrics"
)

// Title and Version of the OpenAPI document. They are constants so that the
// committed api/openapi.yaml does not depend on build or template values.
const (
	Title   = "Flight events API"
	Version = "1.0.0"
)

// Defaults for the zero values of Deps.
const (
	DefaultCacheMaxAge  = 5 * time.Second
	DefaultRetryAfter   = 5 * time.Second
	DefaultReadyTimeout = 2 * time.Second
	// DefaultMaxRange is the longest since-until range of one /datos
	// request (31 days).
	DefaultMaxRange = 31 * 24 * time.Hour
)

// Deps are what the routes need at request time. Only Store is required for
// serving; Register never calls any of them, so OpenAPI can pass zero Deps.
type Deps struct {
	Store  flightevents.EventStore
	Logger *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now

	// CacheMaxAge is the max-age of Cache-Control on /datos responses.
	CacheMaxAge time.Duration
	// RetryAfter is sent with 503 responses when the store is unavailable.
	RetryAfter time.Duration
	// ReadyTimeout bounds the store Ping of /readyz.
	ReadyTimeout time.Duration

	// Cache serves repeated /datos queries from memory (nil: every request
	// queries the store). See NewCache.
	Cache *Cache
	// Metrics receives request counts and latencies and is served at
	// GET /metrics by NewHandler (nil: no metrics, no /metrics route).
	Metrics *metrics.Metrics

	// MaxRange is the longest since-until range one /datos request may
	// read, defaults applied (DefaultMaxRange when zero); a longer one is
	// answered 422 before anything is read.
	MaxRange time.Duration
	// RateLimit limits each client's /datos reads that reach the store
	// (nil: no limit); beyond it 429 with Retry-After. NewHandler tells
	// clients apart by ClientAddr with the limiter's TrustedProxyHops.
	RateLimit *RateLimiter
}

func (d Deps) withDefaults() Deps {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.CacheMaxAge <= 0 {
		d.CacheMaxAge = DefaultCacheMaxAge
	}
	if d.RetryAfter <= 0 {
		d.RetryAfter = DefaultRetryAfter
	}
	if d.ReadyTimeout <= 0 {
		d.ReadyTimeout = DefaultReadyTimeout
	}
	if d.MaxRange <= 0 {
		d.MaxRange = DefaultMaxRange
	}
	return d
}

// Config shapes the handler built by NewHandler.
type Config struct {
	// DisableDocs turns off the docs UI at /docs (the OpenAPI document is
	// still served at /openapi.json and /openapi.yaml).
	DisableDocs bool
	// DisableRequestLog turns off the one-line-per-request access log.
	DisableRequestLog bool
}

// HumaConfig returns the Huma configuration of the API: OpenAPI 3.1 at
// /openapi.{json,yaml}, JSON Schemas at /schemas, Huma's CDN-based docs
// route turned off (see DocsHandler), no "$schema" links added to
// responses (error bodies are plain RFC 9457 problem details) and unknown
// query parameters rejected with 422.
func HumaConfig() huma.Config {
	cfg := huma.DefaultConfig(Title, Version)
	cfg.Info.Description = "Flight-status events, newest first, read from the service's event store."
	cfg.DocsPath = ""
	cfg.CreateHooks = nil
	// A misspelt filter (?flight=…) must not silently return everything.
	cfg.RejectUnknownQueryParameters = true
	return cfg
}

// Register adds the service's operations to api. It only declares routes:
// deps are used when requests arrive.
func Register(api huma.API, deps Deps) {
	deps = deps.withDefaults()
	registerDatos(api, deps)
	registerHealth(api, deps)
}

// NewHandler returns the service's whole HTTP handler: the Huma API on a
// stdlib ServeMux, the offline docs UI and the middleware.
func NewHandler(deps Deps, cfg Config) http.Handler {
	deps = deps.withDefaults()
	mux := http.NewServeMux()
	api := humago.New(mux, HumaConfig())
	Register(api, deps)
	if !cfg.DisableDocs {
		mux.Handle("GET /docs", DocsHandler())
		mux.Handle("GET /docs/", DocsHandler())
	}
	if deps.Metrics != nil {
		mux.Handle("GET "+MetricsPath, deps.Metrics.Handler())
	}
	h := fastDatos(mux, deps)
	h = recoverPanics(h, deps.Logger)
	h = instrument(h, deps.Metrics)
	if !cfg.DisableRequestLog {
		h = logRequests(h, deps.Logger)
	}
	if deps.RateLimit != nil {
		h = withClient(h, deps.RateLimit.cfg.TrustedProxyHops)
	}
	return withTrace(h)
}

// OpenAPI returns the OpenAPI 3.1 document of the API as "yaml" or "json".
// It is what the openapi subcommand prints and what api/openapi.yaml holds.
func OpenAPI(format string) ([]byte, error) {
	api := humago.New(http.NewServeMux(), HumaConfig())
	Register(api, Deps{})
	switch format {
	case "yaml":
		b, err := api.OpenAPI().YAML()
		if err != nil {
			return nil, fmt.Errorf("marshal openapi yaml: %w", err)
		}
		return b, nil
	case "json":
		b, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
		if err != nil {
			return nil, fmt.Errorf("marshal openapi json: %w", err)
		}
		return append(b, '\n'), nil
	default:
		return nil, fmt.Errorf("openapi format %q: want yaml or json", format)
	}
}
