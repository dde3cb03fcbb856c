package upgrade

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// gitEnv isolates the test's git runs from the machine's configuration and
// makes commits reproducible.
var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE=2026-12-01T00:00:00Z",
	"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE=2026-12-01T00:00:00Z",
}

func gitRun(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), gitEnv...)
	out, err := c.CombinedOutput()
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// edit replaces old by new in dir/rel; old must be there exactly once, so a
// scripted change that no longer applies fails instead of doing nothing.
func edit(tb testing.TB, dir, rel, old, new string) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	if n := strings.Count(string(b), old); n != 1 {
		tb.Fatalf("edit %s: %q occurs %d times, want 1", rel, old, n)
	}
	fi, _ := os.Stat(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), fi.Mode()); err != nil {
		tb.Fatal(err)
	}
}

func writeFile(tb testing.TB, dir, rel, content string) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// The template changes of the scripted 0.2.0, each of a different kind.
const (
	healthOld  = "// Health is the body of /healthz and /readyz.\n"
	healthNew  = "// Health is the body of /healthz and /readyz: a status word, never details.\n"
	runbookOld = "# Operations\n"
	runbookNew = "# Runbook\n"
	// pagerLine is the team's line in docs/operations.md, which the template
	// renames to docs/runbook.md and edits: it must arrive there.
	pagerLine = "- **Pager**: the on-call rotation is in the team's PagerDuty schedule.\n"
)

// buildHistory makes a template repository in dir with three tagged
// versions: template/v0.1.0 = template/ and skeleton/ as they are today;
// template/v0.2.0 = an edited Go file, a new file, a deleted file, a
// renamed and edited file and a new required parameter (dataClassification) with a
// migration; template/v0.3.0 = a new required parameter without default
// or migration (costCenter), which only --set can answer.
func buildHistory(tb testing.TB, dir string) {
	tb.Helper()
	root := repotest.Root(tb)
	for _, d := range []string{"template", "skeleton"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join(root, d))); err != nil {
			tb.Fatal(err)
		}
	}
	gitRun(tb, dir, "init", "--quiet", "--initial-branch=main")
	gitRun(tb, dir, "add", "-A")
	gitRun(tb, dir, "commit", "--quiet", "-m", "template 0.1.0")
	gitRun(tb, dir, "tag", tagPrefix+"0.1.0")

	// 0.2.0
	bump(tb, dir, "0.1.0", "0.2.0")
	edit(tb, dir, "skeleton/httpapi/health.go", healthOld, healthNew)
	writeFile(tb, dir, "skeleton/SECURITY.md", "# Security\n\nReport a vulnerability to ${{ values.owner }}; data is ${{ values.dataClassification }}.\n")
	gitRun(tb, dir, "rm", "--quiet", "skeleton/.dockerignore")
	gitRun(tb, dir, "mv", "skeleton/docs/operations.md", "skeleton/docs/runbook.md")
	edit(tb, dir, "skeleton/docs/runbook.md", runbookOld, runbookNew) // renamed and edited
	edit(tb, dir, "skeleton/mkdocs.yml", "  - Operations: operations.md\n", "  - Runbook: runbook.md\n")
	addParameter(tb, dir, "alertEmail", "dataClassification", "          type: string\n          enum: [internal, confidential, restricted]\n")
	edit(tb, dir, "skeleton/catalog-info.yaml", "    backstage.io/techdocs-ref: dir:.\n",
		"    backstage.io/techdocs-ref: dir:.\n    acme.example/data-classification: ${{ values.dataClassification | dump }}\n")
	writeFile(tb, dir, "template/migrations.yaml", "migrations:\n  - version: 0.2.0\n    add:\n      dataClassification: internal\n")
	changelog(tb, dir, "0.2.0", "- Parameter dataClassification (required; existing services migrate to internal); SECURITY.md; docs/operations.md is docs/runbook.md; no .dockerignore.")
	gitRun(tb, dir, "add", "-A")
	gitRun(tb, dir, "commit", "--quiet", "-m", "template 0.2.0")
	gitRun(tb, dir, "tag", tagPrefix+"0.2.0")

	// 0.3.0
	bump(tb, dir, "0.2.0", "0.3.0")
	addParameter(tb, dir, "dataClassification", "costCenter", "          type: string\n          pattern: ^CC-[0-9]+$\n")
	changelog(tb, dir, "0.3.0", "- Parameter costCenter (required, no default: give it with --set).")
	gitRun(tb, dir, "commit", "--quiet", "-am", "template 0.3.0")
	gitRun(tb, dir, "tag", tagPrefix+"0.3.0")
}

// addParameter adds the required form parameter name with schema (its
// lines under the property) after the parameter after: in the first page's
// required list and properties, the fetch:template values and the skeleton's
// answers file.
func addParameter(tb testing.TB, dir, after, name, schema string) {
	tb.Helper()
	edit(tb, dir, "template/template.yaml", ", "+after+"]\n", ", "+after+", "+name+"]\n")
	edit(tb, dir, "template/template.yaml", "        "+after+":\n", "        "+name+":\n          title: "+name+"\n"+schema+"        "+after+":\n")
	step := func(n string) string { return "          " + n + ": ${{ parameters." + n + " }}\n" }
	edit(tb, dir, "template/template.yaml", step(after), step(after)+step(name))
	answer := func(n string) string { return "  " + n + ": ${{ values." + n + " | dump }}\n" }
	edit(tb, dir, "skeleton/"+AnswersPath, answer(after), answer(after)+answer(name))
}

// bump moves the template version annotation and the stamped value.
func bump(tb testing.TB, dir, from, to string) {
	tb.Helper()
	edit(tb, dir, "template/template.yaml", "backstage.io/template-version: "+from+"\n", "backstage.io/template-version: "+to+"\n")
	edit(tb, dir, "template/template.yaml", "templateVersion: "+from+"\n", "templateVersion: "+to+"\n")
}

func changelog(tb testing.TB, dir, version, entry string) {
	tb.Helper()
	edit(tb, dir, "template/CHANGELOG.md", "## Unreleased\n", "## Unreleased\n\n## "+version+" — 2026-12-01\n\n"+entry+"\n")
}

// userEdits is what a service team did after rendering at 0.1.0: a handler
// change, a new test file, a README paragraph, a deleted dashboard, a line
// in a doc the template renames and a changed tfvars value. Each returns what must survive the upgrade.
func userEdits(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	edit(tb, dir, "httpapi/health.go", `CacheControl: "no-store", Body: Health{Status: "ok"}`, `CacheControl: "no-store, max-age=0", Body: Health{Status: "ok"}`)
	writeFile(tb, dir, "httpapi/team_test.go", "package httpapi\n\nimport \"testing\"\n\nfunc TestTeamOwnsThis(t *testing.T) {}\n")
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, dir, "README.md", string(b)+"\n## Team notes\n\nOn-call hands over on Mondays.\n")
	for _, f := range []string{"dashboards/dashboards.go", "dashboards/dashboards_test.go", "dashboards/grafana.json"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			tb.Fatal(err)
		}
	}
	b, err = os.ReadFile(filepath.Join(dir, "docs/operations.md"))
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, dir, "docs/operations.md", string(b)+pagerLine)
	b, err = os.ReadFile(filepath.Join(dir, "iac/envs/dev.tfvars"))
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, dir, "iac/envs/dev.tfvars", strings.Replace(string(b), `environment  = "dev"`, `environment  = "sandbox"`, 1))
	return map[string]string{
		"httpapi/health.go":    `CacheControl: "no-store, max-age=0"`,
		"httpapi/team_test.go": "func TestTeamOwnsThis",
		"README.md":            "On-call hands over on Mondays.",
		"iac/envs/dev.tfvars":  `environment  = "sandbox"`,
		"docs/runbook.md":      pagerLine, // followed the template's rename
	}
}

// renderService renders a case at template 0.1.0 and commits it, as
// Backstage's publish step does, then commits the user's edits.
func renderService(tb testing.TB, valuesFile string) (dir string, kept map[string]string) {
	tb.Helper()
	dir = repotest.RenderCase(tb, valuesFile)
	gitRun(tb, dir, "init", "--quiet", "--initial-branch=main")
	gitRun(tb, dir, "add", "-A")
	gitRun(tb, dir, "commit", "--quiet", "-m", "Initial commit from the golden-path template")
	kept = userEdits(tb, dir)
	gitRun(tb, dir, "add", "-A")
	gitRun(tb, dir, "commit", "--quiet", "-m", "team changes")
	return dir, kept
}

var _ = context.Background
