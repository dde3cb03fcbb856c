package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/acme-platform/golden-path/kit/loadgen"
	"google.golang.org/api/option"

	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/config"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/simulator"
)

// The cost-guard scenario's settings: the configuration's defaults but
// the per-query cap at its lowest (BigQuery's 10 MiB billing minimum), so
// that every query that runs bills exactly the cap on the fake's small
// table and the bound is tight, and a burst of 2, so that a short run
// reaches the rate limit.
const (
	guardAttackers = 64
	guardCachedCl  = 8
	guardCap       = 10 << 20
	guardRate      = config.DefaultDatosRateLimit
	guardBurst     = 2 // below the default 10: the fake answers an attacker's read in ~0.1 s
)

// billedRecorder sums what the dry runs say the queries that ran billed,
// and counts failed dry runs (their query runs, bounded by
// maximumBytesBilled alone).
type billedRecorder struct{ billed, failed atomic.Int64 }

func (r *billedRecorder) DryRun(_, billed int64, _ float64, err error) {
	if err != nil {
		r.failed.Add(1)
	}
	r.billed.Add(billed)
}

type guardFigures struct {
	duration               time.Duration
	attempts, ok, tooLong  int64
	limited, other         int64
	queries                int   // jobs.query requests BigQuery (the fake) received
	uncapped               int   // of them without maximumBytesBilled = the cap
	billed                 int64 // bytes billed by the queries that ran, by their dry runs
	dryRunsFailed          int64 // queries whose bytes are unknown: at most the cap each
	allowed                int64 // the rate limit's bound on attackers' admitted reads
	perClient, maxAdmitted int64 // the same per attacker, and the most one had admitted
	cachedP50, cachedP99   time.Duration
	cachedMax              time.Duration
	cachedStatuses         map[int]int64
	cachedRequests         int64         // the dashboard mix's requests
	hits                   int64         // of them answered from memory (with Age)
	missP99                time.Duration // of the others: first reads, or an expired entry re-read behind the attack
	dashboardP99           time.Duration // of all the dashboard mix's requests
	// waited counts the dashboard requests that read the store although
	// their query had been answered before: started after an answer to
	// the same query had arrived, they were not answered from memory.
	waited int64
	// revalidated counts the answers from memory marked stale (Warning):
	// expired entries served while a background query refreshed them (the
	// store is never unavailable here).
	revalidated int64
}

// quantiles returns the median, the 99th percentile and the maximum.
func quantiles(lat []time.Duration) (p50, p99, maxLat time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return q(0.50), q(0.99), lat[len(lat)-1]
}

// runCostGuard serves GET /datos from the BigQuery adapter on the kit's
// fake, wired as serve wires it (cost report, metrics, cache, the cost
// guards at their defaults but the cap), and for d sends: from 64
// attackers, each with its own address, an endless stream of distinct
// expensive queries (ranges up to 30 days, a quarter of them the whole
// table since 2000), so that none is ever cached; and from 8 other clients
// the dashboard mix (loadgen.DefaultQueries), which the cache answers.
func runCostGuard(tb testing.TB, d time.Duration) guardFigures {
	tb.Helper()
	fake, err := bqfake.New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(fake.Close)
	bqs, err := bigquery.New(tb.Context(), bigquery.Config{ProjectID: "guard-proj", Dataset: "flight_events", Table: "events", MaxBytesBilled: guardCap},
		option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = bqs.Close() })
	if err := bqs.CreateTable(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	msgs, err := simulator.Generate(simulator.Config{Count: 3000, Flights: 100, Seed: 18, Start: now.Add(-30 * 24 * time.Hour), Span: 30 * 24 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	events, _ := simulator.Expected(msgs)
	if _, err := bqs.WriteEvents(tb.Context(), events); err != nil {
		tb.Fatal(err)
	}
	rec := &billedRecorder{}
	m := metrics.New()
	store := metrics.InstrumentStore(bigquery.WithCostReport(bqs, bigquery.CostReportConfig{Logger: quiet, Recorder: rec}), m)
	cache := httpapi.NewCache(httpapi.CacheConfig{Metrics: m, StaleWhileRevalidate: config.DefaultDatosCacheStaleWhileRevalidate})
	tb.Cleanup(cache.Close)
	deps := httpapi.Deps{Store: store, Logger: quiet, Metrics: m, Cache: cache,
		RateLimit: httpapi.NewRateLimiter(httpapi.RateLimitConfig{Rate: guardRate, Burst: guardBurst})}
	srv := httptest.NewServer(httpapi.NewHandler(deps, httpapi.Config{DisableRequestLog: true, DisableDocs: true}))
	tb.Cleanup(srv.Close)
	before := len(fake.Requests())

	// Clients stop sending at the deadline but let their last request
	// finish, so that every read they started has reached BigQuery when
	// the figures are taken.
	ctx := tb.Context()
	deadline := time.Now().Add(d)
	more := func() bool { return ctx.Err() == nil && time.Now().Before(deadline) }
	var f guardFigures
	var wg sync.WaitGroup
	var seq atomic.Int64
	admitted := make([]int64, guardAttackers) // per attacker, each written by its own goroutine
	for i := range guardAttackers {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			addr := fmt.Sprintf("10.0.%d.%d", i/250, 1+i%250)
			for more() {
				n := seq.Add(1)
				q := url.Values{"limit": {strconv.Itoa(1 + int(n%1000))}}
				if n%4 == 0 {
					q.Set("since", "2000-01-01T00:00:00Z")
				} else {
					q.Set("since", now.Add(-time.Duration(1+n%(29*24))*time.Hour).Add(-time.Duration(n)*time.Microsecond).UTC().Format(time.RFC3339Nano))
				}
				code := getFrom(ctx, client, srv.URL+"/datos?"+q.Encode(), addr)
				atomic.AddInt64(&f.attempts, 1) // a failed request (0) counts as other
				switch code {
				case http.StatusOK:
					atomic.AddInt64(&f.ok, 1)
					admitted[i]++
				case http.StatusUnprocessableEntity:
					atomic.AddInt64(&f.tooLong, 1)
				case http.StatusTooManyRequests:
					atomic.AddInt64(&f.limited, 1)
				default:
					atomic.AddInt64(&f.other, 1)
				}
			}
		})
	}
	// Cached traffic: the dashboard mix from 8 clients, latency measured.
	cachedLat := make([][]time.Duration, guardCachedCl) // answered from memory
	missLat := make([][]time.Duration, guardCachedCl)   // first reads and expired entries re-read from the store
	statuses := make([]map[int]int64, guardCachedCl)
	answered := make([]atomic.Bool, len(loadgen.DefaultQueries)) // a 200 for the query has arrived
	for i := range guardCachedCl {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			addr := fmt.Sprintf("10.1.0.%d", 1+i)
			statuses[i] = map[int]int64{}
			for k := i; more(); k++ {
				q := k % len(loadgen.DefaultQueries)
				before := answered[q].Load()
				start := time.Now()
				code, fromMemory, stale := getFromCached(ctx, client, srv.URL+loadgen.DefaultQueries[q], addr)
				if stale {
					atomic.AddInt64(&f.revalidated, 1)
				}
				if fromMemory {
					cachedLat[i] = append(cachedLat[i], time.Since(start))
				} else {
					missLat[i] = append(missLat[i], time.Since(start))
					if before {
						atomic.AddInt64(&f.waited, 1)
					}
				}
				if code == http.StatusOK {
					answered[q].Store(true)
				}
				statuses[i][code]++
			}
		})
	}
	wg.Wait()
	f.duration = d
	f.cachedStatuses = map[int]int64{}
	var lat, miss []time.Duration
	for i := range guardCachedCl {
		lat = append(lat, cachedLat[i]...)
		miss = append(miss, missLat[i]...)
		for c, n := range statuses[i] {
			f.cachedStatuses[c] += n
		}
	}
	f.cachedRequests = int64(len(lat) + len(miss))
	f.hits = int64(len(lat))
	f.cachedP50, f.cachedP99, f.cachedMax = quantiles(lat)
	_, f.dashboardP99, _ = quantiles(append(slices.Clone(lat), miss...))
	_, f.missP99, _ = quantiles(miss)
	cache.Close() // no background refresh reaches BigQuery after the figures are taken
	for _, r := range fake.Requests()[before:] {
		if r.Op != bqfake.OpJobsQuery {
			continue
		}
		f.queries++
		var body struct {
			MaximumBytesBilled string `json:"maximumBytesBilled"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || body.MaximumBytesBilled != strconv.Itoa(guardCap) {
			f.uncapped++
		}
	}
	f.billed = rec.billed.Load()
	f.dryRunsFailed = rec.failed.Load()
	// A token bucket admits at most its burst plus rate × time; +1 for the
	// token that refills while the last request is in flight.
	perClient := int64(guardBurst) + int64(guardRate*d.Seconds()) + 1
	f.allowed = guardAttackers * perClient
	for _, n := range admitted {
		f.maxAdmitted = max(f.maxAdmitted, n)
	}
	f.perClient = perClient
	return f
}

// getFromCached is getFrom that also reports whether the answer came from
// the service's memory (the Age header of a cache hit) and was marked
// stale (Warning).
func getFromCached(ctx context.Context, c *http.Client, u, addr string) (code int, fromMemory, stale bool) {
	code = get(ctx, c, u, addr, func(h http.Header) { fromMemory, stale = h.Get("Age") != "", h.Get("Warning") != "" })
	return code, fromMemory, stale
}

// getFrom sends GET url as the client at addr (Cloud Run's
// X-Forwarded-For) and returns the status, 0 when the request failed.
func getFrom(ctx context.Context, c *http.Client, u, addr string) int {
	return get(ctx, c, u, addr, nil)
}

func get(ctx context.Context, c *http.Client, u, addr string, headers func(http.Header)) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if headers != nil {
		headers(resp.Header)
	}
	return resp.StatusCode
}

// check asserts the scenario's invariants.
func (f guardFigures) check(tb testing.TB) {
	tb.Helper()
	if f.attempts == 0 || f.other != 0 {
		tb.Errorf("attackers: %d requests, %d with a status other than 200, 422, 429", f.attempts, f.other)
	}
	// A quarter of the attacks ask for the whole table: the range guard
	// always acts. Whether the rate limit answers 429 depends on how fast
	// this machine lets a client send (httpapi's TestDatosRateLimit pins
	// that); what it admits is bounded either way, per client.
	if f.tooLong == 0 {
		tb.Errorf("attackers: no 422 in %d requests, a quarter of them since=2000-01-01", f.attempts)
	}
	if f.maxAdmitted > f.perClient {
		tb.Errorf("an attacker had %d uncached reads admitted, more than its bucket allows (%d)", f.maxAdmitted, f.perClient)
	}
	if f.ok > f.allowed {
		tb.Errorf("attackers: %d uncached reads admitted, more than the rate limit allows (%d)", f.ok, f.allowed)
	}
	if f.uncapped != 0 {
		tb.Errorf("%d of %d BigQuery queries without maximumBytesBilled = %d", f.uncapped, f.queries, guardCap)
	}
	if bound := int64(guardCap) * (int64(f.queries) - f.dryRunsFailed); f.billed > bound {
		tb.Errorf("billed %d bytes by the queries with a dry run, more than the cap × those queries (%d)", f.billed, bound)
	}
	// The cached traffic's own misses are limited likewise.
	if maxQueries := f.allowed + guardCachedCl*(int64(guardBurst)+int64(guardRate*f.duration.Seconds())+1); int64(f.queries) > maxQueries {
		tb.Errorf("%d BigQuery queries, more than the clients' buckets allow (%d)", f.queries, maxQueries)
	}
	// A dashboard client's own misses past its bucket get 429 (bounded just above); on a fast machine the mix
	// makes more misses than a bucket holds (a clean-clone CI run saw 1 of 2392), so 429 is its one other answer.
	if f.cachedRequests == 0 || f.cachedStatuses[http.StatusOK]+f.cachedStatuses[http.StatusTooManyRequests] != f.cachedRequests {
		tb.Errorf("cached traffic: statuses %v of %d requests, want each 200 (or 429 for its own misses)", f.cachedStatuses, f.cachedRequests)
	}
	if f.hits == 0 {
		tb.Errorf("cached traffic: no answer from memory in %d requests", f.cachedRequests)
	}
	if f.cachedP99 > sloP99 {
		tb.Errorf("cached traffic: p99 of the answers from memory %s exceeds the SLO %s", f.cachedP99, sloP99)
	}
	// Stale-while-revalidate: once a query has been answered, its entry is
	// fresh or within the 30 s window (refreshed in the background, a
	// refresh at most one store query slowed by the attack), so no later
	// dashboard request waits for the store behind the attackers.
	if f.waited != 0 {
		tb.Errorf("cached traffic: %d requests for a query answered before waited for the store (stale-while-revalidate should answer them from memory)", f.waited)
	}
}

func (f guardFigures) String() string {
	return fmt.Sprintf("%d attackers × %s: %d requests: %d admitted (bound %d), %d refused 422 (range), %d refused 429 (rate); "+
		"BigQuery: %d queries, %d bytes billed (%.2f GiB, cap × queries = %.2f GiB, $%.4f at $%.2f/TiB), %d failed dry runs; "+
		"cached traffic (%d clients): %d requests, statuses %v, p99 %s; %d from memory: p50 %s p99 %s max %s (%d of them stale while revalidating); "+
		"the others (first reads, or expired and re-read behind the attack) p99 %s, %d of them for a query answered before",
		guardAttackers, f.duration, f.attempts, f.ok, f.allowed, f.tooLong, f.limited,
		f.queries, f.billed, float64(f.billed)/(1<<30), float64(int64(guardCap)*int64(f.queries))/(1<<30),
		bigquery.Pricing{}.Dollars(f.billed), bigquery.DefaultPricePerTiB, f.dryRunsFailed,
		guardCachedCl, f.cachedRequests, f.cachedStatuses, f.dashboardP99, f.hits, f.cachedP50, f.cachedP99, f.cachedMax,
		f.revalidated, f.missP99, f.waited)
}

// TestCostGuard64Clients is the cost-guard scenario shortened to 3 s for
// go test; BenchmarkCostGuard30s runs the full 30 s.
func TestCostGuard64Clients(t *testing.T) {
	t.Parallel()
	f := runCostGuard(t, 3*time.Second)
	t.Log(f)
	f.check(t)
}

// BenchmarkCostGuard30s runs the cost-guard scenario for 30 s. Run it
// alone: go test -run '^$' -bench CostGuard ./scenario/
func BenchmarkCostGuard30s(b *testing.B) {
	var f guardFigures
	for b.Loop() {
		f = runCostGuard(b, 30*time.Second)
	}
	b.ReportMetric(float64(f.attempts), "attack_requests")
	b.ReportMetric(float64(f.ok), "admitted")
	b.ReportMetric(float64(f.allowed), "admitted_bound")
	b.ReportMetric(float64(f.tooLong), "refused_range")
	b.ReportMetric(float64(f.limited), "refused_rate")
	b.ReportMetric(float64(f.queries), "bq_queries")
	b.ReportMetric(float64(f.billed)/(1<<20), "billed_MiB")
	b.ReportMetric(float64(int64(guardCap)*int64(f.queries))/(1<<20), "cap_x_queries_MiB")
	b.ReportMetric(float64(f.cachedP99)/1e6, "cached_p99_ms")
	b.ReportMetric(float64(f.dryRunsFailed), "dry_runs_failed")
	b.ReportMetric(float64(f.missP99)/1e6, "cached_miss_p99_ms")
	b.ReportMetric(float64(f.dashboardP99)/1e6, "dashboard_p99_ms")
	b.ReportMetric(float64(f.waited), "dashboard_waited")
	b.ReportMetric(float64(f.revalidated), "revalidated")
	b.Log(f)
	f.check(b)
}
