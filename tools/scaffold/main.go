// Command scaffold renders the golden-path Backstage template without a
// portal: it validates a values file against template/template.yaml's
// parameters and renders skeleton/ into a new directory the way the
// scaffolder's fetch:template action does.
//
//	go run ./tools/scaffold --values template/testdata/cases/example.yaml --out /tmp/flight-events
//
// Its upgrade subcommand brings a rendered repository to a newer template
// version by a three-way merge (tools/internal/upgrade):
//
//	go run github.com/acme-platform/golden-path/tools/scaffold@main upgrade --dry-run
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/render"
)

func main() { cli.Main("scaffold", run) }

const usage = `Usage: scaffold --values FILE --out DIR [--force] [--template FILE]
       scaffold upgrade [--to VERSION|REF] [--dry-run] … (see scaffold upgrade --help)
       scaffold upgrade-pr --version X.Y.Z --body-file FILE (see scaffold upgrade-pr --help)
       scaffold fleet (--catalog URL | --catalog-file FILE) (see scaffold fleet --help)

Renders the Backstage template offline, as the scaffolder's fetch:template
action would: the values FILE (YAML: the answers to the template's form) is
validated against the template's parameter schema (defaults applied), the
fetch:template step's values are evaluated, and the skeleton is rendered into
DIR. Progress and a summary go to stderr.

Exit codes: 0 rendered; 2 bad flags, invalid values (one line per field),
a template error, or a non-empty DIR without --force; 1 anything else.

Flags:
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "upgrade" {
		return runUpgrade(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "fleet" {
		return runFleet(ctx, args[1:], stdin, stdout, stderr, os.Getenv)
	}
	if len(args) > 0 && args[0] == "upgrade-pr" {
		return runUpgradePR(ctx, args[1:], stdin, stdout, stderr, os.Getenv)
	}
	fs := flag.NewFlagSet("scaffold", flag.ContinueOnError)
	fs.SetOutput(stderr)
	valuesPath := fs.String("values", "", "YAML file with the template's parameter values (required)")
	outDir := fs.String("out", "", "directory to render the new service into (required)")
	force := fs.Bool("force", false, "render into a non-empty --out, overwriting the files the skeleton produces")
	templatePath := fs.String("template", cli.EnvOr(os.Getenv, "SCAFFOLD_TEMPLATE", "template/template.yaml"), "the Backstage template (env SCAFFOLD_TEMPLATE)")
	if help, err := parse(fs, usage, args); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Errorf(cli.BadInput, "unexpected arguments %q (see --help)", fs.Args())
	case *valuesPath == "":
		return cli.Errorf(cli.BadInput, "--values is required (see --help)")
	case *outDir == "":
		return cli.Errorf(cli.BadInput, "--out is required (see --help)")
	}
	if !*force {
		if empty, err := isEmptyDir(*outDir); err != nil {
			return cli.Errorf(cli.BadInput, "check output directory: %w", err)
		} else if !empty {
			return cli.Errorf(cli.BadInput, "output directory %s is not empty; use --force to render into it (the skeleton's files are overwritten)", *outDir)
		}
	}
	params, err := render.LoadValues(*valuesPath)
	if err != nil {
		return classify(err)
	}
	start := time.Now()
	res, err := render.Scaffold(ctx, render.Request{
		TemplatePath: *templatePath,
		Parameters:   params,
		Source:       *valuesPath,
		OutDir:       *outDir,
		Replace:      *force,
		Log:          stderr,
	})
	if err != nil {
		return classify(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "scaffold: warning: %s\n", w)
	}
	fmt.Fprintf(stderr, "scaffold: %s → %s: %d rendered, %d copied without templating, %d binary, %d directories, %d skipped (%s)\n",
		res.SkeletonDir, res.OutDir, res.Rendered, res.Copied, res.Binary, res.Dirs, res.Skipped, time.Since(start).Round(time.Millisecond))
	return nil
}

// classify maps renderer errors to exit codes: bad values, a bad template
// or a missing file are bad input (2); anything else (I/O …) is returned
// as is and exits 1.
func classify(err error) error {
	var ive *render.InvalidValuesError
	var te *render.TemplateError
	if errors.As(err, &ive) || errors.As(err, &te) || errors.Is(err, os.ErrNotExist) {
		return cli.New(cli.BadInput, err)
	}
	return err
}

// isEmptyDir reports whether dir is missing or has no entries.
func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s is not a directory", dir)
	}
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return len(names) == 0, nil
}

// parse parses a subcommand's flags; --help prints usage and the flags'
// defaults and reports help (exit 0), a bad flag is bad input.
func parse(fs *flag.FlagSet, usage string, args []string) (help bool, err error) {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil // the usage is printed: exit 0
		}
		return false, cli.New(cli.BadInput, err)
	}
	return false, nil
}
