package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

const plans = "../internal/policy/testdata/plans/"

func init() {
	now = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ec, ok := errors.AsType[*cli.Error](err); ok {
		return ec.Code
	}
	return -1
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
			err := run(t.Context(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if got := exitCode(err); got != tt.want {
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
	err := run(t.Context(), []string{"--plan", plans + "violating.json", "--tf-dir", "testdata/tf", "--format", "github", "--fail-on", "CRITICAL"}, nil, &stdout, &stderr)
	if exitCode(err) != 1 {
		t.Fatalf("exit code %d (%v), want 1", exitCode(err), err)
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
	_ = run(t.Context(), []string{"--plan", plans + "violating.json", "--tf-dir", "testdata/tf"}, nil, &stdout, &stderr)
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
