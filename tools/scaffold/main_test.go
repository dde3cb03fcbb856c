package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

const fixtureTemplate = "../internal/render/testdata/fixture/template.yaml"

func writeValues(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	t.Parallel()
	good := "name: svc\nowner: group:default/team\nrepoUrl: github.com?owner=acme&repo=svc\n"
	tests := []struct {
		name       string
		args       func(t *testing.T) []string
		wantCode   int // -1: no error
		wantErr    string
		wantStderr string
	}{
		{
			name:       "help",
			args:       func(*testing.T) []string { return []string{"--help"} },
			wantCode:   -1, // help is not an error: exit 0
			wantStderr: "Usage: scaffold --values FILE --out DIR",
		},
		{
			name:     "unknown_flag",
			args:     func(*testing.T) []string { return []string{"--nope"} },
			wantCode: cli.BadInput,
			wantErr:  "flag provided but not defined",
		},
		{
			name:     "missing_values_flag",
			args:     func(t *testing.T) []string { return []string{"--out", t.TempDir()} },
			wantCode: cli.BadInput,
			wantErr:  "--values is required",
		},
		{
			name:     "missing_out_flag",
			args:     func(t *testing.T) []string { return []string{"--values", writeValues(t, good)} },
			wantCode: cli.BadInput,
			wantErr:  "--out is required",
		},
		{
			name: "values_file_missing",
			args: func(t *testing.T) []string {
				return []string{"--template", fixtureTemplate, "--values", filepath.Join(t.TempDir(), "nope.yaml"), "--out", t.TempDir()}
			},
			wantCode: cli.BadInput,
			wantErr:  "read values",
		},
		{
			name: "invalid_values",
			args: func(t *testing.T) []string {
				return []string{"--template", fixtureTemplate, "--values", writeValues(t, "name: Bad_Name\n"), "--out", t.TempDir()}
			},
			wantCode: cli.BadInput,
			wantErr:  `name: "Bad_Name" does not match the pattern ^[a-z][a-z0-9-]*$`,
		},
		{
			name: "template_missing",
			args: func(t *testing.T) []string {
				return []string{"--template", filepath.Join(t.TempDir(), "template.yaml"), "--values", writeValues(t, good), "--out", t.TempDir()}
			},
			wantCode: cli.BadInput,
			wantErr:  "read template",
		},
		{
			name: "out_not_empty",
			args: func(t *testing.T) []string {
				out := t.TempDir()
				if err := os.WriteFile(filepath.Join(out, "x"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{"--template", fixtureTemplate, "--values", writeValues(t, good), "--out", out}
			},
			wantCode: cli.BadInput,
			wantErr:  "is not empty; use --force",
		},
		{
			name: "renders_into_new_dir",
			args: func(t *testing.T) []string {
				return []string{"--template", fixtureTemplate, "--values", writeValues(t, good), "--out", filepath.Join(t.TempDir(), "new")}
			},
			wantCode:   -1,
			wantStderr: "5 rendered, 3 copied without templating, 1 binary",
		},
		{
			name: "force_renders_into_non_empty_dir",
			args: func(t *testing.T) []string {
				out := t.TempDir()
				if err := os.WriteFile(filepath.Join(out, "README.md"), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{"--template", fixtureTemplate, "--values", writeValues(t, good), "--out", out, "--force"}
			},
			wantCode:   -1,
			wantStderr: "render   README.md",
		},
		{
			name:       "upgrade_help",
			args:       func(*testing.T) []string { return []string{"upgrade", "--help"} },
			wantCode:   -1,
			wantStderr: "Usage: scaffold upgrade [--to VERSION|REF]",
		},
		{
			name:     "upgrade_unknown_flag",
			args:     func(*testing.T) []string { return []string{"upgrade", "--values", "x"} },
			wantCode: cli.BadInput,
			wantErr:  "flag provided but not defined: -values",
		},
		{
			name:     "upgrade_without_answers_file",
			args:     func(t *testing.T) []string { return []string{"upgrade", "--dir", t.TempDir(), "--dry-run"} },
			wantCode: cli.BadInput,
			wantErr:  "no .golden-path/answers.yaml in ",
		},
		{
			name:     "upgrade_extra_arguments",
			args:     func(t *testing.T) []string { return []string{"upgrade", "--dir", t.TempDir(), "extra"} },
			wantCode: cli.BadInput,
			wantErr:  "unexpected arguments",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tc.args(t), strings.NewReader(""), &stdout, &stderr)
			if tc.wantCode == -1 {
				if err != nil {
					t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
				}
			} else {
				ec, ok := errors.AsType[*cli.Error](err)
				if !ok {
					t.Fatalf("run error = %v, want *cli.Error", err)
				}
				if ec.Code != tc.wantCode {
					t.Errorf("exit code = %d, want %d (error: %v)", ec.Code, tc.wantCode, err)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
				}
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}
