package tfcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Finding is one problem, located at a file and line.
type Finding struct {
	File string
	Line int
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg)
	}
	return fmt.Sprintf("%s: %s", f.File, f.Msg)
}

func at(r hcl.Range, format string, args ...any) Finding {
	return Finding{File: r.Filename, Line: r.Start.Line, Msg: fmt.Sprintf(format, args...)}
}

// SortFindings orders findings by file, line and message.
func SortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].File != fs[j].File {
			return fs[i].File < fs[j].File
		}
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return fs[i].Msg < fs[j].Msg
	})
}

// CheckFormat reports a file whose content is not what hclwrite.Format (the
// formatter behind terraform fmt) makes of it, with the first differing line.
func CheckFormat(path string, src []byte) []Finding {
	formatted := hclwrite.Format(src)
	if bytes.Equal(formatted, src) {
		return nil
	}
	got, want := strings.Split(string(src), "\n"), strings.Split(string(formatted), "\n")
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return []Finding{{File: path, Line: i + 1, Msg: fmt.Sprintf("not canonically formatted (terraform fmt): have %q, want %q", got[i], want[i])}}
		}
	}
	return []Finding{{File: path, Msg: "not canonically formatted (terraform fmt): line count differs"}}
}

// CheckFormatDir runs CheckFormat on every .tf and .tfvars file under dir.
func CheckFormatDir(dir string) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != dir {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tfvars")) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, CheckFormat(p, src)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", dir, err)
	}
	return out, nil
}

// Kind says which rules a module follows.
type Kind int

const (
	// SharedModule is a reusable module: CFT files, README, no backend, no
	// provider configuration.
	SharedModule Kind = iota
	// RootModule is a deployable root (bootstrap, examples, a service).
	RootModule
)

// cftFiles are the files every module has (Cloud Foundation Toolkit layout).
var cftFiles = []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf"}

// Lint checks a module's own conventions: files, variables, outputs,
// provider pins and labels.
func Lint(m *Module, kind Kind) []Finding {
	var out []Finding
	for _, f := range cftFiles {
		if _, ok := m.Files[f]; !ok {
			out = append(out, Finding{File: filepath.Join(m.Dir, f), Msg: "missing (modules use main.tf, variables.tf, outputs.tf, versions.tf)"})
		}
	}
	for _, v := range sortedVariables(m) {
		if v.Type == nil {
			out = append(out, at(v.Range, "variable %q has no type", v.Name))
		}
		if strings.TrimSpace(v.Description) == "" {
			out = append(out, at(v.Range, "variable %q has no description", v.Name))
		}
	}
	for _, o := range sortedOutputs(m) {
		if strings.TrimSpace(o.Description) == "" {
			out = append(out, at(o.Range, "output %q has no description", o.Name))
		}
	}
	out = append(out, lintVersions(m)...)
	if kind == SharedModule && m.Backend != "" {
		out = append(out, Finding{File: filepath.Join(m.Dir, "versions.tf"), Msg: "a shared module must not configure a backend"})
	}
	out = append(out, LintLabels(m)...)
	SortFindings(out)
	return out
}

func lintVersions(m *Module) []Finding {
	versionsFile := filepath.Join(m.Dir, "versions.tf")
	var out []Finding
	if m.RequiredVersion == "" {
		out = append(out, Finding{File: versionsFile, Msg: "terraform { required_version } is not set"})
	} else if _, err := version.NewConstraint(m.RequiredVersion); err != nil {
		out = append(out, Finding{File: versionsFile, Msg: fmt.Sprintf("required_version %q: %v", m.RequiredVersion, err)})
	}
	used := map[string]bool{}
	for _, r := range m.Resources {
		used[strings.SplitN(r.Type, "_", 2)[0]] = true
	}
	for name := range used {
		if _, ok := m.RequiredProviders[name]; !ok {
			out = append(out, Finding{File: versionsFile, Msg: fmt.Sprintf("provider %q is used but not in required_providers", name)})
		}
	}
	names := make([]string, 0, len(m.RequiredProviders))
	for name := range m.RequiredProviders {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := m.RequiredProviders[name]
		if p.Source == "" {
			out = append(out, at(p.Range, "provider %q has no source", name))
		}
		if msg := checkPin(p.Version); msg != "" {
			out = append(out, at(p.Range, "provider %q: %s", name, msg))
		}
	}
	return out
}

// checkPin accepts a constraint with a lower and an upper bound: "~> 6.14"
// or ">= 6.14.0, < 7.0.0". It returns why it is not pinned, or "".
func checkPin(c string) string {
	if strings.TrimSpace(c) == "" {
		return "no version constraint"
	}
	cs, err := version.NewConstraint(c)
	if err != nil {
		return fmt.Sprintf("version %q: %v", c, err)
	}
	lower, upper := false, false
	for _, one := range cs {
		switch s := strings.TrimSpace(one.String()); {
		case strings.HasPrefix(s, "~>"), strings.HasPrefix(s, "= "), !strings.ContainsAny(s[:1], "<>!~"):
			lower, upper = true, true
		case strings.HasPrefix(s, ">"):
			lower = true
		case strings.HasPrefix(s, "<"):
			upper = true
		}
	}
	if !lower || !upper {
		return fmt.Sprintf("version %q is not a range with lower and upper bounds", c)
	}
	return ""
}

// LabelAttr maps the labelled resource types this platform uses to the
// attribute that carries their labels.
var LabelAttr = map[string]string{
	"google_artifact_registry_repository":    "labels",
	"google_bigquery_dataset":                "labels",
	"google_bigquery_table":                  "labels",
	"google_kms_crypto_key":                  "labels",
	"google_cloud_run_v2_service":            "labels",
	"google_monitoring_alert_policy":         "user_labels",
	"google_monitoring_custom_service":       "user_labels",
	"google_monitoring_notification_channel": "user_labels",
	"google_monitoring_slo":                  "user_labels",
	"google_pubsub_subscription":             "labels",
	"google_pubsub_topic":                    "labels",
	"google_storage_bucket":                  "labels",
	"google_monitoring_dashboard":            "dashboard_json", // labels live in the JSON
}

// Unlabelled lists resource types that cannot carry labels.
var Unlabelled = []string{
	"google_artifact_registry_repository_iam_member",
	"google_bigquery_dataset_iam_member",
	"google_bigquery_table_iam_member",
	"google_cloud_run_v2_service_iam_member",
	"google_iam_workload_identity_pool",
	"google_iam_workload_identity_pool_provider",
	"google_kms_crypto_key_iam_member",
	"google_kms_key_ring",
	"google_project",
	"google_project_iam_member",
	"google_project_service",
	"google_pubsub_subscription_iam_member",
	"google_pubsub_topic_iam_member",
	"google_service_account",
	"google_service_account_iam_member",
	"google_storage_bucket_iam_member",
}

// LintLabels reports labelled resources without their labels attribute,
// Cloud Run services whose revisions are unlabelled, dashboards without
// labels in their JSON, and resource types this check does not know (add
// them to LabelAttr or Unlabelled).
func LintLabels(m *Module) []Finding {
	var out []Finding
	for _, r := range m.Resources {
		if r.Mode != "resource" {
			continue
		}
		attr, labelled := LabelAttr[r.Type]
		if !labelled {
			if !slices.Contains(Unlabelled, r.Type) {
				out = append(out, at(r.Range, "%s: resource type unknown to the label check: classify it in tfcheck.LabelAttr or tfcheck.Unlabelled", r.Address()))
			}
			continue
		}
		a, ok := r.Body.Attributes[attr]
		if !ok {
			out = append(out, at(r.Range, "%s has no %s", r.Address(), attr))
			continue
		}
		switch r.Type {
		case "google_monitoring_dashboard":
			if !strings.Contains(m.Source(a.Expr.Range()), "labels") {
				out = append(out, at(r.Range, "%s: dashboard_json has no labels", r.Address()))
			}
		case "google_cloud_run_v2_service":
			if !hasNestedAttr(r.Body, []string{"template"}, "labels") {
				out = append(out, at(r.Range, "%s: template (the revisions) has no labels", r.Address()))
			}
		}
	}
	return out
}

func hasNestedAttr(body *hclsyntax.Body, path []string, attr string) bool {
	if len(path) == 0 {
		_, ok := body.Attributes[attr]
		return ok
	}
	for _, b := range body.Blocks {
		if b.Type == path[0] && hasNestedAttr(b.Body, path[1:], attr) {
			return true
		}
	}
	return false
}

// Resolver finds the directory of a module call's source, relative to the
// calling module's directory.
type Resolver func(callerDir, source string) (string, error)

// PlatformGitSource is how services reference the platform's modules.
const PlatformGitSource = "git::https://github.com/acme-platform/golden-path.git//"

// RepoResolver resolves local paths and this platform's pinned git source
// (PlatformGitSource + "iac/modules/<name>?ref=<ref>") against repoRoot. A
// git source without ?ref= is an error: services pin the platform.
func RepoResolver(repoRoot string) Resolver {
	return func(callerDir, source string) (string, error) {
		switch {
		case strings.HasPrefix(source, "./"), strings.HasPrefix(source, "../"):
			return filepath.Join(callerDir, source), nil
		case strings.HasPrefix(source, PlatformGitSource):
			path, query, _ := strings.Cut(strings.TrimPrefix(source, PlatformGitSource), "?")
			ref, ok := strings.CutPrefix(query, "ref=")
			if !ok || ref == "" || strings.Contains(ref, "${") {
				return "", fmt.Errorf("source %q is not pinned with ?ref=<tag or commit>", source)
			}
			return filepath.Join(repoRoot, filepath.FromSlash(path)), nil
		default:
			return "", fmt.Errorf("source %q is neither a local path nor %s…", source, PlatformGitSource)
		}
	}
}

// CheckCalls checks m's module calls against the called modules: only
// declared variables are passed, every required variable is passed, and
// every module.<call>.<output> reference names a declared output.
func CheckCalls(m *Module, resolve Resolver) []Finding {
	var out []Finding
	callees := map[string]*Module{}
	calls := make([]*ModuleCall, 0, len(m.ModuleCalls))
	for _, c := range m.ModuleCalls {
		calls = append(calls, c)
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].Name < calls[j].Name })
	for _, c := range calls {
		dir, err := resolve(m.Dir, c.Source)
		if err != nil {
			out = append(out, at(c.Range, "module %q: %v", c.Name, err))
			continue
		}
		callee, err := LoadModule(dir)
		if err != nil {
			out = append(out, at(c.Range, "module %q: %v", c.Name, err))
			continue
		}
		callees[c.Name] = callee
		for name, a := range c.Args {
			if _, ok := callee.Variables[name]; !ok {
				out = append(out, at(a.SrcRange, "module %q: argument %q is not a variable of %s", c.Name, name, dir))
			}
		}
		for _, v := range sortedVariables(callee) {
			if _, ok := c.Args[v.Name]; v.Required() && !ok {
				out = append(out, at(c.Range, "module %q: required variable %q is not set", c.Name, v.Name))
			}
		}
	}
	for _, t := range m.References() {
		if t.RootName() != "module" || len(t) < 2 {
			continue
		}
		name, ok := traverseName(t[1])
		if !ok {
			continue
		}
		c, ok := m.ModuleCalls[name]
		if !ok {
			out = append(out, at(t.SourceRange(), "reference to undeclared module %q", name))
			continue
		}
		callee, ok := callees[c.Name]
		if !ok || len(t) < 3 {
			continue
		}
		output, ok := traverseName(t[2])
		if !ok {
			continue
		}
		if _, ok := callee.Outputs[output]; !ok {
			out = append(out, at(t.SourceRange(), "module %q has no output %q", name, output))
		}
	}
	SortFindings(out)
	return out
}

func traverseName(s hcl.Traverser) (string, bool) {
	if a, ok := s.(hcl.TraverseAttr); ok {
		return a.Name, true
	}
	return "", false
}

func sortedVariables(m *Module) []*Variable {
	vs := make([]*Variable, 0, len(m.Variables))
	for _, v := range m.Variables {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return rangeLess(vs[i].Range, vs[j].Range) })
	return vs
}

func sortedOutputs(m *Module) []*Output {
	outs := make([]*Output, 0, len(m.Outputs))
	for _, o := range m.Outputs {
		outs = append(outs, o)
	}
	sort.Slice(outs, func(i, j int) bool { return rangeLess(outs[i].Range, outs[j].Range) })
	return outs
}

// rangeLess orders declarations as they appear: by file, then line.
func rangeLess(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}
