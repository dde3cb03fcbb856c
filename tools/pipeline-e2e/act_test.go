package pipelinee2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// standins maps each action the platform's workflows pin (owner/repo@sha, exactly as in the workflows) to
// its stand-in under standins/ (docs/pipelines-act.md has the table of what each cannot prove).
var standins = map[string]string{
	"actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8":                      "actions/checkout",
	"actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00":                      "actions/setup-go",
	"actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02":               "actions/upload-artifact",
	"actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093":             "actions/download-artifact",
	"hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd":             "hashicorp/setup-terraform",
	"google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093":            "google-github-actions/auth",
	"docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435":            "docker/setup-buildx-action",
	"docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83":              "docker/build-push-action",
	"docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772":                   "docker/login-action",
	"github/codeql-action@5d4e8d1aca955e8d8589aabd499c5cae939e33c7":                  "github/codeql-action",
	"infracost/actions@e9d6e6cd65e168e76b0de50ff9957d2fe8bb1832":                     "infracost/actions",
	"google-github-actions/deploy-cloudrun@2028e2d7d30a78c6910e0632e48dd561b064884d": "google-github-actions/deploy-cloudrun",
	"anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610":                   "anchore/sbom-action",
	"actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32":       "actions/attest-build-provenance",
	"actions/attest-sbom@c604332985a26aa8cf1bdc465b92731239ec6b9e":                   "actions/attest-sbom",
}

// actRun is one `act` invocation: its event, payload and the runner's environment.
type actRun struct {
	event    string
	workflow string // -W, relative to the repository; empty: .github/workflows/ci.yml
	job      string // act -j: this caller job and its needs only; empty runs the whole workflow
	payload  map[string]any
	env      map[string]string // the runner machine's environment (act --env-file)
	secrets  map[string]string
	vars     map[string]string
}

// actResult is what one run did, read from act's JSON log.
type actResult struct {
	jobs      map[string]string // job name as act logs it → success | failure | skipped
	log       string            // act's output, for failure messages
	artifacts string            // act's artifact server storage (--artifact-server-path)
}

// freePort returns a loopback port nobody listens on now (act's artifact server takes a port number).
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

func writeKV(t testing.TB, path string, kv map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if strings.ContainsAny(kv[k], "\n\"") {
			t.Fatalf("env value of %s holds a newline or quote", k)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, kv[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runAct runs the service's ci.yml in repo with act on the host.
func runAct(t testing.TB, p *platform, repo string, r actRun) actResult {
	t.Helper()
	actBin := os.Getenv("ACT_BIN")
	if actBin == "" {
		t.Fatal("ACT_BIN is not set: run `make test-pipelines` (make deps builds .bin/act from tools/act)")
	}
	dir := t.TempDir()
	event, err := json.Marshal(r.payload)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"event.json": event} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeKV(t, filepath.Join(dir, "env"), r.env)
	writeKV(t, filepath.Join(dir, "secrets"), r.secrets)
	writeKV(t, filepath.Join(dir, "vars"), r.vars)
	artifactPort := freePort(t)
	front, err := newArtifactFront("http://127.0.0.1:" + artifactPort)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Close()
	standinDir, err := filepath.Abs("standins")
	if err != nil {
		t.Fatal(err)
	}
	workflow := r.workflow
	if workflow == "" {
		workflow = ".github/workflows/ci.yml"
	}
	args := []string{r.event,
		"-W", workflow,
		"-e", filepath.Join(dir, "event.json"),
		"-P", "ubuntu-latest=-self-hosted",
		"--no-skip-checkout",
		"--defaultbranch", "main",
		"--actor", "octocat",
		"--env-file", filepath.Join(dir, "env"),
		"--secret-file", filepath.Join(dir, "secrets"),
		"--var-file", filepath.Join(dir, "vars"),
		"--input-file", filepath.Join(dir, "none"),
		"--action-cache-path", filepath.Join(dir, "actcache"),
		"--artifact-server-path", filepath.Join(dir, "artifacts"),
		"--artifact-server-addr", "127.0.0.1",
		"--artifact-server-port", artifactPort,
		"--no-cache-server",
		"--json",
		"--local-repository", platformModule[len("github.com/"):] + "@" + platformRef + "=" + p.root,
	}
	if r.job != "" {
		args = append(args, "-j", r.job)
	}
	for ref, sub := range standins {
		args = append(args, "--local-repository", ref+"="+filepath.Join(standinDir, sub))
	}
	cmd := exec.Command(actBin, args...)
	cmd.Dir = repo
	// act itself needs a HOME (it writes ~/.actrc lookups and its cache there); the steps get only the
	// environment of the env file (act passes no other variable of its own process to host steps).
	cmd.Env = []string{"HOME=" + filepath.Join(dir, "home"), "PATH=" + os.Getenv("PATH"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"ACTIONS_RUNTIME_URL=" + front.URL + "/"}
	// The log goes to PIPELINE_E2E_LOGS/<test>.jsonl when set (make test-pipelines: .artifacts/), else only
	// to memory, for the failure messages.
	var out bytes.Buffer
	var sink io.Writer = &out
	if logs := os.Getenv("PIPELINE_E2E_LOGS"); logs != "" {
		if err := os.MkdirAll(logs, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(logs, strings.ReplaceAll(t.Name(), "/", "_")+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sink = io.MultiWriter(&out, f)
	}
	cmd.Stdout, cmd.Stderr = sink, sink
	runErr := cmd.Run()
	res := actResult{jobs: map[string]string{}, log: out.String(), artifacts: filepath.Join(dir, "artifacts")}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var line struct {
			Job       string `json:"job"`
			JobResult string `json:"jobResult"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.JobResult != "" {
			res.jobs[strings.TrimSpace(line.Job)] = line.JobResult
		}
	}
	if _, ok := runErr.(*exec.ExitError); runErr != nil && !ok {
		t.Fatalf("run act: %v", runErr)
	}
	names := make([]string, 0, len(res.jobs))
	for name := range res.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Logf("act %s: job %-45s %s", r.event, name, res.jobs[name])
	}
	return res
}

// failures is the log lines of failed steps and error annotations, for test messages.
func (r actResult) failures() string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(r.log))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var line struct {
			Job string `json:"job"`
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(line.Msg), "\n")
		if strings.HasPrefix(msg, "❌") || strings.HasPrefix(msg, "❗") {
			fmt.Fprintf(&b, "%s: %s\n", strings.TrimSpace(line.Job), msg)
		}
	}
	return b.String()
}

// wantJobs fails the test unless exactly these jobs ran with these results (a job that never started,
// like one whose needs failed or whose if was false, is absent).
func (r actResult) wantJobs(t testing.TB, run string, want map[string]string) {
	t.Helper()
	if diff := cmp.Diff(r.jobs, want); diff != "" {
		t.Fatalf("%sjob results (-got +want):\n%s\n%s", run, diff, r.failures())
	}
}
