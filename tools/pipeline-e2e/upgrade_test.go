package pipelinee2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	upgradeToken  = "ghs_upgradeAppToken"
	upgradeBranch = "golden-path/upgrade-0.2.0"
	upgradeBot    = "golden-path-bot@users.noreply.github.com"
	jobUpgrade    = "upgrade/template-upgrade/template-upgrade"
	// securityDoc is a file template 0.2.0 adds; it renders the owner answer.
	securityDoc = "# Security\n\nReport a vulnerability to ${{ values.owner }}.\n"
	opsLine     = "\nThe on-call rotation is in the team's schedule.\n"
)

// templateHistory makes a template repository in dir: template/v0.1.0 is this checkout's template/ and
// skeleton/ (the version the example case was rendered at), template/v0.2.0 adds a file, edits one and has
// a changelog entry.
func templateHistory(t testing.TB, dir string) {
	t.Helper()
	files, err := trackedFiles(shared.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(f, "template/") || strings.HasPrefix(f, "skeleton/") {
			if err := copyFile(filepath.Join(shared.root, f), filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	git := func(args ...string) {
		t.Helper()
		if _, err := run(dir, []string{"GIT_CONFIG_GLOBAL=" + shared.gitconfig, "GIT_CONFIG_NOSYSTEM=1"}, "git", args...); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(rel, old, new string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), old) {
			t.Fatalf("%s has no %q", rel, old)
		}
		writeFile(t, filepath.Join(dir, rel), strings.Replace(string(b), old, new, 1))
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-qm", "template 0.1.0")
	git("tag", "template/v0.1.0")
	edit("template/template.yaml", "backstage.io/template-version: 0.1.0\n", "backstage.io/template-version: 0.2.0\n")
	edit("template/template.yaml", "templateVersion: 0.1.0\n", "templateVersion: 0.2.0\n")
	edit("template/CHANGELOG.md", "## Unreleased\n", "## Unreleased\n\n## 0.2.0 — 2026-12-07\n\n- SECURITY.md says where to report a vulnerability.\n")
	writeFile(t, filepath.Join(dir, "skeleton/SECURITY.md"), securityDoc)
	b, err := os.ReadFile(filepath.Join(dir, "skeleton/docs/operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "skeleton/docs/operations.md"), string(b)+opsLine)
	git("add", "-A")
	git("commit", "-qm", "template 0.2.0")
	git("tag", "template/v0.2.0")
}

// Scenario 6: the weekly template upgrade. The service's template-upgrade.yml (schedule) calls the platform's
// reusable workflow, which runs `scaffold upgrade` from the platform release against the template repository,
// pushes golden-path/upgrade-0.2.0 and opens one pull request with the UPGRADE_TOKEN; a rerun updates the same
// branch and pull request; a branch someone else committed to is left alone; an upgraded service is up to date.
func scenarioScheduledTemplateUpgrade(t testing.TB) {
	w := newWorld(t)
	tmpl := filepath.Join(t.TempDir(), "golden-path")
	templateHistory(t, tmpl)
	// The template repository the answers file names (https://github.com/acme-platform/golden-path.git) is
	// this history; everything else in the runner's git configuration is the shared one.
	base, err := os.ReadFile(shared.gitconfig)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(base), "file://"+shared.git) {
		t.Fatalf("the shared git configuration does not map the platform repository:\n%s", base)
	}
	gitconfig := filepath.Join(t.TempDir(), "gitconfig")
	writeFile(t, gitconfig, strings.Replace(string(base), "file://"+shared.git, "file://"+tmpl, 1))
	w.env["GIT_CONFIG_GLOBAL"] = gitconfig
	// The pull request must be opened with UPGRADE_TOKEN (the default token starts no CI on it): the fake
	// GitHub accepts nothing else.
	w.github.Close()
	w.github = newFakeGitHub(repoFullName, upgradeToken)
	t.Cleanup(w.github.Close)
	w.github.hasBranch = func(b string) bool {
		_, err := run(w.repo, nil, "git", "rev-parse", "--verify", "-q", "refs/heads/"+b)
		return err == nil
	}
	w.env["GITHUB_API_URL"] = w.github.URL
	w.secrets["UPGRADE_TOKEN"] = upgradeToken
	mainSHA := w.git("rev-parse", "HEAD")
	r := actRun{event: "schedule", workflow: ".github/workflows/template-upgrade.yml",
		payload: map[string]any{"schedule": "41 5 * * 1", "repository": repository()},
		env:     w.env, secrets: w.secrets, vars: w.vars}

	// Run 1: the branch holds the upgrade as one bot commit on main, and one pull request is opened.
	res := runAct(t, shared, w.repo, r)
	res.wantJobs(t, "run 1: ", map[string]string{jobUpgrade: "success"})
	if got := w.git("log", "-1", "--format=%ae %P", upgradeBranch); got != upgradeBot+" "+mainSHA {
		t.Fatalf("run 1: %s head = %q, want a commit by %s on %s", upgradeBranch, got, upgradeBot, mainSHA)
	}
	first := w.git("rev-parse", upgradeBranch+"^{tree}")
	if got := w.git("show", upgradeBranch+":SECURITY.md"); got != "# Security\n\nReport a vulnerability to group:default/platform-team." {
		t.Errorf("run 1: SECURITY.md on the branch = %q, want the 0.2.0 file rendered with the owner", got)
	}
	if got := w.git("show", upgradeBranch+":docs/operations.md"); !strings.HasSuffix(got, strings.TrimSpace(opsLine)) {
		t.Errorf("run 1: docs/operations.md on the branch does not end with the 0.2.0 line:\n%s", got)
	}
	if got := w.git("show", upgradeBranch+":.golden-path/answers.yaml"); !strings.Contains(got, `templateVersion: "0.2.0"`) {
		t.Errorf("run 1: the answers file on the branch does not record 0.2.0:\n%s", got)
	}
	if got := w.git("diff", "--name-status", mainSHA, upgradeBranch); got != "M\t.golden-path/answers.yaml\nA\tSECURITY.md\nM\tcatalog-info.yaml\nM\tdocs/operations.md" {
		t.Errorf("run 1: the upgrade commit changes\n%s\nwant the answers file, SECURITY.md, catalog-info.yaml (its template-version) and docs/operations.md", got)
	}
	if got := w.git("show", upgradeBranch+":catalog-info.yaml"); !strings.Contains(got, `backstage.io/template-version: "0.2.0"`) {
		t.Errorf("run 1: catalog-info.yaml on the branch does not say template-version 0.2.0:\n%s", got)
	}
	pulls := w.github.Pulls()
	if len(pulls) != 1 {
		t.Fatalf("run 1: pull requests = %d, want 1\ncalls: %v", len(pulls), w.github.Calls())
	}
	pr := pulls[0]
	if pr.GetHead().GetRef() != upgradeBranch || pr.GetBase().GetRef() != "main" || pr.GetTitle() != "Template upgrade to 0.2.0" ||
		!strings.Contains(pr.GetBody(), "SECURITY.md says where to report a vulnerability.") {
		t.Errorf("run 1: pull request %s → %s %q, body:\n%s\nwant %s → main, the title and the 0.2.0 changelog entry",
			pr.GetHead().GetRef(), pr.GetBase().GetRef(), pr.GetTitle(), pr.GetBody(), upgradeBranch)
	}

	// Run 2, a week later with nothing new: the same branch content, the same single pull request.
	res = runAct(t, shared, w.repo, r)
	res.wantJobs(t, "run 2: ", map[string]string{jobUpgrade: "success"})
	if got := w.git("rev-parse", upgradeBranch+"^{tree}"); got != first {
		t.Errorf("run 2: the branch tree moved from %s to %s with no template change", first, got)
	}
	if got := w.github.Pulls(); len(got) != 1 || got[0].GetState() != "open" {
		t.Errorf("run 2: pull requests = %d, want the one from run 1\ncalls: %v", len(got), w.github.Calls())
	}

	// Run 3: a person resolved something on the branch. The bot never pushes over a commit it did not make.
	w.git("checkout", "-q", upgradeBranch)
	writeFile(t, filepath.Join(w.repo, "NOTES.md"), "Reviewed the upgrade.\n")
	human := w.commit("Review the template upgrade")
	w.git("checkout", "-q", "main")
	calls := len(w.github.Calls())
	res = runAct(t, shared, w.repo, r)
	res.wantJobs(t, "run 3: ", map[string]string{jobUpgrade: "success"})
	if got := w.git("rev-parse", upgradeBranch); got != human {
		t.Errorf("run 3: %s = %s, want the person's commit %s left as it is", upgradeBranch, got, human)
	}
	if !strings.Contains(res.log, upgradeBranch+" has commits by someone else: left as it is") {
		t.Errorf("run 3: no notice that the branch was left alone\n%s", res.failures())
	}
	if got := w.github.Calls()[calls:]; len(got) != 0 {
		t.Errorf("run 3: GitHub API calls %v, want none (the pull request step is skipped)", got)
	}

	// Run 4: the pull request was merged. The service is up to date: nothing is pushed or opened.
	w.git("merge", "-q", "--no-edit", upgradeBranch)
	res = runAct(t, shared, w.repo, r)
	res.wantJobs(t, "run 4: ", map[string]string{jobUpgrade: "success"})
	if got := w.git("rev-parse", upgradeBranch); got != human {
		t.Errorf("run 4: %s moved to %s after the merge", upgradeBranch, got)
	}
	if got := w.github.Calls()[calls:]; len(got) != 0 {
		t.Errorf("run 4: GitHub API calls %v, want none", got)
	}
}
