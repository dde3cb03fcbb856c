package pipelinee2e

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-github/v75/github"

	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

const (
	repoFullName = "acme/flight-events"
	ghToken      = "ghs_pipelineE2Etoken"
	jiraPAT      = "jira-pat-pipeline-e2e"
	stateBucket  = "acme-flights-dev-tfstate" // example case: <projectId>-tfstate
)

var (
	shared    *platform
	ca        *testCA
	egress    *egressProxy
	sharedErr error
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, err := filepath.Abs("../..")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		dir, err := os.MkdirTemp("", "pipeline-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer os.RemoveAll(dir)
		shared, sharedErr = newPlatform(root, dir)
		if sharedErr == nil {
			ca, sharedErr = newTestCA(filepath.Join(dir, "ca-bundle.pem"))
		}
		if sharedErr == nil {
			egress, sharedErr = newEgressProxy(ca)
		}
		if egress != nil {
			defer egress.Close()
		}
		return m.Run()
	}())
}

// world is one scenario's service repository, its remote SaaS fakes and the runner environment.
type world struct {
	t        testing.TB
	repo     string
	out      string // STANDIN_OUT: what the stand-ins kept (SARIF)
	github   *fakeGitHub
	jira     *jiratest.Server
	cloudrun *fakeCloudRun
	gcs      *fakestorage.Server
	env      map[string]string
	vars     map[string]string
	secrets  map[string]string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	if sharedErr != nil {
		t.Fatalf("set up the platform: %v", sharedErr)
	}
	terraform := os.Getenv("TERRAFORM_BIN")
	if terraform == "" {
		t.Fatal("TERRAFORM_BIN is not set: run `make test-pipelines`")
	}
	w := &world{t: t, repo: filepath.Join(t.TempDir(), "flight-events"), out: t.TempDir()}
	if err := copyTree(shared.service, w.repo); err != nil {
		t.Fatal(err)
	}
	w.git("init", "-q", "-b", "main")
	w.git("remote", "add", "origin", "https://github.com/"+repoFullName+".git")
	w.commit("Initial commit from the golden-path template")

	w.github = newFakeGitHub(repoFullName, ghToken)
	t.Cleanup(w.github.Close)
	w.jira = jiratest.New(t, jiratest.DataCenter, "", "", jiraPAT)
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1",
		// The storage client reads objects at http://<emulator host>/<bucket>/<object>, which the fake
		// serves only for its public host: without this every state read was a 404, so apply's state
		// was never found again.
		PublicHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: stateBucket})
	w.gcs = gcs

	cost, err := filepath.Abs("../internal/cost/testdata/synthetic")
	if err != nil {
		t.Fatal(err)
	}
	nodePath, err := filepath.Abs("standins/artifact/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	// Without the pinned npm install the upload/download stand-ins die in node with "Cannot find module
	// '@actions/core'" deep inside a job; say what is missing up front instead.
	if _, err := os.Stat(filepath.Join(nodePath, "@actions", "artifact", "package.json")); err != nil {
		t.Fatalf("the artifact stand-ins' npm packages are not installed (%s): run make deps", nodePath)
	}
	shims, err := filepath.Abs("standins/bin")
	if err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{
		// The gh and gcloud stand-ins shadow the runner's CLIs (standins/bin).
		"HOME": os.Getenv("HOME"), "PATH": shims + ":" + os.Getenv("PATH"), "LANG": "C.UTF-8",
		"GIT_CONFIG_GLOBAL": shared.gitconfig, "GIT_CONFIG_NOSYSTEM": "1",
		"CHECKPOINT_DISABLE": "1",
		"HTTPS_PROXY":        egress.URL, "https_proxy": egress.URL, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
		"SSL_CERT_FILE": ca.bundle, "CURL_CA_BUNDLE": ca.bundle,
		"STORAGE_EMULATOR_HOST": gcs.URL(),
		"GITHUB_API_URL":        w.github.URL,
		"NODE_PATH":             nodePath,
		"STANDIN_ORIGIN":        w.repo,
		"STANDIN_TERRAFORM":     terraform,
		"STANDIN_TERRAFORMRC":   shared.terraformc,
		"STANDIN_OUT":           w.out,
		"STANDIN_REGISTRY":      filepath.Join(w.out, "registry"),
		"STANDIN_GCP_PROJECT":   "acme-flights-dev",
		// The deploy workflow applies the gated plan: the stub provider "creates" it (nothing anywhere).
		"STUBPROVIDER_APPLY": "1",
		// An OIDC token is on offer to every job (act has no per-job permissions); nothing serves it, the
		// auth stand-in only checks it was offered. The fork scenario withdraws it.
		"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/oidc/token", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token",
		"STANDIN_INFRACOST_BASE": filepath.Join(cost, "gcp_base.json"),
		// A change that does not touch the Terraform: the diff is the base itself (no change in cost).
		"STANDIN_INFRACOST_DIFF": filepath.Join(cost, "gcp_base.json"),
	}
	w.cloudrun = newFakeCloudRun(t, w.env["STANDIN_REGISTRY"], ca)
	w.env["STANDIN_CLOUDRUN_API"] = w.cloudrun.URL
	for _, kv := range shared.goEnv() {
		k, v, _ := strings.Cut(kv, "=")
		w.env[k] = v
	}
	w.vars = map[string]string{
		"GCP_WORKLOAD_IDENTITY_PROVIDER": "projects/123456789012/locations/global/workloadIdentityPools/github/providers/github",
		"GCP_PLAN_SERVICE_ACCOUNT":       "tf-plan@acme-flights-dev.iam.gserviceaccount.com",
		"GCP_APPLY_SERVICE_ACCOUNT":      "tf-apply@acme-flights-dev.iam.gserviceaccount.com",
		"ARTIFACT_REGISTRY":              "europe-west1-docker.pkg.dev/acme-flights-dev/services",
		"BINAUTHZ_ATTESTOR":              "projects/acme-flights-dev/attestors/built-by-ci",
		"BINAUTHZ_KEY_VERSION":           "projects/acme-flights-dev/locations/europe-west1/keyRings/binauthz/cryptoKeys/attestor/cryptoKeyVersions/1",
		"JIRA_BASE_URL":                  w.jira.URL,
	}
	w.secrets = map[string]string{"GITHUB_TOKEN": ghToken, "INFRACOST_API_KEY": "ico-pipeline-e2e", "JIRA_PAT": jiraPAT}
	return w
}

func (w *world) git(args ...string) string {
	w.t.Helper()
	out, err := run(w.repo, []string{"GIT_CONFIG_GLOBAL=" + shared.gitconfig, "GIT_CONFIG_NOSYSTEM=1"}, "git", args...)
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// commit commits the whole tree and returns the new HEAD.
func (w *world) commit(msg string) string {
	w.t.Helper()
	w.git("add", "-A")
	w.git("commit", "-q", "--allow-empty", "-m", msg)
	return w.git("rev-parse", "HEAD")
}

func repository() map[string]any {
	return map[string]any{"full_name": repoFullName, "name": "flight-events", "owner": map[string]any{"login": "acme"},
		"default_branch": "main", "fork": false, "html_url": "https://github.com/" + repoFullName}
}

// pullRequest checks out a branch with one change on top of main and returns the pull_request payload.
func (w *world) pullRequest(number int, change func(repo string)) actRun {
	w.t.Helper()
	base := w.git("rev-parse", "HEAD")
	w.git("checkout", "-q", "-b", "feature")
	change(w.repo)
	head := w.commit("A change under review")
	pr := map[string]any{
		"number": number,
		"head":   map[string]any{"sha": head, "ref": "feature", "repo": repository()},
		"base":   map[string]any{"sha": base, "ref": "main", "repo": repository()},
	}
	return actRun{event: "pull_request", payload: map[string]any{"action": "synchronize", "number": number, "pull_request": pr, "repository": repository()},
		env: w.env, secrets: w.secrets, vars: w.vars}
}

// push commits change on main and returns the push payload (before = the previous main).
func (w *world) push(msg string, change func(repo string)) actRun {
	w.t.Helper()
	before := w.git("rev-parse", "HEAD")
	change(w.repo)
	after := w.commit(msg)
	return actRun{event: "push", payload: map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after, "deleted": false, "created": false, "forced": false,
		"repository": repository(), "pusher": map[string]any{"name": "octocat"},
		"head_commit": map[string]any{"id": after, "message": msg},
	}, env: w.env, secrets: w.secrets, vars: w.vars}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Job names as act reports them: <caller job>/<reusable workflow name>/<job name>.
const (
	jobTest   = "build/service-ci/vet and test"
	jobImage  = "build/service-ci/image"
	jobPlan   = "gates/terraform-gate/plan and policy gate"
	jobCost   = "gates/terraform-gate/cost gate"
	jobDeploy = "deploy/deploy/apply and deploy"
	jobSmoke  = "deploy/deploy/smoke test"
	jobJira   = "jira/jira-notify/jira"
)

const costMarker = "<!-- costgate:"

func costComments(cs []github.IssueComment) []github.IssueComment {
	var out []github.IssueComment
	for _, c := range cs {
		if strings.Contains(c.GetBody(), costMarker) {
			out = append(out, c)
		}
	}
	return out
}

// Scenario 1: a clean pull request. Build, tests and both gates pass, the cost comment is upserted (a
// second run edits the same comment), the SARIF is produced, deploy and Jira never start.
func scenarioPullRequestClean(t testing.TB) {
	w := newWorld(t)
	r := w.pullRequest(7, func(repo string) { writeFile(t, filepath.Join(repo, "NOTES.md"), "A reviewed change.\n") })
	res := runAct(t, shared, w.repo, r)
	want := map[string]string{jobTest: "success", jobImage: "success", jobPlan: "success", jobCost: "success"}
	res.wantJobs(t, "", want)
	first := costComments(w.github.Comments(7))
	if len(first) != 1 {
		t.Fatalf("cost gate comments on PR 7 = %d, want 1: %v", len(first), w.github.Comments(7))
	}
	if !strings.Contains(first[0].GetBody(), "Pass") && !strings.Contains(first[0].GetBody(), "pass") {
		t.Errorf("cost comment does not say the gate passed:\n%s", first[0].GetBody())
	}
	sarif, err := os.ReadFile(filepath.Join(w.out, "sarif", "policygate.sarif"))
	if err != nil {
		t.Fatalf("the plan job uploaded no SARIF: %v", err)
	}
	if !strings.Contains(string(sarif), `"2.1.0"`) {
		t.Errorf("policygate.sarif is not SARIF 2.1.0")
	}
	if got := w.jira.Requests(); len(got) != 0 {
		t.Errorf("Jira was called on a pull request: %v", jiratest.Calls(got))
	}
	if len(egress.VulnRequests()) == 0 {
		t.Errorf("govulncheck never asked the vulnerability database")
	}

	// A new commit on the branch: the same comment is edited, not a second one posted (only the caller
	// job gates runs this time: the comment is its business).
	w.commit("Address review")
	second := runAct(t, shared, w.repo, actRun{event: r.event, job: "gates", payload: r.payload, env: r.env, secrets: r.secrets, vars: r.vars})
	want = map[string]string{jobPlan: "success", jobCost: "success"}
	second.wantJobs(t, "second run's ", want)
	again := costComments(w.github.Comments(7))
	if len(again) != 1 || again[0].GetID() != first[0].GetID() {
		t.Errorf("after the second run the cost comments are %v, want the one comment %d edited", again, first[0].GetID())
	}
}

// callerJobs are ci.yml's caller jobs and the reusable workflow jobs each one runs.
var callerJobs = map[string][]string{"build": {jobTest, jobImage}, "gates": {jobPlan, jobCost}, "deploy": {jobDeploy, jobSmoke}}

// needsOfJira is what ci.yml's jira job receives from a run: toJSON(needs) (the caller jobs' results as
// GitHub reports them: failure if one of its jobs failed, skipped if none started) and its result input.
func needsOfJira(t testing.TB, res actResult) (result, needsJSON string) {
	t.Helper()
	needs := map[string]any{}
	result = "success"
	for caller, jobs := range callerJobs {
		r := "skipped"
		for _, j := range jobs {
			switch res.jobs[j] {
			case "failure":
				r = "failure"
			case "success":
				if r == "skipped" {
					r = "success"
				}
			}
		}
		if r == "failure" {
			result = "failure"
		}
		needs[caller] = map[string]any{"result": r, "outputs": map[string]any{}}
	}
	data, err := json.Marshal(needs)
	if err != nil {
		t.Fatal(err)
	}
	return result, string(data)
}

// notifyJira runs ci.yml's jira job for a run act stopped early (see testdata/jira-caller.yml).
func (w *world) notifyJira(t testing.TB, res actResult) actResult {
	t.Helper()
	result, needsJSON := needsOfJira(t, res)
	caller, err := filepath.Abs("testdata/jira-caller.yml")
	if err != nil {
		t.Fatal(err)
	}
	jira := runAct(t, shared, w.repo, actRun{event: "workflow_dispatch", workflow: caller,
		payload: map[string]any{"ref": "refs/heads/main", "inputs": map[string]any{"result": result, "needs-json": needsJSON}, "repository": repository()},
		env:     w.env, secrets: w.secrets, vars: w.vars})
	jira.wantJobs(t, "jira caller's ", map[string]string{jobJira: "success"})
	return jira
}

func setPublicAPI(t testing.TB, repo string, public bool) {
	t.Helper()
	tfvars := filepath.Join(repo, "iac/envs/dev.tfvars")
	data, err := os.ReadFile(tfvars)
	if err != nil {
		t.Fatal(err)
	}
	from, to := "public_api   = true", "public_api   = false"
	if public {
		from, to = to, from
	}
	if !strings.Contains(string(data), from) {
		t.Fatalf("%s has no %q line", tfvars, from)
	}
	writeFile(t, tfvars, strings.Replace(string(data), from, to, 1))
}

// Scenario 3: a policy violation pushed to main. The policy gate fails and deploy never starts; the Jira
// notification opens one ticket naming the failed job; a second failing run comments on that ticket; the
// next green run (the violation reverted) deploys and closes it. act stops a run at its first failed
// caller job, so after the failing runs ci.yml's jira job is run from testdata/jira-caller.yml with the
// inputs it would have received; the green run is ci.yml's own, jira job included.
func scenarioPushPolicyViolation(t testing.TB) {
	w := newWorld(t)
	// A public API without the waiver the template would have written with it.
	t.Log("run 1: push to main: public_api = true, no waiver")
	res := runAct(t, shared, w.repo, w.push("Open the API to the internet", func(repo string) { setPublicAPI(t, repo, true) }))
	failed := map[string]string{jobTest: "success", jobImage: "success", jobPlan: "failure"}
	res.wantJobs(t, "", failed)
	if !strings.Contains(res.log, "the plan violates policy") {
		t.Errorf("the plan job failed, but not at the policy gate:\n%s", res.failures())
	}
	w.notifyJira(t, res)
	issues := w.jira.Issues()
	if len(issues) != 1 {
		t.Fatalf("Jira issues after the first failure = %d, want 1: %+v\ncalls: %v", len(issues), issues, jiratest.Calls(w.jira.Requests()))
	}
	ticket := issues[0]
	t.Logf("ticket %s %q", ticket.Key, ticket.Summary)
	if !strings.Contains(ticket.Summary, "gates") {
		t.Errorf("ticket summary %q does not name the failed job gates", ticket.Summary)
	}

	t.Log("run 2: push to main, still public")
	res = runAct(t, shared, w.repo, w.push("Still public", func(repo string) { writeFile(t, filepath.Join(repo, "NOTES.md"), "retry\n") }))
	res.wantJobs(t, "second run's ", failed)
	w.notifyJira(t, res)
	issues = w.jira.Issues()
	if len(issues) != 1 || len(issues[0].Comments) != 1 {
		t.Fatalf("after the second failure: %+v; want the one ticket with one comment\ncalls: %v", issues, jiratest.Calls(w.jira.Requests()))
	}
	t.Logf("ticket %s: 1 comment (no second ticket)", issues[0].Key)

	t.Log("run 3: push to main: the violation reverted")
	res = runAct(t, shared, w.repo, w.push("Keep the API internal", func(repo string) { setPublicAPI(t, repo, false) }))
	res.wantJobs(t, "the green run's ", map[string]string{jobTest: "success", jobImage: "success", jobPlan: "success", jobCost: "success",
		jobDeploy: "success", jobSmoke: "success", jobJira: "success"})
	issues = w.jira.Issues()
	if len(issues) != 1 || issues[0].StatusCategory != "done" {
		t.Fatalf("after the green run: %+v; want the one ticket done\ncalls: %v", issues, jiratest.Calls(w.jira.Requests()))
	}
	t.Logf("ticket %s is %s after the green run", issues[0].Key, issues[0].Status)
}

// Scenario 4: a pull request whose estimate breaks the cost policy (Cloud Run made always-on: the
// committed over-budget diff). The cost gate comments Blocked and the run is red; deploy never starts.
func scenarioPullRequestCostBlocked(t testing.TB) {
	w := newWorld(t)
	w.env["STANDIN_INFRACOST_DIFF"] = filepath.Join(filepath.Dir(w.env["STANDIN_INFRACOST_BASE"]), "gcp_pr_over_budget.json")
	r := w.pullRequest(8, func(repo string) { writeFile(t, filepath.Join(repo, "NOTES.md"), "Keep an instance warm.\n") })
	r.job = "gates" // the build is scenario 1's business
	res := runAct(t, shared, w.repo, r)
	want := map[string]string{jobPlan: "success", jobCost: "failure"}
	res.wantJobs(t, "", want)
	cs := costComments(w.github.Comments(8))
	if len(cs) != 1 || !strings.Contains(cs[0].GetBody(), "Blocked") {
		t.Fatalf("cost comments on PR 8 = %v, want one saying Blocked", cs)
	}
	if !strings.Contains(res.log, "the estimate breaks the cost policy") {
		t.Errorf("the cost job failed, but not on the estimate:\n%s", res.failures())
	}
}

// zipSHA256 is the hex sha256 of a file in a zip archive.
func zipSHA256(t testing.TB, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Scenario 2: a clean push to main. Both gates pass, then deploy applies the gated plan artifact (with
// its lock file), deploys the pushed image by digest and the smoke test reaches /healthz and /datos on
// the running service; Jira's close finds nothing open.
func scenarioPushDeploy(t testing.TB) {
	w := newWorld(t)
	res := runAct(t, shared, w.repo, w.push("Document the service", func(repo string) { writeFile(t, filepath.Join(repo, "NOTES.md"), "Deployed by CI.\n") }))
	want := map[string]string{jobTest: "success", jobImage: "success", jobPlan: "success", jobCost: "success",
		jobDeploy: "success", jobSmoke: "success", jobJira: "success"}
	res.wantJobs(t, "", want)
	zips, err := filepath.Glob(filepath.Join(res.artifacts, "*", "tfplan-dev", "tfplan-dev.zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("plan artifact: %v %v", zips, err)
	}
	zr, err := zip.OpenReader(zips[0])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	artifactPlan := ""
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "tfplan" {
			artifactPlan = zipSHA256(t, f)
		}
	}
	zr.Close()
	if diff := cmp.Diff(names, []string{".terraform.lock.hcl", "plan.json", "tfplan"}, cmpSorted); diff != "" {
		t.Errorf("plan artifact files (-got +want):\n%s", diff)
	}
	// Exactly the gated plan is applied: the one saved plan the plan job wrote and showed to the policy gate
	// (plan.json) is the artifact's tfplan, byte for byte, and the only plan deploy's terraform applied.
	plans, err := os.ReadFile(filepath.Join(w.out, "terraform-plans.log"))
	if err != nil {
		t.Fatalf("the terraform stand-in recorded no saved plan: %v", err)
	}
	byVerb := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(plans)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			byVerb[f[1]] = append(byVerb[f[1]], f[2])
		}
	}
	want1 := []string{artifactPlan}
	if diff := cmp.Diff(byVerb, map[string][]string{"plan": want1, "show": want1, "apply": want1}); diff != "" {
		t.Errorf("saved plans by terraform verb, want the artifact's tfplan %s for each (-got +want):\n%s\n%s", artifactPlan, diff, plans)
	}
	state, err := w.gcs.GetObject(stateBucket, "flight-events/dev/default.tfstate")
	if err != nil {
		t.Fatalf("no Terraform state after deploy's apply: %v", err)
	}
	if !strings.Contains(string(state.Content), "google_cloud_run_v2_service") {
		t.Errorf("the applied state holds no Cloud Run service")
	}
	pushed, err := os.ReadFile(filepath.Join(w.env["STANDIN_REGISTRY"], "tags"))
	if err != nil {
		t.Fatal(err)
	}
	digest := strings.Fields(string(pushed))[1]
	deployed := w.cloudrun.Deployed()
	for svc, image := range deployed {
		if !strings.HasSuffix(image, "@"+digest) {
			t.Errorf("service %s got %s, want the pushed digest %s", svc, image, digest)
		}
	}
	if len(deployed) != 2 {
		t.Errorf("deployed services = %v, want the API and the subscriber", deployed)
	}
	hits := strings.Join(w.cloudrun.Hits(), "\n")
	for _, want := range []string{"GET /healthz bearer=true", "GET /datos?limit=1 bearer=true"} {
		if !strings.Contains(hits, want) {
			t.Errorf("the smoke test never sent %q; the services saw:\n%s", want, hits)
		}
	}
	for _, c := range jiratest.Calls(w.jira.Requests()) {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a green run with nothing open wrote to Jira: %s", c)
		}
	}
}

var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// Scenario 5: a pull request from a fork. GitHub gives such a run no secrets (GITHUB_TOKEN aside) and no
// OIDC token: the gates fail closed at the plan's Workload Identity step, nothing is posted, Jira is not
// called, deploy never starts.
func scenarioForkPullRequest(t testing.TB) {
	w := newWorld(t)
	r := w.pullRequest(9, func(repo string) { writeFile(t, filepath.Join(repo, "NOTES.md"), "From a fork.\n") })
	pr := r.payload["pull_request"].(map[string]any)
	fork := repository()
	fork["full_name"], fork["fork"] = "mallory/flight-events", true
	pr["head"].(map[string]any)["repo"] = fork
	r.secrets = map[string]string{"GITHUB_TOKEN": ghToken}
	env := map[string]string{}
	for k, v := range r.env {
		if !strings.HasPrefix(k, "ACTIONS_ID_TOKEN_REQUEST_") {
			env[k] = v
		}
	}
	r.env = env
	// The whole workflow: the build jobs must pass without secrets or a token (they use neither on a pull
	// request), the plan job must fail closed at Workload Identity, nothing after it may start.
	res := runAct(t, shared, w.repo, r)
	res.wantJobs(t, "", map[string]string{jobTest: "success", jobImage: "success", jobPlan: "failure"})
	if !strings.Contains(res.log, "this job is being run from a fork") {
		t.Errorf("the plan job failed, but not for want of an OIDC token:\n%s", res.failures())
	}
	if cs := w.github.Comments(9); len(cs) != 0 {
		t.Errorf("a fork's run posted %d comments", len(cs))
	}
	if got := w.jira.Requests(); len(got) != 0 {
		t.Errorf("a fork's run called Jira: %v", jiratest.Calls(got))
	}
}
