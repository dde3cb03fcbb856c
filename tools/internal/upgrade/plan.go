package upgrade

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// file is what a merge looks at: bytes and the executable bit.
type file struct {
	Data []byte
	Exec bool
}

func (f file) equal(g file) bool { return f.Exec == g.Exec && bytes.Equal(f.Data, g.Data) }

// tree maps slash-separated paths to files.
type tree map[string]file

// Kind is what the upgrade does to one path.
type Kind string

// The kinds of action, in the words the plan prints.
const (
	Add         Kind = "add"          // new in the template
	Update      Kind = "update"       // changed by the template only: theirs
	Merge       Kind = "merge"        // changed by both, merged without conflict
	Conflict    Kind = "conflict"     // changed by both: markers, or kept as is (binary, deleted)
	Delete      Kind = "delete"       // deleted by the template, unchanged by the user
	Rename      Kind = "rename"       // renamed by the template (user changes carried over)
	Regenerate  Kind = "regenerate"   // generated: theirs (or the union for go.sum), rerun its generator
	KeepDeleted Kind = "keep-deleted" // deleted by the user, changed by the template: stays deleted
)

// Action is one line of the plan.
type Action struct {
	Kind Kind
	Path string
	From string // the old path of a rename
	Note string
}

func (a Action) String() string {
	s := fmt.Sprintf("%-12s %s", a.Kind, a.Path)
	if a.From != "" {
		s = fmt.Sprintf("%-12s %s → %s", a.Kind, a.From, a.Path)
	}
	if a.Note != "" {
		s += " (" + a.Note + ")"
	}
	return s
}

// generated are the files an upgrade never merges line by line: the
// command that regenerates each.
var generated = map[string]string{
	"go.sum":           "go mod tidy",
	"api/openapi.yaml": "make openapi",
}

// merger merges the change base→theirs into ours; union keeps both sides'
// lines instead of conflict markers.
type merger func(ctx context.Context, ours, base, theirs []byte, union bool) (merged []byte, conflicts int, err error)

// plan is what an upgrade writes and removes, and why.
type plan struct {
	Actions []Action
	Writes  tree
	Deletes []string
}

func (p *plan) conflicts() []string {
	var out []string
	for _, a := range p.Actions {
		if a.Kind == Conflict {
			out = append(out, a.Path)
		}
	}
	return out
}

// makePlan decides per path of base, theirs and ours what the upgraded
// repository holds, given the template's renames (old path → new path).
// Paths in skip (the answers file) are left alone.
func makePlan(ctx context.Context, base, theirs, ours tree, renames map[string]string, merge merger, skip []string) (*plan, error) {
	p := &plan{Writes: tree{}}
	renamed := map[string]bool{}
	for _, to := range renames {
		renamed[to] = true
	}
	var paths []string
	for _, t := range []tree{base, theirs, ours} {
		for k := range t {
			if !slices.Contains(paths, k) && !slices.Contains(skip, k) {
				paths = append(paths, k)
			}
		}
	}
	slices.Sort(paths)
	for _, path := range paths {
		if renamed[path] {
			continue // handled with its old path
		}
		b, inB := base[path]
		t, inT := theirs[path]
		o, inO := ours[path]
		if to, ok := renames[path]; ok {
			switch {
			case !inO: // the user deleted it; the template only moved it
			case has(ours, to):
				p.Actions = append(p.Actions, Action{Kind: Conflict, Path: path, Note: "renamed by the template to " + to + ", which you also created: kept both"})
			default:
				f, a, err := resolve(ctx, to, o, b, theirs[to], merge)
				if err != nil {
					return nil, err
				}
				p.Writes[to] = f
				p.Deletes = append(p.Deletes, path)
				if a.Kind != Conflict {
					a = Action{Kind: Rename, Path: to, From: path, Note: a.Note}
				} else {
					a.Note = "renamed from " + path
				}
				p.Actions = append(p.Actions, a)
			}
			continue
		}
		switch {
		case inB && inT && inO:
			if o.equal(t) || t.equal(b) {
				continue // nothing new, or only the user's change
			}
			if o.equal(b) {
				p.Writes[path] = t
				p.Actions = append(p.Actions, Action{Kind: Update, Path: path})
				continue
			}
			f, a, err := resolve(ctx, path, o, b, t, merge)
			if err != nil {
				return nil, err
			}
			p.Writes[path] = f
			p.Actions = append(p.Actions, a)
		case inB && inT && !inO:
			if !t.equal(b) {
				p.Actions = append(p.Actions, Action{Kind: KeepDeleted, Path: path, Note: "deleted by you, changed by the template: restore it to take the change"})
			}
		case inB && !inT && inO:
			if o.equal(b) {
				p.Deletes = append(p.Deletes, path)
				p.Actions = append(p.Actions, Action{Kind: Delete, Path: path})
			} else {
				p.Actions = append(p.Actions, Action{Kind: Conflict, Path: path, Note: "deleted by the template, changed by you: kept"})
			}
		case !inB && inT && !inO:
			p.Writes[path] = t
			p.Actions = append(p.Actions, Action{Kind: Add, Path: path})
		case !inB && inT && inO:
			if o.equal(t) {
				continue
			}
			f, a, err := resolve(ctx, path, o, file{}, t, merge)
			if err != nil {
				return nil, err
			}
			p.Writes[path] = f
			p.Actions = append(p.Actions, a)
		}
	}
	slices.Sort(p.Deletes)
	return p, nil
}

func has(t tree, path string) bool { _, ok := t[path]; return ok }

// resolve merges a file both sides changed: the executable bit as a 3-way
// choice, generated files regenerated, binary files never merged.
func resolve(ctx context.Context, path string, o, b, t file, merge merger) (file, Action, error) {
	exec := o.Exec
	if o.Exec == b.Exec {
		exec = t.Exec
	}
	switch {
	case bytes.Equal(o.Data, b.Data):
		return file{t.Data, exec}, Action{Kind: Update, Path: path}, nil
	case bytes.Equal(t.Data, b.Data), bytes.Equal(o.Data, t.Data):
		return file{o.Data, exec}, Action{Kind: Update, Path: path}, nil
	}
	if cmd, ok := generated[path]; ok {
		data := t.Data
		if path == "go.sum" {
			merged, _, err := merge(ctx, o.Data, b.Data, t.Data, true)
			if err != nil {
				return file{}, Action{}, err
			}
			data = merged
		}
		return file{data, exec}, Action{Kind: Regenerate, Path: path, Note: "changed by both: run " + cmd}, nil
	}
	if isBinary(o.Data) || isBinary(b.Data) || isBinary(t.Data) {
		return o, Action{Kind: Conflict, Path: path, Note: "binary, changed by both: kept yours"}, nil
	}
	merged, n, err := merge(ctx, o.Data, b.Data, t.Data, false)
	if err != nil {
		return file{}, Action{}, err
	}
	if n > 0 {
		return file{merged, exec}, Action{Kind: Conflict, Path: path, Note: fmt.Sprintf("%d conflicting hunk(s) marked", n)}, nil
	}
	return file{merged, exec}, Action{Kind: Merge, Path: path}, nil
}

// renames pairs the paths the template deleted with those it added: the
// same content first, then git's rename detection over the rest (written
// below dir), so a file the template moved and edited is still a rename and
// the user's changes follow it. Old path → new path.
func (g Git) renames(ctx context.Context, dir string, base, theirs tree) (map[string]string, error) {
	var gone, added []string
	for k := range base {
		if _, ok := theirs[k]; !ok {
			gone = append(gone, k)
		}
	}
	for k := range theirs {
		if _, ok := base[k]; !ok {
			added = append(added, k)
		}
	}
	slices.Sort(gone)
	slices.Sort(added)
	out := map[string]string{}
	for _, g := range gone {
		for i, a := range added {
			if len(base[g].Data) > 0 && bytes.Equal(base[g].Data, theirs[a].Data) {
				out[g] = a
				added = slices.Delete(added, i, i+1)
				break
			}
		}
	}
	gone = slices.DeleteFunc(gone, func(k string) bool { _, ok := out[k]; return ok })
	if len(gone) == 0 || len(added) == 0 {
		return out, nil // nothing git could pair: no need to ask it
	}
	before, after := tree{}, tree{}
	for _, k := range gone {
		before[k] = base[k]
	}
	for _, k := range added {
		after[k] = theirs[k]
	}
	for name, t := range map[string]tree{"a": before, "b": after} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return nil, fmt.Errorf("detect renames: %w", err)
		}
		if err := writeTree(filepath.Join(dir, name), t); err != nil {
			return nil, fmt.Errorf("detect renames: %w", err)
		}
	}
	c := g.RenamesCmd(ctx, dir, "a", "b")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	raw, err := c.Output()
	if err != nil && exitCode(err) != 1 { // 1: the trees differ
		return nil, fmt.Errorf("detect renames: git diff: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	fields := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	for i := 0; i+2 < len(fields); i += 3 {
		if !strings.HasPrefix(fields[i], "R") {
			return nil, fmt.Errorf("detect renames: unexpected git diff status %q", fields[i])
		}
		from, ok1 := strings.CutPrefix(fields[i+1], "a/")
		to, ok2 := strings.CutPrefix(fields[i+2], "b/")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("detect renames: unexpected git diff paths %q, %q", fields[i+1], fields[i+2])
		}
		out[from] = to
	}
	return out, nil
}

// isBinary is git's test: a NUL byte in the first 8000 bytes.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0
}

// readTree reads the given slash-separated paths below root; paths that
// are not regular files (deleted but still in the index …) are left out.
func readTree(root string, paths []string) (tree, error) {
	t := tree{}
	for _, rel := range paths {
		p := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := readFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", rel, err)
		}
		t[rel] = f
	}
	return t, nil
}

func readFile(p string) (file, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return file{}, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return file{}, err
	}
	return file{Data: b, Exec: fi.Mode()&0o111 != 0}, nil
}

// writeTree writes t below root.
func writeTree(root string, t tree) error {
	for rel, f := range t {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, mode(f)); err != nil {
			return err
		}
	}
	return nil
}

func mode(f file) os.FileMode {
	if f.Exec {
		return 0o755
	}
	return 0o644
}

// hasMarkers reports whether data still holds a conflict marker line.
func hasMarkers(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "<<<<<<< ") || strings.HasPrefix(line, ">>>>>>> ") {
			return true
		}
	}
	return false
}
