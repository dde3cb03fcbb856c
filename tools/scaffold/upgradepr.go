package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/github"
)

const upgradePRUsage = `Usage: scaffold upgrade-pr --version X.Y.Z --body-file FILE [--base main]

Opens the pull request of a template upgrade, or updates the open one: one
per target version, from the branch golden-path/upgrade-<version> (pushed by
the caller, see .github/workflows/template-upgrade.yml) into --base. The body
is what scaffold upgrade --pr-body wrote. Reads GITHUB_TOKEN,
GITHUB_REPOSITORY (owner/repo) and GITHUB_API_URL.

Exit codes: 0 created, updated or already current; 2 bad flags or
environment; 3 GitHub failed after retries.

Flags:
`

func runUpgradePR(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("scaffold upgrade-pr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.String("version", "", "the target template version (required)")
	bodyFile := fs.String("body-file", "", "the pull request body, markdown (required)")
	base := fs.String("base", "main", "the branch the pull request merges into")
	apiURL := fs.String("api-url", cli.EnvOr(getenv, "GITHUB_API_URL", "https://api.github.com"), "GitHub API root (env GITHUB_API_URL)")
	repo := fs.String("repo", getenv("GITHUB_REPOSITORY"), "owner/repo (env GITHUB_REPOSITORY)")
	if help, err := parse(fs, upgradePRUsage, args); help || err != nil {
		return err
	}
	owner, name, ok := strings.Cut(*repo, "/")
	switch {
	case fs.NArg() > 0:
		return cli.Errorf(cli.BadInput, "unexpected arguments %q (see --help)", fs.Args())
	case *version == "" || *bodyFile == "":
		return cli.Errorf(cli.BadInput, "--version and --body-file are required (see --help)")
	case !ok:
		return cli.Errorf(cli.BadInput, "--repo %q is not owner/repo", *repo)
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return cli.Errorf(cli.BadInput, "read body: %w", err)
	}
	c, err := github.New(github.Config{BaseURL: *apiURL, Owner: owner, Repo: name, Token: getenv("GITHUB_TOKEN")})
	if err != nil {
		return cli.New(cli.BadInput, err)
	}
	pr, err := c.UpsertPull(ctx, "golden-path/upgrade-"+*version, *base, "Template upgrade to "+*version, string(body))
	if err != nil {
		return cli.New(cli.Remote, err)
	}
	fmt.Fprintf(stdout, "%s pull request #%d %s\n", pr.Action, pr.Number, pr.URL)
	return nil
}
