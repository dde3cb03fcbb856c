// Package repotest is what the platform's Go tests need of the repository
// they run in: where its root is (Root, Path, Files, Cases), the template
// rendered for one case (RenderCase), the negative cases (Negatives), a
// rendered or pushed tree as a comparable value (Tree), golden files
// (Golden), and the pinned
// tools or installs a slow check needs (PinnedBin, Missing), and the exit
// code a command's run returned (ExitCode).
//
// It is test support: import it from _test.go files only, never from a
// tool or a library (a test in tools/ asserts that). It is not for the
// generated service (skeleton/ is its own module and cannot import it), and
// not a fixture store: each package keeps its own testdata/.
package repotest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/render"
)

// Module is the module path of the repository's root go.mod.
const Module = "github.com/acme-platform/golden-path"

var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod of module %s above the working directory", Module)
		}
		dir = parent
	}
})

// declaresModule reports whether the go.mod at path declares Module (a
// nested module such as tools/lint's does not).
func declaresModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == Module
		}
	}
	return false
}

// Root returns the absolute path of the repository's root: the nearest
// directory above the test's working directory (its package directory) whose
// go.mod declares Module. It is found once per test binary; failing to find
// it fails the test.
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := root()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Path returns the absolute path of rel, a slash-separated path relative to
// the repository's root: Path(t, "iac/testdata/service-plan.json").
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(Root(tb), filepath.FromSlash(rel))
}

// Files returns the absolute paths matching pattern (filepath.Match syntax,
// slash-separated, relative to the repository's root), sorted. No match
// fails the test: a glob that finds nothing would make a loop over it pass
// without checking anything.
func Files(tb testing.TB, pattern string) []string {
	tb.Helper()
	files, err := filepath.Glob(Path(tb, pattern))
	if err != nil {
		tb.Fatalf("glob %s: %v", pattern, err)
	}
	if len(files) == 0 {
		tb.Fatalf("no files match %s in %s", pattern, Root(tb))
	}
	slices.Sort(files)
	return files
}

// Cases returns the values files of every render case,
// template/testdata/cases/*.yaml, sorted.
func Cases(tb testing.TB) []string {
	tb.Helper()
	return Files(tb, "template/testdata/cases/*.yaml")
}

// RenderCase renders the repository's template (template/template.yaml) with
// the values file valuesFile into a new t.TempDir(), as
// `go run ./tools/scaffold --values valuesFile --out DIR` does, and returns
// DIR: the rendered service's repository (its Terraform is DIR/iac). A
// values file the template refuses fails the test.
func RenderCase(tb testing.TB, valuesFile string) string {
	tb.Helper()
	params, err := render.LoadValues(valuesFile)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := render.Scaffold(tb.Context(), render.Request{
		TemplatePath: Path(tb, "template/template.yaml"),
		Parameters:   params,
		Source:       valuesFile,
		OutDir:       tb.TempDir(),
	})
	if err != nil {
		tb.Fatalf("render %s: %v", valuesFile, err)
	}
	return res.OutDir
}

// Negative is a case of template/testdata/negative: values the template
// must refuse, and the field names (or other text) every refusal must
// contain.
type Negative struct {
	Name   string         // the file name without .yaml
	Want   []string       `yaml:"want"`
	Values map[string]any `yaml:"values"`
}

// Negatives returns every negative case, sorted by name. A file without
// `want:` or that is not YAML fails the test.
func Negatives(tb testing.TB) []Negative {
	tb.Helper()
	var out []Negative
	for _, path := range Files(tb, "template/testdata/negative/*.yaml") {
		raw, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		var n Negative
		if err := yaml.Unmarshal(raw, &n); err != nil || len(n.Want) == 0 {
			tb.Fatalf("negative case %s needs `want:` and `values:` (%v)", path, err)
		}
		n.Name = strings.TrimSuffix(filepath.Base(path), ".yaml")
		out = append(out, n)
	}
	return out
}

// File is what a tree comparison sees of one file: its executable bit and
// its bytes.
type File struct {
	Executable bool
	Content    string
}

// Tree reads every file below root, a .git directory excepted, keyed by its
// slash-separated path relative to root: a rendered service, or a clone of
// what was pushed, as a value cmp.Diff can compare. Directories count only
// through their files (git keeps no empty ones).
func Tree(tb testing.TB, root string) map[string]File {
	tb.Helper()
	tree := map[string]File{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		tree[filepath.ToSlash(rel)] = File{Executable: info.Mode()&0o111 != 0, Content: string(b)}
		return nil
	})
	if err != nil {
		tb.Fatalf("read tree %s: %v", root, err)
	}
	return tree
}

// Golden compares got with the golden file at path and reports a difference
// as (-got +want). With update (the package's -update flag) it first writes
// got to path, creating its directory, so the comparison then passes: golden
// files change only when asked to. A missing file fails the test with how to
// create it.
func Golden(tb testing.TB, path string, got []byte, update bool) {
	tb.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden: %v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		tb.Errorf("%s (-got +want):\n%s", path, diff)
	}
}

// Missing is what a test does when something it needs is not installed:
// in CI ($CI set) the test fails, because a skipped check is a passing check
// nobody ran; elsewhere it is skipped. what says what is missing, fix how to
// get it (usually `make deps`).
func Missing(tb testing.TB, what, fix string) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s and CI is set: %s", what, fix)
	}
	tb.Skipf("%s: %s (never skipped in CI)", what, fix)
}

// PinnedBin returns the binary of a pinned tool that scripts/install-deps.sh
// (make deps) builds into .bin/ and the Makefile exports as $env, e.g.
// PinnedBin(t, "TFLINT_BIN", "tflint"). When env is unset or names no file,
// the test fails in CI and is skipped elsewhere (see Missing).
func PinnedBin(tb testing.TB, env, tool string) string {
	tb.Helper()
	bin := os.Getenv(env)
	what := env + " is not set"
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
		what = env + "=" + bin + " does not exist"
	}
	Missing(tb, what, "run `make deps` (scripts/install-deps.sh) to build the pinned "+tool)
	return ""
}

// ExitCode is the exit code a command's run(…) error carries: 0 for nil, the
// Code of the first *cli.Error in its chain, and -1 for an error that carries
// none. Unlike cli.Code, which exits 1 on such an error, -1 lets a test tell
// an error the command forgot to classify from a gate that failed.
func ExitCode(err error) int {
	if err == nil {
		return cli.OK
	}
	if e, ok := errors.AsType[*cli.Error](err); ok {
		return e.Code
	}
	return -1
}
