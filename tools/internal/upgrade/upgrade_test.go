package upgrade

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the golden patches under testdata/")

// history is the template repository buildHistory made for the whole run.
var history string

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		dir, err := os.MkdirTemp("", "template-history-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		history = dir
		tb := &historyTB{}
		buildHistory(tb, dir)
		if tb.failed != "" {
			fmt.Fprintln(os.Stderr, "build template history:", tb.failed)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// historyTB lets buildHistory run before the tests, from TestMain.
type historyTB struct {
	testing.TB
	failed string
}

func (h *historyTB) Helper()                        {}
func (h *historyTB) Fatal(args ...any)              { h.failed = fmt.Sprint(args...); panic(h.failed) }
func (h *historyTB) Fatalf(format string, a ...any) { h.Fatal(fmt.Sprintf(format, a...)) }

func TestUpgradeEveryCase(t *testing.T) {
	t.Parallel()
	for _, valuesFile := range repotest.Cases(t) {
		name := strings.TrimSuffix(filepath.Base(valuesFile), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, kept := renderService(t, valuesFile)
			res, err := Run(t.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.From != "0.1.0" || res.To != "0.2.0" || len(res.Conflicts) > 0 {
				t.Errorf("upgrade %s → %s, conflicts %v; want 0.1.0 → 0.2.0 without conflicts", res.From, res.To, res.Conflicts)
			}
			tree := repotest.Tree(t, dir)
			for path, want := range kept {
				if !strings.Contains(tree[path].Content, want) {
					t.Errorf("user edit lost: %s does not contain %q", path, want)
				}
			}
			for _, gone := range []string{"dashboards/grafana.json", ".dockerignore", "docs/operations.md", pendingPath} {
				if _, ok := tree[gone]; ok {
					t.Errorf("%s is still there", gone)
				}
			}
			for path, want := range map[string]string{
				"httpapi/health.go": healthNew,                         // edited by the template
				"SECURITY.md":       "data is internal.",               // new, with the migrated answer
				"docs/runbook.md":   runbookNew,                        // renamed and edited
				"mkdocs.yml":        "  - Runbook: runbook.md\n",       // edited
				"catalog-info.yaml": `data-classification: "internal"`, // new parameter
				AnswersPath:         "templateVersion: \"0.2.0\"\n",    // recorded on success
			} {
				f, ok := tree[path]
				if !ok || !strings.Contains(f.Content, want) {
					t.Errorf("template change not applied: %s (present %v) does not contain %q", path, ok, want)
				}
			}
			if !strings.Contains(tree[AnswersPath].Content, `dataClassification: "internal"`) {
				t.Errorf("%s lacks the migrated answer:\n%s", AnswersPath, tree[AnswersPath].Content)
			}
			gitRun(t, dir, "add", "-A")
			patch := gitRun(t, dir, "diff", "--cached", "--no-color", "HEAD")
			repotest.Golden(t, filepath.Join("testdata", name+".patch"), []byte(patch), *update)
			checkService(t, dir, name == "example")
		})
	}
}

// checkService checks an upgraded service as scripts/test-rendered.sh checks
// a fresh one, against this checkout's kit: gofmt, go vet (which
// type-checks the tests too) and go build, and with full also the whole go
// test, which costs about a minute a case and so runs for the example case
// only. The service's dependencies come from the shared Go build cache;
// its own packages compile again (their directory is new).
func checkService(t *testing.T, dir string, full bool) {
	t.Helper()
	steps := [][]string{
		{repotest.Path(t, "scripts/kit-workspace.sh"), dir},
		{"gofmt", "-l", "."},
		{"go", "vet", "./..."},
		{"go", "build", "./..."},
	}
	env := append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if full {
		steps = append(steps, []string{"go", "test", "-count=1", "-timeout", "20m", "./..."})
		// The docs-UI test drives headless Chromium, found as test-rendered.sh finds it.
		if os.Getenv("DOCS_UI_BROWSER") == "" {
			if p, err := exec.LookPath("chromium"); err == nil {
				env = append(env, "DOCS_UI_BROWSER="+p)
			}
		}
	}
	for _, argv := range steps {
		c := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
		c.Dir, c.Env = dir, env
		out, err := c.CombinedOutput()
		if err != nil || (argv[0] == "gofmt" && len(out) > 0) {
			t.Fatalf("upgraded service: %s: %v\n%s", strings.Join(argv, " "), err, out)
		}
	}
}

func TestUpgradeConflictThenContinue(t *testing.T) {
	t.Parallel()
	dir, _ := renderService(t, repotest.Path(t, "template/testdata/cases/example.yaml"))
	mine := "// Health is what the probes read.\n"
	edit(t, dir, "httpapi/health.go", healthOld, mine)
	gitRun(t, dir, "commit", "--quiet", "-am", "same line as the template")

	res, err := Run(t.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history})
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("Run: %v, want a *ConflictError", err)
	}
	if diff := cmp.Diff(res.Conflicts, []string{"httpapi/health.go"}); diff != "" {
		t.Errorf("conflicts (-got +want):\n%s", diff)
	}
	health := repotest.Tree(t, dir)["httpapi/health.go"].Content
	wantMarkers := "<<<<<<< yours\n" + mine + "=======\n" + healthNew + ">>>>>>> template\n"
	if !strings.Contains(health, wantMarkers) {
		t.Errorf("httpapi/health.go lacks the markers %q:\n%s", wantMarkers, health)
	}
	if a, err := ReadAnswers(dir); err != nil || a.TemplateVersion != "0.1.0" {
		t.Errorf("answers after a conflict: %+v, %v; want still 0.1.0", a, err)
	}
	// The rest of the upgrade is written.
	if _, err := os.Stat(filepath.Join(dir, "SECURITY.md")); err != nil {
		t.Errorf("SECURITY.md: %v", err)
	}

	// A rerun before resolving still reports the conflict.
	if _, err := Run(t.Context(), Options{Dir: dir}); !errors.As(err, &ce) {
		t.Fatalf("rerun with markers: %v, want a *ConflictError", err)
	}
	resolved := strings.Replace(health, wantMarkers, healthNew, 1)
	writeFile(t, dir, "httpapi/health.go", resolved)
	res, err = Run(t.Context(), Options{Dir: dir})
	if err != nil || !res.Continued {
		t.Fatalf("rerun after resolving: %+v, %v; want it finished", res, err)
	}
	if a, err := ReadAnswers(dir); err != nil || a.TemplateVersion != "0.2.0" || a.Values["dataClassification"] != "internal" {
		t.Errorf("answers after resolving: %+v, %v; want 0.2.0 with dataClassification internal", a, err)
	}
	if _, err := os.Stat(filepath.Join(dir, pendingPath)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there: %v", pendingPath, err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	dir, _ := renderService(t, repotest.Path(t, "template/testdata/cases/minimal.yaml"))
	before, hash := repotest.Tree(t, dir), workTreeHash(t, dir)
	head := gitRun(t, dir, "rev-parse", "HEAD")
	res, err := Run(t.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history, DryRun: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := workTreeHash(t, dir); got != hash {
		t.Errorf("--dry-run changed the work tree's hash: %s, was %s", got, hash)
	}
	if diff := cmp.Diff(repotest.Tree(t, dir), before); diff != "" {
		t.Errorf("--dry-run changed the tree (-got +want):\n%s", diff)
	}
	if status := gitRun(t, dir, "status", "--porcelain"); status != "" || gitRun(t, dir, "rev-parse", "HEAD") != head {
		t.Errorf("--dry-run left git status %q", status)
	}
	for _, want := range []string{
		"diff --git a/SECURITY.md b/SECURITY.md\nnew file mode 100644\n",
		"diff --git a/.dockerignore b/.dockerignore\ndeleted file mode 100644\n",
		"-// Health is the body of /healthz and /readyz.\n+// Health is the body of /healthz and /readyz: a status word, never details.\n",
		"-templateVersion: \"0.1.0\"\n+templateVersion: \"0.2.0\"\n",
		"rename from docs/operations.md\nrename to docs/runbook.md\n",
		"-" + runbookOld + "+" + runbookNew, // the template's edit, merged with the team's line
	} {
		if !strings.Contains(res.Diff, want) {
			t.Errorf("dry-run diff lacks %q:\n%s", want, res.Diff)
		}
	}
	for _, want := range []string{
		"Template upgrade from 0.1.0 to 0.2.0",
		"## Changelog\n\n## 0.2.0 — 2026-12-01\n\n- Parameter dataClassification",
		"| add | 1 |\n", "| delete | 1 |\n", "| merge | 1 |\n", "| rename | 1 |\n",
	} {
		if md := res.Markdown(); !strings.Contains(md, want) {
			t.Errorf("pull request body lacks %q:\n%s", want, md)
		}
	}
	var kinds []string
	for _, a := range res.Actions {
		kinds = append(kinds, a.String())
	}
	for _, want := range []string{
		"add          SECURITY.md",
		"delete       .dockerignore",
		"rename       docs/operations.md → docs/runbook.md",
		"merge        httpapi/health.go",
		"update       mkdocs.yml",
	} {
		if !slices.Contains(kinds, want) {
			t.Errorf("plan lacks %q:\n%s", want, strings.Join(kinds, "\n"))
		}
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		opts    Options
		want    string
	}{
		{
			name:    "dirty_tree",
			prepare: func(t *testing.T, dir string) { writeFile(t, dir, "scratch.txt", "wip\n") },
			opts:    Options{To: "0.2.0"},
			want:    "uncommitted changes",
		},
		{
			name: "no_answers_file",
			prepare: func(t *testing.T, dir string) {
				gitRun(t, dir, "rm", "--quiet", AnswersPath)
				gitRun(t, dir, "commit", "--quiet", "-m", "no answers")
			},
			opts: Options{To: "0.2.0"},
			want: "no .golden-path/answers.yaml in ",
		},
		{
			name: "unknown_version",
			opts: Options{To: "0.9.0"},
			want: "unknown template version 0.9.0",
		},
		{
			name: "unknown_ref",
			opts: Options{To: "no-such-branch"},
			want: `unknown target "no-such-branch"`,
		},
		{
			name: "downgrade",
			prepare: func(t *testing.T, dir string) {
				edit(t, dir, AnswersPath, "templateVersion: \"0.1.0\"", "templateVersion: \"0.2.0\"")
				gitRun(t, dir, "commit", "--quiet", "-am", "pretend 0.2.0")
			},
			opts: Options{To: "0.1.0"},
			want: "refuse downgrade from 0.2.0 to 0.1.0",
		},
		{
			name: "missing_required_answer",
			opts: Options{To: "0.3.0"},
			want: "costCenter",
		},
		{
			name: "set_unknown_parameter",
			opts: Options{To: "0.2.0", Sets: []string{"nope=1"}},
			want: "the template has no parameter nope",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := renderService(t, repotest.Path(t, "template/testdata/cases/minimal.yaml"))
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			before := repotest.Tree(t, dir)
			o := tc.opts
			o.Dir, o.TemplateRepo = dir, history
			_, err := Run(t.Context(), o)
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want a *RefusedError containing %q", err, tc.want)
			}
			if diff := cmp.Diff(repotest.Tree(t, dir), before); diff != "" {
				t.Errorf("a refused upgrade changed the tree (-got +want):\n%s", diff)
			}
		})
	}
}

func TestNewRequiredParameterBySet(t *testing.T) {
	t.Parallel()
	dir, _ := renderService(t, repotest.Path(t, "template/testdata/cases/example.yaml"))
	// Latest (0.3.0) by default; its costCenter has no default or migration.
	res, err := Run(t.Context(), Options{Dir: dir, TemplateRepo: history, Sets: []string{"costCenter=CC-42"}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.To != "0.3.0" {
		t.Errorf("target %s, want the latest 0.3.0", res.To)
	}
	a, err := ReadAnswers(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.TemplateVersion != "0.3.0" || a.Values["costCenter"] != "CC-42" || a.Values["dataClassification"] != "internal" {
		t.Errorf("answers %+v; want 0.3.0 with costCenter CC-42 and the 0.2.0 migration", a)
	}
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "--quiet", "-m", "upgrade to 0.3.0")
	res, err = Run(t.Context(), Options{Dir: dir, TemplateRepo: history})
	if err != nil || !res.UpToDate {
		t.Errorf("second run: %+v, %v; want up to date", res, err)
	}
}

// The skeleton's answers file must record every form value but secrets
// (ui:field Secret): a parameter added to template.yaml without a line
// there could never be upgraded.
func TestAnswersFileRecordsEveryParameter(t *testing.T) {
	t.Parallel()
	tpl, err := render.LoadTemplate(repotest.Path(t, "template/template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(repotest.Path(t, "skeleton/"+AnswersPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range tpl.Parameters {
		props, _ := page["properties"].(map[string]any)
		for name, prop := range props {
			if p, _ := prop.(map[string]any); p["ui:field"] == "Secret" {
				if strings.Contains(string(raw), "values."+name) {
					t.Errorf("skeleton/%s records the secret %s", AnswersPath, name)
				}
				continue
			}
			if !strings.Contains(string(raw), "\n  "+name+": ${{ values."+name+" | dump }}") {
				t.Errorf("skeleton/%s does not record parameter %s (want `  %s: ${{ values.%s | dump }}`)", AnswersPath, name, name, name)
			}
		}
	}
}

// Every migration of the real template is tied to a released version.
func TestTemplateMigrationsAreReleased(t *testing.T) {
	t.Parallel()
	if _, err := LoadMigrations(os.DirFS(repotest.Root(t)), "template/migrations.yaml", "template/CHANGELOG.md"); err != nil {
		t.Fatal(err)
	}
}

// The worked example of docs/upgrade.md is the real dry run of the example
// service with the team's edits: its plan and diff, as `scaffold upgrade
// --dry-run` prints them (go test -update rewrites the block).
func TestWorkedExample(t *testing.T) {
	t.Parallel()
	dir, _ := renderService(t, repotest.Path(t, "template/testdata/cases/example.yaml"))
	res, err := Run(t.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history, DryRun: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var got strings.Builder
	res.Report(&got)
	got.WriteString("\n" + res.Diff)
	doc := repotest.Path(t, "docs/upgrade.md")
	raw, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	const open, end = "## Worked example: a real dry run\n", "\n```\n"
	i := strings.Index(string(raw), open)
	j := strings.Index(string(raw[max(i, 0):]), "```diff\n")
	if i < 0 || j < 0 {
		t.Fatalf("%s has no %q section with a ```diff block", doc, strings.TrimSpace(open))
	}
	start := i + j + len("```diff\n")
	k := strings.Index(string(raw[start:]), end)
	if k < 0 {
		t.Fatalf("%s: the worked example's ```diff block is not closed", doc)
	}
	want := string(raw[start : start+k+1])
	if *update {
		out := string(raw[:start]) + got.String() + string(raw[start+k+1:])
		if err := os.WriteFile(doc, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(got.String(), want); diff != "" {
		t.Errorf("docs/upgrade.md worked example differs from the real dry run (-got +want); go test -update rewrites it:\n%s", diff)
	}
	// Applied, the upgrade changes exactly what the dry run showed.
	if _, err := Run(t.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	gitRun(t, dir, "add", "-A")
	if diff := cmp.Diff(gitRun(t, dir, "diff", "--cached", "--no-color", "HEAD"), res.Diff); diff != "" {
		t.Errorf("applied upgrade (git diff --cached) differs from the dry run's diff (-got +want):\n%s", diff)
	}
}

// workTreeHash is the git tree hash of everything in dir's work tree that
// git would commit (tracked and untracked, not ignored), through a scratch
// index so the repository's own index is not touched.
func workTreeHash(t *testing.T, dir string) string {
	t.Helper()
	index := filepath.Join(t.TempDir(), "index")
	var hash string
	for _, args := range [][]string{{"add", "-A"}, {"write-tree"}} {
		c := exec.Command("git", args...)
		c.Dir = dir
		c.Env = append(os.Environ(), append(gitEnv, "GIT_INDEX_FILE="+index)...)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		hash = strings.TrimSpace(string(out))
	}
	return hash
}
