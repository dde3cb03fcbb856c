package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadWaiversRejectsMalformed(t *testing.T) {
	t.Parallel()
	const ok = "  - id: W-1\n    rule: GCP-GCS-001\n    address: a.b\n    reason: r\n    approver: p\n    expires: \"2027-01-01\"\n"
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"missing_reason", "waivers:\n  - id: W-1\n    rule: GCP-GCS-001\n    address: a.b\n    approver: p\n    expires: \"2027-01-01\"\n", "missing reason"},
		{"missing_expires", "waivers:\n  - id: W-1\n    rule: R\n    address: a.b\n    reason: r\n    approver: p\n", "missing expires"},
		{"bad_date", "waivers:\n  - id: W-1\n    rule: R\n    address: a.b\n    reason: r\n    approver: p\n    expires: next week\n", "not a YYYY-MM-DD date"},
		{"beyond_90_days", "waivers:\n  - id: W-1\n    rule: R\n    address: a.b\n    reason: r\n    approver: p\n    expires: \"2027-06-01\"\n", "more than 90 days ahead"},
		{"duplicate_id", "waivers:\n" + ok + ok, "duplicate id"},
		{"unknown_key", "waivers:\n" + ok + "    comment: x\n", "field comment not found"},
		{"not_yaml", "waivers: [", "read waivers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadWaivers(strings.NewReader(tt.yaml), testNow)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadWaivers error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestApplyWaivers(t *testing.T) {
	t.Parallel()
	ws, err := LoadWaivers(strings.NewReader(`waivers:
  - {id: glob, rule: GCP-GCS-001, address: "module.b[*].google_storage_bucket.this", reason: r, approver: p, expires: "2027-01-01"}
  - {id: deep, rule: GCP-GEN-001, address: "module.legacy.**", reason: r, approver: p, expires: "2027-01-01"}
  - {id: crit-glob, rule: GCP-IAM-002, address: "google_project_iam_member.*", reason: r, approver: p, expires: "2027-01-01"}
  - {id: crit-exact, rule: GCP-IAM-002, address: "google_project_iam_member.y", reason: r, approver: p, expires: "2027-01-01"}
  - {id: expired, rule: GCP-RUN-001, address: "google_cloud_run_v2_service.api", reason: r, approver: p, expires: "2026-11-26"}
  - {id: last-day, rule: GCP-PS-002, address: "google_pubsub_subscription.s", reason: r, approver: p, expires: "2026-11-27"}
  - {id: stale, rule: GCP-BQ-003, address: "google_bigquery_table.t", reason: r, approver: p, expires: "2027-01-01"}
`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	findings := []Finding{
		{RuleID: "GCP-GCS-001", Severity: "HIGH", Address: `module.b["x"].google_storage_bucket.this`},
		{RuleID: "GCP-GCS-001", Severity: "HIGH", Address: `module.c.google_storage_bucket.this`},
		{RuleID: "GCP-GEN-001", Severity: "LOW", Address: `module.legacy.module.inner[0].google_pubsub_topic.t`},
		{RuleID: "GCP-IAM-002", Severity: "CRITICAL", Address: "google_project_iam_member.x"},
		{RuleID: "GCP-IAM-002", Severity: "CRITICAL", Address: "google_project_iam_member.y"},
		{RuleID: "GCP-RUN-001", Severity: "MEDIUM", Address: "google_cloud_run_v2_service.api"},
		{RuleID: "GCP-PS-002", Severity: "MEDIUM", Address: "google_pubsub_subscription.s"},
	}
	got, st := ApplyWaivers(findings, ws, testNow)
	waivedBy := map[string]string{}
	for _, f := range got {
		if f.Waived {
			waivedBy[f.RuleID+" "+f.Address] = f.Waiver.ID
		}
	}
	want := map[string]string{
		`GCP-GCS-001 module.b["x"].google_storage_bucket.this`:            "glob",
		`GCP-GEN-001 module.legacy.module.inner[0].google_pubsub_topic.t`: "deep",
		"GCP-IAM-002 google_project_iam_member.y":                         "crit-exact",
		"GCP-PS-002 google_pubsub_subscription.s":                         "last-day",
	}
	if diff := cmp.Diff(waivedBy, want); diff != "" {
		t.Errorf("waived findings (-got +want):\n%s", diff)
	}
	if len(got) != len(findings) {
		t.Errorf("ApplyWaivers returned %d findings, want all %d (waived ones are kept)", len(got), len(findings))
	}
	ids := func(ws []Waiver) []string {
		out := []string{}
		for _, w := range ws {
			out = append(out, w.ID)
		}
		return out
	}
	if diff := cmp.Diff([][]string{ids(st.Expired), ids(st.Refused), ids(st.Stale)}, [][]string{{"expired"}, {"crit-glob"}, {"stale"}}); diff != "" {
		t.Errorf("expired, refused, stale (-got +want):\n%s", diff)
	}
}
