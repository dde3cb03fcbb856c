package render

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Filter names used internally by the adapted syntax tree (see adapt.go).
const (
	filterPrint  = "__print"
	filterMember = "__member"
	filterTruthy = "__truthy"
)

// filters returns the filters templates may use: Backstage's own
// (parseRepoUrl, projectSlug, pick) and the Nunjucks built-ins with
// Nunjucks (JavaScript) semantics. Any other filter name is an error, as
// upstream.
func filters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		filterPrint:  wrap(func(in any, _ []any) (any, error) { return jsString(in), nil }),
		filterTruthy: wrap(func(in any, _ []any) (any, error) { return jsTruthy(in), nil }),
		filterMember: filterMemberLookup,

		"dump":         wrap(filterDump),
		"parseRepoUrl": wrap(filterParseRepoURL),
		"projectSlug":  wrap(filterProjectSlug),
		"pick":         wrap(filterPick),

		"capitalize": wrap(func(in any, _ []any) (any, error) { return capitalize(normalizeString(in)), nil }),
		"d":          wrap(filterDefault),
		"default":    wrap(filterDefault),
		"first":      wrap(filterFirst),
		"indent":     wrap(filterIndent),
		"join":       wrap(filterJoin),
		"last":       wrap(filterLast),
		"length":     wrap(filterLength),
		"lower":      wrap(func(in any, _ []any) (any, error) { return strings.ToLower(normalizeString(in)), nil }),
		"replace":    wrap(filterReplace),
		"safe":       wrap(func(in any, _ []any) (any, error) { return in, nil }),
		"string":     wrap(func(in any, _ []any) (any, error) { return jsString(in), nil }),
		"title":      wrap(filterTitle),
		"trim":       wrap(func(in any, _ []any) (any, error) { return strings.TrimFunc(normalizeString(in), isJSSpace), nil }),
		"upper":      wrap(func(in any, _ []any) (any, error) { return strings.ToUpper(normalizeString(in)), nil }),
	}
}

// wrap adapts a filter over the JSON data model to gonja's calling convention.
func wrap(fn func(in any, args []any) (any, error)) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		args := make([]any, len(params.Args))
		for i, a := range params.Args {
			args[i] = plain(a)
		}
		out, err := fn(plain(in), args)
		if err != nil {
			return exec.AsValue(err)
		}
		return exec.AsValue(out)
	}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// normalizeString is Nunjucks' normalize(val, ”): null, undefined and false
// become "", anything else its string form.
func normalizeString(v any) string {
	if v == nil || v == false {
		return ""
	}
	return jsString(v)
}

func isJSSpace(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

// filterMemberLookup is Nunjucks' memberLookup: obj[key], where a missing
// object or key yields undefined instead of an error.
func filterMemberLookup(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsNil() || len(params.Args) != 1 {
		return exec.AsValue(nil)
	}
	key := params.Args[0]
	if getter, ok := in.Interface().(exec.AttributeGetter); ok && key.IsString() {
		v, _ := getter.GetAttribute(key.String())
		return v
	}
	switch t := plain(in).(type) {
	case map[string]any:
		return exec.AsValue(t[jsString(key)])
	case []any:
		if key.IsString() && key.String() == "length" {
			return exec.AsValue(int64(len(t)))
		}
		if i, ok := arrayIndex(key); ok && i < len(t) {
			return exec.AsValue(t[i])
		}
	case string:
		if key.IsString() && key.String() == "length" {
			return exec.AsValue(int64(len([]rune(t))))
		}
		if i, ok := arrayIndex(key); ok && i < len([]rune(t)) {
			return exec.AsValue(string([]rune(t)[i]))
		}
	}
	return exec.AsValue(nil)
}

func arrayIndex(key *exec.Value) (int, bool) {
	switch {
	case key.IsInteger():
		return key.Integer(), key.Integer() >= 0
	case key.IsString():
		i, err := strconv.Atoi(key.String())
		return i, err == nil && i >= 0
	}
	return 0, false
}

func filterDump(in any, args []any) (any, error) {
	indent := ""
	switch t := arg(args, 0).(type) {
	case int64:
		indent = strings.Repeat(" ", min(max(int(t), 0), 10))
	case float64:
		indent = strings.Repeat(" ", min(max(int(t), 0), 10))
	case string:
		indent = t[:min(len(t), 10)]
	}
	s, ok := jsonStringify(in, indent)
	if !ok {
		return nil, nil
	}
	return s, nil
}

// RepoURL is what the parseRepoUrl filter returns for a RepoUrlPicker value
// such as "github.com?owner=acme&repo=flight-events".
type RepoURL struct {
	Host, Owner, Repo, Organization, Workspace, Project string
}

// integrationTypes are the SCM integrations Backstage configures by default,
// without any integrations config, keyed by host.
var integrationTypes = map[string]string{
	"github.com":    "github",
	"gitlab.com":    "gitlab",
	"bitbucket.org": "bitbucket",
	"dev.azure.com": "azure",
}

// ParseRepoURL parses a RepoUrlPicker value like Backstage's parseRepoUrl
// with the default integrations: the host must have an integration and
// carry the parameters its type requires.
func ParseRepoURL(repoURL string) (RepoURL, error) {
	u, err := url.Parse("https://" + repoURL)
	if err != nil {
		return RepoURL{}, fmt.Errorf("invalid repo URL passed to publisher, got %s, %w", repoURL, err)
	}
	typ, ok := integrationTypes[u.Host]
	if !ok {
		return RepoURL{}, fmt.Errorf("no matching integration configuration for host %s, please check your integrations config", u.Host)
	}
	q := u.Query()
	get := func(name string) string { return strings.Trim(q.Get(name), "/") }
	required := map[string][]string{
		"bitbucket": {"workspace", "project", "repo"},
		"azure":     {"project", "repo"},
		"gitlab":    {"owner", "repo"},
		"github":    {"repo", "owner"},
	}[typ]
	if typ == "gitlab" && q.Get("project") != "" {
		required = nil
	}
	for _, name := range required {
		if q.Get(name) == "" {
			if u.Path == "" {
				u.Path = "/"
			}
			return RepoURL{}, fmt.Errorf("invalid repo URL passed to publisher: %s, missing %s", u, name)
		}
	}
	return RepoURL{
		Host: u.Host, Owner: get("owner"), Repo: get("repo"),
		Organization: get("organization"), Workspace: get("workspace"), Project: get("project"),
	}, nil
}

func filterParseRepoURL(in any, _ []any) (any, error) {
	s, ok := in.(string)
	if !ok {
		return nil, fmt.Errorf("parseRepoUrl: want a string, got %s", jsString(in))
	}
	r, err := ParseRepoURL(s)
	if err != nil {
		return nil, fmt.Errorf("parseRepoUrl: %w", err)
	}
	out := map[string]any{"host": r.Host, "repo": r.Repo}
	for k, v := range map[string]string{"owner": r.Owner, "organization": r.Organization, "workspace": r.Workspace, "project": r.Project} {
		if v != "" {
			out[k] = v
		}
	}
	return out, nil
}

func filterProjectSlug(in any, _ []any) (any, error) {
	s, ok := in.(string)
	if !ok {
		return nil, fmt.Errorf("projectSlug: want a string, got %s", jsString(in))
	}
	r, err := ParseRepoURL(s)
	if err != nil {
		return nil, fmt.Errorf("projectSlug: %w", err)
	}
	return jsString(nilIfEmpty(r.Owner)) + "/" + r.Repo, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return "undefined" // `${owner}` of an undefined owner in JavaScript
	}
	return s
}

// filterPick is lodash.get(obj, path): dotted and bracketed paths.
func filterPick(in any, args []any) (any, error) {
	path := jsString(arg(args, 0))
	cur := in
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
		part = strings.Trim(part, `"'`)
		switch t := cur.(type) {
		case map[string]any:
			cur = t[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, nil
			}
			cur = t[i]
		default:
			return nil, nil
		}
	}
	return cur, nil
}

// filterDefault is Nunjucks' default(value, default, boolean): the default
// replaces undefined, or any falsy value when boolean is true.
func filterDefault(in any, args []any) (any, error) {
	if jsTruthy(arg(args, 1)) {
		if jsTruthy(in) {
			return in, nil
		}
		return arg(args, 0), nil
	}
	if in == nil {
		return arg(args, 0), nil
	}
	return in, nil
}

func filterFirst(in any, _ []any) (any, error) {
	switch t := in.(type) {
	case []any:
		if len(t) > 0 {
			return t[0], nil
		}
	case string:
		if r := []rune(t); len(r) > 0 {
			return string(r[0]), nil
		}
	}
	return nil, nil
}

func filterLast(in any, _ []any) (any, error) {
	switch t := in.(type) {
	case []any:
		if len(t) > 0 {
			return t[len(t)-1], nil
		}
	case string:
		if r := []rune(t); len(r) > 0 {
			return string(r[len(r)-1]), nil
		}
	}
	return nil, nil
}

func filterLength(in any, _ []any) (any, error) {
	switch t := in.(type) {
	case []any:
		return int64(len(t)), nil
	case map[string]any:
		return int64(len(t)), nil
	case string:
		return int64(utf16Len(t)), nil
	case nil:
		return int64(0), nil
	case bool:
		if !t {
			return int64(0), nil // normalize(false, '') is ''
		}
	}
	return nil, nil // numbers and true have no length: undefined
}

// utf16Len is the length of s in UTF-16 code units, JavaScript's unit.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func filterJoin(in any, args []any) (any, error) {
	list, ok := in.([]any)
	if !ok {
		return nil, errors.New("join: want a list")
	}
	sep := ""
	if d := arg(args, 0); jsTruthy(d) {
		sep = jsString(d)
	}
	parts := make([]string, len(list))
	for i, e := range list {
		if attr := arg(args, 1); attr != nil {
			if m, ok := e.(map[string]any); ok {
				e = m[jsString(attr)]
			} else {
				e = nil
			}
		}
		parts[i] = jsString(e)
	}
	return strings.Join(parts, sep), nil
}

func filterIndent(in any, args []any) (any, error) {
	s := normalizeString(in)
	if s == "" {
		return "", nil
	}
	width := 4
	switch t := arg(args, 0).(type) {
	case int64:
		width = int(t)
	case float64:
		width = int(t)
	}
	pad := strings.Repeat(" ", max(width, 0))
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i > 0 || jsTruthy(arg(args, 1)) {
			lines[i] = pad + lines[i]
		}
	}
	return strings.Join(lines, "\n"), nil
}

// filterReplace is Nunjucks' replace(str, old, new, maxCount) for string
// arguments: every occurrence (or the first maxCount) is replaced.
func filterReplace(in any, args []any) (any, error) {
	var s string
	switch t := in.(type) {
	case string:
		s = t
	case int64, float64:
		s = jsString(t)
	default:
		return in, nil
	}
	var old string
	switch t := arg(args, 0).(type) {
	case string:
		old = t
	case int64, float64:
		old = jsString(t)
	default:
		return s, nil
	}
	repl := jsString(arg(args, 1))
	if arg(args, 1) == nil {
		repl = "undefined"
	}
	maxCount := -1
	switch t := arg(args, 2).(type) {
	case int64:
		maxCount = int(t)
	case float64:
		maxCount = int(t)
	}
	if old == "" {
		chars := strings.Split(s, "")
		return repl + strings.Join(chars, repl) + repl, nil
	}
	if maxCount == 0 {
		return s, nil
	}
	return strings.Replace(s, old, repl, maxCount), nil
}

// filterTitle is Nunjucks' title: split on spaces, capitalize each word.
func filterTitle(in any, _ []any) (any, error) {
	words := strings.Split(normalizeString(in), " ")
	for i, w := range words {
		words[i] = capitalize(w)
	}
	return strings.Join(words, " "), nil
}

// capitalize is Nunjucks' capitalize: first character upper, the rest lower.
func capitalize(s string) string {
	s = strings.ToLower(s)
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
