package repocheck_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

// terraformBin is the pinned terraform v1.5.7 ($TERRAFORM_BIN).
func terraformBin(t *testing.T) string { return pinnedBin(t, "TERRAFORM_BIN", "terraform") }

// nameAttr evaluates the name attribute of every resource type.
func nameAttr(string) []string { return []string{"name"} }

// writeHarness writes root (main.tf) and, under modules/c, a module it may
// call, and returns their harness.
func writeHarness(t *testing.T, root, callee string, attrs func(string) []string) *repocheck.Harness {
	t.Helper()
	dir := t.TempDir()
	writeModule(t, dir, "c", map[string]string{"main.tf": callee})
	tree, err := repocheck.LoadTree(writeModule(t, dir, "root", map[string]string{"main.tf": root}), repocheck.RepoResolver(dir))
	if err != nil {
		t.Fatal(err)
	}
	h, err := repocheck.WriteHarness(tree, repocheck.HarnessOptions{Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func decodeStrings(t *testing.T, values map[string]json.RawMessage) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range values {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			t.Fatalf("%s = %s: %v", k, v, err)
		}
		out[k] = s
	}
	return out
}

// TestHarnessEvaluates: terraform evaluates locals in any order, for_each
// and count instances and module inputs, for several variable sets in one
// plan; what depends on a resource, a data source or a module output is
// reported unknown, never evaluated.
func TestHarnessEvaluates(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	h := writeHarness(t, `
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
  objs    = { a = google_thing.x.id, b = "b" }
  # keys of an object whose values are unknown are known.
  known = { for k in keys(local.objs) : k => upper(k) }
}

resource "google_thing" "x" {
  name = sha1(var.name)
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

resource "google_thing" "keyed" {
  for_each = local.known
  name     = each.value
}

resource "google_thing" "nameless" {
  title = "x"
}

module "c" {
  source = "../c"
  name   = local.short
  id     = google_thing.x.id
}
`, `
variable "name" {
  type = string
}

variable "id" {
  type = string
}

variable "suffix" {
  type    = string
  default = "c"
}

resource "google_thing" "t" {
  name = "${var.name}-${var.suffix}"
}

resource "google_thing" "u" {
  name = var.id
}
`, nameAttr)
	wantUnknown := []string{
		"google_thing.later[?].name: not known at plan time",
		"google_thing.nameless: no name attribute",
		"module.c.google_thing.u.name: not known at plan time",
	}
	if diff := cmp.Diff(h.Unknown, wantUnknown); diff != "" {
		t.Errorf("Unknown (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(h.UnknownVars, map[string][]string{"module.c": {"id"}}); diff != "" {
		t.Errorf("UnknownVars (-got +want):\n%s", diff)
	}
	got, err := h.EvalCases(t.Context(), bin, map[string]map[string]any{
		"flights": {"name": "flights", "emails": []string{"a@x.io", "b@x.io"}},
		"abc":     {"name": "abc", "emails": []string{"z@x.io"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"flights": {
			"google_thing.x.name":              "b153800521721e71b6c50ca63478158c2aef5757",
			`google_thing.each["a@x.io"].name`: "fli-a@x.io",
			`google_thing.each["b@x.io"].name`: "fli-b@x.io",
			"google_thing.counted[0].name":     "flights-svc-0",
			"google_thing.counted[1].name":     "flights-svc-1",
			"module.c.google_thing.t.name":     "fli-c",
			`google_thing.keyed["a"].name`:     "A",
			`google_thing.keyed["b"].name`:     "B",
		},
		"abc": {
			"google_thing.x.name":              "a9993e364706816aba3e25717850c26c9cd0d89d",
			`google_thing.each["z@x.io"].name`: "abc-z@x.io",
			"google_thing.counted[0].name":     "abc-svc-0",
			"google_thing.counted[1].name":     "abc-svc-1",
			"module.c.google_thing.t.name":     "abc-c",
			`google_thing.keyed["a"].name`:     "A",
			`google_thing.keyed["b"].name`:     "B",
		},
	}
	for c, values := range got {
		if diff := cmp.Diff(decodeStrings(t, values), want[c]); diff != "" {
			t.Errorf("case %s (-got +want):\n%s", c, diff)
		}
	}
}

// TestHarnessUnknownValue: an attribute whose value depends on a resource
// through a local is unknown to terraform too, and that fails the
// evaluation: no identifier passes unchecked.
func TestHarnessUnknownValue(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	h := writeHarness(t, `
variable "name" {
  type = string
}

locals {
  from_rs = "${var.name}-${google_thing.x.id}"
}

resource "google_thing" "from_resource" {
  name = local.from_rs
}
`, "", nameAttr)
	_, err := h.EvalCases(t.Context(), bin, map[string]map[string]any{"a": {"name": "a"}})
	if err == nil || !strings.Contains(err.Error(), `case "a": google_thing.from_resource.name is not known at plan time`) {
		t.Fatalf("EvalCases error = %v, want google_thing.from_resource.name unknown", err)
	}
}

// TestHarnessValidations: terraform checks every validation of a variable
// known at plan time, quoting the value, and defers those of unknown ones
// (module.c's id comes from a resource: its validation is not run).
func TestHarnessValidations(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	const validated = `
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
`
	h := writeHarness(t, validated+`
resource "google_thing" "x" {
  name = var.name
}

module "c" {
  source = "../c"
  name   = var.name
  id     = google_thing.x.id
}
`, validated, nil)
	if diff := cmp.Diff(h.UnknownVars, map[string][]string{"module.c": {"id"}}); diff != "" {
		t.Errorf("UnknownVars (-got +want):\n%s", diff)
	}
	tests := []struct {
		name  string
		cases map[string]map[string]any
		want  []string // in the error; none: the plan passes
	}{
		{name: "valid", cases: map[string]map[string]any{"ok": {"name": "abc", "id": "x"}, "ok2": {"name": "abcde", "id": "xyz"}}},
		{name: "both_invalid", cases: map[string]map[string]any{"ok": {"name": "abc", "id": "x"}, "bad": {"name": "abcdef", "id": "X1"}},
			want: []string{"name is too long.", "id must be letters.", `var.name is "abcdef"`, `var.id is "X1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := h.EvalCases(t.Context(), bin, tt.cases)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("EvalCases passed, want the validations to fail")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
	if _, err := h.EvalCases(t.Context(), bin, map[string]map[string]any{"a": {"name": "a", "id": "a"}, "b": {"name": "b"}}); err == nil {
		t.Error("a case that leaves a required variable unset: want an error")
	}
}

func TestTerraformCommand(t *testing.T) {
	t.Parallel()
	cmd := repocheck.TerraformCommand(t.Context(), "/bin/terraform", "/w", "plan", "-input=false")
	if diff := cmp.Diff(cmd.Args, []string{"/bin/terraform", "plan", "-input=false"}); diff != "" {
		t.Errorf("argv (-got +want):\n%s", diff)
	}
	if cmd.Dir != "/w" {
		t.Errorf("dir = %q, want /w", cmd.Dir)
	}
	for _, want := range []string{"CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null", "TF_INPUT=0", "TF_DATA_DIR=" + filepath.Join("/w", ".terraform"), "GOGC=400"} {
		if !slices.Contains(cmd.Env, want) {
			t.Errorf("env has no %s", want)
		}
	}
}

// TestHarnessErrors: what terraform cannot evaluate fails the evaluation,
// never passes as an empty result.
func TestHarnessErrors(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	tests := []struct {
		name   string
		src    string
		inputs map[string]any
		want   string
	}{
		{name: "undeclared_input", src: `variable "a" { type = string }`, inputs: map[string]any{"a": "x", "b": "y"}, want: `"b" is not a variable of the root`},
		{name: "missing_required", src: "variable \"a\" {\n  type = string\n}\n\nvariable \"b\" {\n  type = string\n}\n", inputs: map[string]any{"a": "x"}, want: `The argument "b" is required`},
		{name: "wrong_type", src: `variable "a" { type = number }`, inputs: map[string]any{"a": "x"}, want: "Invalid value for input variable"},
		{name: "unknown_function", src: "locals {\n  a = nosuch(1)\n}\n", want: "Call to unknown function"},
		{name: "undeclared_local", src: "locals {\n  a = local.b\n}\n", want: "Reference to undeclared local value"},
		{name: "cycle", src: "locals {\n  a = local.b\n  b = local.a\n}\n", want: "Cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := writeHarness(t, tt.src, "", nil)
			inputs := tt.inputs
			if inputs == nil {
				inputs = map[string]any{}
			}
			_, err := h.EvalCases(t.Context(), bin, map[string]map[string]any{"c": inputs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("EvalCases error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
