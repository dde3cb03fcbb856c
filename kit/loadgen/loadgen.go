// Package loadgen drives GET /datos (or any GET path of the API) with N
// concurrent keep-alive clients for a duration or a number of requests, and
// reports throughput, latency quantiles and errors by status. It backs the
// load subcommand and the load scenario tests of every golden-path service.
//
// It is platform machinery in the kit (github.com/acme-platform/golden-path/kit)
// although a service's binary links it: it knows nothing of the service's
// module, only HTTP, so a service uses it as it is. DefaultQueries is the
// golden path's mix over GET /datos, the route every rendered service serves;
// a service with other routes passes its own Queries.
//
// It is bounded on purpose: at most MaxClients clients, MaxDuration and
// MaxRequests per run, and loopback targets only unless AllowRemote is set,
// so that it cannot be turned into a flood against someone else's service.
// It is not a general benchmarking tool (no ramps, no arrival-rate model:
// each client sends its next request when the previous one is answered).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of a run.
const (
	MaxClients  = 512
	MaxDuration = 10 * time.Minute
	MaxRequests = 10_000_000
)

// DefaultQueries is the default query mix: unfiltered pages of several
// sizes and filtered ones, as a dashboard and a client app would send.
var DefaultQueries = []string{
	"/datos",
	"/datos?limit=20",
	"/datos?limit=1000",
	"/datos?status=delayed",
	"/datos?status=landed&limit=50",
}

// Config describes one run. Duration or Requests (or both: whichever comes
// first) must be set.
type Config struct {
	// BaseURL is the API's scheme://host:port, such as http://127.0.0.1:8080.
	BaseURL string
	// Queries are the paths with query strings to request; client i starts
	// at query i and goes round the list. Default DefaultQueries.
	Queries []string
	// Clients is the number of concurrent keep-alive clients.
	Clients int
	// Duration bounds the run's wall time.
	Duration time.Duration
	// Requests bounds the total number of requests.
	Requests int
	// Timeout bounds one request (default 10 s); a timed out request is an
	// error with status "timeout".
	Timeout time.Duration
	// AllowRemote permits a BaseURL host that is not a loopback address.
	AllowRemote bool
}

// Validate checks the bounds and, unless AllowRemote, that BaseURL is on
// loopback. A host name must resolve to loopback addresses only.
func (c Config) Validate(ctx context.Context) error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q: want an http(s) URL such as http://127.0.0.1:8080", c.BaseURL)
	}
	var errs []error
	if c.Clients < 1 || c.Clients > MaxClients {
		errs = append(errs, fmt.Errorf("clients must be from 1 to %d, got %d", MaxClients, c.Clients))
	}
	if c.Duration < 0 || c.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("duration must be from 0 to %s, got %s", MaxDuration, c.Duration))
	}
	if c.Requests < 0 || c.Requests > MaxRequests {
		errs = append(errs, fmt.Errorf("requests must be from 0 to %d, got %d", MaxRequests, c.Requests))
	}
	if c.Duration == 0 && c.Requests == 0 {
		errs = append(errs, errors.New("set a duration or a number of requests"))
	}
	for _, q := range c.Queries {
		if !strings.HasPrefix(q, "/") {
			errs = append(errs, fmt.Errorf("query %q: want a path starting with /", q))
		}
	}
	if len(errs) == 0 && !c.AllowRemote {
		if err := loopbackOnly(ctx, u.Hostname()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// loopbackOnly returns an error unless host is, or resolves only to,
// loopback addresses.
func loopbackOnly(ctx context.Context, host string) error {
	refuse := fmt.Errorf("target host %q is not a loopback address; pass --allow-remote to load a remote service you own", host)
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return refuse
		}
		return nil
	}
	if host == "localhost" {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return refuse
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return refuse
		}
	}
	return nil
}

// Result is what a run measured. Latencies are those of requests that got
// an HTTP response (errors included), from sending to the end of the body.
type Result struct {
	Clients  int           `json:"clients"`
	Requests int64         `json:"requests"`
	Errors   int64         `json:"errors"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	// Throughput is requests per second over Elapsed.
	Throughput float64 `json:"throughput_rps"`
	// ByStatus counts responses by status code, and failures without a
	// response as "transport" or "timeout".
	ByStatus map[string]int64 `json:"by_status"`
	P50      time.Duration    `json:"p50_ns"`
	P95      time.Duration    `json:"p95_ns"`
	P99      time.Duration    `json:"p99_ns"`
	Max      time.Duration    `json:"max_ns"`
	Mean     time.Duration    `json:"mean_ns"`
}

// ErrorRate is Errors / Requests (0 with no requests).
func (r Result) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// IsError reports whether a status counts as an error: anything but 2xx
// and 304 Not Modified.
func IsError(status int) bool {
	return !(status >= 200 && status < 300) && status != http.StatusNotModified
}

// Run drives the target as cfg says and returns what it measured. It stops
// early, returning what it measured so far, when ctx is done.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(ctx); err != nil {
		return Result{}, fmt.Errorf("load: %w", err)
	}
	if len(cfg.Queries) == 0 {
		cfg.Queries = DefaultQueries
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: the target is what was asked for
		MaxIdleConns:        cfg.Clients,
		MaxIdleConnsPerHost: cfg.Clients,
		MaxConnsPerHost:     cfg.Clients,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var budget atomic.Int64
	budget.Store(int64(cfg.Requests))
	take := func() bool {
		if cfg.Requests == 0 {
			return true
		}
		return budget.Add(-1) >= 0
	}

	recs := make([]*recorder, cfg.Clients)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range cfg.Clients {
		rec := newRecorder()
		recs[i] = rec
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for q := i; runCtx.Err() == nil && take(); q++ {
				path := cfg.Queries[q%len(cfg.Queries)]
				status, d, err := do(runCtx, client, base+path, buf)
				if err != nil {
					if runCtx.Err() != nil {
						return // the run ended mid-request: not a result
					}
					rec.fail(err)
					continue
				}
				rec.record(status, d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)

	all := newRecorder()
	for _, r := range recs {
		all.merge(r)
	}
	res := all.result(elapsed)
	res.Clients = cfg.Clients
	return res, nil
}

// do sends one GET and reads the whole body.
func do(ctx context.Context, client *http.Client, url string, buf []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	begin := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
	resp.Body.Close()
	d := time.Since(begin)
	if err != nil {
		return 0, 0, err
	}
	return resp.StatusCode, d, nil
}

// recorder accumulates one client's results in a log-linear histogram
// (constant memory whatever the run's length; quantiles within 1/64 of
// their value, reported as the upper bound of their bucket).
type recorder struct {
	hist     [histBuckets]int64
	n        int64
	errors   int64
	sum, max time.Duration
	byStatus map[string]int64
}

const (
	subBits     = 6                             // 64 sub-buckets per power of two
	histBuckets = (40 - subBits + 2) << subBits // up to 2^40 µs
)

func newRecorder() *recorder { return &recorder{byStatus: map[string]int64{}} }

// bucket returns the histogram index of d (in microseconds).
func bucket(d time.Duration) int {
	if d < 0 {
		d = 0
	}
	us := uint64(d / time.Microsecond)
	if us < 1<<subBits {
		return int(us)
	}
	exp := 63 - bits.LeadingZeros64(us) // position of the top bit, >= subBits
	shift := exp - subBits
	return min(shift<<subBits+int(us>>shift), histBuckets-1)
}

// upper returns the largest duration that falls in bucket i.
func upper(i int) time.Duration {
	if i < 1<<subBits {
		return time.Duration(i) * time.Microsecond
	}
	shift := i>>subBits - 1
	mant := uint64(i&(1<<subBits-1)) + 1<<subBits
	return time.Duration((mant+1)<<shift-1) * time.Microsecond
}

func (r *recorder) record(status int, d time.Duration) {
	r.hist[bucket(d)]++
	r.n++
	r.sum += d
	r.max = max(r.max, d)
	r.byStatus[strconv.Itoa(status)]++
	if IsError(status) {
		r.errors++
	}
}

func (r *recorder) fail(err error) {
	r.n++
	r.errors++
	kind := "transport"
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		kind = "timeout"
	}
	r.byStatus[kind]++
}

func (r *recorder) merge(o *recorder) {
	for i, c := range o.hist {
		r.hist[i] += c
	}
	r.n += o.n
	r.errors += o.errors
	r.sum += o.sum
	r.max = max(r.max, o.max)
	for k, v := range o.byStatus {
		r.byStatus[k] += v
	}
}

func (r *recorder) quantile(q float64) time.Duration {
	var total int64
	for _, c := range r.hist {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(total))), 1) // nearest rank
	var seen int64
	for i, c := range r.hist {
		seen += c
		if seen >= rank {
			return min(upper(i), r.max)
		}
	}
	return r.max
}

func (r *recorder) result(elapsed time.Duration) Result {
	res := Result{Requests: r.n, Errors: r.errors, Elapsed: elapsed, ByStatus: r.byStatus,
		P50: r.quantile(0.50), P95: r.quantile(0.95), P99: r.quantile(0.99), Max: r.max}
	if elapsed > 0 {
		res.Throughput = float64(r.n) / elapsed.Seconds()
	}
	var timed int64
	for _, c := range r.hist {
		timed += c
	}
	if timed > 0 {
		res.Mean = r.sum / time.Duration(timed)
	}
	return res
}

// Statuses returns the keys of ByStatus in a stable order (numeric codes
// first, ascending).
func (r Result) Statuses() []string {
	keys := make([]string, 0, len(r.ByStatus))
	for k := range r.ByStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Text formats r for a terminal, one figure per line.
func (r Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clients:     %d\n", r.Clients)
	fmt.Fprintf(&b, "requests:    %d in %s\n", r.Requests, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "throughput:  %.1f req/s\n", r.Throughput)
	fmt.Fprintf(&b, "latency:     p50 %s  p95 %s  p99 %s  max %s  mean %s\n", ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), ms(r.Mean))
	fmt.Fprintf(&b, "errors:      %d (%.3f%%)\n", r.Errors, 100*r.ErrorRate())
	parts := make([]string, 0, len(r.ByStatus))
	for _, k := range r.Statuses() {
		parts = append(parts, fmt.Sprintf("%s=%d", k, r.ByStatus[k]))
	}
	fmt.Fprintf(&b, "by status:   %s\n", strings.Join(parts, " "))
	return b.String()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}
