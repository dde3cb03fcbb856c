package tfcheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/tfcheck"
)

// pinnedBin is the binary of a pinned tool that scripts/install-deps.sh
// (make deps) builds into .bin/ and the Makefile exports as $env: tflint
// from tools/lint/go.mod, terraform from tools/terraform/go.mod. In CI a
// missing binary fails the test; locally it skips.
func pinnedBin(t *testing.T, env, tool string) string {
	t.Helper()
	bin := os.Getenv(env)
	missing := env + " is not set"
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
		missing = env + "=" + bin + " does not exist"
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s and CI is set: run scripts/install-deps.sh (make deps) to build the pinned %s", missing, tool)
	}
	t.Skipf("%s: run `make deps` (scripts/install-deps.sh) to build the pinned %s", missing, tool)
	return ""
}

// tflintBin is the pinned tflint ($TFLINT_BIN).
func tflintBin(t *testing.T) string { return pinnedBin(t, "TFLINT_BIN", "tflint") }

func tflintConfig(t *testing.T, root string) string {
	t.Helper()
	config := filepath.Join(root, ".tflint.hcl")
	if _, err := os.Stat(config); err != nil {
		t.Fatal(err)
	}
	return config
}

// renderCaseIaC renders the whole template for one values file, as `go run
// ./tools/scaffold` does, and returns the rendered service's iac directory.
func renderCaseIaC(t *testing.T, root, valuesFile string) string {
	t.Helper()
	params, err := render.LoadValues(valuesFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Scaffold(t.Context(), render.Request{
		TemplatePath: filepath.Join(root, "template", "template.yaml"),
		Parameters:   params,
		Source:       valuesFile,
		OutDir:       t.TempDir(),
	})
	if err != nil {
		t.Fatalf("render %s: %v", valuesFile, err)
	}
	return filepath.Join(res.OutDir, "iac")
}

// TestTflint runs the pinned tflint (bundled terraform ruleset, recommended
// preset, .tflint.hcl at the repository root) on every shared module, the
// bootstrap, every example, and the rendered service root of every template
// case once per environment's tfvars. Any issue fails.
func TestTflint(t *testing.T) {
	t.Parallel()
	bin := tflintBin(t)
	root := repoRoot(t)
	config := tflintConfig(t, root)

	type target struct {
		name, dir string
		varFiles  []string
	}
	var targets []target
	dirList := append(dirs(t, filepath.Join(root, "iac", "modules", "*")), filepath.Join(root, "iac", "bootstrap"))
	dirList = append(dirList, dirs(t, filepath.Join(root, "iac", "examples", "*"))...)
	for _, d := range dirList {
		rel, _ := filepath.Rel(root, d)
		targets = append(targets, target{name: strings.ReplaceAll(rel, string(filepath.Separator), "_"), dir: d})
	}
	for _, c := range dirs(t, filepath.Join(root, "template", "testdata", "cases", "*.yaml")) {
		iac := renderCaseIaC(t, root, c)
		envs := dirs(t, filepath.Join(iac, "envs", "*.tfvars"))
		for _, env := range envs {
			name := "service_" + strings.TrimSuffix(filepath.Base(c), ".yaml") + "_" + strings.TrimSuffix(filepath.Base(env), ".tfvars")
			targets = append(targets, target{name: name, dir: iac, varFiles: []string{filepath.Join("envs", filepath.Base(env))}})
		}
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := tfcheck.RunTflint(tfcheck.TflintCommand(t.Context(), bin, config, tt.dir, tt.varFiles...))
			if err != nil {
				t.Fatal(err)
			}
			reportFindings(t, "tflint", fs)
		})
	}
}

// TestTflintFindsIssues proves the configuration is live: a module with an
// untyped, unused variable and a deprecated interpolation is reported, rule by rule.
func TestTflintFindsIssues(t *testing.T) {
	t.Parallel()
	bin := tflintBin(t)
	config := tflintConfig(t, repoRoot(t))
	dir := t.TempDir()
	src := `terraform {
  required_version = ">= 1.5.0"
}

variable "unused" {
  default = 1
}

variable "name" {
  type = string
}

output "name" {
  value = "${var.name}"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := tfcheck.RunTflint(tfcheck.TflintCommand(t.Context(), bin, config, dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, filepath.Base(f.File)+":"+f.Msg[strings.LastIndex(f.Msg, "(")+1:len(f.Msg)-1])
	}
	want := []string{"main.tf:terraform_typed_variables", "main.tf:terraform_unused_declarations", "main.tf:terraform_deprecated_interpolation"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("rules reported (-got +want):\n%s", diff)
	}
}

// TestTflintFailsClosed: a configuration tflint cannot load is an error, never
// an empty (passing) list of findings.
func TestTflintFailsClosed(t *testing.T) {
	t.Parallel()
	bin := tflintBin(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("variable \"x\" {\n  type = string\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "bad.tflint.hcl")
	if err := os.WriteFile(config, []byte("plugin \"terraform\" {\n  enabled = true\n  preset  = \"recommended\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := tfcheck.RunTflint(tfcheck.TflintCommand(t.Context(), bin, config, dir))
	if !errors.Is(err, tfcheck.ErrTflint) {
		t.Fatalf("unparsable module: error = %v, want ErrTflint", err)
	}
}

func TestTflintCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		varFiles []string
		want     []string
	}{
		{name: "module", want: []string{"/bin/tflint", "--config=/r/.tflint.hcl", "--chdir=/r/iac/modules/x", "--format=json", "--no-color"}},
		{name: "root_with_var_file", varFiles: []string{"envs/prod.tfvars"},
			want: []string{"/bin/tflint", "--config=/r/.tflint.hcl", "--chdir=/r/iac/modules/x", "--format=json", "--no-color", "--var-file=envs/prod.tfvars"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := tfcheck.TflintCommand(t.Context(), "/bin/tflint", "/r/.tflint.hcl", "/r/iac/modules/x", tt.varFiles...)
			if diff := cmp.Diff(cmd.Args, tt.want); diff != "" {
				t.Errorf("argv (-got +want):\n%s", diff)
			}
		})
	}
}

func TestParseTflint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		out     string
		want    []string
		wantErr string
	}{
		{name: "clean", out: `{"issues":[],"errors":[]}`, want: []string{}},
		{
			name: "issues_sorted",
			out: `{"issues":[
 {"rule":{"name":"terraform_unused_declarations","severity":"warning","link":""},"message":"variable \"b\" is declared but not used","range":{"filename":"variables.tf","start":{"line":9,"column":1},"end":{"line":9,"column":13}},"callers":[]},
 {"rule":{"name":"terraform_typed_variables","severity":"warning","link":""},"message":"` + "`a`" + ` variable has no type","range":{"filename":"variables.tf","start":{"line":2,"column":1},"end":{"line":2,"column":13}},"callers":[]}
],"errors":[]}`,
			want: []string{"variables.tf:2: warning: `a` variable has no type (terraform_typed_variables)",
				"variables.tf:9: warning: variable \"b\" is declared but not used (terraform_unused_declarations)"},
		},
		{name: "tflint_error", out: `{"issues":[],"errors":[{"message":"Failed to load configurations","severity":"error","range":{"filename":"main.tf","start":{"line":3}}}]}`,
			wantErr: "main.tf:3: Failed to load configurations"},
		{name: "not_json", out: "Failed to initialize plugins", wantErr: "decode output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := tfcheck.ParseTflint([]byte(tt.out))
			if tt.wantErr != "" {
				if !errors.Is(err, tfcheck.ErrTflint) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want ErrTflint containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, f := range fs {
				got = append(got, f.String())
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
		})
	}
}
