package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// TreeOptions say what RenderTree renders where.
type TreeOptions struct {
	SkeletonDir           string
	OutDir                string
	Values                map[string]any // the templates' `values`
	CopyWithoutTemplating []string       // globs relative to SkeletonDir; contents copied verbatim
	Replace               bool           // overwrite existing targets instead of skipping them
	Engine                EngineOptions
	Log                   io.Writer // one line per entry; nil for silence
}

// Stats counts what RenderTree did.
type Stats struct {
	Rendered int // text files whose contents were rendered
	Copied   int // text files copied without templating (copyWithoutTemplating)
	Binary   int // binary files and symbolic links copied byte for byte
	Dirs     int // directories created
	Skipped  int // entries skipped: name rendered empty, or target exists
}

// RenderTree renders every file and directory under SkeletonDir into OutDir
// the way fetch:template does:
//
//   - every path is rendered, also those matched by CopyWithoutTemplating;
//     a path that renders to "", starts with "/" or contains "//" is
//     skipped (how optional files and directories are written);
//   - contents of text files are rendered unless matched by
//     CopyWithoutTemplating; binary files (isbinaryfile) and symbolic links
//     are copied byte for byte;
//   - file modes are kept; an existing target is skipped unless Replace.
func RenderTree(ctx context.Context, o TreeOptions) (Stats, error) {
	var st Stats
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	info, err := os.Stat(o.SkeletonDir)
	if err != nil {
		return st, fmt.Errorf("open skeleton: %w", err)
	}
	if !info.IsDir() {
		return st, fmt.Errorf("open skeleton: %s is not a directory", o.SkeletonDir)
	}
	entries, err := listEntries(o.SkeletonDir)
	if err != nil {
		return st, fmt.Errorf("list skeleton: %w", err)
	}
	verbatim, err := globSet(o.SkeletonDir, o.CopyWithoutTemplating, entries)
	if err != nil {
		return st, err
	}
	engine := NewEngine(o.Engine)
	data := map[string]any{"values": o.Values}
	outRoot, err := filepath.Abs(o.OutDir)
	if err != nil {
		return st, fmt.Errorf("resolve output directory: %w", err)
	}
	for _, entry := range entries {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		isDir := strings.HasSuffix(entry, "/")
		rel, err := engine.Render(entry, entry, data)
		if err != nil {
			return st, &TemplateError{filepath.Join(o.SkeletonDir, entry), fmt.Errorf("file name: %w", err)}
		}
		// A file whose own name renders empty inside a directory ("docs/${{ '' }}")
		// renders to "docs/": Backstage skips it because that directory exists
		// (and fails with EISDIR under replace: true); it is always skipped here.
		if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "//") || (!isDir && strings.HasSuffix(rel, "/")) {
			st.Skipped++
			logf("skip     %s (name renders empty)", entry)
			continue
		}
		target := filepath.Join(outRoot, filepath.FromSlash(rel))
		if r, err := filepath.Rel(outRoot, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return st, &TemplateError{filepath.Join(o.SkeletonDir, entry), fmt.Errorf("file name renders to %q, outside the output directory", rel)}
		}
		if _, err := os.Stat(target); err == nil && !o.Replace {
			if !isDir {
				st.Skipped++
				logf("skip     %s (exists)", strings.TrimSuffix(rel, "/"))
			}
			continue
		}
		if isDir {
			if err := os.MkdirAll(target, 0o777); err != nil {
				return st, fmt.Errorf("create directory: %w", err)
			}
			st.Dirs++
			continue
		}
		src := filepath.Join(o.SkeletonDir, filepath.FromSlash(entry))
		kind, err := writeEntry(engine, entry, src, target, !verbatim[entry], data)
		if err != nil {
			return st, err
		}
		switch kind {
		case "render":
			st.Rendered++
		case "copy":
			st.Copied++
		default:
			st.Binary++
		}
		logf("%-8s %s", kind, rel)
	}
	return st, nil
}

// writeEntry writes one file entry and says how: render, copy or binary.
func writeEntry(engine *Engine, entry, src, target string, renderContents bool, data map[string]any) (string, error) {
	li, err := os.Lstat(src)
	if err != nil {
		return "", fmt.Errorf("stat skeleton file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o777); err != nil {
		return "", fmt.Errorf("create directory: %w", err)
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		dest, err := os.Readlink(src)
		if err != nil {
			return "", fmt.Errorf("read symlink: %w", err)
		}
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("replace symlink: %w", err)
		}
		if err := os.Symlink(dest, target); err != nil {
			return "", fmt.Errorf("copy symlink: %w", err)
		}
		return "symlink", nil
	}
	binary, err := isBinaryFile(src)
	if err != nil {
		return "", fmt.Errorf("read skeleton file: %w", err)
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("read skeleton file: %w", err)
	}
	mode := li.Mode().Perm()
	if binary {
		if err := os.WriteFile(target, raw, mode); err != nil {
			return "", fmt.Errorf("copy binary file: %w", err)
		}
		if err := os.Chmod(target, mode); err != nil { // fs.copy keeps the mode exactly
			return "", fmt.Errorf("copy binary file: %w", err)
		}
		return "binary", nil
	}
	text := decodeUTF8(raw)
	kind := "copy"
	if renderContents {
		if text, err = engine.Render(entry, text, data); err != nil {
			return "", &TemplateError{src, err}
		}
		kind = "render"
	}
	if err := os.WriteFile(target, []byte(text), mode); err != nil {
		return "", fmt.Errorf("write file: %w", err)
	}
	return kind, nil
}

// listEntries lists everything under dir as slash paths relative to it,
// directories marked with a trailing "/", parents before children.
func listEntries(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}

// globSet returns the entries matched by globby-style patterns (dot files
// included, a pattern naming a directory expanded to everything below it,
// "!pattern" excluding).
func globSet(root string, patterns []string, entries []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "./")
		p = strings.TrimSuffix(p, "/")
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("copyWithoutTemplating: invalid glob %q", p)
		}
		if !strings.ContainsAny(p, "*?[{") {
			if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil && fi.IsDir() {
				p = path.Join(p, "**")
			}
		}
		base, globstar := strings.CutSuffix(p, "/**")
		for _, e := range entries {
			name := strings.TrimSuffix(e, "/")
			if globstar && name == base {
				continue // fast-glob's dir/** matches below dir, not dir itself
			}
			if ok, _ := doublestar.Match(p, name); ok {
				if neg {
					delete(set, e)
				} else {
					set[e] = true
				}
			}
		}
	}
	return set, nil
}
