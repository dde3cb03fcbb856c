package repocheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Rule names a security property. WorkflowFindings carry one.
type Rule string

// The rules CheckWorkflow applies.
const (
	PinnedUses         Rule = "pinned-uses"         // third-party uses: @<40 hex> # vX.Y.Z; platform workflows @vX.Y.Z
	TopPermissions     Rule = "top-permissions"     // permissions: {} or read-only at the top
	JobPermissions     Rule = "job-permissions"     // every job declares its own grants
	IDToken            Rule = "id-token"            // id-token: write exactly on jobs that authenticate to Google Cloud or sign attestations
	Attestations       Rule = "attestations"        // attestations: write exactly on jobs that create artifact attestations
	PinnedTools        Rule = "pinned-tools"        // go run/go install of a remote module at an exact vX.Y.Z (or a validated $REF)
	PullRequestsWrite  Rule = "pull-requests-write" // pull-requests: write only where a PR comment or an upgrade PR is posted
	PersistCredentials Rule = "persist-credentials" // actions/checkout with persist-credentials: false
	Pipefail           Rule = "pipefail"            // a run: with a pipe runs under shell: bash (or set -o pipefail)
	PullRequestTarget  Rule = "pull-request-target" // never on: pull_request_target
	ExpressionInRun    Rule = "expression-in-run"   // no ${{ }} inside run: (use env)
	DeployGates        Rule = "deploy-gates"        // a deploy needs the policy and the cost gate, and cannot bypass them
	DeployProtection   Rule = "deploy-protection"   // a deploying job: main only, environment, non-cancelling concurrency
	DeployByDigest     Rule = "deploy-by-digest"    // Cloud Run gets an image by digest
	TerraformWrapper   Rule = "terraform-wrapper"   // setup-terraform with terraform_wrapper: false
	SecretsScope       Rule = "secrets-scope"       // no secrets: inherit; Jira secrets only in the Jira job
	CallerInputs       Rule = "caller-inputs"       // a reusable workflow call passes exactly its declared inputs/secrets
)

// WorkflowFinding is one violated rule, located by file and job.
type WorkflowFinding struct {
	File string
	Job  string
	Line int
	Rule Rule
	Msg  string
}

func (f WorkflowFinding) String() string {
	return fmt.Sprintf("%s:%d: job %s: %s: %s", f.File, f.Line, f.Job, f.Rule, f.Msg)
}

// WorkflowOptions configure CheckWorkflow.
type WorkflowOptions struct {
	// TrustedWorkflows is the prefix of reusable workflows that may be pinned to an
	// exact release tag (vX.Y.Z) instead of a SHA: the platform's own, whose tag the
	// template chooses. Empty: every uses: needs a SHA.
	TrustedWorkflows string
	// Resolve returns the reusable workflow a job's uses: calls, when it is available
	// (local or the platform's own). Nil or false: the call's contents are unknown.
	Resolve func(uses string) (*Workflow, bool)
}

var (
	shaPin       = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[0-9a-f]{40}$`)
	versionNote  = regexp.MustCompile(`^#\s*v\d+\.\d+\.\d+$`)
	exactTag     = regexp.MustCompile(`@v\d+\.\d+\.\d+$`)
	digestCheck  = regexp.MustCompile(`sha256:\[0-9a-f\]\{64\}`)
	statusBypass = regexp.MustCompile(`\b(always|failure|cancelled)\s*\(`)
	goTool       = regexp.MustCompile(`\bgo\s+(?:run|install)\s+(?:-\S+\s+)*"?([a-z0-9.-]+\.[a-z]+/[^\s"@]+)@([^\s"]*)`)
	toolVersion  = regexp.MustCompile(`^(v\d+\.\d+\.\d+|\$\{?[A-Z_]+\}?)$`)
)

// attestActions are the actions that sign an artifact attestation: they mint
// an OIDC token (Sigstore certificate) and write to the attestations API.
var attestActions = []string{"actions/attest@", "actions/attest-build-provenance@", "actions/attest-sbom@"}

// features are what a job does, directly or through the workflow it calls.
type features struct {
	auth, attest, comment, deploy, policyGate, costGate, jira bool
}

func (f *features) add(g features) {
	f.auth = f.auth || g.auth
	f.attest = f.attest || g.attest
	f.comment = f.comment || g.comment
	f.deploy = f.deploy || g.deploy
	f.policyGate = f.policyGate || g.policyGate
	f.costGate = f.costGate || g.costGate
	f.jira = f.jira || g.jira
}

func stepFeatures(s *Step) features {
	return features{
		auth:       strings.HasPrefix(s.Uses, "google-github-actions/auth@"),
		attest:     slices.ContainsFunc(attestActions, func(a string) bool { return strings.HasPrefix(s.Uses, a) }),
		comment:    strings.Contains(s.Run, "--post") || strings.Contains(s.Run, "infracost comment") || strings.Contains(s.Run, "tools/scaffold@$PLATFORM_REF\" upgrade-pr"),
		deploy:     strings.HasPrefix(s.Uses, "google-github-actions/deploy-cloudrun@") || strings.Contains(s.Run, "terraform apply") || strings.Contains(s.Run, "gcloud run deploy"),
		policyGate: strings.Contains(s.Run, "policygate"),
		costGate:   strings.Contains(s.Run, "costgate"),
		jira:       strings.Contains(s.Run, "jiranotify") || strings.Contains(s.Run, "tools/dora"),
	}
}

// CheckWorkflow applies every rule to w and returns the findings in file order.
func CheckWorkflow(w *Workflow, o WorkflowOptions) []WorkflowFinding {
	c := &checker{w: w, o: o, feat: map[string]features{}, called: map[string]*Workflow{}}
	c.run()
	return c.out
}

type checker struct {
	w      *Workflow
	o      WorkflowOptions
	feat   map[string]features
	called map[string]*Workflow
	out    []WorkflowFinding
}

func (c *checker) add(j *Job, line int, r Rule, format string, args ...any) {
	id := "-"
	if j != nil {
		id = j.ID
	}
	c.out = append(c.out, WorkflowFinding{File: c.w.File, Job: id, Line: line, Rule: r, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) run() {
	w := c.w
	for _, j := range w.Jobs {
		var f features
		for _, s := range j.Steps {
			f.add(stepFeatures(s))
		}
		if j.Uses != "" && c.o.Resolve != nil {
			rw, ok := c.o.Resolve(j.Uses)
			if !ok && c.o.TrustedWorkflows != "" && strings.HasPrefix(j.Uses, c.o.TrustedWorkflows) {
				c.add(j, j.Line, CallerInputs, "%s: no such platform workflow", j.Uses)
			}
			if ok {
				c.called[j.ID] = rw
				for _, rj := range rw.Jobs {
					for _, s := range rj.Steps {
						f.add(stepFeatures(s))
					}
				}
			}
		}
		c.feat[j.ID] = f
	}
	if slices.Contains(w.Events, "pull_request_target") {
		c.add(nil, 1, PullRequestTarget, "on: pull_request_target runs with secrets and a write token on fork code; use pull_request")
	}
	c.topPermissions()
	for _, j := range w.Jobs {
		c.job(j)
	}
}

func (c *checker) topPermissions() {
	p := c.w.Permissions
	switch {
	case !p.Set:
		c.add(nil, 1, TopPermissions, "no top-level permissions: jobs would get the repository's default token grants; use permissions: {}")
	case p.All != "" && p.All != "read-all":
		c.add(nil, 1, TopPermissions, "top-level permissions: %s; use {} and grant per job", p.All)
	default:
		for _, scope := range sortedKeys(p.Scopes) {
			if v := p.Scopes[scope]; v != "read" && v != "none" {
				c.add(nil, 1, TopPermissions, "top-level permissions grant %s: %s; grant it on the job that needs it", scope, v)
			}
		}
	}
}

func (c *checker) job(j *Job) {
	f := c.feat[j.ID]
	grant := func(scope string) bool {
		return j.Permissions.Scopes[scope] == "write" || j.Permissions.All == "write-all"
	}
	if !j.Permissions.Set {
		c.add(j, j.Line, JobPermissions, "no permissions: block; declare the job's grants (a job-level block replaces the top-level one)")
	}
	switch {
	case grant("id-token") && !f.auth && !f.attest:
		c.add(j, j.Line, IDToken, "id-token: write but the job neither authenticates to Google Cloud nor signs an attestation")
	case f.auth && !grant("id-token"):
		c.add(j, j.Line, IDToken, "authenticates to Google Cloud (Workload Identity Federation) without id-token: write")
	case f.attest && !grant("id-token"):
		c.add(j, j.Line, IDToken, "signs artifact attestations without id-token: write (the Sigstore certificate needs the OIDC token)")
	}
	switch {
	case grant("attestations") && !f.attest:
		c.add(j, j.Line, Attestations, "attestations: write but the job creates no artifact attestation")
	case f.attest && !grant("attestations"):
		c.add(j, j.Line, Attestations, "creates artifact attestations without attestations: write")
	}
	if grant("pull-requests") && !f.comment {
		c.add(j, j.Line, PullRequestsWrite, "pull-requests: write but the job posts no pull-request comment")
	}
	if j.SecretsInherit {
		c.add(j, j.Line, SecretsScope, "secrets: inherit hands every secret to the called workflow; pass the ones it declares")
	}
	if strings.Contains(j.Raw, "secrets.JIRA_") && !f.jira {
		c.add(j, j.Line, SecretsScope, "Jira secrets in a job that does not call Jira (jiranotify, dora)")
	}
	if j.Uses != "" {
		c.pin(j, j.Line, j.Uses, j.UsesComment)
		c.callerInputs(j)
	}
	c.deploy(j, f)
	for _, s := range j.Steps {
		c.step(j, s)
	}
}

func (c *checker) pin(j *Job, line int, uses, note string) {
	switch {
	case strings.HasPrefix(uses, "./"):
		return
	case strings.HasPrefix(uses, "docker://"):
		if !strings.Contains(uses, "@sha256:") {
			c.add(j, line, PinnedUses, "%s: pin the image by digest", uses)
		}
	case c.o.TrustedWorkflows != "" && strings.HasPrefix(uses, c.o.TrustedWorkflows):
		if !exactTag.MatchString(uses) && !shaPin.MatchString(uses) {
			c.add(j, line, PinnedUses, "%s: pin the platform workflow to a release tag vX.Y.Z or a commit SHA", uses)
		}
	case !shaPin.MatchString(uses):
		c.add(j, line, PinnedUses, "%s: pin to a full 40-hex commit SHA (a tag or branch can move)", uses)
	case !versionNote.MatchString(strings.TrimSpace(note)):
		c.add(j, line, PinnedUses, "%s: add the version as a comment, # vX.Y.Z (got %q)", uses, note)
	}
}

func (c *checker) callerInputs(j *Job) {
	rw, ok := c.called[j.ID]
	if !ok {
		return
	}
	if !slices.Contains(rw.Events, "workflow_call") {
		c.add(j, j.Line, CallerInputs, "%s is not a reusable workflow (no on: workflow_call)", j.Uses)
		return
	}
	for _, k := range sortedKeys(j.With) {
		if _, ok := rw.Inputs[k]; !ok {
			c.add(j, j.Line, CallerInputs, "with: %s is not an input of %s", k, j.Uses)
		}
	}
	for _, k := range sortedKeys(rw.Inputs) {
		if _, ok := j.With[k]; rw.Inputs[k] && !ok {
			c.add(j, j.Line, CallerInputs, "required input %s of %s is missing", k, j.Uses)
		}
	}
	for _, k := range sortedKeys(j.Secrets) {
		if _, ok := rw.Secrets[k]; !ok {
			c.add(j, j.Line, CallerInputs, "secrets: %s is not a secret of %s", k, j.Uses)
		}
	}
	for _, k := range sortedKeys(rw.Secrets) {
		if _, ok := j.Secrets[k]; rw.Secrets[k] && !ok && !j.SecretsInherit {
			c.add(j, j.Line, CallerInputs, "required secret %s of %s is missing", k, j.Uses)
		}
	}
}

func (c *checker) deploy(j *Job, f features) {
	if !f.deploy {
		return
	}
	direct := false
	for _, s := range j.Steps {
		direct = direct || stepFeatures(s).deploy
	}
	if direct {
		if !strings.Contains(j.If, "refs/heads/main") {
			c.add(j, j.Line, DeployProtection, "deploys without if: restricting it to refs/heads/main")
		}
		if !j.Environment {
			c.add(j, j.Line, DeployProtection, "deploys without an environment: (protection rules, required reviewers)")
		}
		if !j.Concurrency || !j.CancelFalse {
			c.add(j, j.Line, DeployProtection, "deploys without concurrency: cancel-in-progress: false (a cancelled apply can corrupt state)")
		}
	}
	// Gates: a workflow that can only be called leaves them to its caller.
	if len(c.w.Events) == 1 && c.w.Events[0] == "workflow_call" {
		return
	}
	var upstream features
	seen := map[string]bool{}
	var walk func(ids []string)
	walk = func(ids []string) {
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			upstream.add(c.feat[id])
			for _, other := range c.w.Jobs {
				if other.ID == id {
					walk(other.Needs)
				}
			}
		}
	}
	walk(j.Needs)
	if !upstream.policyGate {
		c.add(j, j.Line, DeployGates, "deploys without needing a job that runs the policy gate")
	}
	if !upstream.costGate {
		c.add(j, j.Line, DeployGates, "deploys without needing a job that runs the cost gate")
	}
	if statusBypass.MatchString(j.If) {
		c.add(j, j.Line, DeployGates, "if: %q can run the deploy after a failed gate", j.If)
	}
}

func (c *checker) step(j *Job, s *Step) {
	if s.Uses != "" {
		c.pin(j, s.Line, s.Uses, s.UsesComment)
	}
	switch {
	case strings.HasPrefix(s.Uses, "actions/checkout@"):
		if s.With["persist-credentials"] != "false" {
			c.add(j, s.Line, PersistCredentials, "step %q: actions/checkout without persist-credentials: false leaves the token in .git/config", s.Label)
		}
	case strings.HasPrefix(s.Uses, "hashicorp/setup-terraform@"):
		if s.With["terraform_wrapper"] != "false" {
			c.add(j, s.Line, TerraformWrapper, "step %q: setup-terraform without terraform_wrapper: false wraps terraform show -json output", s.Label)
		}
	case strings.HasPrefix(s.Uses, "google-github-actions/deploy-cloudrun@"):
		img := s.With["image"]
		validated := false
		for _, o := range j.Steps {
			validated = validated || digestCheck.MatchString(o.Run)
		}
		switch {
		case img == "":
			c.add(j, s.Line, DeployByDigest, "step %q: deploy-cloudrun without image: (a source deploy builds an unreviewed image)", s.Label)
		case strings.Contains(img, "${{"):
			if !validated {
				c.add(j, s.Line, DeployByDigest, "step %q: image %s is not checked to be @sha256:<64 hex> in this job", s.Label, img)
			}
		case !strings.Contains(img, "@sha256:"):
			c.add(j, s.Line, DeployByDigest, "step %q: image %s is not pinned by digest", s.Label, img)
		}
	}
	if s.Run == "" {
		return
	}
	for _, m := range goTool.FindAllStringSubmatch(s.Run, -1) {
		if !toolVersion.MatchString(m[2]) {
			c.add(j, s.Line, PinnedTools, "step %q: %s@%s: pin the tool to an exact vX.Y.Z (go.sum of the module proxy then fixes its content)", s.Label, m[1], m[2])
		}
	}
	if strings.Contains(s.Run, "${{") {
		c.add(j, s.Line, ExpressionInRun, "step %q: ${{ }} inside run: is pasted into the script before it runs (injection); pass it through env:", s.Label)
	}
	if hasPipe(s.Run) {
		shell := s.Shell
		if shell == "" {
			shell = j.Shell
		}
		if shell == "" {
			shell = c.w.Shell
		}
		if shell != "bash" && !strings.Contains(s.Run, "pipefail") {
			c.add(j, s.Line, Pipefail, "step %q pipes without pipefail (default shell is bash -e {0}); set shell: bash", s.Label)
		}
	}
}

// hasPipe reports whether a shell script has a pipe outside quotes and comments
// (|| is not a pipe).
func hasPipe(script string) bool {
	var quote byte
	for i := 0; i < len(script); i++ {
		ch := script[i]
		switch {
		case quote != 0:
			if ch == '\\' && quote == '"' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\\':
			i++
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '#' && (i == 0 || strings.ContainsRune(" \t\n;", rune(script[i-1]))):
			for i < len(script) && script[i] != '\n' {
				i++
			}
		case ch == '|':
			if i+1 < len(script) && script[i+1] == '|' {
				i++
				continue
			}
			return true
		}
	}
	return false
}
