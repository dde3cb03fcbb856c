package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/cinotify"
	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/redact"
)

// deps are the process's ties to the outside world, replaced in tests.
type deps struct {
	getenv    func(string) string
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	transport http.RoundTripper // under retries and auth; http.DefaultTransport when nil
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, deps{getenv: os.Getenv, now: time.Now}, args, stdout, stderr)
}

const usage = `usage: jiranotify open|close [flags]

  open   a job failed: comment on the open ticket with the job's fingerprint, or create one
  close  the job is green again: comment and move the open ticket through --done-transition

Credentials (environment only): JIRA_EMAIL + JIRA_API_TOKEN (Cloud), JIRA_PAT (Data Center).
Exit codes: 0 created/commented/skipped/closed, 2 usage or configuration error, 3 Jira error after retries.
Run "jiranotify open -h" for the flags.
`

type config struct {
	mode          string
	baseURL       string
	flavour       string
	dryRun        bool
	timeout       time.Duration
	logFile       string
	maxLogLines   int
	maxLogBytes   int
	fieldsJSON    string
	fieldFlags    cli.Strings
	labels        string
	components    string
	run           cinotify.Run
	opts          cinotify.Options
	ghOutput      string
	ghStepSummary string
}

func envInt(getenv func(string) string, key string, def int) int {
	var n int
	if _, err := fmt.Sscan(getenv(key), &n); err == nil {
		return n
	}
	return def
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	if len(args) == 0 || (args[0] != "open" && args[0] != "close") {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return nil, errors.New("missing subcommand (open or close)")
		}
		return nil, fmt.Errorf("unknown subcommand %q (want open or close)", args[0])
	}
	c := &config{mode: args[0], run: cinotify.RunFromEnv(getenv)}
	fs := flag.NewFlagSet("jiranotify "+c.mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	event := getenv("GITHUB_EVENT_NAME")
	prRun := event == "pull_request" || event == "pull_request_target"

	fs.StringVar(&c.baseURL, "base-url", getenv("JIRA_BASE_URL"), "Jira site, e.g. https://acme.atlassian.net (JIRA_BASE_URL)")
	fs.StringVar(&c.flavour, "flavor", cli.EnvOr(getenv, "JIRA_FLAVOR", "auto"), "auto, cloud or datacenter; auto = cloud for *.atlassian.net (JIRA_FLAVOR)")
	fs.StringVar(&c.opts.Project, "project", getenv("JIRA_PROJECT"), "project key (JIRA_PROJECT)")
	fs.StringVar(&c.opts.IssueType, "issue-type", cli.EnvOr(getenv, "JIRA_ISSUE_TYPE", "Bug"), "issue type name (JIRA_ISSUE_TYPE)")
	fs.StringVar(&c.labels, "labels", getenv("JIRA_LABELS"), "extra labels, comma-separated, no spaces (JIRA_LABELS)")
	fs.StringVar(&c.components, "components", getenv("JIRA_COMPONENTS"), "component names, comma-separated (JIRA_COMPONENTS)")
	fs.StringVar(&c.opts.Priority, "priority", getenv("JIRA_PRIORITY"), "priority name (JIRA_PRIORITY)")
	fs.Var(&c.fieldFlags, "field", "custom field as NAME=JSON, e.g. customfield_10051={\"value\":\"prod\"} (repeatable)")
	fs.StringVar(&c.fieldsJSON, "fields-json", getenv("JIRA_FIELDS_JSON"), "custom fields as one JSON object (JIRA_FIELDS_JSON)")
	fs.IntVar(&c.opts.MaxCommentsPerDay, "max-comments-per-day", envInt(getenv, "JIRA_MAX_COMMENTS_PER_DAY", 5), "spam guard: comments per ticket per UTC day, 0 = unlimited")
	fs.StringVar(&c.opts.DoneTransition, "done-transition", cli.EnvOr(getenv, "JIRA_DONE_TRANSITION", "Done"), "close: transition name to apply (JIRA_DONE_TRANSITION)")
	fs.StringVar(&c.logFile, "log-excerpt", "", "file whose tail goes, redacted, into a new ticket")
	fs.IntVar(&c.maxLogLines, "max-log-lines", 50, "log excerpt: at most this many last lines")
	fs.IntVar(&c.maxLogBytes, "max-log-bytes", 4096, "log excerpt: at most this many bytes")
	fs.BoolVar(&c.dryRun, "dry-run", prRun, "search only, print the action and request JSON (default true in pull-request runs)")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "overall deadline, retries included")
	r := &c.run
	fs.StringVar(&r.ServerURL, "server-url", r.ServerURL, "GitHub server URL (GITHUB_SERVER_URL)")
	fs.StringVar(&r.Repository, "repository", r.Repository, "owner/name (GITHUB_REPOSITORY)")
	fs.StringVar(&r.Workflow, "workflow", r.Workflow, "workflow name (GITHUB_WORKFLOW)")
	fs.StringVar(&r.WorkflowFile, "workflow-file", r.WorkflowFile, "workflow file (from GITHUB_WORKFLOW_REF)")
	fs.StringVar(&r.Job, "job", r.Job, "job id (GITHUB_JOB)")
	fs.StringVar(&r.Step, "step", r.Step, "name of the failing step")
	fs.StringVar(&r.Branch, "branch", r.Branch, "branch (GITHUB_HEAD_REF or GITHUB_REF_NAME)")
	fs.StringVar(&r.SHA, "sha", r.SHA, "commit (GITHUB_SHA)")
	fs.StringVar(&r.RunID, "run-id", r.RunID, "run ID, not the run number (GITHUB_RUN_ID)")
	fs.StringVar(&r.RunAttempt, "run-attempt", r.RunAttempt, "run attempt (GITHUB_RUN_ATTEMPT)")
	fs.StringVar(&r.Actor, "actor", r.Actor, "actor (GITHUB_ACTOR)")
	fs.StringVar(&r.Event, "event", r.Event, "event name (GITHUB_EVENT_NAME)")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	c.ghOutput, c.ghStepSummary = getenv("GITHUB_OUTPUT"), getenv("GITHUB_STEP_SUMMARY")
	return c, c.validate()
}

var (
	reProject = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	reField   = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *config) validate() error {
	var errs []error
	if err := c.run.Normalize(); err != nil {
		errs = append(errs, err)
	}
	if _, err := jira.ValidateBaseURL(c.baseURL); err != nil {
		errs = append(errs, err)
	}
	if !reProject.MatchString(c.opts.Project) {
		errs = append(errs, fmt.Errorf("project key %q is not valid (--project or JIRA_PROJECT)", c.opts.Project))
	}
	if strings.TrimSpace(c.opts.IssueType) == "" {
		errs = append(errs, errors.New("empty --issue-type"))
	}
	c.opts.Labels = splitList(c.labels)
	for _, l := range c.opts.Labels {
		if strings.ContainsAny(l, " \t\n") {
			errs = append(errs, fmt.Errorf("label %q contains spaces, which Jira rejects", l))
		}
	}
	c.opts.Components = splitList(c.components)
	if c.opts.MaxCommentsPerDay < 0 {
		errs = append(errs, errors.New("--max-comments-per-day must be 0 or more"))
	}
	if c.mode == "close" && strings.TrimSpace(c.opts.DoneTransition) == "" {
		errs = append(errs, errors.New("empty --done-transition"))
	}
	if c.timeout <= 0 {
		errs = append(errs, errors.New("--timeout must be positive"))
	}
	c.opts.Fields = map[string]json.RawMessage{}
	if c.fieldsJSON != "" {
		if err := json.Unmarshal([]byte(c.fieldsJSON), &c.opts.Fields); err != nil {
			errs = append(errs, fmt.Errorf("decode --fields-json: want a JSON object: %w", err))
		}
	}
	for _, f := range c.fieldFlags {
		name, value, ok := strings.Cut(f, "=")
		if !ok || !reField.MatchString(name) || !json.Valid([]byte(value)) {
			errs = append(errs, fmt.Errorf("--field %q: want NAME=JSON, e.g. customfield_10050=\"text\"", f))
			continue
		}
		c.opts.Fields[name] = json.RawMessage(value)
	}
	if _, err := jira.CreateCall(jira.CreateRequest{Fields: c.opts.Fields}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// redactingWriter masks secrets in each Write (callers write whole messages).
type redactingWriter struct {
	w io.Writer
	r *redact.Redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func runWith(ctx context.Context, d deps, args []string, stdout, stderr io.Writer) error {
	creds := jira.CredentialsFromEnv(d.getenv)
	red := redact.New(creds.Secrets()...)
	stdout, stderr = redactingWriter{stdout, red}, redactingWriter{stderr, red}
	// fail prints err itself (redacted, Jira outages as a GitHub warning) and
	// returns an exit code with nothing more to print.
	fail := func(code int, err error) error {
		prefix := "jiranotify: "
		if code == cli.Remote {
			// A Jira outage is a warning by default; the workflow decides with continue-on-error.
			prefix = "::warning title=jiranotify::"
		}
		fmt.Fprintln(stderr, prefix+err.Error())
		return cli.Reported(code)
	}

	c, err := parse(args, d.getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return fail(cli.BadInput, err)
	}
	flavour, err := jira.ResolveFlavour(c.flavour, c.baseURL)
	if err != nil {
		return fail(cli.BadInput, err)
	}
	if c.logFile != "" {
		ex, err := readExcerpt(c.logFile, c.maxLogLines, c.maxLogBytes, red)
		if err != nil {
			return fail(cli.BadInput, err)
		}
		c.opts.Excerpt = ex
	}
	retry := &httpretry.Transport{
		Base:  d.transport,
		Sleep: d.sleep,
		OnRetry: func(r httpretry.Retry) {
			answer := fmt.Sprintf("answered %d", r.Status)
			if r.Status == 0 {
				answer = "got no answer"
			}
			fmt.Fprintf(stderr, "retry: %s %s %s (try %d), waiting %s\n", r.Method, r.Path, answer, r.Try, r.Wait.Round(time.Millisecond))
		},
	}
	c.opts.Now, c.opts.Retry = d.now, retry

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var tracker cinotify.Tracker
	var client *jira.Client
	if creds.For(flavour) {
		client, err = jira.New(jira.Config{
			BaseURL: c.baseURL, Flavour: flavour, Credentials: creds,
			Transport: retry,
		})
		if err != nil {
			return fail(cli.BadInput, err)
		}
		tracker = client
	} else if !c.dryRun {
		if flavour == jira.Cloud {
			return fail(cli.BadInput, fmt.Errorf("%w: Jira Cloud needs %s and %s", jira.ErrMissingCredentials, jira.EnvEmail, jira.EnvAPIToken))
		}
		return fail(cli.BadInput, fmt.Errorf("%w: Jira Data Center needs %s", jira.ErrMissingCredentials, jira.EnvPAT))
	}

	var dry *cinotify.DryRun
	if c.dryRun {
		dry = &cinotify.DryRun{Reader: tracker}
		tracker = dry
		if client == nil {
			fmt.Fprintln(stderr, "note: no Jira credentials: dry run without search, assuming no open ticket")
		}
	}

	var res cinotify.Result
	if c.mode == "open" {
		res, err = cinotify.Open(ctx, tracker, c.run, c.opts)
	} else {
		res, err = cinotify.Close(ctx, tracker, c.run, c.opts)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, "note: "+n)
	}
	if err != nil {
		var tnf *cinotify.TransitionNotFoundError
		if errors.As(err, &tnf) {
			return fail(cli.BadInput, err)
		}
		return fail(cli.Remote, err)
	}
	return report(c, flavour, res, dry, stdout, stderr)
}

var imperative = map[string]string{cinotify.Created: "create", cinotify.Commented: "comment", cinotify.Skipped: "skip", cinotify.Closed: "close"}

func report(c *config, flavour jira.Flavour, res cinotify.Result, dry *cinotify.DryRun, stdout, stderr io.Writer) error {
	action := res.Action
	link := ""
	if res.Key != "" {
		link = jira.BrowseURL(c.baseURL, res.Key)
	}
	if dry != nil {
		action = imperative[res.Action]
		fmt.Fprintf(stdout, "dry-run: action=%s issue=%s fingerprint=%s flavour=%s\n", action, orNone(res.Key), res.Fingerprint, flavour)
		for _, p := range dry.Planned {
			fmt.Fprintf(stdout, "%s %s\n%s\n", p.Method, p.Path, p.Body)
		}
	} else {
		fmt.Fprintf(stdout, "action=%s issue=%s url=%s fingerprint=%s\n", action, orNone(res.Key), orNone(link), res.Fingerprint)
	}
	if c.ghOutput != "" {
		out := fmt.Sprintf("issue_key=%s\naction=%s\nfingerprint=%s\ndry_run=%t\n", res.Key, action, res.Fingerprint, dry != nil)
		if err := cli.AppendFile(c.ghOutput, out); err != nil {
			fmt.Fprintln(stderr, "jiranotify: write GITHUB_OUTPUT: "+err.Error())
			return cli.Reported(cli.BadInput)
		}
	}
	if c.ghStepSummary != "" {
		line := fmt.Sprintf("Jira (%s): **%s**", c.mode, action)
		if res.Key != "" {
			line += fmt.Sprintf(" [%s](%s)", res.Key, link)
		}
		line += fmt.Sprintf(" for `%s`", res.Fingerprint)
		if dry != nil {
			line += " (dry run, nothing written)"
		}
		if err := cli.AppendFile(c.ghStepSummary, line+"\n"); err != nil {
			fmt.Fprintln(stderr, "jiranotify: write GITHUB_STEP_SUMMARY: "+err.Error())
			return cli.Reported(cli.BadInput)
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readExcerpt reads at most the last MiB of path, redacts it, then keeps the tail.
func readExcerpt(path string, maxLines, maxBytes int, red *redact.Redactor) (cinotify.Excerpt, error) {
	f, err := os.Open(path)
	if err != nil {
		return cinotify.Excerpt{}, fmt.Errorf("open log excerpt: %w", err)
	}
	defer f.Close()
	const window = 1 << 20
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return cinotify.Excerpt{}, fmt.Errorf("seek log excerpt: %w", err)
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return cinotify.Excerpt{}, fmt.Errorf("read log excerpt: %w", err)
	}
	text, truncated := redact.Tail(red.String(string(b)), maxLines, maxBytes)
	return cinotify.Excerpt{Text: text, Truncated: truncated, MaxLines: maxLines}, nil
}
