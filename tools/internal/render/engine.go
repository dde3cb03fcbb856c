package render

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/logging"
)

// EngineOptions are the Nunjucks options fetch:template exposes.
type EngineOptions struct {
	TrimBlocks   bool // remove the first newline after a block tag
	LstripBlocks bool // strip spaces and tabs before a block tag on its line
}

// Engine renders template strings with ${{ }} delimiters and Nunjucks
// semantics, as Backstage's scaffolder does (autoescape off, undefined
// renders as "", unknown filters are errors). It is safe for concurrent use.
type Engine struct {
	cfg   *config.Config
	env   *exec.Environment
	known map[string]bool
}

var quietGonja sync.Once

// NewEngine returns an engine configured like fetch:template's renderer.
func NewEngine(o EngineOptions) *Engine {
	quietGonja.Do(func() { logging.SetEnabled(false) }) // gonja logs type mismatches through logrus; errors are returned instead
	cfg := config.New()
	cfg.VariableStartString = "${{"
	cfg.VariableEndString = "}}"
	cfg.AutoEscape = false
	cfg.StrictUndefined = false
	cfg.KeepTrailingNewline = true // Nunjucks never drops the final newline
	cfg.TrimBlocks = o.TrimBlocks
	cfg.LeftStripBlocks = o.LstripBlocks
	fs := filters()
	known := make(map[string]bool, len(fs))
	for name := range fs {
		known[name] = true
	}
	return &Engine{
		cfg: cfg,
		env: &exec.Environment{
			Context:           exec.EmptyContext().Update(builtins.GlobalFunctions),
			Filters:           exec.NewFilterSet(fs),
			Tests:             builtins.Tests,
			ControlStructures: builtins.ControlStructures,
			Methods:           builtins.Methods,
		},
		known: known,
	}
}

// Render renders src with data as the template context. name identifies src
// in error messages.
func (e *Engine) Render(name, src string, data map[string]any) (string, error) {
	if !strings.Contains(src, "{") {
		return src, nil // no ${{, {% or {#: nothing to render
	}
	cfg := e.cfg
	if strings.Contains(src, "\r") {
		// gonja's lexer turns every \r\n and \r into \n; Nunjucks keeps them.
		// A consistently CRLF file is restored through NewlineSequence; mixed
		// line endings cannot be, and are refused rather than changed silently.
		if strings.Count(src, "\r") != strings.Count(src, "\r\n") || strings.Count(src, "\n") != strings.Count(src, "\r\n") {
			return "", fmt.Errorf("parse %s: mixed line endings (CR, LF, CRLF) are not supported; use LF or CRLF throughout", name)
		}
		cfg = e.cfg.Inherit()
		cfg.NewlineSequence = "\r\n"
	}
	loader, err := loaders.NewMemoryLoader(map[string]string{"/template": src})
	if err != nil {
		return "", fmt.Errorf("load %s: %w", name, err)
	}
	tpl, err := exec.NewTemplate("/template", cfg, loader, e.env)
	if err != nil {
		return "", fmt.Errorf("parse %s: %s", name, trimGonja(err))
	}
	if err := adapt(tpl.Root(), e.known); err != nil {
		return "", fmt.Errorf("parse %s: %w", name, err)
	}
	out, err := tpl.ExecuteToString(exec.NewContext(data))
	if err != nil {
		return "", fmt.Errorf("render %s: %s", name, trimGonja(err))
	}
	return out, nil
}

var lineRe = regexp.MustCompile(`at line (\d+)`)

// trimGonja shortens gonja's error chains, which repeat the template source
// and the syntax tree, to "line N: <the filter's own error>".
func trimGonja(err error) string {
	msg := err.Error()
	const call = "invalid call to filter '"
	if i := strings.LastIndex(msg, call); i >= 0 {
		detail := msg[i+len(call):]
		if j := strings.Index(detail, "': "); j >= 0 {
			detail = detail[j+3:]
		}
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			return "line " + m[1] + ": " + detail
		}
		return detail
	}
	if i := strings.Index(msg, "failed to parse template '"); i >= 0 {
		if j := strings.LastIndex(msg, "': "); j > i {
			msg = msg[:i] + msg[j+3:]
		}
	}
	return strings.TrimPrefix(msg, "unable to execute template: ")
}
