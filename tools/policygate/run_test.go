package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/policy"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

const plans = "../internal/policy/testdata/plans/"

// fixedNow is the tests' clock: the waiver fixtures' dates are relative to it.
var fixedNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// testDeps is an environment holding only env, and the clock at fixedNow.
func testDeps(env map[string]string) deps {
	return deps{getenv: func(k string) string { return env[k] }, now: func() time.Time { return fixedNow }}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badWaivers := write("bad-waivers.yaml", "waivers:\n  - id: W-1\n    rule: GCP-GCS-001\n")
	badPolicyDir := filepath.Join(dir, "policies")
	if err := os.Mkdir(badPolicyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("policies/no_meta.rego", "package terraform.rules.nometa\n\ndeny contains 1 if { input.x }\n")
	notPlan := write("state.json", `{"format_version":"1.0","values":{"root_module":{}}}`)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		want    int
		wantErr string
		wantOut string
	}{
		{"compliant_passes", []string{"--plan", plans + "compliant.json"}, "", 0, "", "result: PASS"},
		{"violating_blocks", []string{"--plan", plans + "violating.json"}, "", 1, "", "result: BLOCKED"},
		{"unknown_blocks", []string{"--plan", plans + "unknown.json", "--fail-on", "high"}, "", 1, "", "[unknown]"},
		{"fail_on_critical_only", []string{"--plan", plans + "replace_delete.json", "--fail-on", "CRITICAL"}, "", 0, "", "WARN   MEDIUM   GCP-BQ-003"},
		{"plan_from_stdin", []string{"--plan", "-", "--format", "json"}, `{"format_version":"1.2","resource_changes":[]}`, 0, "", `"result": "pass"`},
		{"missing_plan_flag", nil, "", 2, "--plan is required", ""},
		{"unreadable_plan", []string{"--plan", filepath.Join(dir, "nope.json")}, "", 2, "read plan", ""},
		{"state_instead_of_plan", []string{"--plan", notPlan}, "", 2, "this is state", ""},
		{"garbage_on_stdin", []string{"--plan", "-"}, "Error: no plan", 2, "not a JSON object", ""},
		{"bad_format", []string{"--plan", plans + "compliant.json", "--format", "xml"}, "", 2, "--format", ""},
		{"bad_fail_on", []string{"--plan", plans + "compliant.json", "--fail-on", "SEVERE"}, "", 2, "--fail-on", ""},
		{"malformed_waivers", []string{"--plan", plans + "compliant.json", "--waivers", badWaivers}, "", 2, "missing address, reason, approver, expires", ""},
		{"policy_without_metadata", []string{"--plan", plans + "compliant.json", "--source", badPolicyDir}, "", 2, "no # METADATA", ""},
		{"waivers_unblock", []string{"--plan", plans + "violating.json", "--waivers", "../internal/policy/testdata/waivers/violating.yaml", "--format", "markdown"}, "", 1, "", "WAIVED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := runWith(t.Context(), testDeps(nil), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if got := repotest.ExitCode(err); got != tt.want {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, tt.want)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout.String())
			}
		})
	}
}

func TestRunLocatesFindingsInTerraformSource(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := runWith(t.Context(), testDeps(nil), []string{"--plan", plans + "violating.json", "--tf-dir", "testdata/tf", "--format", "github", "--fail-on", "CRITICAL"}, nil, &stdout, &stderr)
	if repotest.ExitCode(err) != 1 {
		t.Fatalf("exit code %d (%v), want 1", repotest.ExitCode(err), err)
	}
	var got []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(line, "::error") {
			got = append(got, strings.SplitN(line, ",title=", 2)[0])
		}
	}
	// The dataset access is not in testdata/tf: it falls back to the plan file.
	want := []string{"::error file=" + plans + "violating.json,line=1", "::error file=testdata/tf/main.tf,line=16"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("error annotations (-got +want):\n%s", diff)
	}
	stdout.Reset()
	_ = runWith(t.Context(), testDeps(nil), []string{"--plan", plans + "violating.json", "--tf-dir", "testdata/tf"}, nil, &stdout, &stderr)
	for _, want := range []string{
		"module.state.google_storage_bucket.tfstate (testdata/tf/modules/state/main.tf:1)",
		`module.alerts[0].google_monitoring_alert_policy.this["api-5xx"] (testdata/tf/modules/alerts/main.tf:6)`,
		"google_cloud_run_v2_service.api (testdata/tf/main.tf:5)",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

// TestParse covers the command line alone: each flag's env fallback, the flag
// winning over its variable, and every usage error as one line naming the
// bad flag, exit 2.
func TestParse(t *testing.T) {
	t.Parallel()
	notDir := filepath.Join(t.TempDir(), "file.rego")
	if err := os.WriteFile(notDir, []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := map[string]string{
		"POLICYGATE_PLAN": "env.json", "POLICYGATE_FORMAT": "json", "POLICYGATE_WAIVERS": "w.yaml",
		"POLICYGATE_CONFIG": "gate.yaml", "POLICYGATE_FAIL_ON": "high", "POLICYGATE_TF_DIR": "iac",
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    *config
		wantErr string // the whole message; then want is nil
	}{
		{name: "defaults", args: []string{"--plan", "p.json"},
			want: &config{plan: "p.json", format: "text", failOn: "MEDIUM"}},
		{name: "env_fallbacks", env: full,
			want: &config{plan: "env.json", format: "json", waivers: "w.yaml", config: "gate.yaml", failOn: "HIGH", tfDir: "iac"}},
		{name: "flags_win_over_env", env: full,
			args: []string{"--plan", "-", "--format", "sarif", "--waivers", "", "--config", "c.yaml", "--fail-on", "LOW", "--tf-dir", "tf", "--source", ".", "--source", "testdata"},
			want: &config{plan: "-", format: "sarif", config: "c.yaml", failOn: "LOW", tfDir: "tf", sources: cli.Strings{".", "testdata"}}},
		{name: "blank_env_is_unset", env: map[string]string{"POLICYGATE_FORMAT": " ", "POLICYGATE_FAIL_ON": ""}, args: []string{"--plan", "p.json"},
			want: &config{plan: "p.json", format: "text", failOn: "MEDIUM"}},
		{name: "missing_plan", wantErr: "--plan is required"},
		{name: "bad_format", args: []string{"--plan", "p.json", "--format", "xml"},
			wantErr: `--format "xml": want one of ` + strings.Join(policy.Formats, ", ")},
		{name: "bad_format_from_env", env: map[string]string{"POLICYGATE_FORMAT": "yaml"}, args: []string{"--plan", "p.json"},
			wantErr: `--format "yaml": want one of ` + strings.Join(policy.Formats, ", ")},
		{name: "bad_fail_on", args: []string{"--plan", "p.json", "--fail-on", "severe"},
			wantErr: `--fail-on "SEVERE": want one of CRITICAL, HIGH, MEDIUM, LOW`},
		{name: "source_missing", args: []string{"--plan", "p.json", "--source", "no/such/dir"},
			wantErr: "--source no/such/dir: not a directory"},
		{name: "source_is_a_file", args: []string{"--plan", "p.json", "--source", notDir},
			wantErr: "--source " + notDir + ": not a directory"},
		{name: "every_problem_on_one_line", args: []string{"--format", "xml", "--fail-on", "x"},
			wantErr: `--plan is required; --format "xml": want one of ` + strings.Join(policy.Formats, ", ") + `; --fail-on "X": want one of CRITICAL, HIGH, MEDIUM, LOW`},
		{name: "unexpected_argument", args: []string{"--plan", "p.json", "extra", "args"},
			wantErr: "unexpected arguments: extra args"},
		{name: "unknown_flag", args: []string{"--plan", "p.json", "--plna", "x"},
			wantErr: "flag provided but not defined: -plna"},
		{name: "flag_without_value", args: []string{"--plan"},
			wantErr: "flag needs an argument: -plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			got, err := parse(tt.args, testDeps(tt.env).getenv, &stderr)
			if tt.wantErr != "" {
				if code := repotest.ExitCode(err); code != cli.BadInput {
					t.Fatalf("exit code = %d (err %v), want %d", code, err, cli.BadInput)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("error = %q, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if diff := cmp.Diff(got, tt.want, cmp.AllowUnexported(config{})); diff != "" {
				t.Errorf("config (-got +want):\n%s", diff)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := runWith(t.Context(), testDeps(nil), []string{"-h"}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run -h = %v, want nil (exit 0)", err)
	}
	for _, want := range []string{"-plan", "$POLICYGATE_PLAN", "-source"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}

// TestRunWaiverClock shows the clock is the injected one: the same waiver
// file is valid on the fixtures' day and refused four months earlier, when
// its expiry dates are more than 90 days ahead.
func TestRunWaiverClock(t *testing.T) {
	t.Parallel()
	args := []string{"--plan", plans + "violating.json", "--waivers", "../internal/policy/testdata/waivers/violating.yaml"}
	tests := []struct {
		name    string
		now     time.Time
		want    int
		wantErr string
	}{
		{name: "fixtures_day_applies_waivers", now: fixedNow, want: cli.GateFailed},
		{name: "months_earlier_refuses_them", now: fixedNow.AddDate(0, -4, 0), want: cli.BadInput, wantErr: "more than 90 days ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := testDeps(nil)
			d.now = func() time.Time { return tt.now }
			var stdout, stderr bytes.Buffer
			err := runWith(t.Context(), d, args, nil, &stdout, &stderr)
			if got := repotest.ExitCode(err); got != tt.want {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, tt.want)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && !strings.Contains(stdout.String(), "W-001") {
				t.Errorf("report does not name waiver W-001:\n%s", stdout.String())
			}
		})
	}
}
