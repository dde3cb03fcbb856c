package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/policy"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
)

// deps are the process's ties to the outside world, replaced in tests.
type deps struct {
	getenv func(string) string
	now    func() time.Time // the clock waivers expire by
}

// config is the command line, parsed and validated.
type config struct {
	plan, format, waivers, config, failOn, tfDir string
	sources                                      cli.Strings
}

// run exits 0 on pass, 1 when blocked (the report says why, so nothing more is
// printed), 2 on bad input or an evaluation error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, deps{getenv: os.Getenv, now: time.Now}, args, stdin, stdout, stderr)
}

func inputError(format string, args ...any) error {
	return cli.Errorf(cli.BadInput, format, args...)
}

// parse reads the flags, each falling back to its POLICYGATE_* variable, and
// validates them. It returns flag.ErrHelp when the usage was asked for, and
// otherwise an exit-2 error of one line naming the bad flag(s).
func parse(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	fl := flag.NewFlagSet("policygate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&c.plan, "plan", cli.EnvOr(getenv, "POLICYGATE_PLAN", ""), "`terraform show -json` output (- for stdin) [$POLICYGATE_PLAN]")
	fl.StringVar(&c.format, "format", cli.EnvOr(getenv, "POLICYGATE_FORMAT", "text"), "report format: "+strings.Join(policy.Formats, "|")+" [$POLICYGATE_FORMAT]")
	fl.StringVar(&c.waivers, "waivers", cli.EnvOr(getenv, "POLICYGATE_WAIVERS", ""), "reviewed waiver file (policy-waivers.yaml) [$POLICYGATE_WAIVERS]")
	fl.StringVar(&c.config, "config", cli.EnvOr(getenv, "POLICYGATE_CONFIG", ""), "gate configuration YAML (required_labels, allowed_regions, …) [$POLICYGATE_CONFIG]")
	fl.StringVar(&c.failOn, "fail-on", cli.EnvOr(getenv, "POLICYGATE_FAIL_ON", "MEDIUM"), "lowest severity that blocks: CRITICAL|HIGH|MEDIUM|LOW [$POLICYGATE_FAIL_ON]")
	fl.StringVar(&c.tfDir, "tf-dir", cli.EnvOr(getenv, "POLICYGATE_TF_DIR", ""), "Terraform source directory: findings point at .tf file:line [$POLICYGATE_TF_DIR]")
	fl.Var(&c.sources, "source", "extra policy directory (packages terraform.rules.*), repeatable")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, cli.New(cli.BadInput, err)
	}
	if fl.NArg() > 0 {
		return nil, inputError("unexpected arguments: %s", strings.Join(fl.Args(), " "))
	}
	return c, c.validate()
}

// validate checks the flags' values (and that each --source is a directory)
// and upper-cases --fail-on. Every problem is reported, on one line.
func (c *config) validate() error {
	var problems []string
	if c.plan == "" {
		problems = append(problems, "--plan is required")
	}
	if !slices.Contains(policy.Formats, c.format) {
		problems = append(problems, fmt.Sprintf("--format %q: want one of %s", c.format, strings.Join(policy.Formats, ", ")))
	}
	c.failOn = strings.ToUpper(c.failOn)
	if policy.SeverityRank(c.failOn) == 0 {
		problems = append(problems, fmt.Sprintf("--fail-on %q: want one of %s", c.failOn, strings.Join(policy.Severities, ", ")))
	}
	for _, dir := range c.sources {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			problems = append(problems, fmt.Sprintf("--source %s: not a directory", dir))
		}
	}
	if len(problems) > 0 {
		return inputError("%s", strings.Join(problems, "; "))
	}
	return nil
}

// inputs are the files the flags name, read and decoded.
type inputs struct {
	cfg     policy.Config
	waivers []policy.Waiver
	extra   []policy.Source
}

// load reads the gate configuration and the waivers (judged by now) and
// opens the extra policy directories.
func (c *config) load(now time.Time) (inputs, error) {
	var in inputs
	if c.config != "" {
		f, err := os.Open(c.config)
		if err != nil {
			return in, fmt.Errorf("read gate config: %w", err)
		}
		in.cfg, err = policy.LoadConfig(f)
		f.Close()
		if err != nil {
			return in, err
		}
	}
	if c.waivers != "" {
		f, err := os.Open(c.waivers)
		if err != nil {
			return in, fmt.Errorf("read waivers: %w", err)
		}
		in.waivers, err = policy.LoadWaivers(f, now)
		f.Close()
		if err != nil {
			return in, err
		}
	}
	for _, dir := range c.sources {
		in.extra = append(in.extra, policy.Source{Name: dir, FS: os.DirFS(dir)})
	}
	return in, nil
}

func runWith(ctx context.Context, d deps, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	defer func() {
		// Fail closed as 2, not 1: an error without a code is not a policy decision.
		if _, ok := errors.AsType[*cli.Error](err); err != nil && !ok {
			err = cli.New(cli.BadInput, err)
		}
	}()
	c, err := parse(args, d.getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := c.load(d.now())
	if err != nil {
		return err
	}
	report, err := evaluate(ctx, c, in, stdin, d.now)
	if err != nil {
		return err
	}
	if err := report.Write(stdout, c.format); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if report.Blocked() {
		return cli.Reported(cli.GateFailed)
	}
	return nil
}

// evaluate compiles the policies while the plan is read (both are start-up
// work of every run), evaluates the plan, points the findings at the
// Terraform source when --tf-dir is set, and applies the waivers.
func evaluate(ctx context.Context, c *config, in inputs, stdin io.Reader, now func() time.Time) (policy.Report, error) {
	type built struct {
		gate *policy.TerraformGate
		err  error
	}
	compiled := make(chan built, 1)
	go func() {
		g, err := policy.NewTerraformGate(ctx, in.cfg, in.extra...)
		compiled <- built{g, err}
	}()
	plan, err := readPlan(c.plan, stdin, policy.InputKeys(in.extra))
	b := <-compiled
	if err != nil {
		return policy.Report{}, err
	}
	gate, err := b.gate, b.err
	if err != nil {
		return policy.Report{}, err
	}
	findings, err := gate.Evaluate(ctx, plan)
	if err != nil {
		return policy.Report{}, err
	}
	if c.tfDir != "" {
		locs, err := policy.LocateResources(c.tfDir)
		if err != nil {
			return policy.Report{}, err
		}
		locs.Annotate(findings)
	}
	findings, status := policy.ApplyWaivers(findings, in.waivers, now())
	name := c.plan
	if name == "-" {
		name = "stdin"
	}
	return policy.NewReport(name, plan, gate.Catalog(), findings, status, c.failOn), nil
}

func readPlan(path string, stdin io.Reader, inputKeys []string) (*tfplan.Plan, error) {
	if path == "-" {
		return tfplan.DecodeInput(stdin, inputKeys)
	}
	data, err := os.ReadFile(path) // sized from stat: one read, no regrowth
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p, err := tfplan.ParseInput(data, inputKeys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
