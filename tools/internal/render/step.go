package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// soleExpression matches a string that is exactly one ${{ }} expression;
// the scaffolder keeps such a value's native type (a boolean stays a
// boolean) instead of rendering it to a string.
var soleExpression = regexp.MustCompile(`^\$\{\{([^}]*)\}\}$`)

// EvaluateInput evaluates a step input the way the scaffolder renders step
// inputs: every string is a template over the context (parameters, …); a
// string that is a single ${{ expr }} yields the expression's native JSON
// value; a value that renders to "" is dropped (undefined).
func EvaluateInput(e *Engine, input map[string]any, context map[string]any) (map[string]any, error) {
	out, _, err := evaluateValue(e, "input", input, context)
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	return m, nil
}

func evaluateValue(e *Engine, path string, v any, context map[string]any) (any, bool, error) {
	switch t := v.(type) {
	case string:
		if m := soleExpression.FindStringSubmatch(t); m != nil {
			s, err := e.Render(path, "${{ ("+m[1]+") | dump }}", context)
			if err != nil {
				return nil, false, err
			}
			if s == "" {
				return nil, false, nil
			}
			dec := json.NewDecoder(bytes.NewReader([]byte(s)))
			dec.UseNumber()
			var parsed any
			if err := dec.Decode(&parsed); err != nil {
				return nil, false, fmt.Errorf("%s: decode %s: %w", path, s, err)
			}
			parsed, err = fromJSON(parsed)
			return parsed, true, err
		}
		s, err := e.Render(path, t, context)
		if err != nil {
			return nil, false, err
		}
		return s, s != "", nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e2 := range t {
			v, keep, err := evaluateValue(e, path+"."+k, e2, context)
			if err != nil {
				return nil, false, err
			}
			if keep {
				out[k] = v
			}
		}
		return out, true, nil
	case []any:
		out := make([]any, len(t))
		for i, e2 := range t {
			v, _, err := evaluateValue(e, fmt.Sprintf("%s[%d]", path, i), e2, context)
			if err != nil {
				return nil, false, err
			}
			out[i] = v
		}
		return out, true, nil
	default:
		return t, true, nil
	}
}

// fromJSON converts encoding/json output (with UseNumber) into the JSON data model.
func fromJSON(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		return numberValue(t), nil
	case map[string]any:
		for k, e := range t {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case []any:
		for i, e := range t {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	}
	return v, nil
}
