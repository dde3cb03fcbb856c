// Package cinotify decides what a CI failure or recovery does to Jira: it
// fingerprints the failing job, finds the open ticket that carries that
// fingerprint, and creates one, comments on it (within a daily spam budget)
// or closes it through a transition named by the user. It renders the
// wiki-markup bodies and plans --dry-run requests without sending them.
//
// It does not talk HTTP itself (package jira does), read flags or the process
// environment directly (the jiranotify command does), or decide what is retried
// and how long to wait (package httpretry does); it only re-searches before
// re-creating after a create whose outcome is unknown, after httpretry's Wait.
package cinotify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Run is the CI run context, read from GITHUB_* variables and overridable by flags.
type Run struct {
	ServerURL    string // GITHUB_SERVER_URL, https://github.com by default
	Repository   string // GITHUB_REPOSITORY, owner/name
	Workflow     string // GITHUB_WORKFLOW, the workflow's display name
	WorkflowFile string // from GITHUB_WORKFLOW_REF: .github/workflows/ci.yml
	Job          string // GITHUB_JOB
	Step         string // the failing step (no GitHub variable; --step)
	Branch       string // GITHUB_HEAD_REF on pull requests, else GITHUB_REF_NAME
	SHA          string // GITHUB_SHA
	RunID        string // GITHUB_RUN_ID (never the run number)
	RunAttempt   string // GITHUB_RUN_ATTEMPT
	Actor        string // GITHUB_ACTOR
	Event        string // GITHUB_EVENT_NAME
}

// RunFromEnv reads the run context with getenv.
func RunFromEnv(getenv func(string) string) Run {
	r := Run{
		ServerURL:  getenv("GITHUB_SERVER_URL"),
		Repository: getenv("GITHUB_REPOSITORY"),
		Workflow:   getenv("GITHUB_WORKFLOW"),
		Job:        getenv("GITHUB_JOB"),
		Branch:     getenv("GITHUB_HEAD_REF"),
		SHA:        getenv("GITHUB_SHA"),
		RunID:      getenv("GITHUB_RUN_ID"),
		RunAttempt: getenv("GITHUB_RUN_ATTEMPT"),
		Actor:      getenv("GITHUB_ACTOR"),
		Event:      getenv("GITHUB_EVENT_NAME"),
	}
	if r.Branch == "" {
		r.Branch = getenv("GITHUB_REF_NAME")
	}
	// GITHUB_WORKFLOW_REF = owner/repo/.github/workflows/ci.yml@refs/heads/main
	if ref := getenv("GITHUB_WORKFLOW_REF"); ref != "" {
		ref, _, _ = strings.Cut(ref, "@")
		if r.Repository != "" {
			ref = strings.TrimPrefix(ref, r.Repository+"/")
		}
		r.WorkflowFile = ref
	}
	return r
}

var (
	reRepo   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	reDigits = regexp.MustCompile(`^[0-9]+$`)
	reSHA    = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

// Normalize fills defaults (server URL, attempt 1) and checks the fields the
// links and the fingerprint depend on.
func (r *Run) Normalize() error {
	r.ServerURL = strings.TrimSuffix(strings.TrimSpace(r.ServerURL), "/")
	if r.ServerURL == "" {
		r.ServerURL = "https://github.com"
	}
	if r.RunAttempt == "" {
		r.RunAttempt = "1"
	}
	var errs []error
	if u, err := url.Parse(r.ServerURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("server URL %q is not an absolute http(s) URL", r.ServerURL))
	}
	if !reRepo.MatchString(r.Repository) {
		errs = append(errs, fmt.Errorf("repository %q is not owner/name (--repository or GITHUB_REPOSITORY)", r.Repository))
	}
	if !reDigits.MatchString(r.RunID) {
		errs = append(errs, fmt.Errorf("run ID %q is not a number (--run-id or GITHUB_RUN_ID)", r.RunID))
	}
	if !reDigits.MatchString(r.RunAttempt) {
		errs = append(errs, fmt.Errorf("run attempt %q is not a number (--run-attempt or GITHUB_RUN_ATTEMPT)", r.RunAttempt))
	}
	if r.SHA != "" && !reSHA.MatchString(r.SHA) {
		errs = append(errs, fmt.Errorf("commit %q is not a hex SHA (--sha or GITHUB_SHA)", r.SHA))
	}
	if r.Workflow == "" && r.WorkflowFile == "" {
		errs = append(errs, errors.New("missing workflow (--workflow or GITHUB_WORKFLOW)"))
	}
	if r.Job == "" {
		errs = append(errs, errors.New("missing job (--job or GITHUB_JOB)"))
	}
	return errors.Join(errs...)
}

// RunURL links the exact attempt: …/actions/runs/<id>/attempts/<attempt>.
func (r Run) RunURL() string {
	return fmt.Sprintf("%s/%s/actions/runs/%s/attempts/%s", r.ServerURL, r.Repository, r.RunID, r.RunAttempt)
}

// RepoURL links the repository.
func (r Run) RepoURL() string { return r.ServerURL + "/" + r.Repository }

// CommitURL links the commit, or "" without a SHA.
func (r Run) CommitURL() string {
	if r.SHA == "" {
		return ""
	}
	return r.RepoURL() + "/commit/" + r.SHA
}

// ShortSHA is the first 7 characters of the commit.
func (r Run) ShortSHA() string {
	if len(r.SHA) > 7 {
		return r.SHA[:7]
	}
	return r.SHA
}

// workflowID is the stable workflow identity: its file when known, else its name.
func (r Run) workflowID() string {
	if r.WorkflowFile != "" {
		return r.WorkflowFile
	}
	return r.Workflow
}

// workflowName is what people read.
func (r Run) workflowName() string {
	if r.Workflow != "" {
		return r.Workflow
	}
	return r.WorkflowFile
}

// FingerprintPrefix starts every fingerprint label.
const FingerprintPrefix = "ci-fp-"

// Fingerprint is the dedup label: ci-fp- plus the first 12 hex digits of
// sha256 over repository, workflow, job, failing step and branch. The fields
// are JSON-encoded as a list so that no two field tuples share an input.
func Fingerprint(r Run) string {
	b, _ := json.Marshal([]string{r.Repository, r.workflowID(), r.Job, r.Step, r.Branch})
	sum := sha256.Sum256(b)
	return FingerprintPrefix + hex.EncodeToString(sum[:])[:12]
}
