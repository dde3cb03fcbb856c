package workflowcheck

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rhysd/actionlint"
)

// Lint runs actionlint over files. shellcheck is the shellcheck executable
// (empty disables the shellcheck rule; never silently: the caller decides).
// pyflakes is off: no workflow here runs Python. It returns one line per
// problem, "file:line:col: message [kind]".
func Lint(files []string, shellcheck string) ([]string, error) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		Shellcheck: shellcheck,
		Color:      actionlint.ColorOptionKindNever,
	})
	if err != nil {
		return nil, fmt.Errorf("create actionlint linter: %w", err)
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read workflow: %w", err)
		}
		// nil project: no repository lookup, the file is linted as it stands.
		errs, err := l.Lint(f, data, nil)
		if err != nil {
			return nil, fmt.Errorf("actionlint %s: %w", f, err)
		}
		for _, e := range errs {
			out = append(out, fmt.Sprintf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind))
		}
	}
	return out, nil
}

// Files lists the *.yml and *.yaml files of a workflows directory.
func Files(dir string) ([]string, error) {
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

// ParseFile reads and parses one workflow file.
func ParseFile(path string) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	return Parse(path, data)
}

// PlatformResolver resolves calls of the platform's reusable workflows, local
// (./.github/workflows/x.yml) or remote (<repo>/.github/workflows/x.yml@ref),
// to the files under platformRoot/.github/workflows. The ref is not checked out:
// the calls are checked against the workflows as they are in this tree.
func PlatformResolver(platformRoot, repo string) func(string) (*Workflow, bool) {
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
		w, err := ParseFile(filepath.Join(platformRoot, filepath.FromSlash(rel)))
		if err != nil {
			return nil, false
		}
		return w, true
	}
}
