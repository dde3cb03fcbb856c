package repocheck_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

const platformRepo = "acme-platform/golden-path"

// root is the platform repository (this module's root).
var root = filepath.Join("..", "..", "..")

func options() repocheck.WorkflowOptions {
	return repocheck.WorkflowOptions{
		TrustedWorkflows: platformRepo + "/.github/workflows/",
		Resolve:          repocheck.PlatformWorkflowResolver(root, platformRepo),
	}
}

// shellcheck returns the shellcheck executable actionlint runs. In CI it must
// exist (a skipped check is a passing check nobody ran); locally, without it,
// actionlint still runs, without the shellcheck rule.
func shellcheck(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("shellcheck")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("shellcheck is required in CI (apt-get install shellcheck; scripts/install-deps.sh): %v", err)
	}
	t.Log("shellcheck not installed and CI unset: actionlint runs without shellcheck")
	return ""
}

func checkFiles(t *testing.T, files []string) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("no workflow files")
	}
	for _, f := range files {
		w, err := repocheck.ParseWorkflowFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, finding := range repocheck.CheckWorkflow(w, options()) {
			t.Errorf("%s", finding)
		}
	}
	problems, err := repocheck.Actionlint(files, shellcheck(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("actionlint: %s", p)
	}
}

func TestPlatformWorkflows(t *testing.T) {
	t.Parallel()
	files, err := repocheck.WorkflowFiles(filepath.Join(root, ".github", "workflows"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ci.yml", "service-ci.yml", "terraform-gate.yml", "deploy.yml", "jira-notify.yml"} {
		if !slices.Contains(files, filepath.Join(root, ".github", "workflows", want)) {
			t.Errorf("missing platform workflow %s", want)
		}
	}
	checkFiles(t, files)
}

// TestRenderedCaseWorkflows renders every template case and checks the
// workflows a generated service gets, as Backstage writes them.
func TestRenderedCaseWorkflows(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob(filepath.Join(root, "template", "testdata", "cases", "*.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no render cases: %v", err)
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			params, err := render.LoadValues(c)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			if _, err := render.Scaffold(t.Context(), render.Request{
				TemplatePath: filepath.Join(root, "template", "template.yaml"),
				Parameters:   params,
				Source:       c,
				OutDir:       out,
			}); err != nil {
				t.Fatal(err)
			}
			checkDependabot(t, out)
			checkDockerfile(t, out)
			files, err := repocheck.WorkflowFiles(filepath.Join(out, ".github", "workflows"))
			if err != nil {
				t.Fatal(err)
			}
			// Copied without templating: byte-identical to the skeleton.
			for _, f := range files {
				got, _ := os.ReadFile(f)
				want, err := os.ReadFile(filepath.Join(root, "skeleton", ".github", "workflows", filepath.Base(f)))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(got), string(want)); diff != "" {
					t.Errorf("%s changed by rendering (-got +want):\n%s", filepath.Base(f), diff)
				}
			}
			checkFiles(t, files)
		})
	}
}

// checkDependabot: every Go module and every Dockerfile of the rendered service is kept fresh by an
// entry of its ecosystem in .github/dependabot.yml (directory or directories).
func checkDependabot(t *testing.T, out string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, ".github", "dependabot.yml"))
	if err != nil {
		t.Fatalf("rendered service has no dependabot config: %v", err)
	}
	var cfg struct {
		Updates []struct {
			Ecosystem   string   `yaml:"package-ecosystem"`
			Directory   string   `yaml:"directory"`
			Directories []string `yaml:"directories"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("parse dependabot.yml: %v", err)
	}
	covered := map[string]bool{}
	for _, u := range cfg.Updates {
		for _, d := range append([]string{u.Directory}, u.Directories...) {
			if d != "" {
				covered[u.Ecosystem+" "+d] = true
			}
		}
	}
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		eco := map[string]string{"go.mod": "gomod", "Dockerfile": "docker"}[d.Name()]
		if d.IsDir() || eco == "" {
			return nil
		}
		rel, err := filepath.Rel(out, filepath.Dir(path))
		if err != nil {
			return err
		}
		dir := "/" + filepath.ToSlash(rel)
		if rel == "." {
			dir = "/"
		}
		if !covered[eco+" "+dir] {
			t.Errorf("%s: no dependabot %s entry for %s", filepath.Join(rel, d.Name()), eco, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkDockerfile: the image service-ci.yml builds is a static binary of the
// rendered command on a digest-pinned distroless base, run as non-root.
func checkDockerfile(t *testing.T, out string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile: want a multi-stage build, got %d FROM lines", len(froms))
	}
	final := froms[len(froms)-1][1]
	if !regexp.MustCompile(`^gcr\.io/distroless/static-debian12:nonroot@sha256:[0-9a-f]{64}$`).MatchString(final) {
		t.Errorf("Dockerfile: final base %s is not distroless static nonroot pinned by digest", final)
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER 65532:65532"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	m := regexp.MustCompile(`go build .* (\./cmd/\S+)`).FindStringSubmatch(df)
	if m == nil {
		t.Fatal("Dockerfile: no go build ./cmd/<name>")
	}
	if st, err := os.Stat(filepath.Join(out, filepath.FromSlash(m[1]))); err != nil || !st.IsDir() {
		t.Errorf("Dockerfile builds %s, which the rendered service does not have: %v", m[1], err)
	}
}

// TestSkeletonPlatformRef: the skeleton's workflows are copied without
// templating, so they cannot say ${{ values.platformRef }}; they pin the
// platform release the template ships. This fails when the two drift.
func TestSkeletonPlatformRef(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, "template", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Spec struct {
			Parameters []struct {
				Properties map[string]struct {
					Default any `yaml:"default"`
				} `yaml:"properties"`
			} `yaml:"parameters"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	var want string
	for _, page := range tmpl.Spec.Parameters {
		if p, ok := page.Properties["platformRef"]; ok {
			want, _ = p.Default.(string)
		}
	}
	if want == "" {
		t.Fatal("template.yaml: no string default for platformRef")
	}
	files, err := repocheck.WorkflowFiles(filepath.Join(root, "skeleton", ".github", "workflows"))
	if err != nil {
		t.Fatal(err)
	}
	usesRef := regexp.MustCompile(regexp.QuoteMeta(platformRepo) + `/[^@\s]+@(\S+)`)
	inputRef := regexp.MustCompile(`(?m)^\s*platform-ref:\s*(\S+)\s*$`)
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{usesRef, inputRef} {
			for _, m := range re.FindAllSubmatch(data, -1) {
				seen++
				if got := string(m[1]); got != want {
					t.Errorf("%s: %q pins platform ref %s, template.yaml's platformRef default is %s", filepath.Base(f), m[0], got, want)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no skeleton workflow calls the platform's reusable workflows")
	}
}

// TestBadFixtures proves every rule fails on a workflow that breaks it.
func TestBadFixtures(t *testing.T) {
	t.Parallel()
	type hit struct {
		Job  string
		Rule repocheck.Rule
	}
	tests := []struct {
		file string
		want []hit
	}{
		{"unpinned.yml", []hit{{"test", repocheck.PinnedUses}, {"test", repocheck.PinnedUses}}},
		{"no-top-permissions.yml", []hit{{"-", repocheck.TopPermissions}}},
		{"top-write.yml", []hit{{"-", repocheck.TopPermissions}}},
		{"job-permissions.yml", []hit{{"test", repocheck.JobPermissions}}},
		{"id-token-unused.yml", []hit{{"test", repocheck.IDToken}}},
		{"id-token-missing.yml", []hit{{"plan", repocheck.IDToken}}},
		{"pull-requests-write.yml", []hit{{"test", repocheck.PullRequestsWrite}}},
		{"persist-credentials.yml", []hit{{"test", repocheck.PersistCredentials}}},
		{"pipefail.yml", []hit{{"test", repocheck.Pipefail}}},
		{"pull-request-target.yml", []hit{{"-", repocheck.PullRequestTarget}}},
		{"expression-in-run.yml", []hit{{"greet", repocheck.ExpressionInRun}}},
		{"deploy-no-gates.yml", []hit{{"deploy", repocheck.DeployGates}, {"deploy", repocheck.DeployGates}}},
		{"deploy-always.yml", []hit{{"deploy", repocheck.DeployGates}}},
		{"deploy-unprotected.yml", []hit{{"apply", repocheck.DeployProtection}, {"apply", repocheck.DeployProtection}, {"apply", repocheck.DeployProtection}}},
		{"deploy-by-tag.yml", []hit{{"deploy", repocheck.DeployByDigest}}},
		{"terraform-wrapper.yml", []hit{{"plan", repocheck.TerraformWrapper}}},
		{"secrets-inherit.yml", []hit{{"build", repocheck.SecretsScope}}},
		{"jira-secrets-leak.yml", []hit{{"test", repocheck.SecretsScope}}},
		{"caller-inputs.yml", []hit{{"notify", repocheck.CallerInputs}, {"notify", repocheck.CallerInputs}, {"notify", repocheck.CallerInputs}}},
		{"attestations-unused.yml", []hit{{"test", repocheck.Attestations}}},
		{"attestations-missing.yml", []hit{{"build", repocheck.Attestations}}},
		{"attest-no-id-token.yml", []hit{{"build", repocheck.IDToken}}},
		{"attest-unpinned.yml", []hit{{"build", repocheck.PinnedUses}, {"build", repocheck.PinnedUses}}},
		{"unpinned-tool.yml", []hit{{"test", repocheck.PinnedTools}, {"test", repocheck.PinnedTools}}},
		{"actionlint.yml", nil},
	}
	for _, tc := range tests {
		name := strings.ReplaceAll(strings.TrimSuffix(tc.file, ".yml"), "-", "_")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, err := repocheck.ParseWorkflowFile(filepath.Join("testdata", "bad", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []hit
			for _, f := range repocheck.CheckWorkflow(w, options()) {
				if !strings.Contains(f.String(), tc.file) || f.Msg == "" {
					t.Errorf("finding does not name its file: %s", f)
				}
				got = append(got, hit{f.Job, f.Rule})
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
		})
	}
}

// TestBadFixturesCoverEveryRule: no rule without a fixture that trips it.
func TestBadFixturesCoverEveryRule(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tripped := map[repocheck.Rule]bool{}
	for _, f := range files {
		w, err := repocheck.ParseWorkflowFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, finding := range repocheck.CheckWorkflow(w, options()) {
			tripped[finding.Rule] = true
		}
	}
	for _, r := range []repocheck.Rule{
		repocheck.PinnedUses, repocheck.TopPermissions, repocheck.JobPermissions, repocheck.IDToken,
		repocheck.PullRequestsWrite, repocheck.PersistCredentials, repocheck.Pipefail, repocheck.PullRequestTarget,
		repocheck.ExpressionInRun, repocheck.DeployGates, repocheck.DeployProtection, repocheck.DeployByDigest,
		repocheck.TerraformWrapper, repocheck.SecretsScope, repocheck.CallerInputs, repocheck.Attestations,
		repocheck.PinnedTools,
	} {
		if !tripped[r] {
			t.Errorf("rule %s: no fixture under testdata/bad trips it", r)
		}
	}
}

// TestActionlintFindsProblems proves actionlint (and shellcheck, when present)
// is live: the fixture has an undefined step output and an unquoted variable.
func TestActionlintFindsProblems(t *testing.T) {
	t.Parallel()
	sc := shellcheck(t)
	got, err := repocheck.Actionlint([]string{filepath.Join("testdata", "bad", "actionlint.yml")}, sc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`property "two" is not defined`}
	if sc != "" {
		want = append(want, "SC2086")
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("actionlint did not report %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{"not_yaml", "on: [push\n", "parse x.yml"},
		{"not_a_mapping", "- a\n", "not a YAML mapping"},
		{"no_on", "jobs: {a: {runs-on: x}}\n", "no on: key"},
		{"no_jobs", "on: push\n", "no jobs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := repocheck.ParseWorkflow("x.yml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
