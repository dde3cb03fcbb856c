// Package redact removes secrets from text that leaves the CI runner — log
// excerpts put into Jira tickets and anything the CLIs print — and cuts log
// tails to a size a ticket can carry.
//
// It masks the exact secret values it is given (credentials the process
// holds) and well-known token shapes (GitHub, AWS, Google, Slack, JWTs,
// private keys, Authorization headers, user:password@ in URLs, and
// key=value pairs whose key says password/secret/token). It is a safety net,
// not a guarantee: a secret of no known shape that the process was not told
// about can still pass.
package redact

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Mask replaces every redacted value.
const Mask = "[REDACTED]"

type rule struct {
	re   *regexp.Regexp
	repl string
}

var rules = []rule{
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|\z)`), Mask},
	// A window that starts inside a key block: mask everything up to its end.
	{regexp.MustCompile(`\A[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`), Mask},
	{regexp.MustCompile(`(?i)\b(authorization\s*[:=]\s*)("?)(bearer|basic|token|bot)\s+[^\s"']+`), "${1}${2}${3} " + Mask},
	{regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*`), "${1} " + Mask},
	{regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`), Mask},
	{regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`), Mask},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z\-_]{35}`), Mask},
	{regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), Mask},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`), Mask},
	{regexp.MustCompile(`(?i)\bATATT3[A-Za-z0-9_\-=]{20,}`), Mask}, // Atlassian API tokens
	{regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@`), "${1}" + Mask + "@"},
	{regexp.MustCompile(`(?i)\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[A-Za-z0-9_.-]*)("?\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;]+)`), "${1}${2}" + Mask},
}

// Redactor masks known secret values and token shapes.
type Redactor struct {
	secrets []string
}

// New returns a Redactor for these exact secret values (empty ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// String returns s with secrets masked.
func (r *Redactor) String(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Mask)
	}
	for _, rl := range rules {
		s = rl.re.ReplaceAllString(s, rl.repl)
	}
	return s
}

// Tail keeps at most maxLines lines and maxBytes bytes from the end of s,
// cutting only at line starts (or a rune boundary when one line is too long).
// truncated reports whether anything was dropped.
func Tail(s string, maxLines, maxBytes int) (tail string, truncated bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	lines := strings.Split(s, "\n")
	if maxLines > 0 && len(lines) > maxLines {
		lines, truncated = lines[len(lines)-maxLines:], true
	}
	out := strings.Join(lines, "\n")
	if maxBytes > 0 && len(out) > maxBytes {
		truncated = true
		cut := len(out) - maxBytes
		if i := strings.IndexByte(out[cut:], '\n'); i >= 0 && i+1 < len(out[cut:]) {
			cut += i + 1
		} else {
			for cut < len(out) && !utf8.RuneStart(out[cut]) {
				cut++
			}
		}
		out = out[cut:]
	}
	return out, truncated
}
