package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	costpolicies "github.com/acme-platform/golden-path/policies/cost"
	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/cost"
	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

func badInput(err error) error { return cli.New(cli.BadInput, err) }

type config struct {
	infracost    cli.Strings
	rego         cli.Strings
	policy       string
	format       string
	builtinRego  bool
	post, dryRun bool
	pr           int
	repo         string
	apiURL       string
	resultPath   string
	stepSummary  string
	topN         int
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("costgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&c.infracost, "infracost", "Infracost JSON file (`infracost diff|breakdown --format json`); repeat to merge several; - reads stdin")
	fs.StringVar(&c.policy, "policy", getenv("COSTGATE_POLICY"), "cost policy YAML (env COSTGATE_POLICY)")
	fs.StringVar(&c.format, "format", "text", "output: text, json or markdown")
	fs.Var(&c.rego, "rego", "extra Rego cost policy file or directory (package infracost, data.infracost.deny); repeatable")
	fs.BoolVar(&c.builtinRego, "builtin-rego", true, "also evaluate the platform's Rego cost policies (policies/cost)")
	fs.BoolVar(&c.post, "post", false, "create or update the pull-request comment on GitHub")
	fs.BoolVar(&c.dryRun, "dry-run", false, "with --post: print the comment instead of posting it")
	fs.IntVar(&c.pr, "pr", 0, "pull request number (default: from GITHUB_REF or the GITHUB_EVENT_PATH payload)")
	fs.StringVar(&c.repo, "repo", getenv("GITHUB_REPOSITORY"), "owner/repo (env GITHUB_REPOSITORY)")
	fs.StringVar(&c.apiURL, "github-api-url", cli.EnvOr(getenv, "GITHUB_API_URL", "https://api.github.com"), "GitHub REST API root (env GITHUB_API_URL)")
	fs.StringVar(&c.resultPath, "result", getenv("COSTGATE_RESULT"), "also write the JSON result to this file (env COSTGATE_RESULT)")
	fs.StringVar(&c.stepSummary, "step-summary", getenv("GITHUB_STEP_SUMMARY"), "append the markdown to this file (env GITHUB_STEP_SUMMARY)")
	fs.IntVar(&c.topN, "top", cost.DefaultTopN, "resource changes listed in the comment details")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, badInput(fmt.Errorf("parse flags: %w", err))
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if len(c.infracost) == 0 {
		problems = append(problems, "--infracost is required")
	}
	if c.policy == "" {
		problems = append(problems, "--policy is required")
	}
	switch c.format {
	case "text", "json", "markdown":
	default:
		problems = append(problems, fmt.Sprintf("--format %q is not one of text, json, markdown", c.format))
	}
	if c.dryRun && !c.post {
		problems = append(problems, "--dry-run only makes sense with --post")
	}
	if c.topN < 0 {
		problems = append(problems, "--top must be >= 0")
	}
	if len(problems) > 0 {
		return nil, badInput(fmt.Errorf("usage: %s", strings.Join(problems, "; ")))
	}
	return c, nil
}

func runEnv(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	report, err := readReports(c.infracost, stdin)
	if err != nil {
		return badInput(err)
	}
	pol, err := readPolicy(c.policy)
	if err != nil {
		return badInput(err)
	}
	rg, err := compileRego(ctx, c)
	if err != nil {
		return badInput(err)
	}
	res, err := cost.Evaluate(ctx, report, pol, rg)
	if err != nil {
		return badInput(fmt.Errorf("evaluate cost policy: %w", err))
	}

	md := cost.Markdown(res, cost.Options{TopN: c.topN})
	js, err := cost.JSON(res)
	if err != nil {
		return err
	}
	switch c.format {
	case "json":
		_, err = stdout.Write(js)
	case "markdown":
		_, err = io.WriteString(stdout, md)
	default:
		_, err = io.WriteString(stdout, cost.Text(res))
	}
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if c.resultPath != "" {
		if err := os.WriteFile(c.resultPath, js, 0o644); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	if c.stepSummary != "" {
		if err := cli.AppendFile(c.stepSummary, md+"\n"); err != nil {
			return fmt.Errorf("write step summary: %w", err)
		}
	}

	var postErr error
	if c.post {
		postErr = post(ctx, c, getenv, md, stdout, stderr)
	}
	if res.Decision == cost.Fail {
		n := 0
		for _, ch := range res.Checks {
			if ch.Status == cost.Fail {
				n++
			}
		}
		return cli.New(cli.GateFailed, errors.Join(fmt.Errorf("cost gate failed: %d check(s) failed", n), postErr))
	}
	return postErr
}

func readReports(paths []string, stdin io.Reader) (*cost.Report, error) {
	var reports []*cost.Report
	for _, p := range paths {
		var r *cost.Report
		var err error
		if p == "-" {
			r, err = cost.DecodeReport(stdin, "stdin")
		} else {
			f, oerr := os.Open(p)
			if oerr != nil {
				return nil, fmt.Errorf("read infracost file: %w", oerr)
			}
			r, err = cost.DecodeReport(f, p)
			f.Close()
		}
		if err != nil {
			return nil, err
		}
		reports = append(reports, r)
	}
	return cost.Merge(reports...)
}

func readPolicy(path string) (*cost.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cost policy: %w", err)
	}
	defer f.Close()
	return cost.DecodePolicy(f, path)
}

func compileRego(ctx context.Context, c *config) (*cost.Rego, error) {
	var files []cost.RegoFile
	if c.builtinRego {
		fs, err := cost.RegoFilesFromFS(costpolicies.Files, "policies/cost/")
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	for _, p := range c.rego {
		fs, err := cost.RegoFilesFromPath(p)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return nil, nil
	}
	return cost.CompileRego(ctx, files)
}

func post(ctx context.Context, c *config, getenv func(string) string, md string, stdout, stderr io.Writer) error {
	if c.dryRun {
		if c.format != "markdown" {
			_, err := io.WriteString(stdout, "\n--- comment (dry run, not posted) ---\n"+md)
			return err
		}
		fmt.Fprintln(stderr, "dry run: comment printed above, not posted")
		return nil
	}
	owner, repo, ok := strings.Cut(c.repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return badInput(fmt.Errorf("post comment: --repo (or GITHUB_REPOSITORY) must be owner/repo, got %q", c.repo))
	}
	pr := c.pr
	if pr == 0 {
		var event []byte
		if p := getenv("GITHUB_EVENT_PATH"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				return badInput(fmt.Errorf("read event payload: %w", err))
			}
			event = b
		}
		n, err := github.PRNumber(getenv("GITHUB_REF"), event)
		if err != nil {
			return badInput(fmt.Errorf("post comment: %w", err))
		}
		pr = n
	}
	token := getenv("GITHUB_TOKEN")
	if token == "" {
		return badInput(errors.New("post comment: GITHUB_TOKEN is not set"))
	}
	retry := &httpretry.Transport{}
	if s := getenv("COSTGATE_MAX_ATTEMPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return badInput(fmt.Errorf("COSTGATE_MAX_ATTEMPTS %q is not a positive integer", s))
		}
		retry.MaxTries = n
	}
	client, err := github.New(github.Config{BaseURL: c.apiURL, Owner: owner, Repo: repo, Token: token, Retry: retry})
	if err != nil {
		return badInput(fmt.Errorf("post comment: %w", err))
	}
	res, err := client.UpsertComment(ctx, pr, cost.Marker, md)
	if err != nil {
		return cli.Errorf(cli.Remote, "post comment: %w", err)
	}
	fmt.Fprintf(stderr, "comment %s: %s\n", res.Action, res.URL)
	return nil
}
