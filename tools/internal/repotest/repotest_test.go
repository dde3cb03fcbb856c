package repotest_test

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// recorder is a testing.TB that records what a helper reports instead of
// failing the test running it. Run helpers under it with play.
type recorder struct {
	testing.TB
	fatal, errors, skip string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatal(a ...any)            { r.fatal = fmt.Sprint(a...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (r *recorder) Errorf(f string, a ...any) { r.errors += fmt.Sprintf(f, a...) }
func (r *recorder) Skipf(f string, a ...any)  { r.skip = fmt.Sprintf(f, a...); runtime.Goexit() }

// play runs fn with a recorder in its own goroutine, as the testing package
// runs a test, so that Fatal and Skip end fn and nothing else.
func play(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func TestRoot(t *testing.T) {
	t.Parallel()
	// This package is tools/internal/repotest.
	want, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got := repotest.Root(t); got != want {
		t.Errorf("Root = %s, want %s", got, want)
	}
	if got, want := repotest.Path(t, "template/template.yaml"), filepath.Join(want, "template", "template.yaml"); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	root := repotest.Root(t)
	tests := []struct {
		name      string
		pattern   string
		want      []string // relative to the root
		wantFatal string   // substring
	}{
		{name: "sorted_matches", pattern: "tools/internal/repotest/*.go", want: []string{"tools/internal/repotest/repotest.go", "tools/internal/repotest/repotest_test.go"}},
		{name: "no_match_fails", pattern: "tools/internal/repotest/*.nothing", wantFatal: "no files match tools/internal/repotest/*.nothing"},
		{name: "bad_pattern_fails", pattern: "tools/[", wantFatal: "glob tools/[: syntax error in pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			r := play(t, func(tb testing.TB) {
				for _, f := range repotest.Files(tb, tt.pattern) {
					rel, err := filepath.Rel(root, f)
					if err != nil {
						t.Error(err)
					}
					got = append(got, filepath.ToSlash(rel))
				}
			})
			if !strings.Contains(r.fatal, tt.wantFatal) || (tt.wantFatal == "") != (r.fatal == "") {
				t.Errorf("fatal = %q, want %q", r.fatal, tt.wantFatal)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("files (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCases(t *testing.T) {
	t.Parallel()
	cases := repotest.Cases(t)
	if !strings.HasSuffix(cases[0], ".yaml") || filepath.Dir(cases[0]) != repotest.Path(t, "template/testdata/cases") {
		t.Errorf("Cases()[0] = %s, want a .yaml in template/testdata/cases", cases[0])
	}
}

func TestRenderCase(t *testing.T) {
	t.Parallel()
	dir := repotest.RenderCase(t, repotest.Path(t, "template/testdata/cases/example.yaml"))
	for _, f := range []string{"go.mod", "catalog-info.yaml", "iac"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("rendered case lacks %s: %v", f, err)
		}
	}
	r := play(t, func(tb testing.TB) { repotest.RenderCase(tb, filepath.Join(t.TempDir(), "none.yaml")) })
	if !strings.Contains(r.fatal, "none.yaml") {
		t.Errorf("a missing values file: fatal = %q, want it to name none.yaml", r.fatal)
	}
}

func TestNegatives(t *testing.T) {
	t.Parallel()
	negatives := repotest.Negatives(t)
	if len(negatives) == 0 {
		t.Fatal("no negative cases")
	}
	for _, n := range negatives {
		if n.Name == "" || len(n.Want) == 0 || len(n.Values) == 0 {
			t.Errorf("negative case %+v lacks a name, want or values", n)
		}
	}
}

func TestTree(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for path, mode := range map[string]os.FileMode{"run.sh": 0o755, "docs/a.md": 0o644, ".git/HEAD": 0o644} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(path), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]repotest.File{
		"run.sh":    {Executable: true, Content: "run.sh"},
		"docs/a.md": {Content: "docs/a.md"},
	}
	if diff := cmp.Diff(repotest.Tree(t, root), want); diff != "" {
		t.Errorf("Tree (-got +want):\n%s", diff)
	}
	if r := play(t, func(tb testing.TB) { repotest.Tree(tb, filepath.Join(root, "missing")) }); !strings.Contains(r.fatal, "read tree") {
		t.Errorf("Tree of a missing directory reported %q, want a fatal read tree error", r.fatal)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		golden     *string // content on disk before; nil = no file
		got        string
		update     bool
		wantFatal  string // substrings
		wantErrors string
		wantFile   string // on disk after, when there is one
	}{
		{name: "equal_passes", golden: ptr("a\n"), got: "a\n", wantFile: "a\n"},
		{name: "different_reports_diff", golden: ptr("a\n"), got: "b\n", wantErrors: "(-got +want)", wantFile: "a\n"},
		{name: "missing_fails_with_how_to_create", got: "a\n", wantFatal: "run go test -update to create it"},
		{name: "update_writes_then_passes", golden: ptr("a\n"), got: "b\n", update: true, wantFile: "b\n"},
		{name: "update_creates_directory", got: "b\n", update: true, wantFile: "b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "golden", "out.txt")
			if tt.golden != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(*tt.golden), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := play(t, func(tb testing.TB) { repotest.Golden(tb, path, []byte(tt.got), tt.update) })
			if !strings.Contains(r.fatal, tt.wantFatal) || (tt.wantFatal == "") != (r.fatal == "") {
				t.Errorf("fatal = %q, want %q", r.fatal, tt.wantFatal)
			}
			if !strings.Contains(r.errors, tt.wantErrors) || (tt.wantErrors == "") != (r.errors == "") {
				t.Errorf("errors = %q, want %q", r.errors, tt.wantErrors)
			}
			if tt.wantFile != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(b), tt.wantFile); diff != "" {
					t.Errorf("golden file (-got +want):\n%s", diff)
				}
			}
		})
	}
}

// TestPinnedBin sets CI and the tool's variable, so it cannot run in parallel.
func TestPinnedBin(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		ci, value string
		want      string
		wantFatal string
		wantSkip  string
	}{
		{name: "found", value: bin, want: bin},
		{name: "found_in_ci", ci: "true", value: bin, want: bin},
		{name: "unset_skips_locally", wantSkip: "REPOTEST_TOOL_BIN is not set: run `make deps`"},
		{name: "unset_fails_in_ci", ci: "true", wantFatal: "REPOTEST_TOOL_BIN is not set and CI is set: run `make deps`"},
		{name: "no_such_file_fails_in_ci", ci: "true", value: bin + ".gone", wantFatal: "REPOTEST_TOOL_BIN=" + bin + ".gone does not exist and CI is set"},
		{name: "no_such_file_skips_locally", value: bin + ".gone", wantSkip: "does not exist: run `make deps` (scripts/install-deps.sh) to build the pinned tool (never skipped in CI)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("REPOTEST_TOOL_BIN", tt.value)
			var got string
			r := play(t, func(tb testing.TB) { got = repotest.PinnedBin(tb, "REPOTEST_TOOL_BIN", "tool") })
			if got != tt.want {
				t.Errorf("PinnedBin = %q, want %q", got, tt.want)
			}
			if !strings.Contains(r.fatal, tt.wantFatal) || (tt.wantFatal == "") != (r.fatal == "") {
				t.Errorf("fatal = %q, want %q", r.fatal, tt.wantFatal)
			}
			if !strings.Contains(r.skip, tt.wantSkip) || (tt.wantSkip == "") != (r.skip == "") {
				t.Errorf("skip = %q, want %q", r.skip, tt.wantSkip)
			}
		})
	}
}

// TestOnlyTestsImportIt: no production file of the module imports repotest.
func TestOnlyTestsImportIt(t *testing.T) {
	t.Parallel()
	root := repotest.Root(t)
	const self = repotest.Module + "/tools/internal/repotest"
	var importers []string
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", ".bin", "skeleton":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == self && filepath.Dir(p) != filepath.Join(root, "tools", "internal", "repotest") {
				rel, _ := filepath.Rel(root, p)
				importers = append(importers, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked %d Go files under %s, want the module's (did the walk skip it?)", checked, root)
	}
	if len(importers) > 0 {
		t.Errorf("production code imports %s (test support only): %s", self, strings.Join(importers, ", "))
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil_is_0", err: nil, want: 0},
		{name: "typed", err: cli.Errorf(cli.BadInput, "--plan is required"), want: 2},
		{name: "reported", err: cli.Reported(cli.GateFailed), want: 1},
		{name: "wrapped", err: fmt.Errorf("post: %w", cli.New(cli.Remote, boom)), want: 3},
		{name: "untyped_is_minus_1", err: boom, want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := repotest.ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
