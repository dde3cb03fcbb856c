package render

import (
	"context"
	"fmt"
	"io"
	"io/fs"
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
	// FS, when set, holds the template: TemplatePath and the skeleton it
	// names are slash paths in it instead of on disk.
	FS fs.FS
	// Files, when set, receives the rendered tree (paths relative to the
	// result's OutDir) instead of the disk.
	Files Files
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
	var t *Template
	var err error
	if req.FS != nil {
		t, err = LoadTemplateFS(req.FS, req.TemplatePath)
	} else {
		t, err = LoadTemplate(req.TemplatePath)
	}
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
	var src fs.FS
	if req.FS != nil {
		if src, err = fs.Sub(req.FS, filepath.ToSlash(fi.SkeletonDir)); err != nil {
			return nil, &TemplateError{t.Path, fmt.Errorf("open skeleton: %w", err)}
		}
	}
	st, err := RenderTree(ctx, TreeOptions{
		SkeletonDir:           fi.SkeletonDir,
		OutDir:                out,
		Values:                fi.Values,
		CopyWithoutTemplating: fi.CopyWithoutTemplating,
		Replace:               req.Replace || fi.Replace,
		Engine:                fi.Engine,
		Log:                   req.Log,
		Source:                src,
		Files:                 req.Files,
	})
	if err != nil {
		return nil, fmt.Errorf("render skeleton: %w", err)
	}
	return &Result{Stats: st, Parameters: params, Values: fi.Values, SkeletonDir: fi.SkeletonDir, OutDir: out, Warnings: fi.Warnings}, nil
}
