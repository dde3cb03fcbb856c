package repocheck_test

import (
	"github.com/hashicorp/hcl/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

// writeModule writes files into a new directory under root and returns it.
func writeModule(t *testing.T, root, name string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, src := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodVersions = `terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.14.0, < 7.0.0"
    }
  }
}
`

const goodVariables = `variable "name" {
  type        = string
  description = "Name."
}

variable "labels" {
  type        = map(string)
  description = "Labels."
  default     = {}
}
`

const goodMain = `resource "google_pubsub_topic" "t" {
  name   = var.name
  labels = var.labels
}
`

const goodOutputs = `output "topic" {
  description = "Topic ID."
  value       = google_pubsub_topic.t.id
}
`

func goodModule() map[string]string {
	return map[string]string{"main.tf": goodMain, "variables.tf": goodVariables, "outputs.tf": goodOutputs, "versions.tf": goodVersions}
}

// patchedModule is goodModule with files replaced ("" deletes the file).
func patchedModule(patch map[string]string) map[string]string {
	files := goodModule()
	for f, src := range patch {
		if src == "" {
			delete(files, f)
		} else {
			files[f] = src
		}
	}
	return files
}

// messages keeps only the message of each finding, for stable comparisons.
func messages(fs []repocheck.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Msg)
	}
	return out
}

// TestLintModule covers the rules tflint has no rule for; TestTflintRules
// covers those handed over to tflint.
func TestLintModule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch map[string]string // file → content; "" deletes the file
		want  []string
	}{
		{name: "compliant_module", want: []string{}},
		{
			name:  "missing_versions_file",
			patch: map[string]string{"versions.tf": ""},
			want:  []string{"missing (modules keep terraform { required_version, required_providers } in versions.tf)"},
		},
		{
			name:  "provider_without_upper_bound",
			patch: map[string]string{"versions.tf": strings.Replace(goodVersions, `">= 6.14.0, < 7.0.0"`, `">= 6.14.0"`, 1)},
			want:  []string{`provider "google": version ">= 6.14.0" is not a range with lower and upper bounds`},
		},
		{
			name:  "pessimistic_constraint_is_a_range",
			patch: map[string]string{"versions.tf": strings.Replace(goodVersions, `">= 6.14.0, < 7.0.0"`, `"~> 6.14"`, 1)},
			want:  []string{},
		},
		{
			name:  "topic_without_labels",
			patch: map[string]string{"main.tf": "resource \"google_pubsub_topic\" \"t\" {\n  name = var.name\n}\n"},
			want:  []string{"google_pubsub_topic.t has no labels"},
		},
		{
			name: "cloud_run_revisions_without_labels",
			patch: map[string]string{"main.tf": goodMain + `
resource "google_cloud_run_v2_service" "s" {
  name   = var.name
  labels = var.labels

  template {
    containers {
      image = "x"
    }
  }
}
`},
			want: []string{"google_cloud_run_v2_service.s: template (the revisions) has no labels"},
		},
		{
			name:  "alert_policy_needs_user_labels",
			patch: map[string]string{"main.tf": goodMain + "\nresource \"google_monitoring_alert_policy\" \"a\" {\n  labels = var.labels\n}\n"},
			want:  []string{"google_monitoring_alert_policy.a has no user_labels"},
		},
		{
			name:  "unknown_resource_type",
			patch: map[string]string{"main.tf": goodMain + "\nresource \"google_compute_instance\" \"vm\" {\n  name = var.name\n}\n"},
			want:  []string{"google_compute_instance.vm: resource type unknown to the label check: classify it in repocheck.LabelAttr or repocheck.Unlabelled"},
		},
		{
			name:  "shared_module_with_backend",
			patch: map[string]string{"versions.tf": strings.Replace(goodVersions, "  required_version", "  backend \"gcs\" {}\n\n  required_version", 1)},
			want:  []string{"a shared module must not configure a backend"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := patchedModule(tt.patch)
			m, err := repocheck.LoadModule(writeModule(t, t.TempDir(), "m", files))
			if err != nil {
				t.Fatalf("LoadModule: %v", err)
			}
			if diff := cmp.Diff(messages(repocheck.LintModule(m, repocheck.SharedModule)), tt.want); diff != "" {
				t.Errorf("LintModule (-got +want):\n%s", diff)
			}
		})
	}
}

func TestLoadModuleSyntaxError(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, t.TempDir(), "m", map[string]string{"main.tf": "resource \"x\" {\n"})
	_, err := repocheck.LoadModule(dir)
	if err == nil || !strings.Contains(err.Error(), "main.tf:") {
		t.Fatalf("LoadModule error = %v, want a parse error naming main.tf", err)
	}
	if _, err := repocheck.LoadModule(t.TempDir()); err == nil {
		t.Fatal("LoadModule on an empty directory: want an error")
	}
}

func TestCheckCalls(t *testing.T) {
	t.Parallel()
	const pinned = repocheck.PlatformGitSource + "iac/modules/topic?ref=v1.2.3"
	tests := []struct {
		name string
		main string
		want []string
	}{
		{
			name: "local_source_all_good",
			main: "module \"t\" {\n  source = \"../topic\"\n  name   = \"x\"\n}\n\noutput \"o\" {\n  description = \"d\"\n  value       = module.t.topic\n}\n",
			want: []string{},
		},
		{
			name: "pinned_git_source",
			main: "module \"t\" {\n  source = \"" + pinned + "\"\n  name   = \"x\"\n}\n",
			want: []string{},
		},
		{
			name: "unpinned_git_source",
			main: "module \"t\" {\n  source = \"" + repocheck.PlatformGitSource + "iac/modules/topic\"\n  name   = \"x\"\n}\n",
			want: []string{`module "t": source "` + repocheck.PlatformGitSource + `iac/modules/topic" is not pinned with ?ref=<tag or commit>`},
		},
		{
			name: "registry_source",
			main: "module \"t\" {\n  source = \"terraform-google-modules/pubsub/google\"\n}\n",
			want: []string{`module "t": source "terraform-google-modules/pubsub/google" is neither a local path nor ` + repocheck.PlatformGitSource + `…`},
		},
		{
			name: "undeclared_argument_and_missing_required",
			main: "module \"t\" {\n  source   = \"../topic\"\n  title    = \"x\"\n  for_each = toset([])\n}\n",
			want: []string{`module "t": required variable "name" is not set`, `module "t": argument "title" is not a variable of ` + "DIR"},
		},
		{
			name: "missing_output",
			main: "module \"t\" {\n  source = \"../topic\"\n  name   = \"x\"\n}\n\nlocals {\n  u = module.t.url\n  v = module.nope.x\n}\n",
			want: []string{`module "t" has no output "url"`, `reference to undeclared module "nope"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			// ../topic (local) and iac/modules/topic (git) name the same directory.
			writeModule(t, root, "iac/modules/topic", goodModule())
			caller := writeModule(t, root, "iac/modules/caller", map[string]string{"main.tf": tt.main})
			m, err := repocheck.LoadModule(caller)
			if err != nil {
				t.Fatalf("LoadModule: %v", err)
			}
			got := messages(repocheck.CheckCalls(m, repocheck.RepoResolver(root)))
			for i := range got {
				got[i] = strings.ReplaceAll(got[i], filepath.Join(caller, "../topic"), "DIR")
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("CheckCalls (-got +want):\n%s", diff)
			}
		})
	}
}

func TestReadme(t *testing.T) {
	t.Parallel()
	m, err := repocheck.LoadModule(writeModule(t, t.TempDir(), "m", goodModule()))
	if err != nil {
		t.Fatal(err)
	}
	current, err := repocheck.UpdateReadme([]byte("# m\n\n"+repocheck.DocsBegin+"\n"+repocheck.DocsEnd+"\n"), m)
	if err != nil {
		t.Fatal(err)
	}
	wantDocs := "## Inputs\n\n" +
		"| Name | Description | Type | Default | Required |\n" +
		"|------|-------------|------|---------|:--------:|\n" +
		"| `name` | Name. | `string` | n/a | yes |\n" +
		"| `labels` | Labels. | `map(string)` | `{}` | no |\n" +
		"\n## Outputs\n\n" +
		"| Name | Description |\n" +
		"|------|-------------|\n" +
		"| `topic` | Topic ID. |\n"
	if diff := cmp.Diff(repocheck.Docs(m), wantDocs); diff != "" {
		t.Errorf("Docs (-got +want):\n%s", diff)
	}
	tests := []struct {
		name   string
		readme string
		want   []string
	}{
		{name: "current", readme: string(current), want: []string{}},
		{
			name:   "missing_input_row",
			readme: strings.Replace(string(current), "| `labels` | Labels. | `map(string)` | `{}` | no |\n", "", 1),
			want:   []string{"inputs/outputs tables are out of date (regenerate: go test ./tools/internal/repocheck -update); missing input labels"},
		},
		{
			name:   "stale_description",
			readme: strings.Replace(string(current), "Topic ID.", "Topic.", 1),
			want:   []string{"inputs/outputs tables are out of date (regenerate: go test ./tools/internal/repocheck -update)"},
		},
		{
			name:   "no_markers",
			readme: "# m\n",
			want:   []string{"update readme: want " + repocheck.DocsBegin + " … " + repocheck.DocsEnd + " markers in that order"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(messages(repocheck.CheckReadme("README.md", []byte(tt.readme), m)), tt.want); diff != "" {
				t.Errorf("CheckReadme (-got +want):\n%s", diff)
			}
		})
	}
}

var hclStart = hcl.InitialPos
