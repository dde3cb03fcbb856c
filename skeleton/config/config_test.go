package config_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/config"
)

func local() config.Config {
	return config.Config{
		Service:                        config.DefaultServiceName,
		Host:                           "127.0.0.1",
		Port:                           8080,
		ProjectID:                      config.DefaultProjectID,
		Region:                         config.DefaultRegion,
		Topic:                          config.DefaultServiceName,
		Subscription:                   config.DefaultServiceName + "-sub",
		DeadLetterTopic:                config.DefaultServiceName + "-dead-letter",
		DeadLetterSubscription:         config.DefaultServiceName + "-dead-letter-sub",
		Streams:                        4,
		MaxOutstandingMessages:         1000,
		MaxOutstandingBytes:            64 << 20,
		BatchSize:                      500,
		BatchMaxWait:                   50 * time.Millisecond,
		Store:                          config.StoreSQLite,
		Dataset:                        config.DefaultDataset,
		Table:                          config.DefaultTable,
		Location:                       config.DefaultRegion,
		LogLevel:                       slog.LevelInfo,
		ShutdownTimeout:                8 * time.Second,
		DatosCache:                     true,
		DatosCacheStaleWhileRevalidate: 30 * time.Second,
		DatosMaxRange:                  31 * 24 * time.Hour,
		MaxBytesBilled:                 1 << 30,
		DatosRateLimit:                 1,
		DatosRateBurst:                 10,
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want func(c *config.Config)
	}{
		{name: "local_defaults", env: nil, want: func(*config.Config) {}},
		{name: "port_overrides", env: map[string]string{"PORT": "9090"}, want: func(c *config.Config) { c.Port = 9090 }},
		{
			name: "cloud_run_listens_on_all_interfaces_and_uses_bigquery",
			env:  map[string]string{"K_SERVICE": "flights-api", "PORT": "8081", "GOOGLE_CLOUD_PROJECT": "prod-1"},
			want: func(c *config.Config) {
				c.Cloud, c.Service, c.Host, c.Port, c.ProjectID, c.Store = true, "flights-api", "0.0.0.0", 8081, "prod-1", config.StoreBigQuery
			},
		},
		{name: "host_overrides", env: map[string]string{"HOST": "::1"}, want: func(c *config.Config) { c.Host = "::1" }},
		{
			name: "pubsub_names_and_tuning",
			env: map[string]string{
				"PUBSUB_TOPIC": "t", "PUBSUB_STREAMS": "16", "BATCH_SIZE": "100", "BATCH_MAX_WAIT": "10ms",
				"PUBSUB_DEAD_LETTER_SUBSCRIPTION": "dlq-inspect",
			},
			want: func(c *config.Config) {
				c.Topic, c.Subscription, c.DeadLetterTopic, c.DeadLetterSubscription = "t", "t-sub", "t-dead-letter", "dlq-inspect"
				c.Streams, c.BatchSize, c.BatchMaxWait = 16, 100, 10*time.Millisecond
			},
		},
		{
			name: "store_and_bigquery",
			env:  map[string]string{"STORE": "BigQuery", "BIGQUERY_DATASET": "d", "BIGQUERY_TABLE": "t", "REGION": "us-central1", "SQLITE_PATH": "/tmp/x.db", "LOG_LEVEL": "debug"},
			want: func(c *config.Config) {
				c.Store, c.Dataset, c.Table, c.Region, c.Location, c.SQLitePath, c.LogLevel = config.StoreBigQuery, "d", "t", "us-central1", "us-central1", "/tmp/x.db", slog.LevelDebug
			},
		},
		{
			name: "datos_cache_tuning_and_price",
			env: map[string]string{
				"DATOS_CACHE": "ON", "DATOS_CACHE_TTL": "500ms", "DATOS_CACHE_MAX_STALE": "1m",
				"DATOS_CACHE_MAX_BYTES": "1048576", "BIGQUERY_PRICE_PER_TIB": "5",
			},
			want: func(c *config.Config) {
				c.DatosCacheTTL, c.DatosCacheMaxStale, c.DatosCacheMaxBytes, c.PricePerTiB = 500*time.Millisecond, time.Minute, 1<<20, 5
			},
		},
		{name: "datos_cache_stale_while_revalidate", env: map[string]string{"DATOS_CACHE_STALE_WHILE_REVALIDATE": "2m"},
			want: func(c *config.Config) { c.DatosCacheStaleWhileRevalidate = 2 * time.Minute }},
		{name: "datos_cache_stale_while_revalidate_off", env: map[string]string{"DATOS_CACHE_STALE_WHILE_REVALIDATE": "0"},
			want: func(c *config.Config) { c.DatosCacheStaleWhileRevalidate = 0 }},
		{name: "datos_rate_limit_off", env: map[string]string{"DATOS_RATE_LIMIT": "off"}, want: func(c *config.Config) { c.DatosRateLimit = 0 }},
		{name: "datos_rate_limit_OFF", env: map[string]string{"DATOS_RATE_LIMIT": " OFF "}, want: func(c *config.Config) { c.DatosRateLimit = 0 }},
		{name: "datos_rate_limit_rate", env: map[string]string{"DATOS_RATE_LIMIT": "2.5"}, want: func(c *config.Config) { c.DatosRateLimit = 2.5 }},
		{name: "datos_cache_off", env: map[string]string{"DATOS_CACHE": "off"}, want: func(c *config.Config) { c.DatosCache = false }},
		{name: "datos_cache_false", env: map[string]string{"DATOS_CACHE": "false"}, want: func(c *config.Config) { c.DatosCache = false }},
		{name: "datos_cache_0", env: map[string]string{"DATOS_CACHE": "0"}, want: func(c *config.Config) { c.DatosCache = false }},
		{name: "datos_cache_1", env: map[string]string{"DATOS_CACHE": "1"}, want: func(*config.Config) {}},
		{name: "free_bigquery", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "0"}, want: func(*config.Config) {}},
		{
			name: "cost_guards",
			env: map[string]string{
				"DATOS_MAX_RANGE": "168h", "BIGQUERY_MAX_BYTES_BILLED": "104857600", "DATOS_RATE_LIMIT": "0.5",
				"DATOS_RATE_BURST": "3", "TRUSTED_PROXY_HOPS": "1",
			},
			want: func(c *config.Config) {
				c.DatosMaxRange, c.MaxBytesBilled, c.DatosRateLimit, c.DatosRateBurst, c.TrustedProxyHops = 168*time.Hour, 100<<20, 0.5, 3, 1
			},
		},
		{
			name: "bigquery_endpoint_for_a_fake",
			env:  map[string]string{"BIGQUERY_ENDPOINT": "http://127.0.0.1:9050"},
			want: func(c *config.Config) { c.BigQueryEndpoint = "http://127.0.0.1:9050" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.FromEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			want := local()
			tt.want(&want)
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("FromEnv (-got +want):\n%s", diff)
			}
		})
	}
}

func TestFromEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings of the error
	}{
		{name: "port_not_a_number", env: map[string]string{"PORT": "http"}, want: []string{`PORT="http"`}},
		{name: "port_out_of_range", env: map[string]string{"PORT": "70000"}, want: []string{`PORT="70000"`, "0 to 65535"}},
		{name: "unknown_store", env: map[string]string{"STORE": "postgres"}, want: []string{`STORE="postgres"`, "sqlite, bigquery"}},
		{name: "bad_duration", env: map[string]string{"BATCH_MAX_WAIT": "5"}, want: []string{`BATCH_MAX_WAIT="5"`}},
		{name: "shutdown_beyond_cloud_run_budget", env: map[string]string{"SHUTDOWN_TIMEOUT": "30s"}, want: []string{"SHUTDOWN_TIMEOUT"}},
		{name: "bad_log_level", env: map[string]string{"LOG_LEVEL": "loud"}, want: []string{"LOG_LEVEL"}},
		{name: "all_reported_at_once", env: map[string]string{"PORT": "x", "STORE": "y"}, want: []string{"PORT", "STORE"}},
		{name: "datos_cache_neither_on_nor_off", env: map[string]string{"DATOS_CACHE": "maybe"}, want: []string{`DATOS_CACHE="maybe"`, "on or off"}},
		{name: "datos_cache_ttl_not_a_duration", env: map[string]string{"DATOS_CACHE_TTL": "2"}, want: []string{`DATOS_CACHE_TTL="2"`}},
		{name: "datos_cache_ttl_too_long", env: map[string]string{"DATOS_CACHE_TTL": "2m"}, want: []string{`DATOS_CACHE_TTL="2m"`, "10ms to 1m0s"}},
		{name: "datos_cache_stale_while_revalidate_too_long", env: map[string]string{"DATOS_CACHE_STALE_WHILE_REVALIDATE": "2h"},
			want: []string{`DATOS_CACHE_STALE_WHILE_REVALIDATE="2h"`}},
		{name: "datos_cache_max_stale_too_short", env: map[string]string{"DATOS_CACHE_MAX_STALE": "10ms"}, want: []string{`DATOS_CACHE_MAX_STALE="10ms"`}},
		{name: "datos_cache_max_bytes_too_small", env: map[string]string{"DATOS_CACHE_MAX_BYTES": "1024"}, want: []string{`DATOS_CACHE_MAX_BYTES="1024"`, "1048576 to 4294967296"}},
		{name: "datos_cache_max_bytes_not_a_number", env: map[string]string{"DATOS_CACHE_MAX_BYTES": "64MiB"}, want: []string{`DATOS_CACHE_MAX_BYTES="64MiB"`}},
		{name: "price_not_a_number", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "abc"}, want: []string{`BIGQUERY_PRICE_PER_TIB="abc"`, "0 to 1000"}},
		{name: "price_negative", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "-1"}, want: []string{`BIGQUERY_PRICE_PER_TIB="-1"`}},
		{name: "price_absurd", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "1e9"}, want: []string{`BIGQUERY_PRICE_PER_TIB="1e9"`}},
		{name: "price_nan", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "NaN"}, want: []string{`BIGQUERY_PRICE_PER_TIB="NaN"`}},
		{name: "max_range_too_long", env: map[string]string{"DATOS_MAX_RANGE": "9000h"}, want: []string{`DATOS_MAX_RANGE="9000h"`, "1h0m0s to 8784h0m0s"}},
		{name: "max_bytes_billed_below_the_billing_minimum", env: map[string]string{"BIGQUERY_MAX_BYTES_BILLED": "1000"}, want: []string{`BIGQUERY_MAX_BYTES_BILLED="1000"`, "10485760 to 1099511627776"}},
		{name: "max_bytes_billed_zero_is_no_way_off", env: map[string]string{"BIGQUERY_MAX_BYTES_BILLED": "0"}, want: []string{`BIGQUERY_MAX_BYTES_BILLED="0"`}},
		// 0 could read as "no reads allowed" as well as "no limit": only off turns the limit off.
		{name: "rate_limit_zero", env: map[string]string{"DATOS_RATE_LIMIT": "0"}, want: []string{`DATOS_RATE_LIMIT="0"`, "off or a number from 0.001 to 10000"}},
		{name: "rate_burst_not_a_number", env: map[string]string{"DATOS_RATE_BURST": "many"}, want: []string{`DATOS_RATE_BURST="many"`}},
		{name: "proxy_hops_negative", env: map[string]string{"TRUSTED_PROXY_HOPS": "-1"}, want: []string{`TRUSTED_PROXY_HOPS="-1"`, "0 to 8"}},
		{name: "bigquery_endpoint_not_a_url", env: map[string]string{"BIGQUERY_ENDPOINT": "localhost:9050"}, want: []string{`BIGQUERY_ENDPOINT="localhost:9050"`, "http or https URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.FromEnv(func(k string) string { return tt.env[k] })
			if err == nil {
				t.Fatal("FromEnv succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		host string
		port int
		want string
	}{
		{name: "loopback", host: "127.0.0.1", port: 8080, want: "127.0.0.1:8080"},
		{name: "all_interfaces", host: "0.0.0.0", port: 8081, want: "0.0.0.0:8081"},
		{name: "ipv6", host: "::1", port: 80, want: "[::1]:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (config.Config{Host: tt.host, Port: tt.port}).Addr(); got != tt.want {
				t.Errorf("Addr() = %q, want %q", got, tt.want)
			}
		})
	}
}
