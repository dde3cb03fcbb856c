package render

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// Request is one render of a template with a user's parameter values.
type Request struct {
	TemplatePath string         // template.yaml
	Parameters   map[string]any // the user's answers, before defaults
	Source       string         // where Parameters came from, for messages
	OutDir       string
	Replace      bool      // overwrite files that already exist in OutDir
	Log          io.Writer // progress lines; nil for silence
}

// Result is what Scaffold produced.
type Result struct {
	Stats
	Parameters          map[string]any // after defaults
	Values              map[string]any // the fetch:template values the skeleton saw
	SkeletonDir, OutDir string
	Warnings            []string
}

// Scaffold loads the template, applies parameter defaults, validates the
// parameters (an *InvalidValuesError lists every bad field), evaluates the
// fetch:template step's input and renders the skeleton into OutDir.
func Scaffold(ctx context.Context, req Request) (*Result, error) {
	t, err := LoadTemplate(req.TemplatePath)
	if err != nil {
		return nil, err
	}
	params := t.ApplyDefaults(req.Parameters)
	if err := t.Validate(params, req.Source); err != nil {
		return nil, err
	}
	engine := NewEngine(EngineOptions{})
	input, err := EvaluateInput(engine, t.Fetch.Input, map[string]any{
		"parameters": params,
		"secrets":    map[string]any{},
		"user":       map[string]any{},
	})
	if err != nil {
		return nil, &TemplateError{t.Path, fmt.Errorf("evaluate fetch:template input: %w", err)}
	}
	fi, err := t.fetchInput(input)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(req.OutDir, filepath.FromSlash(fi.TargetPath))
	st, err := RenderTree(ctx, TreeOptions{
		SkeletonDir:           fi.SkeletonDir,
		OutDir:                out,
		Values:                fi.Values,
		CopyWithoutTemplating: fi.CopyWithoutTemplating,
		Replace:               req.Replace || fi.Replace,
		Engine:                fi.Engine,
		Log:                   req.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("render skeleton: %w", err)
	}
	return &Result{Stats: st, Parameters: params, Values: fi.Values, SkeletonDir: fi.SkeletonDir, OutDir: out, Warnings: fi.Warnings}, nil
}
