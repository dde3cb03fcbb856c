package render

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const fixtureTemplate = "testdata/fixture/template.yaml"

func TestScaffoldGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		params    map[string]any
		wantStats Stats
	}{
		{
			name: "docs_off",
			params: map[string]any{
				"name": "flight-events", "owner": "group:default/platform-team",
				"repoUrl": "github.com?owner=acme&repo=flight-events",
			},
			// Skipped: OPTIONAL.md, the docs/ dir and its index.md, nested/${{ '' }} (renders to the existing nested/).
			wantStats: Stats{Rendered: 5, Copied: 3, Binary: 1, Dirs: 7, Skipped: 4},
		},
		{
			name: "docs_on",
			params: map[string]any{
				"name": "flight-status", "owner": "group:default/ops", "docs": true, "publicApi": true,
				"budget": 12.5, "tags": []any{"a", "b", "c"}, "jiraProjectKey": "OPS",
				"repoUrl": "github.com?owner=acme-air&repo=flight-status",
			},
			wantStats: Stats{Rendered: 8, Copied: 3, Binary: 1, Dirs: 8},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			res, err := Scaffold(t.Context(), Request{TemplatePath: fixtureTemplate, Parameters: tc.params, Source: tc.name, OutDir: out})
			if err != nil {
				t.Fatalf("Scaffold: %v", err)
			}
			if diff := cmp.Diff(res.Stats, tc.wantStats); diff != "" {
				t.Errorf("stats (-got +want):\n%s", diff)
			}
			golden := filepath.Join("testdata", "golden", tc.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := os.CopyFS(golden, os.DirFS(out)); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(snapshot(t, out), snapshot(t, golden)); diff != "" {
				t.Errorf("rendered tree differs from %s (-got +want); run go test -update to accept:\n%s", golden, diff)
			}
			// The same render from an fs.FS into memory (how scaffold upgrade
			// renders template versions read from git) gives the same tree.
			files := Files{}
			mem, err := Scaffold(t.Context(), Request{FS: os.DirFS(filepath.Dir(fixtureTemplate)), TemplatePath: filepath.Base(fixtureTemplate), Parameters: tc.params, Source: tc.name, Files: files})
			if err != nil {
				t.Fatalf("Scaffold in memory: %v", err)
			}
			if diff := cmp.Diff(mem.Stats, tc.wantStats); diff != "" {
				t.Errorf("stats in memory (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(memSnapshot(files), snapshot(t, golden)); diff != "" {
				t.Errorf("tree rendered in memory differs from %s (-got +want):\n%s", golden, diff)
			}
		})
	}
}

// entry is what a golden comparison looks at: kind, executable bit, bytes.
type entry struct {
	Kind       string
	Executable bool
	Content    string
}

// memSnapshot is snapshot of a tree rendered into Files.
func memSnapshot(files Files) map[string]entry {
	out := map[string]entry{}
	for rel, f := range files {
		if f == nil {
			out[filepath.FromSlash(rel[:len(rel)-1])] = entry{Kind: "dir"}
			continue
		}
		out[filepath.FromSlash(rel)] = entry{Kind: "file", Executable: f.Mode&0o111 != 0, Content: string(f.Data)}
	}
	return out
}

func snapshot(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			out[rel] = entry{Kind: "dir"}
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = entry{Kind: "file", Executable: info.Mode()&0o111 != 0, Content: string(b)}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", root, err)
	}
	return out
}

func TestRenderTreeKeepsBinaryAndModes(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	values := map[string]any{"name": "svc", "docs": false}
	if _, err := RenderTree(t.Context(), TreeOptions{
		SkeletonDir: "testdata/fixture/skeleton", OutDir: out, Values: values,
		CopyWithoutTemplating: []string{".github/**", "verbatim"},
	}); err != nil {
		t.Fatalf("RenderTree: %v", err)
	}
	src, err := os.ReadFile("testdata/fixture/skeleton/assets/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "assets/logo.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) || !bytes.Contains(got, []byte("${{ values.name }}")) {
		t.Errorf("binary file changed: got %q, want the source bytes %q", got, src)
	}
	info, err := os.Stat(filepath.Join(out, "scripts/run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o100 == 0 {
		t.Errorf("scripts/run.sh mode = %v, want executable as in the skeleton", info.Mode())
	}
}

func TestRenderTreeExistingTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		replace     bool
		wantReadme  string
		wantSkipped int
	}{
		{name: "skipped_without_replace", replace: false, wantReadme: "mine\n", wantSkipped: 1},
		{name: "overwritten_with_replace", replace: true, wantReadme: "# svc\n", wantSkipped: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			skel, out := t.TempDir(), t.TempDir()
			write(t, filepath.Join(skel, "README.md"), "# ${{ values.name }}\n")
			write(t, filepath.Join(skel, "NEW.md"), "new ${{ values.name }}\n")
			write(t, filepath.Join(out, "README.md"), "mine\n")
			st, err := RenderTree(t.Context(), TreeOptions{SkeletonDir: skel, OutDir: out, Values: map[string]any{"name": "svc"}, Replace: tc.replace})
			if err != nil {
				t.Fatalf("RenderTree: %v", err)
			}
			if st.Skipped != tc.wantSkipped {
				t.Errorf("Skipped = %d, want %d", st.Skipped, tc.wantSkipped)
			}
			if got := read(t, filepath.Join(out, "README.md")); got != tc.wantReadme {
				t.Errorf("README.md = %q, want %q", got, tc.wantReadme)
			}
			if got := read(t, filepath.Join(out, "NEW.md")); got != "new svc\n" {
				t.Errorf("NEW.md = %q, want %q", got, "new svc\n")
			}
		})
	}
}

func TestRenderTreeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{name: "unknown_filter_in_contents", files: map[string]string{"a.txt": "${{ values.name | nope }}"}, wantErr: `unknown template filter "nope"`},
		{name: "syntax_error_in_name", files: map[string]string{"${{ values.name | }}.txt": "x"}, wantErr: "file name"},
		{name: "name_escapes_output", files: map[string]string{"${{ '..' }}/x.txt": "x"}, wantErr: "outside the output directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			skel := t.TempDir()
			for name, content := range tc.files {
				write(t, filepath.Join(skel, name), content)
			}
			_, err := RenderTree(t.Context(), TreeOptions{SkeletonDir: skel, OutDir: t.TempDir(), Values: map[string]any{"name": "svc"}})
			var te *TemplateError
			if err == nil || !asTemplateError(err, &te) {
				t.Fatalf("RenderTree error = %v, want a *TemplateError", err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tc.wantErr)) {
				t.Errorf("RenderTree error = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestGlobSet(t *testing.T) {
	t.Parallel()
	root := os.DirFS("testdata/fixture/skeleton")
	entries, err := listEntries(root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		patterns []string
		want     []string
	}{
		{name: "double_star", patterns: []string{".github/**"}, want: []string{".github/CODEOWNERS-${{ values.name }}", ".github/workflows/", ".github/workflows/ci.yaml"}},
		{name: "single_file", patterns: []string{"README.md"}, want: []string{"README.md"}},
		{name: "directory_name_expands", patterns: []string{".github/workflows"}, want: []string{".github/workflows/ci.yaml"}},
		{name: "directory_with_slash_expands", patterns: []string{".github/workflows/"}, want: []string{".github/workflows/ci.yaml"}},
		{name: "any_depth_extension", patterns: []string{"**/*.yaml"}, want: []string{".github/workflows/ci.yaml", "catalog-info.yaml"}},
		{name: "negation", patterns: []string{"**/*.yaml", "!catalog-info.yaml"}, want: []string{".github/workflows/ci.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set, err := globSet(root, tc.patterns, entries)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				if set[e] {
					got = append(got, e)
				}
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("globSet(%q) (-got +want):\n%s", tc.patterns, diff)
			}
		})
	}
}

func TestIsBinary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{name: "empty", in: nil, want: false},
		{name: "ascii", in: []byte("package main\n\nfunc main() {}\n"), want: false},
		{name: "utf8_text", in: []byte("héllo wörld ✈ ${{ values.name }}\n"), want: false},
		{name: "nul_byte", in: []byte("abc\x00def"), want: true},
		{name: "pdf", in: []byte("%PDF-1.7\n"), want: true},
		{name: "utf16_bom", in: []byte{0xff, 0xfe, 'a', 0}, want: false},
		{name: "latin1_mostly_high_bytes", in: bytes.Repeat([]byte{0xe9, 'a', 0xe8, 0xff}, 20), want: true},
		{name: "png_header", in: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := isBinary(tc.in); got != tc.want {
				t.Errorf("isBinary(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func asTemplateError(err error, target **TemplateError) bool { return errors.As(err, target) }
