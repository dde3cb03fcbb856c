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
	// Source, when set, is the skeleton itself (SkeletonDir then only names
	// it in messages), e.g. a template version read from a git archive.
	Source fs.FS
	// Files, when set, receives the rendered tree instead of OutDir.
	Files Files
}

// Files is a rendered tree in memory: slash paths relative to the output
// directory → files; directories are keys ending in "/" with a nil File.
type Files map[string]*File

// File is one rendered file: its bytes and mode (fs.ModeSymlink with the
// link's target as Data for a symbolic link).
type File struct {
	Data []byte
	Mode fs.FileMode
}

// exists tells whether a rendered path is there, as a file or a directory.
func (f Files) exists(rel string) bool {
	_, file := f[strings.TrimSuffix(rel, "/")]
	_, dir := f[strings.TrimSuffix(rel, "/")+"/"]
	return file || dir
}

// add records a file and its parent directories.
func (f Files) add(rel string, file *File) {
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		f[d+"/"] = nil
	}
	f[rel] = file
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
	src := o.Source
	if src == nil {
		src = os.DirFS(o.SkeletonDir)
	}
	info, err := fs.Stat(src, ".")
	if err != nil {
		return st, fmt.Errorf("open skeleton: %w", err)
	}
	if !info.IsDir() {
		return st, fmt.Errorf("open skeleton: %s is not a directory", o.SkeletonDir)
	}
	entries, err := listEntries(src)
	if err != nil {
		return st, fmt.Errorf("list skeleton: %w", err)
	}
	verbatim, err := globSet(src, o.CopyWithoutTemplating, entries)
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
		exists := o.Files != nil && o.Files.exists(rel)
		if o.Files == nil {
			_, err := os.Stat(target)
			exists = err == nil
		}
		if exists && !o.Replace {
			if !isDir {
				st.Skipped++
				logf("skip     %s (exists)", strings.TrimSuffix(rel, "/"))
			}
			continue
		}
		if isDir {
			if o.Files != nil {
				o.Files.add(rel, nil)
			} else if err := os.MkdirAll(target, 0o777); err != nil {
				return st, fmt.Errorf("create directory: %w", err)
			}
			st.Dirs++
			continue
		}
		f, kind, err := renderEntry(engine, src, o.SkeletonDir, entry, !verbatim[entry], data)
		if err != nil {
			return st, err
		}
		if o.Files != nil {
			o.Files.add(rel, f)
		} else {
			err = writeFile(target, f, kind == "binary")
		}
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

// renderEntry renders one file entry of the skeleton src and says how:
// render, copy, binary or symlink. dir names src in messages.
func renderEntry(engine *Engine, src fs.FS, dir, entry string, renderContents bool, data map[string]any) (*File, string, error) {
	li, err := fs.Lstat(src, entry)
	if err != nil {
		return nil, "", fmt.Errorf("stat skeleton file: %w", err)
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		dest, err := fs.ReadLink(src, entry)
		if err != nil {
			return nil, "", fmt.Errorf("read symlink: %w", err)
		}
		return &File{Data: []byte(dest), Mode: fs.ModeSymlink}, "symlink", nil
	}
	raw, err := fs.ReadFile(src, entry)
	if err != nil {
		return nil, "", fmt.Errorf("read skeleton file: %w", err)
	}
	mode := li.Mode().Perm()
	if isBinary(raw[:min(len(raw), 512)]) { // isbinaryfile reads the first 512 bytes
		return &File{Data: raw, Mode: mode}, "binary", nil
	}
	text := decodeUTF8(raw)
	kind := "copy"
	if renderContents {
		if text, err = engine.Render(entry, text, data); err != nil {
			return nil, "", &TemplateError{filepath.Join(dir, filepath.FromSlash(entry)), err}
		}
		kind = "render"
	}
	return &File{Data: []byte(text), Mode: mode}, kind, nil
}

// writeFile writes a rendered file to target; exact gives it the
// skeleton's mode regardless of the umask, as fs.copy does for binary files.
func writeFile(target string, f *File, exact bool) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o777); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	if f.Mode&fs.ModeSymlink != 0 {
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("replace symlink: %w", err)
		}
		if err := os.Symlink(string(f.Data), target); err != nil {
			return fmt.Errorf("copy symlink: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(target, f.Data, f.Mode); err != nil {
		return fmt.Errorf("write file: %w", err)
	}
	if exact {
		if err := os.Chmod(target, f.Mode); err != nil {
			return fmt.Errorf("copy binary file: %w", err)
		}
	}
	return nil
}

// listEntries lists everything in fsys as slash paths, directories marked
// with a trailing "/", parents before children.
func listEntries(fsys fs.FS) ([]string, error) {
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			p += "/"
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// globSet returns the entries matched by globby-style patterns (dot files
// included, a pattern naming a directory expanded to everything below it,
// "!pattern" excluding).
func globSet(root fs.FS, patterns []string, entries []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "./")
		p = strings.TrimSuffix(p, "/")
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("copyWithoutTemplating: invalid glob %q", p)
		}
		if !strings.ContainsAny(p, "*?[{") {
			if fi, err := fs.Stat(root, p); err == nil && fi.IsDir() {
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
