// Package config reads the service's configuration from the environment
// once, into a Config, with defaults for local runs and Cloud Run's
// conventions (PORT, K_SERVICE; listen on all interfaces in the cloud and on
// loopback locally).
//
// It is not for flags: subcommands own theirs and override fields of Config.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
)

// Store backends.
const (
	StoreSQLite   = "sqlite"
	StoreBigQuery = "bigquery"
)

// Config is the whole configuration of the service.
type Config struct {
	// Cloud is true on Cloud Run (K_SERVICE is set).
	Cloud bool
	// Service is the service name (K_SERVICE, else DefaultServiceName).
	Service string
	// Host and Port are where the API listens: 0.0.0.0 in the cloud,
	// 127.0.0.1 locally (HOST overrides); PORT, default 8080.
	Host string
	Port int

	ProjectID string // GOOGLE_CLOUD_PROJECT
	Region    string // REGION

	// Pub/Sub resource ids (PUBSUB_TOPIC, PUBSUB_SUBSCRIPTION,
	// PUBSUB_DEAD_LETTER_TOPIC, PUBSUB_DEAD_LETTER_SUBSCRIPTION).
	Topic                  string
	Subscription           string
	DeadLetterTopic        string
	DeadLetterSubscription string
	// Subscriber tuning (PUBSUB_STREAMS, PUBSUB_MAX_OUTSTANDING_MESSAGES,
	// PUBSUB_MAX_OUTSTANDING_BYTES, BATCH_SIZE, BATCH_MAX_WAIT).
	Streams                int
	MaxOutstandingMessages int
	MaxOutstandingBytes    int
	BatchSize              int
	BatchMaxWait           time.Duration

	// Store is StoreSQLite or StoreBigQuery (STORE; default bigquery in the
	// cloud, sqlite locally).
	Store string
	// SQLitePath is the database file (SQLITE_PATH); "" is in memory.
	SQLitePath string
	// BigQuery table (BIGQUERY_DATASET, BIGQUERY_TABLE, BIGQUERY_LOCATION).
	Dataset  string
	Table    string
	Location string
	// BigQueryEndpoint points the BigQuery client at a fake or an
	// emulator, unauthenticated (BIGQUERY_ENDPOINT, an http(s) URL; empty:
	// bigquery.googleapis.com with Application Default Credentials).
	BigQueryEndpoint string

	// LogLevel is LOG_LEVEL: debug, info, warn or error.
	LogLevel slog.Level
	// ShutdownTimeout is the whole drain budget after SIGTERM
	// (SHUTDOWN_TIMEOUT, default 8s: Cloud Run kills 10 s after SIGTERM).
	ShutdownTimeout time.Duration

	// DatosCache turns the GET /datos response cache on (DATOS_CACHE: on
	// or off, also true/false and 1/0; default on). Its TTL
	// (DATOS_CACHE_TTL, 10ms to 1m), MaxStale (DATOS_CACHE_MAX_STALE, 1s
	// to 1h) and MaxBytes (DATOS_CACHE_MAX_BYTES, 1 MiB to 4 GiB) are zero
	// when unset: the cache's own defaults (httpapi.DefaultCache*) apply.
	DatosCache         bool
	DatosCacheTTL      time.Duration
	DatosCacheMaxStale time.Duration
	DatosCacheMaxBytes int64
	// DatosCacheStaleWhileRevalidate is how long after its TTL an expired
	// entry is still served at once while one background query refreshes
	// it (DATOS_CACHE_STALE_WHILE_REVALIDATE, 0 to 1h, default 30s; 0 turns
	// it off). Responses then carry Cache-Control stale-while-revalidate.
	DatosCacheStaleWhileRevalidate time.Duration
	// PricePerTiB is the USD price of a TiB scanned by BigQuery, used to
	// price the dry run of every uncached /datos query
	// (BIGQUERY_PRICE_PER_TIB, 0 to 1000); zero when unset, which the
	// cost report reads as bigquery.DefaultPricePerTiB.
	PricePerTiB float64

	// Cost guards of GET /datos (docs/operations.md, "Cost guards").
	// DatosMaxRange is the longest since-until range one request may read
	// (DATOS_MAX_RANGE, 1h to 366 days, default 31 days = 744h); a longer
	// one is answered 422.
	DatosMaxRange time.Duration
	// MaxBytesBilled caps the bytes one BigQuery query may bill
	// (BIGQUERY_MAX_BYTES_BILLED, 10 MiB to 1 TiB, default 1 GiB): a
	// /datos query whose dry run says more is answered 422 and never runs,
	// and BigQuery itself fails a query that would bill more
	// (maximumBytesBilled on every query job).
	MaxBytesBilled int64
	// DatosRateLimit and DatosRateBurst limit the /datos reads each
	// client may make that the cache cannot answer (DATOS_RATE_LIMIT,
	// reads per second, 0.001 to 10000, default 1, or off: no limit,
	// DatosRateLimit 0 (a 0 is refused: it could mean no reads at all);
	// DATOS_RATE_BURST, 1 to 10000, default 10): a
	// token bucket per client; beyond it 429 with Retry-After. The local
	// command turns it off unless DATOS_RATE_LIMIT is set.
	DatosRateLimit float64
	DatosRateBurst int
	// TrustedProxyHops is how many proxies in front of Cloud Run append
	// themselves to X-Forwarded-For after the client's address
	// (TRUSTED_PROXY_HOPS, 0 to 8, default 0: Cloud Run's own front end
	// puts the caller's address last; 1 behind an external Application
	// Load Balancer, which appends its forwarding rule's address). The
	// rate limit's client is the address that many entries from the end.
	TrustedProxyHops int
}

// Defaults of the cost guards.
const (
	DefaultDatosMaxRange  = 31 * 24 * time.Hour
	DefaultMaxBytesBilled = 1 << 30
	DefaultDatosRateLimit = 1.0
	DefaultDatosRateBurst = 10
)

// DefaultDatosCacheStaleWhileRevalidate is the default of
// DATOS_CACHE_STALE_WHILE_REVALIDATE: long enough that a dashboard's entry
// outlives a store query slowed by others' load, short beside MaxStale.
const DefaultDatosCacheStaleWhileRevalidate = 30 * time.Second

// Addr is Host:Port.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// FromEnv reads the configuration through getenv (os.Getenv in main). It
// reports every invalid variable at once.
func FromEnv(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{Service: DefaultServiceName}
	if s := getenv("K_SERVICE"); s != "" {
		c.Cloud = true
		c.Service = s
	}
	c.Host = "127.0.0.1"
	if c.Cloud {
		c.Host = "0.0.0.0"
	}
	c.Host = r.str("HOST", c.Host)
	c.Port = r.intRange("PORT", 8080, 0, 65535) // 0: any free port (tests)
	c.ProjectID = r.str("GOOGLE_CLOUD_PROJECT", DefaultProjectID)
	c.Region = r.str("REGION", DefaultRegion)
	c.Topic = r.str("PUBSUB_TOPIC", DefaultServiceName)
	c.Subscription = r.str("PUBSUB_SUBSCRIPTION", c.Topic+"-sub")
	c.DeadLetterTopic = r.str("PUBSUB_DEAD_LETTER_TOPIC", c.Topic+"-dead-letter")
	c.DeadLetterSubscription = r.str("PUBSUB_DEAD_LETTER_SUBSCRIPTION", c.DeadLetterTopic+"-sub")
	c.Streams = r.intRange("PUBSUB_STREAMS", 4, 1, 256)
	c.MaxOutstandingMessages = r.intRange("PUBSUB_MAX_OUTSTANDING_MESSAGES", 1000, 1, 100_000)
	c.MaxOutstandingBytes = r.intRange("PUBSUB_MAX_OUTSTANDING_BYTES", 64<<20, 1<<10, 1<<30)
	c.BatchSize = r.intRange("BATCH_SIZE", 500, 1, 10_000)
	c.BatchMaxWait = r.duration("BATCH_MAX_WAIT", 50*time.Millisecond, time.Millisecond, time.Minute)
	defStore := StoreSQLite
	if c.Cloud {
		defStore = StoreBigQuery
	}
	c.Store = r.oneOf("STORE", defStore, StoreSQLite, StoreBigQuery)
	c.SQLitePath = r.str("SQLITE_PATH", "")
	c.Dataset = r.str("BIGQUERY_DATASET", DefaultDataset)
	c.Table = r.str("BIGQUERY_TABLE", DefaultTable)
	c.Location = r.str("BIGQUERY_LOCATION", c.Region)
	c.BigQueryEndpoint = r.url("BIGQUERY_ENDPOINT")
	c.LogLevel = r.level("LOG_LEVEL", slog.LevelInfo)
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 8*time.Second, time.Second, 10*time.Second)
	c.DatosCache = r.onOff("DATOS_CACHE", true)
	c.DatosCacheTTL = r.duration("DATOS_CACHE_TTL", 0, 10*time.Millisecond, time.Minute)
	c.DatosCacheMaxStale = r.duration("DATOS_CACHE_MAX_STALE", 0, time.Second, time.Hour)
	c.DatosCacheMaxBytes = r.int64Range("DATOS_CACHE_MAX_BYTES", 0, 1<<20, 4<<30)
	c.DatosCacheStaleWhileRevalidate = r.duration("DATOS_CACHE_STALE_WHILE_REVALIDATE", DefaultDatosCacheStaleWhileRevalidate, 0, time.Hour)
	c.PricePerTiB = r.floatRange("BIGQUERY_PRICE_PER_TIB", 0, 0, 1000)
	c.DatosMaxRange = r.duration("DATOS_MAX_RANGE", DefaultDatosMaxRange, time.Hour, 366*24*time.Hour)
	c.MaxBytesBilled = r.int64Range("BIGQUERY_MAX_BYTES_BILLED", DefaultMaxBytesBilled, 10<<20, 1<<40)
	c.DatosRateLimit = r.rateOrOff("DATOS_RATE_LIMIT", DefaultDatosRateLimit, 0.001, 10_000)
	c.DatosRateBurst = r.intRange("DATOS_RATE_BURST", DefaultDatosRateBurst, 1, 10_000)
	c.TrustedProxyHops = r.intRange("TRUSTED_PROXY_HOPS", 0, 0, 8)
	if err := errors.Join(r.errs...); err != nil {
		return Config{}, fmt.Errorf("read config from environment: %w", err)
	}
	return c, nil
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) intRange(key string, def, lo, hi int) int {
	return int(r.int64Range(key, int64(def), int64(lo), int64(hi)))
}

func (r *reader) int64Range(key string, def, lo, hi int64) int64 {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want an integer from %d to %d", key, v, lo, hi))
		return def
	}
	return n
}

func (r *reader) floatRange(key string, def, lo, hi float64) float64 {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= lo && f <= hi) { // NaN is out of every range
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a number from %g to %g", key, v, lo, hi))
		return def
	}
	return f
}

// rateOrOff reads a rate from lo to hi, or off: 0.
func (r *reader) rateOrOff(key string, def, lo, hi float64) float64 {
	switch v := strings.ToLower(strings.TrimSpace(r.getenv(key))); v {
	case "off":
		return 0
	case "":
		return def
	default:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= lo && f <= hi) { // NaN is out of every range
			r.errs = append(r.errs, fmt.Errorf("%s=%q: want off or a number from %g to %g", key, v, lo, hi))
			return def
		}
		return f
	}
}

// url reads an optional http or https URL.
func (r *reader) url(key string) string {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return ""
	}
	u, err := neturl.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want an http or https URL such as http://127.0.0.1:9050", key, v))
		return ""
	}
	return v
}

func (r *reader) onOff(key string, def bool) bool {
	switch v := strings.ToLower(strings.TrimSpace(r.getenv(key))); v {
	case "":
		return def
	case "on", "true", "1":
		return true
	case "off", "false", "0":
		return false
	default:
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want on or off", key, v))
		return def
	}
}

func (r *reader) duration(key string, def, lo, hi time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a duration from %s to %s such as 500ms", key, v, lo, hi))
		return def
	}
	return d
}

func (r *reader) oneOf(key, def string, allowed ...string) string {
	v := strings.ToLower(strings.TrimSpace(r.getenv(key)))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.errs = append(r.errs, fmt.Errorf("%s=%q: want one of %s", key, v, strings.Join(allowed, ", ")))
	return def
}

func (r *reader) level(key string, def slog.Level) slog.Level {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want debug, info, warn or error", key, v))
		return def
	}
	return l
}
