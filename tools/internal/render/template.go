package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Template is the part of a scaffolder.backstage.io/v1beta3 Template the
// renderer needs: the parameter pages and the single fetch:template step.
type Template struct {
	Path       string           // template.yaml as given
	Name       string           // metadata.name
	Version    string           // metadata.annotations["backstage.io/template-version"], "" if absent
	Parameters []map[string]any // the form pages, each a JSON Schema object
	Fetch      FetchStep
}

// FetchStep is the fetch:template step, with its input not yet evaluated.
type FetchStep struct {
	ID    string
	Input map[string]any // url, values, copyWithoutTemplating … as written
}

// TemplateError reports a template.yaml the renderer cannot use.
type TemplateError struct {
	Path string
	Err  error
}

func (e *TemplateError) Error() string { return fmt.Sprintf("template %s: %v", e.Path, e.Err) }
func (e *TemplateError) Unwrap() error { return e.Err }

// LoadTemplate reads and checks template.yaml.
func LoadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return parseTemplate(path, raw)
}

// LoadTemplateFS reads and checks template.yaml at the slash path name of
// fsys (a template version read from git, say).
func LoadTemplateFS(fsys fs.FS, name string) (*Template, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return parseTemplate(name, raw)
}

func parseTemplate(path string, raw []byte) (*Template, error) {
	doc, err := decodeYAML(raw)
	if err != nil {
		return nil, &TemplateError{path, err}
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, &TemplateError{path, errors.New("not a YAML mapping")}
	}
	if v := root["apiVersion"]; v != "scaffolder.backstage.io/v1beta3" {
		return nil, &TemplateError{path, fmt.Errorf("apiVersion is %v, want scaffolder.backstage.io/v1beta3", v)}
	}
	if k := root["kind"]; k != "Template" {
		return nil, &TemplateError{path, fmt.Errorf("kind is %v, want Template", k)}
	}
	t := &Template{Path: path}
	if md, ok := root["metadata"].(map[string]any); ok {
		t.Name, _ = md["name"].(string)
		ann, _ := md["annotations"].(map[string]any)
		t.Version, _ = ann["backstage.io/template-version"].(string)
	}
	spec, _ := root["spec"].(map[string]any)
	switch p := spec["parameters"].(type) {
	case nil:
	case map[string]any:
		t.Parameters = []map[string]any{p}
	case []any:
		for i, page := range p {
			m, ok := page.(map[string]any)
			if !ok {
				return nil, &TemplateError{path, fmt.Errorf("spec.parameters[%d] is not a mapping", i)}
			}
			t.Parameters = append(t.Parameters, m)
		}
	default:
		return nil, &TemplateError{path, errors.New("spec.parameters is neither a mapping nor a list")}
	}
	steps, _ := spec["steps"].([]any)
	found := 0
	for i, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			return nil, &TemplateError{path, fmt.Errorf("spec.steps[%d] is not a mapping", i)}
		}
		if step["action"] != "fetch:template" {
			continue
		}
		found++
		t.Fetch.ID, _ = step["id"].(string)
		t.Fetch.Input, _ = step["input"].(map[string]any)
	}
	switch {
	case found == 0:
		return nil, &TemplateError{path, errors.New("no fetch:template step in spec.steps")}
	case found > 1:
		return nil, &TemplateError{path, errors.New("more than one fetch:template step; the renderer supports one")}
	}
	if t.Fetch.Input == nil {
		return nil, &TemplateError{path, errors.New("the fetch:template step has no input")}
	}
	return t, nil
}

// FetchInput is the evaluated input of the fetch:template step.
type FetchInput struct {
	SkeletonDir           string         // url resolved against template.yaml's directory
	TargetPath            string         // relative to the output directory
	Values                map[string]any // what templates see as `values`
	CopyWithoutTemplating []string
	Replace               bool
	Engine                EngineOptions
	Warnings              []string
}

// fetchInput interprets the evaluated input of the fetch:template step.
func (t *Template) fetchInput(in map[string]any) (*FetchInput, error) {
	fi := &FetchInput{}
	rawURL, _ := in["url"].(string)
	if rawURL == "" {
		return nil, &TemplateError{t.Path, errors.New("fetch:template input.url is missing")}
	}
	if u, err := url.Parse(rawURL); err == nil && u.Scheme != "" {
		return nil, &TemplateError{t.Path, fmt.Errorf("fetch:template url %q is remote; only paths relative to template.yaml are supported", rawURL)}
	}
	fi.SkeletonDir = filepath.Join(filepath.Dir(t.Path), filepath.FromSlash(rawURL))
	fi.TargetPath, _ = in["targetPath"].(string)
	fi.Values, _ = in["values"].(map[string]any)
	if fi.Values == nil {
		fi.Values = map[string]any{}
	}
	if in["templateFileExtension"] != nil && in["templateFileExtension"] != false {
		return nil, &TemplateError{t.Path, errors.New("fetch:template templateFileExtension is not supported")}
	}
	if in["cookiecutterCompat"] == true {
		return nil, &TemplateError{t.Path, errors.New("fetch:template cookiecutterCompat is not supported")}
	}
	if in["copyWithoutRender"] != nil {
		if in["copyWithoutTemplating"] != nil {
			return nil, &TemplateError{t.Path, errors.New("fetch:template copyWithoutRender and copyWithoutTemplating can not be used at the same time")}
		}
		fi.Warnings = append(fi.Warnings, "copyWithoutRender is deprecated and ignored by current Backstage; use copyWithoutTemplating")
	}
	switch c := in["copyWithoutTemplating"].(type) {
	case nil:
	case []any:
		for _, p := range c {
			s, ok := p.(string)
			if !ok {
				return nil, &TemplateError{t.Path, errors.New("fetch:template copyWithoutTemplating must be a list of strings")}
			}
			fi.CopyWithoutTemplating = append(fi.CopyWithoutTemplating, s)
		}
	default:
		return nil, &TemplateError{t.Path, errors.New("fetch:template copyWithoutTemplating must be an array")}
	}
	fi.Replace, _ = in["replace"].(bool)
	fi.Engine.TrimBlocks, _ = in["trimBlocks"].(bool)
	fi.Engine.LstripBlocks, _ = in["lstripBlocks"].(bool)
	return fi, nil
}

// decodeYAML decodes one YAML document into the JSON data model (nil, bool,
// int64, float64, string, []any, map[string]any). Timestamps stay strings,
// as in the YAML 1.2 core schema Backstage's parser uses.
func decodeYAML(raw []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	if n.Kind == 0 {
		return nil, nil // empty document
	}
	return fromNode(&n)
}

func fromNode(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
			}
			val, err := fromNode(v)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			switch t := v.(type) {
			case int:
				return int64(t), nil
			case uint64:
				return float64(t), nil
			}
			return v, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// numberValue turns a JSON number into int64 when it is integral, else float64.
func numberValue(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}
