package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/alertbridge"
	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/redact"
)

// Env var names of the webhook credentials.
const (
	EnvToken    = "ALERTBRIDGE_TOKEN"
	EnvUser     = "ALERTBRIDGE_USER"
	EnvPassword = "ALERTBRIDGE_PASSWORD"
)

// requestTimeout bounds one notification, retries included; Cloud
// Monitoring gives up on a webhook after about 30 s and retries later.
const requestTimeout = 25 * time.Second

type deps struct {
	getenv func(string) string
	// ready is told the listening address (tests listen on port 0).
	ready func(addr string)
	// transport is Jira's retry transport (httpretry's default when nil).
	transport http.RoundTripper
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, deps{getenv: os.Getenv}, args, stdout, stderr)
}

func runWith(ctx context.Context, d deps, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("alertbridge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultAddr := ":8080"
	if p := d.getenv("PORT"); p != "" {
		defaultAddr = ":" + p
	}
	var (
		addr       = fs.String("addr", defaultAddr, "listen address (default :$PORT, else :8080)")
		baseURL    = fs.String("base-url", "", "Jira base URL, e.g. https://acme.atlassian.net")
		flavour    = fs.String("flavour", "auto", "Jira flavour: auto, cloud or datacenter")
		project    = fs.String("project", "", "Jira project key (the service desk's project)")
		deskID     = fs.String("service-desk-id", "", "JSM service desk id; empty files plain Jira issues")
		typeID     = fs.String("request-type-id", "", "JSM request type id of the incident type")
		issueType  = fs.String("issue-type", "Bug", "issue type of plain Jira issues (without a service desk)")
		resolve    = fs.String("resolve-transition", "Resolve", "transition (or target status) applied when an incident closes")
		window     = fs.Duration("window", 30*time.Minute, "opens of a policy within this time of its open ticket are commented there")
		runbook    = fs.String("runbook-url", "", "runbook linked from every ticket (the service's docs/)")
		priorities = fs.String("priorities", "critical=Highest,error=High,warning=Medium", "severity=priority pairs, comma-separated")
	)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	prio, err := parsePriorities(*priorities)
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	auth := alertbridge.Auth{Token: strings.TrimSpace(d.getenv(EnvToken)), User: strings.TrimSpace(d.getenv(EnvUser)), Password: strings.TrimSpace(d.getenv(EnvPassword))}
	if auth.Token == "" && (auth.User == "" || auth.Password == "") {
		return cli.Errorf(cli.BadInput, "missing webhook credentials: set %s, or %s and %s", EnvToken, EnvUser, EnvPassword)
	}
	fl, err := jira.ResolveFlavour(*flavour, *baseURL)
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	creds := jira.CredentialsFromEnv(d.getenv)
	client, err := jira.New(jira.Config{BaseURL: *baseURL, Flavour: fl, Credentials: creds, Transport: d.transport})
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	red := redact.New(append(creds.Secrets(), auth.Secrets()...)...)
	bridge, err := alertbridge.New(client, alertbridge.Config{
		Project: *project, ServiceDeskID: *deskID, RequestTypeID: *typeID, IssueType: *issueType,
		ResolveTransition: *resolve, Window: *window, RunbookURL: *runbook, Priorities: prio,
	}, red)
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{ReplaceAttr: cloudLogging}))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return cli.Errorf(cli.Remote, "listen %s: %w", *addr, err)
	}
	h := alertbridge.Handler(bridge, auth, log)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
			defer cancel()
			h.ServeHTTP(w, r.WithContext(ctx))
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
	}
	if d.ready != nil {
		d.ready(ln.Addr().String())
	}
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("jira", string(fl)), slog.Bool("service_desk", *deskID != ""))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return cli.Errorf(cli.Remote, "serve: %w", err)
	case <-ctx.Done():
	}
	// Cloud Run sends SIGTERM and allows 10 s to finish the requests in flight.
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 9*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return cli.Errorf(cli.Remote, "shutdown: %w", err)
	}
	return nil
}

// parsePriorities reads "critical=Highest,error=High" into a map keyed by lower-case severity.
func parsePriorities(s string) (map[string]string, error) {
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		sev, prio, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(sev) == "" || strings.TrimSpace(prio) == "" {
			return nil, fmt.Errorf("parse --priorities: %q is not severity=priority", pair)
		}
		out[strings.ToLower(strings.TrimSpace(sev))] = strings.TrimSpace(prio)
	}
	return out, nil
}

// cloudLogging renames slog's level and msg to Cloud Logging's severity and message.
func cloudLogging(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		a.Key = "severity"
		if l, ok := a.Value.Any().(slog.Level); ok && l == slog.LevelWarn {
			a.Value = slog.StringValue("WARNING")
		}
	case slog.MessageKey:
		a.Key = "message"
	}
	return a
}
