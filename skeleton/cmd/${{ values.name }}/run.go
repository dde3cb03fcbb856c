package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	ps "cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/option"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/config"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/logging"
	"${{ values.goModule }}/pubsub"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFailure  = 1 // the command failed
	ExitBadInput = 2 // bad usage, flags or configuration
	ExitRemote   = 3 // a remote service (Pub/Sub, BigQuery) failed
)

// ExitCodeError carries the process exit code of an error.
type ExitCodeError struct {
	Code int
	Err  error
}

func (e *ExitCodeError) Error() string { return e.Err.Error() }
func (e *ExitCodeError) Unwrap() error { return e.Err }

func badInput(format string, args ...any) error {
	return &ExitCodeError{Code: ExitBadInput, Err: fmt.Errorf(format, args...)}
}

// remote marks err as a failure of a remote dependency.
func remote(err error) error {
	if err == nil {
		return nil
	}
	return &ExitCodeError{Code: ExitRemote, Err: err}
}

const usage = `${{ values.name }}: flight-status events from Pub/Sub to a store, served by GET /datos.

Usage: ${{ values.name }} <command> [flags]

Commands:
  serve      serve the HTTP API (GET /datos, /docs, /openapi.yaml, /healthz, /readyz)
  subscribe  ingest events from the Pub/Sub subscription into the store
  publish    publish simulated flight events to the Pub/Sub topic
  local      run everything in one process: Pub/Sub fake (pstest), embedded
             SQLite store, subscriber, a burst of simulated events and the API
             (not in the container image, which is built with -tags production)
  openapi    print the OpenAPI document (--format yaml|json)
  load       drive GET /datos with N concurrent clients and report latency/errors
  replay     re-publish dead-lettered messages (all or by reason) to the topic
  backfill   load events from a JSONL or CSV file into the store
  help       show this help

Run "${{ values.name }} <command> -h" for the flags of a command.

Configuration comes from the environment (defaults in parentheses):
  PORT (8080), HOST (127.0.0.1; 0.0.0.0 on Cloud Run, i.e. when K_SERVICE is set),
  GOOGLE_CLOUD_PROJECT, PUBSUB_TOPIC, PUBSUB_SUBSCRIPTION, PUBSUB_DEAD_LETTER_TOPIC,
  PUBSUB_DEAD_LETTER_SUBSCRIPTION, PUBSUB_STREAMS (4), PUBSUB_MAX_OUTSTANDING_MESSAGES (1000),
  PUBSUB_MAX_OUTSTANDING_BYTES, BATCH_SIZE (500), BATCH_MAX_WAIT (50ms),
  STORE (sqlite locally, bigquery on Cloud Run; the image has no sqlite), SQLITE_PATH (in memory),
  BIGQUERY_DATASET, BIGQUERY_TABLE, BIGQUERY_LOCATION, LOG_LEVEL (info),
  SHUTDOWN_TIMEOUT (8s), DATOS_CACHE (on), DATOS_CACHE_TTL (2s), DATOS_CACHE_MAX_STALE (5m),
  DATOS_CACHE_STALE_WHILE_REVALIDATE (30s; 0 off), DATOS_CACHE_MAX_BYTES (64 MiB),
  BIGQUERY_PRICE_PER_TIB (6.25 USD).
  Cost guards of /datos: DATOS_MAX_RANGE (744h = 31 days), BIGQUERY_MAX_BYTES_BILLED
  (1073741824 = 1 GiB per query), DATOS_RATE_LIMIT (1 uncached read/s per client; off: no
  limit, the local command's default), DATOS_RATE_BURST (10), TRUSTED_PROXY_HOPS (0; 1 behind
  an external load balancer).
  PUBSUB_EMULATOR_HOST points the Pub/Sub client at an emulator, BIGQUERY_ENDPOINT
  the BigQuery client at a fake or emulator (unauthenticated).
  GET /metrics serves Prometheus metrics wherever the API listens.
`

// cli holds the process environment, so that tests can run commands in
// parallel with their own.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// ready, when set, receives the API's base URL once it listens (tests).
	ready func(baseURL string)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &cli{getenv: os.Getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return c.run(ctx, args)
}

func (c *cli) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return badInput("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return nil
	case "openapi":
		return c.openapi(rest)
	}
	cfg, err := config.FromEnv(c.getenv)
	if err != nil {
		return &ExitCodeError{Code: ExitBadInput, Err: err}
	}
	switch cmd {
	case "serve":
		return c.serve(ctx, cfg, rest)
	case "subscribe":
		return c.subscribe(ctx, cfg, rest)
	case "publish":
		return c.publish(ctx, cfg, rest)
	case "local":
		if localMode == nil {
			return notInBuild("the local command")
		}
		return localMode(c, ctx, cfg, rest)
	case "load":
		return c.load(ctx, cfg, rest)
	case "replay":
		return c.replay(ctx, cfg, rest)
	case "backfill":
		return c.backfill(ctx, cfg, rest)
	default:
		fmt.Fprint(c.stderr, usage)
		return badInput("unknown command %q", cmd)
	}
}

// parse parses flags; -h prints the usage and returns errHelp.
func (c *cli) parse(fs *flag.FlagSet, args []string, synopsis string) error {
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: ${{ values.name }} %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return badInput("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return badInput("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	return nil
}

var errHelp = errors.New("help requested")

// helpOK turns errHelp into success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func (c *cli) openapi(args []string) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	format := fs.String("format", "yaml", "output format: yaml or json")
	if err := c.parse(fs, args, "openapi [--format yaml|json]"); err != nil {
		return helpOK(err)
	}
	if *format != "yaml" && *format != "json" {
		return badInput("openapi: --format must be yaml or json, got %q", *format)
	}
	doc, err := httpapi.OpenAPI(*format)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	_, err = c.stdout.Write(doc)
	return err
}

func (c *cli) logger(cfg config.Config) *slog.Logger {
	project := ""
	if cfg.Cloud {
		project = cfg.ProjectID
	}
	return logging.New(c.stderr, cfg.LogLevel, project)
}

// openStore opens the store cfg selects.
func openStore(ctx context.Context, cfg config.Config) (flightevents.EventStore, error) {
	switch cfg.Store {
	case config.StoreBigQuery:
		var opts []option.ClientOption
		if cfg.BigQueryEndpoint != "" {
			opts = append(opts, option.WithEndpoint(cfg.BigQueryEndpoint), option.WithoutAuthentication())
		}
		s, err := bigquery.New(ctx, bigquery.Config{
			ProjectID: cfg.ProjectID, Dataset: cfg.Dataset, Table: cfg.Table, Location: cfg.Location,
			MaxBytesBilled: cfg.MaxBytesBilled,
		}, opts...)
		if err != nil {
			if flightevents.ErrorCode(err) == flightevents.EINVALID {
				return nil, badInput("open bigquery store: %w", err)
			}
			return nil, remote(fmt.Errorf("open bigquery store: %w", err))
		}
		return s, nil
	default:
		if openSQLite == nil {
			return nil, notInBuild("STORE=sqlite (the embedded SQLite store)")
		}
		s, err := openSQLite(ctx, cfg.SQLitePath)
		if err != nil {
			return nil, fmt.Errorf("open sqlite store: %w", err)
		}
		return s, nil
	}
}

// The local-only parts of the binary: local.go sets them, and the
// production image leaves that file out (the Dockerfile builds with
// -tags production), so neither the embedded SQLite store nor the local
// mode is in the image that Cloud Run runs. Nil means not in this build.
var (
	openSQLite func(ctx context.Context, path string) (flightevents.EventStore, error)
	localMode  func(c *cli, ctx context.Context, cfg config.Config, args []string) error
)

// notInBuild is the error of a command or setting whose code this binary
// was built without.
func notInBuild(what string) error {
	return badInput("%s is not in this build: it was built with -tags production (the container image), which leaves out the local mode and the embedded SQLite store; use `go run ./cmd/${{ values.name }}` or a build without the tag", what)
}

// server is the API's HTTP server on a bound listener.
type server struct {
	srv  *http.Server
	ln   net.Listener
	base string
}

func listen(cfg config.Config, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	host := cfg.Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &server{
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second},
		ln:   ln,
		base: "http://" + net.JoinHostPort(host, port),
	}, nil
}

// serveUntil serves until ctx is done, then shuts down within budget.
func (s *server) serveUntil(ctx context.Context, budget time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

func (c *cli) serve(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := c.parse(fs, args, "serve"); err != nil {
		return helpOK(err)
	}
	log := c.logger(cfg)
	obs := observe(cfg)
	raw, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	defer obs.close() // before the store closes: the cache's refreshes read it
	store := obs.store(raw, log)
	srv, err := listen(cfg, httpapi.NewHandler(obs.deps(store, log), httpapi.Config{}))
	if err != nil {
		return err
	}
	log.Info("serving API", "addr", srv.ln.Addr().String(), "store", cfg.Store, "cache", obs.cache != nil)
	c.announce(srv.base)
	return srv.serveUntil(ctx, cfg.ShutdownTimeout)
}

// announce prints the API's URLs and tells a test where it listens.
func (c *cli) announce(base string) {
	fmt.Fprintf(c.stdout, "API:  %s/datos\nDocs: %s/docs\nMetrics: %s/metrics\n", base, base, base)
	if c.ready != nil {
		c.ready(base)
	}
}

// subscriberConfig derives the subscriber's settings from cfg, fitting
// its shutdown into cfg.ShutdownTimeout.
func subscriberConfig(cfg config.Config, streams int, log *slog.Logger, obs pubsub.Observer) pubsub.SubscriberConfig {
	write := pubsub.DefaultWriteTimeout
	if write > cfg.ShutdownTimeout/2 {
		write = cfg.ShutdownTimeout / 2
	}
	return pubsub.SubscriberConfig{
		Subscription:           cfg.Subscription,
		NumGoroutines:          streams,
		MaxOutstandingMessages: cfg.MaxOutstandingMessages,
		MaxOutstandingBytes:    cfg.MaxOutstandingBytes,
		ShutdownTimeout:        max(cfg.ShutdownTimeout-write-time.Second, time.Second),
		Handler: pubsub.HandlerConfig{
			BatchSize:    cfg.BatchSize,
			BatchMaxWait: cfg.BatchMaxWait,
			WriteTimeout: write,
			Logger:       log,
			Observer:     obs,
		},
	}
}

func (c *cli) subscribe(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("subscribe", flag.ContinueOnError)
	streams := fs.Int("streams", cfg.Streams, "StreamingPull streams (env PUBSUB_STREAMS)")
	create := fs.Bool("create", false, "create the topic, subscription and dead-letter topic if missing (for emulators)")
	if err := c.parse(fs, args, "subscribe [--streams N] [--create]"); err != nil {
		return helpOK(err)
	}
	if *streams < 1 {
		return badInput("subscribe: --streams must be >= 1")
	}
	log := c.logger(cfg)
	obs := observe(cfg)
	client, err := ps.NewClient(ctx, cfg.ProjectID)
	if err != nil {
		return remote(fmt.Errorf("pubsub.NewClient: %w", err))
	}
	defer client.Close()
	if *create {
		if err := pubsub.EnsureIngest(ctx, client, names(cfg)); err != nil {
			return remote(err)
		}
	}
	raw, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	defer obs.close() // before the store closes: the cache's refreshes read it
	store := obs.store(raw, log)
	dl := pubsub.NewPublisher(client, cfg.DeadLetterTopic)
	defer dl.Stop()
	sub, err := pubsub.NewSubscriber(client, store, dl, subscriberConfig(cfg, *streams, log, obs.metrics))
	if err != nil {
		return err
	}
	httpErr := make(chan error, 1)
	if cfg.Cloud {
		// Cloud Run needs a listener on PORT for its startup probe.
		srv, err := listen(cfg, httpapi.NewHandler(obs.deps(store, log), httpapi.Config{DisableDocs: true}))
		if err != nil {
			return err
		}
		go func() { httpErr <- srv.serveUntil(ctx, cfg.ShutdownTimeout) }()
	} else {
		httpErr <- nil
	}
	log.Info("subscribing", "subscription", cfg.Subscription, "streams", *streams, "store", cfg.Store)
	err = sub.Run(ctx)
	log.Info("subscriber stopped", "stats", sub.Stats())
	if err != nil {
		return remote(err)
	}
	return <-httpErr
}

func names(cfg config.Config) pubsub.Names {
	return pubsub.Names{
		Topic:                  cfg.Topic,
		Subscription:           cfg.Subscription,
		DeadLetterTopic:        cfg.DeadLetterTopic,
		DeadLetterSubscription: cfg.DeadLetterSubscription,
	}
}
