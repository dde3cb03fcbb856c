package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/upgrade"
)

const upgradeUsage = `Usage: scaffold upgrade [--to VERSION|REF] [--template-repo PATH|URL] [--dry-run] [--set KEY=VALUE …] [--allow-dirty] [--dir DIR]

Run inside a repository rendered from the template: re-renders the version
recorded in .golden-path/answers.yaml (base) and the target version with the
migrated answers (theirs), and merges the template's change into the work
tree (ours) file by file, with git merge-file where both changed. Template
versions are the template repository's template/vX.Y.Z tags.

--dry-run prints the plan and the unified diff and changes nothing. With
conflicts the files are written with standard markers and listed; resolve
them and rerun to finish (the answers file records the new version only then).

Exit codes: 0 upgraded (or up to date); 1 conflicts to resolve, or an error;
2 refused: bad flags, no answers file, a dirty tree, an unknown target, a
downgrade, a missing answer.

Flags:
`

func runUpgrade(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scaffold upgrade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o upgrade.Options
	var sets cli.Strings
	fs.StringVar(&o.Dir, "dir", ".", "the repository to upgrade")
	fs.StringVar(&o.To, "to", "", "target template version (X.Y.Z) or git ref; default: the latest template/v* tag")
	fs.StringVar(&o.TemplateRepo, "template-repo", "", "template repository, a path or git URL; default: templateRepo in the answers")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the plan and the unified diff, change nothing")
	fs.BoolVar(&o.AllowDirty, "allow-dirty", false, "upgrade a work tree with uncommitted changes")
	fs.Var(&sets, "set", "KEY=VALUE answer for the target version (repeatable)")
	prBody := fs.String("pr-body", "", "write the upgrade as a pull request body (markdown) to this file")
	ghOutput := fs.String("github-output", os.Getenv("GITHUB_OUTPUT"), "append version=, up_to_date= and conflicts= to this file (env GITHUB_OUTPUT)")
	if help, err := parse(fs, upgradeUsage, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Errorf(cli.BadInput, "unexpected arguments %q (see --help)", fs.Args())
	}
	o.Sets = sets
	res, err := upgrade.Run(ctx, o)
	if res != nil {
		res.Report(stdout)
		if o.DryRun && res.Diff != "" {
			fmt.Fprint(stdout, "\n", res.Diff)
		}
	}
	if res != nil && *prBody != "" && !res.UpToDate {
		if werr := os.WriteFile(*prBody, []byte(res.Markdown()), 0o644); werr != nil {
			return fmt.Errorf("write pull request body: %w", werr)
		}
	}
	if res != nil && *ghOutput != "" {
		out := fmt.Sprintf("version=%s\nup_to_date=%t\nconflicts=%d\n", res.To, res.UpToDate, len(res.Conflicts))
		if werr := cli.AppendFile(*ghOutput, out); werr != nil {
			return fmt.Errorf("write GITHUB_OUTPUT: %w", werr)
		}
	}
	var refused *upgrade.RefusedError
	var conflicts *upgrade.ConflictError
	switch {
	case errors.As(err, &refused):
		return cli.New(cli.BadInput, err)
	case errors.As(err, &conflicts):
		return cli.New(cli.GateFailed, err)
	}
	return err
}
