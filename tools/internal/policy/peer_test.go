package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/policy/opacli"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
	"github.com/google/go-cmp/cmp"
)

// policyDir is the bundle the gate embeds, on disk for the opa CLI.
const policyDir = "../../../policies/terraform"

func peerOPA(t testing.TB) string {
	t.Helper()
	if !opacli.Required() && opacli.Find() == "" {
		t.Skip("opa CLI not installed and neither CI nor POLICYGATE_PEER=1 set")
	}
	p, err := opacli.Path(t.Context())
	if err != nil {
		t.Fatalf("peer opa: %v", err)
	}
	return p
}

func opa(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("opa %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestPeerOPA: the real opa CLI checks the bundle strictly, finds it formatted,
// passes its unit tests and, evaluating the same query over the same fixtures
// (testdata/plans and the per-rule plans in testdata/plans/violations),
// reports exactly the gate's violations.
func TestPeerOPA(t *testing.T) {
	t.Parallel()
	bin := peerOPA(t)
	if v := opa(t, bin, "version"); !strings.Contains(v, "Version: "+strings.TrimPrefix(opacli.Version, "v")) {
		t.Fatalf("opa version:\n%s\nwant %s", v, opacli.Version)
	}
	opa(t, bin, "check", "--strict", policyDir)
	if out := opa(t, bin, "fmt", "--list", policyDir); strings.TrimSpace(out) != "" {
		t.Errorf("opa fmt --list: unformatted files:\n%s", out)
	}
	opa(t, bin, "test", policyDir)

	g := defaultGate(t)
	fixtures, err := filepath.Glob("testdata/plans/*.json")
	if err != nil || len(fixtures) < 4 {
		t.Fatalf("fixtures %v: %v", fixtures, err)
	}
	violations, err := filepath.Glob("testdata/plans/violations/*.json")
	if err != nil || len(violations) < 20 {
		t.Fatalf("violation fixtures %v: %v", violations, err)
	}
	// Plans as terraform writes them (planned_values, checks… which the
	// gate skips) and a generated 1,000-resource one (parsed and evaluated
	// in parallel shards by the gate).
	real, err := filepath.Glob("../../../iac/testdata/*.json")
	if err != nil || len(real) < 3 {
		t.Fatalf("iac plan fixtures %v: %v", real, err)
	}
	large := filepath.Join(t.TempDir(), "synthetic-service-1000.json")
	if err := os.WriteFile(large, syntheticPlanOf(t, "service", 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fixture := range slices.Concat(fixtures, violations, real, []string{large}) {
		name := strings.TrimSuffix(filepath.Base(fixture), ".json")
		if strings.HasPrefix(fixture, "testdata/plans/") {
			name = strings.TrimSuffix(strings.TrimPrefix(fixture, "testdata/plans/"), ".json")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := opa(t, bin, "eval", "--format", "json", "--ignore", "*_test.rego", "-d", policyDir, "-i", fixture, TerraformQuery)
			var res struct {
				Result []struct {
					Expressions []struct {
						Value []Finding `json:"value"`
					} `json:"expressions"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Result) != 1 || len(res.Result[0].Expressions) != 1 {
				t.Fatalf("opa eval output: %v\n%s", err, out)
			}
			peer := res.Result[0].Expressions[0].Value
			SortFindings(peer)
			b, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := tfplan.ParseInput(b, InputKeys(nil)) // as policygate reads it
			if err != nil {
				t.Fatal(err)
			}
			got, err := g.Evaluate(t.Context(), plan)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, peer); diff != "" {
				t.Errorf("gate vs opa eval (-gate +opa):\n%s", diff)
			}
			t.Logf("%s: %d violations in both", fixture, len(got))
		})
	}
}
