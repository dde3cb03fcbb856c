package tfcheck_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/acme-platform/golden-path/tools/internal/tfcheck"
)

// loadSource writes one main.tf into a new directory and loads it.
func loadSource(t *testing.T, src string) *tfcheck.Module {
	t.Helper()
	return loadModule(t, writeModule(t, t.TempDir(), "m", map[string]string{"main.tf": src}))
}

func TestNewScopeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    string
		inputs map[string]cty.Value
		want   string
	}{
		{name: "undeclared_input", src: `variable "a" { type = string }`, inputs: map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("y")}, want: `input "b" is not a variable`},
		{name: "missing_required", src: `variable "a" { type = string }`, want: `variable "a" is required`},
		{name: "wrong_type", src: `variable "a" { type = number }`, inputs: map[string]cty.Value{"a": cty.StringVal("x")}, want: `variable "a"`},
		{name: "unknown_function", src: "locals {\n  a = nosuch(1)\n}\n", want: "evaluate local.a"},
		{name: "undeclared_local", src: "locals {\n  a = local.b\n}\n", want: "local.b is not declared"},
		{name: "cycle", src: "locals {\n  a = local.b\n  b = local.a\n}\n", want: "cycle among a, b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := loadSource(t, tt.src)
			_, err := tfcheck.NewScope(m, m.Dir, tt.inputs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewScope error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestScopeLocalsAndInstances(t *testing.T) {
	t.Parallel()
	m := loadSource(t, `
variable "name" {
  type = string
}

variable "emails" {
  type    = list(string)
  default = ["a@x.io", "b@x.io"]
}

locals {
  short   = substr(local.full, 0, 3)
  full    = "${var.name}-svc"
  from_rs = google_thing.x.id
  known   = { for k in keys(local.objs) : k => upper(k) }
  objs    = { a = google_thing.x.id, b = "b" }
}

resource "google_thing" "each" {
  for_each = toset(var.emails)
  name     = "${local.short}-${each.value}"
}

resource "google_thing" "counted" {
  count = 2
  name  = "${local.full}-${count.index}"
}

resource "google_thing" "later" {
  for_each = toset([google_thing.x.id])
  name     = each.value
}
`)
	s, err := tfcheck.NewScope(m, m.Dir, map[string]cty.Value{"name": cty.StringVal("flights")})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Locals["short"]; !got.RawEquals(cty.StringVal("fli")) {
		t.Errorf("local.short = %#v, want \"fli\"", got)
	}
	if got := s.Locals["from_rs"]; got.IsKnown() {
		t.Errorf("local.from_rs = %#v, want unknown (a resource attribute)", got)
	}
	// keys of an object whose values are unknown are known.
	if got := s.Locals["known"]; !got.IsWhollyKnown() || got.GetAttr("a").AsString() != "A" {
		t.Errorf("local.known = %#v, want {a = \"A\", b = \"B\"}", got)
	}

	names := map[string][]string{}
	for _, r := range m.Resources {
		instances, err := s.Instances(r.Body.Attributes)
		if err != nil {
			t.Fatal(err)
		}
		for _, inst := range instances {
			v, diags := s.Eval(r.Body.Attributes["name"].Expr, inst.Extra)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			names[r.Name] = append(names[r.Name], inst.Key+"="+v.GoString())
		}
	}
	want := map[string][]string{
		"each":    {`["a@x.io"]=cty.StringVal("fli-a@x.io")`, `["b@x.io"]=cty.StringVal("fli-b@x.io")`},
		"counted": {`[0]=cty.StringVal("flights-svc-0")`, `[1]=cty.StringVal("flights-svc-1")`},
		"later":   {`[?]=cty.DynamicVal`},
	}
	if diff := cmp.Diff(names, want); diff != "" {
		t.Errorf("instances (-got +want):\n%s", diff)
	}
}

func TestCheckValidations(t *testing.T) {
	t.Parallel()
	m := loadSource(t, `
variable "name" {
  type = string

  validation {
    condition     = length(var.name) <= 5
    error_message = "name is too long."
  }
}

variable "id" {
  type = string

  validation {
    condition     = can(regex("^[a-z]+$", var.id))
    error_message = "id must be letters."
  }
}
`)
	tests := []struct {
		name        string
		inputs      map[string]cty.Value
		want        []string
		wantUnknown int
	}{
		{name: "valid", inputs: map[string]cty.Value{"name": cty.StringVal("abc"), "id": cty.StringVal("x")}},
		{name: "both_invalid", inputs: map[string]cty.Value{"name": cty.StringVal("abcdef"), "id": cty.StringVal("X1")}, want: []string{
			`variable "id" = "X1": id must be letters.`,
			`variable "name" = "abcdef": name is too long.`,
		}},
		{name: "unknown_is_deferred", inputs: map[string]cty.Value{"name": cty.UnknownVal(cty.String), "id": cty.StringVal("x")}, wantUnknown: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := tfcheck.NewScope(m, m.Dir, tt.inputs)
			if err != nil {
				t.Fatal(err)
			}
			findings, unknown := s.CheckValidations()
			var got []string
			for _, f := range findings {
				got = append(got, f.Msg)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
			if unknown != tt.wantUnknown {
				t.Errorf("unknown = %d, want %d", unknown, tt.wantUnknown)
			}
		})
	}
}

// functionCases are expressions whose values Terraform defines; the
// expected values are Terraform's (TestFunctionsMatchTerraform runs them
// through terraform when it is installed).
var functionCases = []struct {
	name, expr string
	want       cty.Value
}{
	{"sha1", `sha1("abc")`, cty.StringVal("a9993e364706816aba3e25717850c26c9cd0d89d")},
	{"length_string_graphemes", `length("é✈x")`, cty.NumberIntVal(3)},
	{"length_list", `length(["a", "b"])`, cty.NumberIntVal(2)},
	{"length_object", `length({ a = 1 })`, cty.NumberIntVal(1)},
	{"substr_past_end", `substr("abc", 1, 10)`, cty.StringVal("bc")},
	{"trim_both_ends", `trim("--a-b--", "-")`, cty.StringVal("a-b")},
	{"replace_regex", `replace("Group:Default/Team", "/[^a-z0-9_-]/", "_")`, cty.StringVal("_roup__efault__eam")},
	{"replace_literal", `replace("a.b.c", ".", "-")`, cty.StringVal("a-b-c")},
	{"alltrue_empty", `alltrue([])`, cty.True},
	{"alltrue_false", `alltrue([true, false])`, cty.False},
	{"anytrue_empty", `anytrue([])`, cty.False},
	{"anytrue_true", `anytrue([false, true])`, cty.True},
	{"tonumber", `tonumber("86400") + 1`, cty.NumberIntVal(86401)},
	{"can_regex_no_match", `can(regex("^[a-z]$", "ab"))`, cty.False},
	{"trimsuffix", `trimsuffix("600s", "s")`, cty.StringVal("600")},
	{"lower", `lower("AbC")`, cty.StringVal("abc")},
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	funcs := tfcheck.Functions(t.TempDir())
	for _, tt := range functionCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expr, diags := hclsyntax.ParseExpression([]byte(tt.expr), "test.tf", hclStart)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got, diags := expr.Value(&hcl.EvalContext{Functions: funcs})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if !got.RawEquals(tt.want) && !(got.Type() == cty.Number && got.Equals(tt.want).True()) {
				t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

// terraformBin is the pinned terraform v1.5.7 ($TERRAFORM_BIN).
func terraformBin(t *testing.T) string { return pinnedBin(t, "TERRAFORM_BIN", "terraform") }

// terraformOutputs plans an output-only root module in dir (no providers,
// no network) with vars and returns its planned outputs as JSON.
func terraformOutputs(t *testing.T, bin, dir string, vars map[string]any) map[string]json.RawMessage {
	t.Helper()
	if vars != nil {
		varsJSON, err := json.Marshal(vars)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), varsJSON, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) []byte {
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null", "TF_IN_AUTOMATION=1", "TF_DATA_DIR="+filepath.Join(dir, ".terraform"))
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	run("init", "-input=false", "-no-color", "-backend=false")
	run("plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan")
	var plan struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"outputs"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(run("show", "-json", "plan.tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for k, v := range plan.PlannedValues.Outputs {
		out[k] = v.Value
	}
	return out
}

// TestFunctionsMatchTerraform evaluates functionCases with terraform.
func TestFunctionsMatchTerraform(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	dir := t.TempDir()
	var src strings.Builder
	for _, tt := range functionCases {
		fmt.Fprintf(&src, "output %q {\n  value = %s\n}\n\n", tt.name, tt.expr)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := terraformOutputs(t, bin, dir, nil)
	for _, tt := range functionCases {
		want, err := ctyjson.Marshal(tt.want, tt.want.Type())
		if err != nil {
			t.Fatal(err)
		}
		if string(got[tt.name]) != string(want) {
			t.Errorf("terraform: %s = %s, tfcheck.Functions: %s", tt.expr, got[tt.name], want)
		}
	}
}

// TestNamingRulesMatchTerraform copies the name-derived locals of the
// service root and of the shared modules (verbatim, from the .tf files)
// into output-only harness modules, and evaluates them for every name of
// the identifier tests both with terraform and with tfcheck.Scope: every
// value must agree.
func TestNamingRulesMatchTerraform(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	repo := repoRoot(t)
	iacDir := renderCaseIaC(t, repo, filepath.Join(repo, "template", "testdata", "cases", "example.yaml"))
	sources := map[string]*tfcheck.Module{
		"root":          loadModule(t, iacDir),
		"service":       loadModule(t, filepath.Join(repo, "iac", "modules", "service")),
		"flight_events": loadModule(t, filepath.Join(repo, "iac", "modules", "flight-events")),
	}
	nameVars := []string{"name", "name_suffix"}
	dir := t.TempDir()
	var rootSrc strings.Builder
	rootSrc.WriteString("variable \"cases\" {\n  type = map(object({ name = string, name_suffix = string }))\n}\n\n")
	harnesses := map[string]*tfcheck.Module{}
	for _, key := range slices.Sorted(maps.Keys(sources)) {
		m := sources[key]
		locals := nameLocals(m, nameVars)
		if len(locals) == 0 {
			t.Fatalf("%s: no name-derived locals", key)
		}
		var h strings.Builder
		var inputs []string
		for _, v := range nameVars {
			if _, ok := m.Variables[v]; ok {
				fmt.Fprintf(&h, "variable %q {\n  type = string\n}\n\n", v)
				inputs = append(inputs, fmt.Sprintf("  %s = each.value.%s\n", v, v))
			}
		}
		h.WriteString("locals {\n")
		for _, l := range locals {
			fmt.Fprintf(&h, "  %s = %s\n", l, m.Source(m.Locals[l].Expr.Range()))
		}
		h.WriteString("}\n\noutput \"out\" {\n  value = {\n")
		for _, l := range locals {
			fmt.Fprintf(&h, "    %s = local.%s\n", l, l)
		}
		h.WriteString("  }\n}\n")
		hdir := filepath.Join(dir, key)
		if err := os.MkdirAll(hdir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hdir, "main.tf"), []byte(h.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		harnesses[key] = loadModule(t, hdir)
		fmt.Fprintf(&rootSrc, "module %q {\n  for_each = var.cases\n  source   = \"./%s\"\n%s}\n\n", key, key, strings.Join(inputs, ""))
		fmt.Fprintf(&rootSrc, "output %q {\n  value = { for k, m in module.%s : k => m.out }\n}\n\n", key, key)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(rootSrc.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := map[string]map[string]string{}
	for _, name := range templateNames() {
		for _, suffix := range []string{"", "-prod", "-" + strings.Repeat("s", 15)} {
			cases[name+suffix+"|"+suffix] = map[string]string{"name": name, "name_suffix": suffix}
		}
	}
	got := terraformOutputs(t, bin, dir, map[string]any{"cases": cases})

	compared := 0
	for key, h := range harnesses {
		var planned map[string]map[string]string
		if err := json.Unmarshal(got[key], &planned); err != nil {
			t.Fatalf("output %s: %v", key, err)
		}
		if len(planned) != len(cases) {
			t.Fatalf("output %s has %d cases, want %d", key, len(planned), len(cases))
		}
		for c, vars := range cases {
			inputs := map[string]cty.Value{}
			for _, v := range nameVars {
				if _, ok := h.Variables[v]; ok {
					inputs[v] = cty.StringVal(vars[v])
				}
			}
			s, err := tfcheck.NewScope(h, h.Dir, inputs)
			if err != nil {
				t.Fatal(err)
			}
			for l, want := range planned[c] {
				v := s.Locals[l]
				if !v.IsWhollyKnown() || v.Type() != cty.String || v.AsString() != want {
					t.Errorf("%s local.%s for %q: tfcheck %#v, terraform %q", key, l, c, v, want)
				}
				compared++
			}
		}
	}
	t.Logf("%d values compared for %d names", compared, len(cases))
}

// nameLocals returns the locals of m that depend only on the given
// variables and on each other, sorted.
func nameLocals(m *tfcheck.Module, vars []string) []string {
	ok := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, a := range m.Locals {
			if ok[name] {
				continue
			}
			refs := a.Expr.Variables()
			good := len(refs) > 0 // constants are not derived from a name
			for _, tr := range refs {
				attr := ""
				if len(tr) > 1 {
					if ta, isAttr := tr[1].(hcl.TraverseAttr); isAttr {
						attr = ta.Name
					}
				}
				switch tr.RootName() {
				case "var":
					good = good && slices.Contains(vars, attr)
				case "local":
					good = good && ok[attr]
				default:
					good = false
				}
			}
			if good {
				ok[name] = true
				changed = true
			}
		}
	}
	var out []string
	for name := range ok {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
