package repocheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// pinnedBin is the pinned tool named by env: it fails in CI, skips elsewhere (repotest.PinnedBin).
func pinnedBin(t *testing.T, env, tool string) string { return repotest.PinnedBin(t, env, tool) }

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

// renderCaseIaC renders the whole template for one values file and returns
// the rendered service's iac/ directory (root is kept for the call sites).
func renderCaseIaC(t *testing.T, _, valuesFile string) string {
	t.Helper()
	return filepath.Join(repotest.RenderCase(t, valuesFile), "iac")
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
			fs, err := repocheck.RunTflint(repocheck.TflintCommand(t.Context(), bin, config, tt.dir, tt.varFiles...))
			if err != nil {
				t.Fatal(err)
			}
			reportFindings(t, "tflint", fs)
		})
	}
}

// TestTflintFindsIssues proves the configuration is live: a one-file module
// with an untyped, undocumented, unused variable, an undocumented output and
// a deprecated interpolation is reported, rule by rule.
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
	fs, err := repocheck.RunTflint(repocheck.TflintCommand(t.Context(), bin, config, dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, filepath.Base(f.File)+":"+f.Msg[strings.LastIndex(f.Msg, "(")+1:len(f.Msg)-1])
	}
	want := []string{
		"main.tf:terraform_documented_variables", "main.tf:terraform_typed_variables", "main.tf:terraform_unused_declarations",
		"main.tf:terraform_standard_module_structure",                                           // variables.tf missing
		"main.tf:terraform_documented_variables", "main.tf:terraform_standard_module_structure", // var.name outside variables.tf
		"main.tf:terraform_documented_outputs", "main.tf:terraform_standard_module_structure", // output outside outputs.tf
		"main.tf:terraform_deprecated_interpolation",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("rules reported (-got +want):\n%s", diff)
	}
}

// TestTflintRules proves that each rule handed over to tflint (.tflint.hcl)
// fires on a module that breaks it, and that the compliant module passes:
// the checks tfcheck's own lint made before tflint took them over.
func TestTflintRules(t *testing.T) {
	t.Parallel()
	bin := tflintBin(t)
	config := tflintConfig(t, repoRoot(t))
	tests := []struct {
		name  string
		patch map[string]string // file → content; "" deletes the file
		want  []string          // rules reported, by file
	}{
		{name: "compliant_module", want: []string{}},
		{
			name:  "variable_without_type_or_description",
			patch: map[string]string{"variables.tf": "variable \"name\" {}\n\nvariable \"labels\" {\n  type        = map(string)\n  description = \"Labels.\"\n  default     = {}\n}\n"},
			want:  []string{"variables.tf:terraform_documented_variables", "variables.tf:terraform_typed_variables"},
		},
		{
			name:  "output_without_description",
			patch: map[string]string{"outputs.tf": "output \"topic\" {\n  value = google_pubsub_topic.t.id\n}\n"},
			want:  []string{"outputs.tf:terraform_documented_outputs"},
		},
		{
			name:  "missing_versions_file",
			patch: map[string]string{"versions.tf": ""},
			want:  []string{"main.tf:terraform_required_providers", "main.tf:terraform_required_version"},
		},
		{
			name:  "provider_without_version",
			patch: map[string]string{"versions.tf": strings.Replace(goodVersions, `      version = ">= 6.14.0, < 7.0.0"`+"\n", "", 1)},
			want:  []string{"versions.tf:terraform_required_providers"},
		},
		{
			name:  "provider_without_source",
			patch: map[string]string{"versions.tf": strings.Replace(goodVersions, `      source  = "hashicorp/google"`+"\n", "", 1)},
			want:  []string{"versions.tf:terraform_required_providers"},
		},
		{
			name:  "missing_main_tf",
			patch: map[string]string{"main.tf": "", "topic.tf": goodMain},
			want:  []string{"main.tf:terraform_standard_module_structure"},
		},
		{
			name:  "variable_outside_variables_tf",
			patch: map[string]string{"main.tf": goodMain + "\nvariable \"extra\" {\n  type        = string\n  description = \"Extra.\"\n  default     = \"\"\n}\n\nlocals {\n  extra = var.extra\n}\n"},
			want:  []string{"main.tf:terraform_standard_module_structure", "main.tf:terraform_unused_declarations"},
		},
		{
			name:  "name_not_snake_case",
			patch: map[string]string{"outputs.tf": strings.Replace(goodOutputs, `output "topic"`, `output "TopicID"`, 1)},
			want:  []string{"outputs.tf:terraform_naming_convention"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := patchedModule(tt.patch)
			fs, err := repocheck.RunTflint(repocheck.TflintCommand(t.Context(), bin, config, writeModule(t, t.TempDir(), "m", files)))
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, f := range fs {
				got = append(got, filepath.Base(f.File)+":"+f.Msg[strings.LastIndex(f.Msg, "(")+1:len(f.Msg)-1])
			}
			slices.Sort(got)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("rules reported (-got +want):\n%s", diff)
			}
		})
	}
}

// TestTflintRejectsInvalidRequiredVersion: a required_version that is not a
// version constraint stops tflint (terraform's loader), never passes.
func TestTflintRejectsInvalidRequiredVersion(t *testing.T) {
	t.Parallel()
	bin := tflintBin(t)
	files := goodModule()
	files["versions.tf"] = strings.Replace(goodVersions, `">= 1.5.0"`, `"one point five"`, 1)
	_, err := repocheck.RunTflint(repocheck.TflintCommand(t.Context(), bin, tflintConfig(t, repoRoot(t)), writeModule(t, t.TempDir(), "m", files)))
	if !errors.Is(err, repocheck.ErrTflint) {
		t.Fatalf("invalid required_version: error = %v, want ErrTflint", err)
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
	_, err := repocheck.RunTflint(repocheck.TflintCommand(t.Context(), bin, config, dir))
	if !errors.Is(err, repocheck.ErrTflint) {
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
			cmd := repocheck.TflintCommand(t.Context(), "/bin/tflint", "/r/.tflint.hcl", "/r/iac/modules/x", tt.varFiles...)
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
			fs, err := repocheck.ParseTflint([]byte(tt.out))
			if tt.wantErr != "" {
				if !errors.Is(err, repocheck.ErrTflint) || !strings.Contains(err.Error(), tt.wantErr) {
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
