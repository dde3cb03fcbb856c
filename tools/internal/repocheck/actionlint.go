package repocheck

import (
	"fmt"
	"io"
	"os"

	"github.com/rhysd/actionlint"
)

// Actionlint runs actionlint over files. shellcheck is the shellcheck executable
// (empty disables the shellcheck rule; never silently: the caller decides).
// pyflakes is off: no workflow here runs Python. It returns one line per
// problem, "file:line:col: message [kind]".
func Actionlint(files []string, shellcheck string) ([]string, error) {
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
