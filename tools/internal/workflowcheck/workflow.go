// Package workflowcheck checks GitHub Actions workflow files for the security
// properties the platform promises and actionlint does not check: SHA-pinned
// actions with a version comment, read-only or empty top-level permissions and
// per-job grants, id-token: write only where Google Cloud auth happens,
// pull-requests: write only where the PR comment is posted, persist-credentials:
// false, pipefail wherever a run: pipes, no pull_request_target, no ${{ }}
// expression inside run: (untrusted data reaches scripts through env only),
// deploys that need both gates behind a protected, non-cancelling job, Jira
// secrets only in the notification job, and callers that pass exactly the
// inputs their reusable workflow declares.
//
// It also drives actionlint (github.com/rhysd/actionlint) with shellcheck.
// It is not a general workflow linter: the rules encode this platform's
// conventions (see the Rule constants) and the names of its gate tools.
package workflowcheck

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Workflow is the part of a workflow file the rules look at.
type Workflow struct {
	File        string
	Events      []string
	Permissions Permissions
	Shell       string // defaults.run.shell
	// Inputs and Secrets of on.workflow_call: name → required (and without default).
	Inputs, Secrets map[string]bool
	Jobs            []*Job
}

// Permissions is a permissions: block. Set is false when the key is absent.
type Permissions struct {
	Set    bool
	All    string            // read-all / write-all when given as a string
	Scopes map[string]string // scope → read|write|none
}

// Job is one jobs.<id> entry: either steps or a reusable workflow call (Uses).
type Job struct {
	ID             string
	Line           int
	Permissions    Permissions
	Uses           string
	UsesComment    string
	With           map[string]string
	Secrets        map[string]string
	SecretsInherit bool
	Needs          []string
	If             string
	Environment    bool
	Concurrency    bool
	CancelFalse    bool // concurrency.cancel-in-progress is literally false
	Shell          string
	Steps          []*Step
	Raw            string // the job re-encoded, for reference scans
}

// Step is one step of a job.
type Step struct {
	Label       string // name, id, uses or the run's first line
	Line        int
	Uses        string
	UsesComment string
	With        map[string]string
	Run         string
	Shell       string
}

// Parse reads one workflow file's YAML.
func Parse(file string, data []byte) (*Workflow, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse %s: not a YAML mapping", file)
	}
	root := doc.Content[0]
	w := &Workflow{File: file, Inputs: map[string]bool{}, Secrets: map[string]bool{}}
	w.Permissions = permissions(get(root, "permissions"))
	w.Shell = scalar(get(get(get(root, "defaults"), "run"), "shell"))
	switch on := get(root, "on"); {
	case on == nil:
		return nil, fmt.Errorf("parse %s: no on: key", file)
	case on.Kind == yaml.ScalarNode:
		w.Events = []string{on.Value}
	case on.Kind == yaml.SequenceNode:
		for _, e := range on.Content {
			w.Events = append(w.Events, e.Value)
		}
	case on.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(on.Content); i += 2 {
			w.Events = append(w.Events, on.Content[i].Value)
		}
		call := get(on, "workflow_call")
		for name, decl := range pairs(get(call, "inputs")) {
			w.Inputs[name] = scalar(get(decl, "required")) == "true" && get(decl, "default") == nil
		}
		for name, decl := range pairs(get(call, "secrets")) {
			w.Secrets[name] = scalar(get(decl, "required")) == "true"
		}
	}
	jobs := get(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse %s: no jobs", file)
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		w.Jobs = append(w.Jobs, job(jobs.Content[i], jobs.Content[i+1]))
	}
	return w, nil
}

func job(key, n *yaml.Node) *Job {
	j := &Job{ID: key.Value, Line: key.Line}
	j.Permissions = permissions(get(n, "permissions"))
	if k, u := getKV(n, "uses"); u != nil {
		j.Uses, j.UsesComment = u.Value, comment(k, u)
	}
	j.With = scalars(get(n, "with"))
	if s := get(n, "secrets"); s != nil {
		if s.Kind == yaml.ScalarNode {
			j.SecretsInherit = s.Value == "inherit"
		} else {
			j.Secrets = scalars(s)
		}
	}
	switch needs := get(n, "needs"); {
	case needs == nil:
	case needs.Kind == yaml.ScalarNode:
		j.Needs = []string{needs.Value}
	default:
		for _, c := range needs.Content {
			j.Needs = append(j.Needs, c.Value)
		}
	}
	j.If = scalar(get(n, "if"))
	j.Environment = get(n, "environment") != nil
	if c := get(n, "concurrency"); c != nil {
		j.Concurrency = true
		j.CancelFalse = scalar(get(c, "cancel-in-progress")) == "false"
	}
	j.Shell = scalar(get(get(get(n, "defaults"), "run"), "shell"))
	if steps := get(n, "steps"); steps != nil {
		for _, s := range steps.Content {
			j.Steps = append(j.Steps, step(s))
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	_ = enc.Encode(n)
	j.Raw = buf.String()
	return j
}

func step(n *yaml.Node) *Step {
	s := &Step{Line: n.Line, With: scalars(get(n, "with")), Run: scalar(get(n, "run")), Shell: scalar(get(n, "shell"))}
	if k, u := getKV(n, "uses"); u != nil {
		s.Uses, s.UsesComment = u.Value, comment(k, u)
	}
	for _, l := range []string{scalar(get(n, "name")), scalar(get(n, "id")), s.Uses, firstLine(s.Run)} {
		if l != "" {
			s.Label = l
			break
		}
	}
	return s
}

// comment returns the line comment of a value, which yaml.v3 may hang on the
// key or the value node.
func comment(key, val *yaml.Node) string {
	if val.LineComment != "" {
		return val.LineComment
	}
	if key != nil {
		return key.LineComment
	}
	return ""
}

func permissions(n *yaml.Node) Permissions {
	if n == nil {
		return Permissions{}
	}
	p := Permissions{Set: true}
	if n.Kind == yaml.ScalarNode {
		p.All = n.Value
		return p
	}
	p.Scopes = scalars(n)
	return p
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	_, v := getKV(n, key)
	return v
}

// getKV returns the key and value nodes of key in mapping n, or nils.
func getKV(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// scalars maps the scalar values of a mapping (non-scalars map to "").
func scalars(n *yaml.Node) map[string]string {
	out := map[string]string{}
	for k, v := range pairs(n) {
		out[k] = scalar(v)
	}
	return out
}

func pairs(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
