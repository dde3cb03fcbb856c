package repocheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// TflintCommand builds the tflint run over the module in dir: the given
// configuration file (an absolute path: tflint reads it relative to dir
// otherwise), JSON output, and the var files (relative to dir) whose values
// tflint evaluates. It does not start the command.
func TflintCommand(ctx context.Context, bin, config, dir string, varFiles ...string) *exec.Cmd {
	args := []string{"--config=" + config, "--chdir=" + dir, "--format=json", "--no-color"}
	for _, f := range varFiles {
		args = append(args, "--var-file="+f)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TFLINT_DISABLE_VERSION_CHECK=1", "TFLINT_LOG=")
	return cmd
}

// tflintOutput is tflint's --format=json document.
type tflintOutput struct {
	Issues []struct {
		Rule struct {
			Name     string `json:"name"`
			Severity string `json:"severity"`
		} `json:"rule"`
		Message string      `json:"message"`
		Range   tflintRange `json:"range"`
	} `json:"issues"`
	Errors []struct {
		Message string       `json:"message"`
		Range   *tflintRange `json:"range"`
	} `json:"errors"`
}

type tflintRange struct {
	Filename string `json:"filename"`
	Start    struct {
		Line int `json:"line"`
	} `json:"start"`
}

// ErrTflint means tflint could not lint the module (bad configuration,
// unparsable files, a crash): no findings is then not a pass.
var ErrTflint = errors.New("tflint failed")

// RunTflint runs cmd (from TflintCommand) and returns its issues as findings
// whose message ends with the rule name, e.g. "… (terraform_unused_declarations)".
// tflint's own errors, and output that is not its JSON document, are ErrTflint.
func RunTflint(cmd *exec.Cmd) ([]Finding, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return nil, fmt.Errorf("%w: run %s: %w", ErrTflint, cmd.Path, runErr)
	}
	findings, err := ParseTflint(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w (stderr: %s)", err, strings.TrimSpace(stderr.String()))
	}
	// Exit status 2 means "issues found"; any other failure without issues is an error.
	if runErr != nil && len(findings) == 0 {
		return nil, fmt.Errorf("%w: %v without issues (stderr: %s)", ErrTflint, runErr, strings.TrimSpace(stderr.String()))
	}
	return findings, nil
}

// ParseTflint decodes tflint's JSON output into findings sorted by file and
// line. An entry in errors[] is ErrTflint.
func ParseTflint(out []byte) ([]Finding, error) {
	var doc tflintOutput
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("%w: decode output: %w", ErrTflint, err)
	}
	if len(doc.Errors) > 0 {
		msgs := make([]string, 0, len(doc.Errors))
		for _, e := range doc.Errors {
			m := e.Message
			if e.Range != nil && e.Range.Filename != "" {
				m = fmt.Sprintf("%s:%d: %s", e.Range.Filename, e.Range.Start.Line, m)
			}
			msgs = append(msgs, m)
		}
		return nil, fmt.Errorf("%w: %s", ErrTflint, strings.Join(msgs, "; "))
	}
	out2 := make([]Finding, 0, len(doc.Issues))
	for _, i := range doc.Issues {
		out2 = append(out2, Finding{File: i.Range.Filename, Line: i.Range.Start.Line,
			Msg: fmt.Sprintf("%s: %s (%s)", strings.ToLower(i.Rule.Severity), i.Message, i.Rule.Name)})
	}
	SortFindings(out2)
	return out2, nil
}
