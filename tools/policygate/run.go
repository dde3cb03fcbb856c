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

func inputError(format string, args ...any) error {
	return cli.Errorf(cli.BadInput, format, args...)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// now is the clock for waiver expiry; tests replace it.
var now = time.Now

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run exits 0 on pass, 1 when blocked (the report says why, so nothing more is
// printed), 2 on bad input or an evaluation error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	defer func() {
		// Fail closed as 2, not 1: an error without a code is not a policy decision.
		if _, ok := errors.AsType[*cli.Error](err); err != nil && !ok {
			err = cli.New(cli.BadInput, err)
		}
	}()
	fl := flag.NewFlagSet("policygate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	planPath := fl.String("plan", envOr("POLICYGATE_PLAN", ""), "`terraform show -json` output (- for stdin) [$POLICYGATE_PLAN]")
	format := fl.String("format", envOr("POLICYGATE_FORMAT", "text"), "report format: "+strings.Join(policy.Formats, "|")+" [$POLICYGATE_FORMAT]")
	waiversPath := fl.String("waivers", envOr("POLICYGATE_WAIVERS", ""), "reviewed waiver file (policy-waivers.yaml) [$POLICYGATE_WAIVERS]")
	configPath := fl.String("config", envOr("POLICYGATE_CONFIG", ""), "gate configuration YAML (required_labels, allowed_regions, …) [$POLICYGATE_CONFIG]")
	failOn := fl.String("fail-on", envOr("POLICYGATE_FAIL_ON", "MEDIUM"), "lowest severity that blocks: CRITICAL|HIGH|MEDIUM|LOW [$POLICYGATE_FAIL_ON]")
	tfDir := fl.String("tf-dir", envOr("POLICYGATE_TF_DIR", ""), "Terraform source directory: findings point at .tf file:line [$POLICYGATE_TF_DIR]")
	var sources multiFlag
	fl.Var(&sources, "source", "extra policy directory (packages terraform.rules.*), repeatable")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.New(cli.BadInput, err)
	}
	if fl.NArg() > 0 {
		return inputError("unexpected arguments: %s", strings.Join(fl.Args(), " "))
	}
	if *planPath == "" {
		return inputError("--plan is required")
	}
	if !slices.Contains(policy.Formats, *format) {
		return inputError("--format %q: want one of %s", *format, strings.Join(policy.Formats, ", "))
	}
	*failOn = strings.ToUpper(*failOn)
	if policy.SeverityRank(*failOn) == 0 {
		return inputError("--fail-on %q: want one of %s", *failOn, strings.Join(policy.Severities, ", "))
	}

	var cfg policy.Config
	if *configPath != "" {
		f, err := os.Open(*configPath)
		if err != nil {
			return inputError("read gate config: %w", err)
		}
		cfg, err = policy.LoadConfig(f)
		f.Close()
		if err != nil {
			return inputError("%w", err)
		}
	}
	var waivers []policy.Waiver
	if *waiversPath != "" {
		f, err := os.Open(*waiversPath)
		if err != nil {
			return inputError("read waivers: %w", err)
		}
		waivers, err = policy.LoadWaivers(f, now())
		f.Close()
		if err != nil {
			return inputError("%w", err)
		}
	}
	var extra []policy.Source
	for _, dir := range sources {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return inputError("--source %s: not a directory", dir)
		}
		extra = append(extra, policy.Source{Name: dir, FS: os.DirFS(dir)})
	}

	// Compile the policies while the plan is read: both are start-up work
	// of every run.
	type built struct {
		gate *policy.TerraformGate
		err  error
	}
	compiled := make(chan built, 1)
	go func() {
		g, err := policy.NewTerraformGate(ctx, cfg, extra...)
		compiled <- built{g, err}
	}()
	plan, err := readPlan(*planPath, stdin, policy.InputKeys(extra))
	b := <-compiled
	if err != nil {
		return inputError("%w", err)
	}
	gate, err := b.gate, b.err
	if err != nil {
		return inputError("%w", err)
	}
	findings, err := gate.Evaluate(ctx, plan)
	if err != nil {
		return inputError("%w", err)
	}
	if *tfDir != "" {
		locs, err := policy.LocateResources(*tfDir)
		if err != nil {
			return inputError("%w", err)
		}
		locs.Annotate(findings)
	}
	findings, status := policy.ApplyWaivers(findings, waivers, now())
	name := *planPath
	if name == "-" {
		name = "stdin"
	}
	report := policy.NewReport(name, plan, gate.Catalog(), findings, status, *failOn)
	if err := report.Write(stdout, *format); err != nil {
		return inputError("write report: %w", err)
	}
	if report.Blocked() {
		return cli.Reported(cli.GateFailed)
	}
	return nil
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
