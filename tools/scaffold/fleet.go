package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/fleet"
	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/upgrade"
)

const fleetUsage = `Usage: scaffold fleet (--catalog URL | --catalog-file FILE) [--format text|json|markdown]

Lists the components rendered from the template (Backstage catalog entities
with backstage.io/source-template), each with its recorded template version,
how many released versions (template/CHANGELOG.md headings) it is behind and,
with GITHUB_TOKEN, its open upgrade pull request (golden-path/upgrade-<latest>).

Exit codes: 0 listed; 2 bad flags or input; 3 the catalog or GitHub failed.

Flags:
`

func runFleet(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("scaffold fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalog := fs.String("catalog", getenv("BACKSTAGE_URL"), "Backstage backend URL (env BACKSTAGE_URL; token in BACKSTAGE_TOKEN)")
	catalogFile := fs.String("catalog-file", "", "a saved /api/catalog/entities/by-query response instead of --catalog")
	template := fs.String("template", "template:default/go-flight-events-service", "the template's entity ref (backstage.io/source-template)")
	changelog := fs.String("changelog", "template/CHANGELOG.md", "the template's CHANGELOG.md: its headings are the released versions")
	format := fs.String("format", "text", "text, json or markdown")
	apiURL := fs.String("api-url", cli.EnvOr(getenv, "GITHUB_API_URL", "https://api.github.com"), "GitHub API root (env GITHUB_API_URL)")
	if help, err := parse(fs, fleetUsage, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 || (*catalog == "") == (*catalogFile == "") {
		return cli.Errorf(cli.BadInput, "give one of --catalog and --catalog-file (see --help)")
	}
	log, err := os.ReadFile(*changelog)
	if err != nil {
		return cli.Errorf(cli.BadInput, "read changelog: %w", err)
	}
	var entities []fleet.Entity
	if *catalogFile != "" {
		f, err := os.Open(*catalogFile)
		if err != nil {
			return cli.New(cli.BadInput, err)
		}
		defer f.Close()
		page, err := fleet.DecodePage(f)
		if err != nil {
			return cli.New(cli.BadInput, err)
		}
		entities = page.Items
	} else {
		client := &http.Client{Timeout: 30 * time.Second}
		if entities, err = fleet.Fetch(ctx, client, *catalog, getenv("BACKSTAGE_TOKEN"), *template); err != nil {
			return cli.New(cli.Remote, err)
		}
	}
	var pr func(context.Context, string, string) (string, error)
	if token := getenv("GITHUB_TOKEN"); token != "" {
		pr = func(ctx context.Context, slug, version string) (string, error) {
			owner, repo, _ := strings.Cut(slug, "/")
			c, err := github.New(github.Config{BaseURL: *apiURL, Owner: owner, Repo: repo, Token: token})
			if err != nil {
				return "", err
			}
			p, err := c.OpenPull(ctx, "golden-path/upgrade-"+version)
			if err != nil || p == nil {
				return "", err
			}
			return p.URL, nil
		}
	}
	rows, err := fleet.Build(ctx, entities, upgrade.ChangelogVersions(string(log)), pr)
	if err != nil {
		return cli.New(cli.Remote, err)
	}
	if err := fleet.Write(stdout, *format, rows); err != nil {
		return cli.New(cli.BadInput, err)
	}
	return nil
}
