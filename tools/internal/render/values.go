package render

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// LoadValues reads a values file: a YAML (or JSON) mapping of parameter
// names to the answers a user gives in the Backstage form.
func LoadValues(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	doc, err := decodeYAML(raw)
	if err != nil {
		return nil, &InvalidValuesError{Source: path, Problems: []FieldProblem{{Message: err.Error()}}}
	}
	switch v := doc.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, nil
	default:
		return nil, &InvalidValuesError{Source: path, Problems: []FieldProblem{{Message: "want a mapping of parameter names to values"}}}
	}
}

// FieldProblem is one reason a value was refused.
type FieldProblem struct {
	Field   string // parameter name or JSON path ("" for the whole file)
	Title   string // the parameter's title in the form, if any
	Message string
}

func (p FieldProblem) String() string {
	switch {
	case p.Field == "":
		return p.Message
	case p.Title != "":
		return fmt.Sprintf("%s (%s): %s", p.Field, p.Title, p.Message)
	default:
		return fmt.Sprintf("%s: %s", p.Field, p.Message)
	}
}

// InvalidValuesError lists every problem found in the values.
type InvalidValuesError struct {
	Source   string
	Problems []FieldProblem
}

func (e *InvalidValuesError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "invalid values in %s:", e.Source)
	for _, p := range e.Problems {
		sb.WriteString("\n  - " + p.String())
	}
	return sb.String()
}

// properties returns the merged top-level properties of all pages.
func (t *Template) properties() map[string]map[string]any {
	props := map[string]map[string]any{}
	for _, page := range t.Parameters {
		ps, _ := page["properties"].(map[string]any)
		for name, p := range ps {
			if m, ok := p.(map[string]any); ok {
				props[name] = m
			}
		}
	}
	return props
}

// ParameterType returns the JSON Schema type of the form parameter name
// ("string", "number", "boolean" …), or "" when no page declares it.
func (t *Template) ParameterType(name string) string {
	typ, _ := t.properties()[name]["type"].(string)
	return typ
}

// ApplyDefaults returns a copy of values with every missing property that
// has a schema default filled in, as the Backstage form does.
func (t *Template) ApplyDefaults(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	for _, page := range t.Parameters {
		applyDefaults(page, out)
	}
	return out
}

func applyDefaults(schema map[string]any, obj map[string]any) {
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if _, present := obj[name]; !present {
			if d, ok := ps["default"]; ok {
				obj[name] = d
			}
		}
		if child, ok := obj[name].(map[string]any); ok {
			applyDefaults(ps, child)
		}
	}
}

// Validate checks values against every parameter page's JSON Schema (as the
// scaffolder does, page by page) and refuses names no page declares.
// source names the values in the error.
func (t *Template) Validate(values map[string]any, source string) error {
	var problems []FieldProblem
	props := t.properties()
	for name := range values {
		if _, ok := props[name]; !ok {
			problems = append(problems, FieldProblem{Field: name, Message: "not a parameter of this template (misspelt?)"})
		}
	}
	problems = append(problems, t.checkRepoURLPickers(values)...)
	printer := message.NewPrinter(language.English)
	for i, page := range t.Parameters {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		loc := fmt.Sprintf("mem:///parameters/%d.json", i)
		if err := c.AddResource(loc, page); err != nil {
			return &TemplateError{t.Path, fmt.Errorf("spec.parameters[%d]: %w", i, err)}
		}
		sch, err := c.Compile(loc)
		if err != nil {
			return &TemplateError{t.Path, fmt.Errorf("spec.parameters[%d] is not a valid JSON Schema: %w", i, err)}
		}
		err = sch.Validate(values)
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			collectProblems(ve, printer, &problems)
		} else if err != nil {
			return fmt.Errorf("validate values: %w", err)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	// One line per field and message, sorted, titles from the form.
	seen := map[string]bool{}
	var out []FieldProblem
	for _, p := range problems {
		top, _, _ := strings.Cut(p.Field, ".")
		if title, ok := props[top]["title"].(string); ok && top == p.Field {
			p.Title = title
		}
		if key := p.Field + "\x00" + p.Message; !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return &InvalidValuesError{Source: source, Problems: out}
}

// collectProblems flattens a validation error tree into one problem per
// failing keyword, with a missing required property reported on its field.
func collectProblems(ve *jsonschema.ValidationError, p *message.Printer, out *[]FieldProblem) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collectProblems(c, p, out)
		}
		return
	}
	field := strings.Join(ve.InstanceLocation, ".")
	if req, ok := ve.ErrorKind.(*kind.Required); ok {
		for _, m := range req.Missing {
			f := m
			if field != "" {
				f = field + "." + m
			}
			*out = append(*out, FieldProblem{Field: f, Message: "required, but no value was given"})
		}
		return
	}
	msg := ve.ErrorKind.LocalizedString(p)
	switch k := ve.ErrorKind.(type) {
	case *kind.Pattern:
		msg = fmt.Sprintf("%q does not match the pattern %s", k.Got, k.Want)
	case *kind.MaxLength:
		msg = fmt.Sprintf("is %d characters long, at most %d allowed", k.Got, k.Want)
	case *kind.MinLength:
		msg = fmt.Sprintf("is %d characters long, at least %d required", k.Got, k.Want)
	case *kind.Type:
		msg = fmt.Sprintf("must be of type %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsString(w)
		}
		msg = fmt.Sprintf("%s is not one of the allowed values: %s", jsonQuote(k.Got), strings.Join(want, ", "))
	}
	*out = append(*out, FieldProblem{Field: field, Message: msg})
}

func jsonQuote(v any) string {
	s, ok := jsonStringify(v, "")
	if !ok {
		return "null"
	}
	return s
}

// checkRepoURLPickers enforces what the RepoUrlPicker form field enforces in
// Backstage (the backend does not): a host?owner=…&repo=… value whose host,
// owner and repository are among ui:options allowedHosts, allowedOwners and
// allowedRepos when those are set.
func (t *Template) checkRepoURLPickers(values map[string]any) []FieldProblem {
	var problems []FieldProblem
	for name, prop := range t.properties() {
		if prop["ui:field"] != "RepoUrlPicker" {
			continue
		}
		v, ok := values[name].(string)
		if !ok {
			continue // absent or of the wrong type: the schema reports it
		}
		opts, _ := prop["ui:options"].(map[string]any)
		u, err := url.Parse("https://" + v)
		if err != nil || u.Host == "" {
			problems = append(problems, FieldProblem{Field: name, Message: fmt.Sprintf("%q is not a repository location like github.com?owner=acme&repo=my-service", v)})
			continue
		}
		q := u.Query()
		owner, repo := q.Get("owner"), q.Get("repo")
		if owner == "" || repo == "" {
			problems = append(problems, FieldProblem{Field: name, Message: fmt.Sprintf("%q must name an owner and a repository, like %s?owner=acme&repo=my-service", v, u.Host)})
		}
		for _, c := range []struct{ option, what, got string }{
			{"allowedHosts", "host", u.Host},
			{"allowedOwners", "owner", owner},
			{"allowedRepos", "repository", repo},
		} {
			allowed := stringList(opts[c.option])
			if len(allowed) > 0 && c.got != "" && !slices.Contains(allowed, c.got) {
				problems = append(problems, FieldProblem{Field: name, Message: fmt.Sprintf("%s %q is not allowed by this template; allowed: %s", c.what, c.got, strings.Join(allowed, ", "))})
			}
		}
	}
	return problems
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
