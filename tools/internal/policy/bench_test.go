package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/tfplan"
)

// syntheticPlan returns a plan of n managed resources: copies of the
// compliant fixture's resources inside module.svc[i] (with the matching
// configuration), every third copy made non-compliant.
func syntheticPlan(tb testing.TB, n int) []byte {
	tb.Helper()
	type doc = map[string]any
	b, err := os.ReadFile("testdata/plans/compliant.json")
	if err != nil {
		tb.Fatal(err)
	}
	var base doc
	if err := json.Unmarshal(b, &base); err != nil {
		tb.Fatal(err)
	}
	var templates []doc
	for _, rc := range base["resource_changes"].([]any) {
		r := rc.(doc)
		if r["mode"] == "managed" && r["change"].(doc)["after"] != nil {
			templates = append(templates, r)
		}
	}
	var rcs []any
	for i := 0; len(rcs) < n; i++ {
		for _, tpl := range templates {
			if len(rcs) == n {
				break
			}
			var r doc
			raw, _ := json.Marshal(tpl)
			_ = json.Unmarshal(raw, &r)
			mod := fmt.Sprintf("module.svc[%d]", i)
			if m, ok := r["module_address"].(string); ok {
				mod += "." + m
			}
			r["address"] = fmt.Sprintf("module.svc[%d].%s", i, r["address"])
			r["module_address"] = mod
			if i%3 == 2 {
				after := r["change"].(doc)["after"].(doc)
				after["uniform_bucket_level_access"] = false
				after["ingress"] = "INGRESS_TRAFFIC_ALL"
				after["deletion_protection"] = false
				after["labels"] = doc{"service": "x"}
				after["terraform_labels"] = doc{"service": "x"}
				if _, ok := after["role"]; ok {
					after["role"] = "roles/editor"
				}
			}
			rcs = append(rcs, r)
		}
	}
	plan := doc{
		"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": rcs,
		"configuration": doc{"root_module": doc{"module_calls": doc{"svc": doc{"source": "./modules/svc", "module": base["configuration"].(doc)["root_module"]}}}},
	}
	out, err := json.Marshal(plan)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// cpuTime is the CPU time (user + system, all threads, GC included) the
// test process has used: on a shared, loaded machine it varies far less than
// wall time, so the benchmarks report it next to ns/op.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkGate is the gate's in-process cost per plan: decode, convert once,
// evaluate all rules in one query (policies compiled once, outside the loop).
func BenchmarkGate(b *testing.B) {
	g := defaultGate(b)
	for _, n := range []int{1000, 10000} {
		data := syntheticPlan(b, n)
		b.Run(fmt.Sprintf("resources_%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var findings int
			start := cpuTime(b)
			for b.Loop() {
				p, err := tfplan.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				fs, err := g.Evaluate(b.Context(), p)
				if err != nil {
					b.Fatal(err)
				}
				findings = len(fs)
			}
			reportCPU(b, cpuTime(b)-start)
			b.ReportMetric(float64(findings), "findings")
		})
	}
}

// BenchmarkProcess compares whole processes on the same bundle and input:
// the policygate binary (compile + decode + evaluate + json report) against
// `opa eval` of the same query. cpu-ms/op is the child's user + system time.
func BenchmarkProcess(b *testing.B) {
	bin := peerOPA(b)
	dir := b.TempDir()
	gateBin := filepath.Join(dir, "policygate")
	if out, err := exec.Command("go", "build", "-o", gateBin, "../../policygate").CombinedOutput(); err != nil {
		b.Fatalf("go build policygate: %v\n%s", err, out)
	}
	for _, n := range []int{1000, 10000} {
		plan := filepath.Join(dir, fmt.Sprintf("plan-%d.json", n))
		if err := os.WriteFile(plan, syntheticPlan(b, n), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("policygate/resources_%d", n), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(gateBin, "--plan", plan, "--format", "json")
				err := cmd.Run()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					b.Fatalf("policygate: %v, want exit 1 (blocked)", err)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			reportCPU(b, cpu)
		})
		b.Run(fmt.Sprintf("opa_eval/resources_%d", n), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, "eval", "--format", "json", "--ignore", "*_test.rego", "-d", policyDir, "-i", plan, TerraformQuery)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("opa eval: %v\n%s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			reportCPU(b, cpu)
		})
	}
}
