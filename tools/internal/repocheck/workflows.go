package repocheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

// ParseWorkflow reads one workflow file's YAML.
func ParseWorkflow(file string, data []byte) (*Workflow, error) {
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

// WorkflowFiles lists the *.yml and *.yaml files of a workflows directory.
func WorkflowFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yml") || strings.HasSuffix(e.Name(), ".yaml")) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// ParseWorkflowFile reads and parses one workflow file.
func ParseWorkflowFile(path string) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	return ParseWorkflow(path, data)
}

// PlatformWorkflowResolver resolves calls of the platform's reusable workflows, local
// (./.github/workflows/x.yml) or remote (<repo>/.github/workflows/x.yml@ref),
// to the files under platformRoot/.github/workflows. The ref is not checked out:
// the calls are checked against the workflows as they are in this tree.
func PlatformWorkflowResolver(platformRoot, repo string) func(string) (*Workflow, bool) {
	return func(uses string) (*Workflow, bool) {
		var rel string
		switch {
		case strings.HasPrefix(uses, "./.github/workflows/"):
			rel = strings.TrimPrefix(uses, "./")
		case strings.HasPrefix(uses, repo+"/.github/workflows/"):
			rel, _, _ = strings.Cut(strings.TrimPrefix(uses, repo+"/"), "@")
		default:
			return nil, false
		}
		w, err := ParseWorkflowFile(filepath.Join(platformRoot, filepath.FromSlash(rel)))
		if err != nil {
			return nil, false
		}
		return w, true
	}
}
