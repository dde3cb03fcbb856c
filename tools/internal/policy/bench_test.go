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

// Shapes of the generated plans: "service" copies the real plan of the
// rendered service (iac/testdata/service-plan.json, made by the pinned
// terraform 1.5.7: resource_changes, planned_values, configuration,
// prior_state, relevant_attributes, output_changes — what `terraform show
// -json` writes); "changes"
// copies the hand-written compliant fixture, which has only
// resource_changes and configuration.
var planShapes = map[string]string{
	"service": "../../../iac/testdata/service-plan.json",
	"changes": "testdata/plans/compliant.json",
}

// syntheticPlanOf returns a plan of n managed resources in a shape: copies of
// the base plan's resources inside module.svc[i] (with the matching
// configuration and planned values), every third copy made non-compliant.
func syntheticPlanOf(tb testing.TB, shape string, n int) []byte {
	tb.Helper()
	type doc = map[string]any
	b, err := os.ReadFile(planShapes[shape])
	if err != nil {
		tb.Fatal(err)
	}
	var base doc
	if err := json.Unmarshal(b, &base); err != nil {
		tb.Fatal(err)
	}
	clone := func(v any) any {
		var out any
		raw, _ := json.Marshal(v)
		_ = json.Unmarshal(raw, &out)
		return out
	}
	breakValues := func(after doc) {
		after["uniform_bucket_level_access"] = false
		after["ingress"] = "INGRESS_TRAFFIC_ALL"
		after["deletion_protection"] = false
		after["labels"] = doc{"service": "x"}
		after["terraform_labels"] = doc{"service": "x"}
		if _, ok := after["role"]; ok {
			after["role"] = "roles/editor"
		}
	}
	var templates []doc
	for _, rc := range base["resource_changes"].([]any) {
		r := rc.(doc)
		if r["mode"] == "managed" && r["change"].(doc)["after"] != nil {
			templates = append(templates, r)
		}
	}
	// copyModule is a planned_values module of copy i: addresses prefixed,
	// only the resources in keep, values broken like the changes.
	var copyModule func(m doc, prefix string, keep map[string]bool, broken bool) doc
	copyModule = func(m doc, prefix string, keep map[string]bool, broken bool) doc {
		out := doc{}
		if a, ok := m["address"].(string); ok {
			out["address"] = prefix + "." + a
		} else {
			out["address"] = prefix
		}
		var rs []any
		for _, x := range arr(m["resources"]) {
			r := clone(x).(doc)
			r["address"] = prefix + "." + r["address"].(string)
			if !keep[r["address"].(string)] {
				continue
			}
			if broken {
				breakValues(r["values"].(doc))
			}
			rs = append(rs, r)
		}
		if rs != nil {
			out["resources"] = rs
		}
		var cms []any
		for _, c := range arr(m["child_modules"]) {
			cms = append(cms, copyModule(c.(doc), prefix, keep, broken))
		}
		if cms != nil {
			out["child_modules"] = cms
		}
		return out
	}
	var rcs, modules, relevant []any
	for i := 0; len(rcs) < n; i++ {
		prefix := fmt.Sprintf("module.svc[%d]", i)
		keep := map[string]bool{}
		for _, tpl := range templates {
			if len(rcs) == n {
				break
			}
			r := clone(tpl).(doc)
			mod := prefix
			if m, ok := r["module_address"].(string); ok {
				mod += "." + m
			}
			r["address"] = prefix + "." + r["address"].(string)
			r["module_address"] = mod
			if i%3 == 2 {
				breakValues(r["change"].(doc)["after"].(doc))
			}
			keep[r["address"].(string)] = true
			rcs = append(rcs, r)
		}
		if pv, ok := base["planned_values"].(doc); ok {
			modules = append(modules, copyModule(pv["root_module"].(doc), prefix, keep, i%3 == 2))
		}
		for _, x := range arr(base["relevant_attributes"]) {
			r := clone(x).(doc)
			r["resource"] = prefix + "." + r["resource"].(string)
			relevant = append(relevant, r)
		}
	}
	plan := doc{}
	for k, v := range base {
		plan[k] = v
	}
	plan["resource_changes"] = rcs
	config := base["configuration"].(doc)
	plan["configuration"] = doc{"root_module": doc{"module_calls": doc{"svc": doc{"source": "./modules/svc", "module": config["root_module"]}}}}
	if pc, ok := config["provider_config"]; ok {
		plan["configuration"].(doc)["provider_config"] = pc
	}
	if modules != nil {
		plan["planned_values"] = doc{"root_module": doc{"child_modules": modules}}
	}
	if relevant != nil {
		plan["relevant_attributes"] = relevant
	}
	out, err := json.Marshal(plan)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
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

// benchCases: both plan shapes at 1k and 10k resources.
var benchCases = []struct {
	shape string
	n     int
}{{"service", 1000}, {"service", 10000}, {"changes", 1000}, {"changes", 10000}}

// BenchmarkGate is the gate's in-process cost per plan: decode, convert once,
// evaluate all rules in one query (policies compiled once, outside the loop).
func BenchmarkGate(b *testing.B) {
	g := defaultGate(b)
	for _, c := range benchCases {
		data := syntheticPlanOf(b, c.shape, c.n)
		b.Run(fmt.Sprintf("%s/resources_%d", c.shape, c.n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var findings int
			start := cpuTime(b)
			for b.Loop() {
				p, err := tfplan.ParseInput(data, InputKeys(nil))
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
	for _, c := range benchCases {
		plan := filepath.Join(dir, fmt.Sprintf("plan-%s-%d.json", c.shape, c.n))
		data := syntheticPlanOf(b, c.shape, c.n)
		if err := os.WriteFile(plan, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/resources_%d/policygate", c.shape, c.n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
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
		b.Run(fmt.Sprintf("%s/resources_%d/opa_eval", c.shape, c.n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
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
