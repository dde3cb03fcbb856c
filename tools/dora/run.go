package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/dora"
	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/redact"
)

type deps struct {
	getenv func(string) string
	now    func() time.Time
	// transport sends GitHub's and Jira's requests (the default retry policy when nil).
	transport http.RoundTripper
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, deps{getenv: os.Getenv, now: time.Now}, args, stdout, stderr)
}

func runWith(ctx context.Context, d deps, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dora", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		repo          = fs.String("repo", d.getenv("GITHUB_REPOSITORY"), "GitHub repository owner/name (default $GITHUB_REPOSITORY)")
		apiURL        = fs.String("api-url", "https://api.github.com", "GitHub API root")
		workflow      = fs.String("workflow", "deploy.yml", "file name of the deploy workflow")
		branch        = fs.String("branch", "main", "branch whose deploys count")
		jiraBase      = fs.String("jira-base-url", "", "Jira base URL")
		jiraFlavour   = fs.String("jira-flavour", "auto", "Jira flavour: auto, cloud or datacenter")
		project       = fs.String("jira-project", "", "Jira project key holding the ci-failure tickets and incidents")
		failureLabel  = fs.String("failure-label", "ci-failure", "label of the CI failure tickets")
		incidentLabel = fs.String("incident-label", "alert", "label of the alert bridge's incidents")
		days          = fs.Int("days", 30, "window length in days, ending at --end")
		endFlag       = fs.String("end", "", "window end, YYYY-MM-DD (UTC midnight); default today")
		format        = fs.String("format", dora.Text, "output: text, json or markdown")
		out           = fs.String("out", "", "also write the JSON report to this file (for a dashboard or Backstage)")
	)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	owner, name, ok := strings.Cut(*repo, "/")
	if !ok || owner == "" || name == "" {
		return cli.Errorf(cli.BadInput, "--repo must be owner/name, got %q", *repo)
	}
	if *days < 1 || *days > 366 {
		return cli.Errorf(cli.BadInput, "--days must be between 1 and 366, got %d", *days)
	}
	if *project == "" {
		return cli.Errorf(cli.BadInput, "missing --jira-project")
	}
	if *format != dora.Text && *format != dora.JSON && *format != dora.Markdown {
		return cli.Errorf(cli.BadInput, "unknown --format %q (want text, json or markdown)", *format)
	}
	end := d.now().UTC().Truncate(24 * time.Hour)
	if *endFlag != "" {
		t, err := time.Parse(time.DateOnly, *endFlag)
		if err != nil {
			return cli.Errorf(cli.BadInput, "--end %q is not YYYY-MM-DD", *endFlag)
		}
		end = t
	}
	start := end.AddDate(0, 0, -*days)

	retry := &httpretry.Transport{Base: d.transport}
	token := strings.TrimSpace(d.getenv("GITHUB_TOKEN"))
	gh, err := github.New(github.Config{BaseURL: *apiURL, Owner: owner, Repo: name, Token: token, Retry: retry})
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	fl, err := jira.ResolveFlavour(*jiraFlavour, *jiraBase)
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	creds := jira.CredentialsFromEnv(d.getenv)
	jc, err := jira.New(jira.Config{BaseURL: *jiraBase, Flavour: fl, Credentials: creds, Transport: retry})
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	red := redact.New(append(creds.Secrets(), token)...)

	h, err := dora.Collect(ctx, gh, jc, dora.Source{Workflow: *workflow, Branch: *branch, Project: *project, FailureLabel: *failureLabel, IncidentLabel: *incidentLabel}, start, end)
	if err != nil {
		return cli.New(cli.Remote, errors.New(red.String(err.Error())))
	}
	report := dora.Compute(h, start, end)
	if *out != "" {
		var b bytes.Buffer
		if err := dora.Write(&b, report, dora.JSON); err != nil {
			return err
		}
		if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
			return cli.Errorf(cli.BadInput, "write %s: %w", *out, err)
		}
	}
	if err := dora.Write(stdout, report, *format); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
