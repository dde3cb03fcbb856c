package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/kit/loadgen"

	"${{ values.goModule }}/config"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// loadReport is the stable JSON output of load --format json.
type loadReport struct {
	Target     string           `json:"target"`
	Clients    int              `json:"clients"`
	Requests   int64            `json:"requests"`
	Errors     int64            `json:"errors"`
	ErrorRate  float64          `json:"error_rate"`
	ElapsedS   float64          `json:"elapsed_s"`
	Throughput float64          `json:"throughput_rps"`
	P50ms      float64          `json:"p50_ms"`
	P95ms      float64          `json:"p95_ms"`
	P99ms      float64          `json:"p99_ms"`
	Maxms      float64          `json:"max_ms"`
	ByStatus   map[string]int64 `json:"by_status"`
	SLOms      float64          `json:"slo_p99_ms"`
	Pass       bool             `json:"pass"`
	Failures   []string         `json:"failures"`
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load drives GET /datos and fails (exit 1) when errors exceed
// --max-error-rate or p99 exceeds --slo.
func (c *cli) load(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	target := fs.String("target", "", "API base URL (default http://127.0.0.1:$PORT)")
	clients := fs.Int("clients", 64, fmt.Sprintf("concurrent keep-alive clients (1-%d)", loadgen.MaxClients))
	duration := fs.Duration("duration", 60*time.Second, fmt.Sprintf("run time (at most %s); 0 with --requests", loadgen.MaxDuration))
	requests := fs.Int("requests", 0, "stop after this many requests in all (0 = until --duration)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	slo := fs.Duration("slo", 800*time.Millisecond, "fail when p99 latency exceeds this")
	maxErr := fs.Float64("max-error-rate", 0, "fail when the fraction of errors (non-2xx/304, transport) exceeds this")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not on loopback (only a service you own)")
	format := fs.String("format", "text", "output: text or json")
	var queries stringList
	fs.Var(&queries, "query", "path and query to request, repeatable (default: a mix of /datos pages and filters)")
	if err := c.parse(fs, args, "load [--target URL] [--clients N] [--duration D | --requests N] [--query /datos?...]... [--slo D] [--max-error-rate F]"); err != nil {
		return helpOK(err)
	}
	if *format != "text" && *format != "json" {
		return badInput("load: --format must be text or json, got %q", *format)
	}
	if *maxErr < 0 || *maxErr > 1 || *slo <= 0 {
		return badInput("load: --max-error-rate must be in [0, 1] and --slo > 0")
	}
	if *target == "" {
		*target = fmt.Sprintf("http://127.0.0.1:%d", cfg.Port)
	}
	lc := loadgen.Config{BaseURL: *target, Queries: queries, Clients: *clients, Duration: *duration, Requests: *requests, Timeout: *timeout, AllowRemote: *allowRemote}
	if *requests > 0 && !flagSet(fs, "duration") {
		lc.Duration = 0
	}
	if err := lc.Validate(ctx); err != nil {
		return badInput("load: %w", err)
	}
	res, err := loadgen.Run(ctx, lc)
	if err != nil {
		return err
	}
	var failures []string
	if res.Requests == 0 {
		failures = append(failures, "no request completed")
	}
	if res.ErrorRate() > *maxErr {
		f := fmt.Sprintf("error rate %.4f exceeds %.4f", res.ErrorRate(), *maxErr)
		if n := res.ByStatus["429"]; n > 0 {
			// The limit is the target's to switch, not the client's.
			f += fmt.Sprintf(" (%d answered 429 by the target's /datos rate limit: run a local target with DATOS_RATE_LIMIT=off, the local command's default)", n)
		}
		failures = append(failures, f)
	}
	if res.P99 > *slo {
		failures = append(failures, fmt.Sprintf("p99 %s exceeds the SLO %s", res.P99.Round(time.Millisecond), *slo))
	}
	switch *format {
	case "json":
		rep := loadReport{Target: lc.BaseURL, Clients: res.Clients, Requests: res.Requests, Errors: res.Errors, ErrorRate: res.ErrorRate(),
			ElapsedS: res.Elapsed.Seconds(), Throughput: res.Throughput, P50ms: millis(res.P50), P95ms: millis(res.P95), P99ms: millis(res.P99),
			Maxms: millis(res.Max), ByStatus: res.ByStatus, SLOms: millis(*slo), Pass: len(failures) == 0, Failures: failures}
		if rep.Failures == nil {
			rep.Failures = []string{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	default:
		fmt.Fprintf(c.stdout, "target:      %s\n%s", lc.BaseURL, res.Text())
		if len(failures) == 0 {
			fmt.Fprintf(c.stdout, "result:      PASS (p99 <= %s, error rate <= %g)\n", *slo, *maxErr)
		} else {
			fmt.Fprintf(c.stdout, "result:      FAIL: %s\n", strings.Join(failures, "; "))
		}
	}
	if len(failures) > 0 {
		return &ExitCodeError{Code: ExitFailure, Err: fmt.Errorf("load: %s", strings.Join(failures, "; "))}
	}
	return nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
