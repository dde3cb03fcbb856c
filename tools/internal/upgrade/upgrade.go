package upgrade

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/semver"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/render"
)

// Options is one `scaffold upgrade`.
type Options struct {
	Dir          string   // the repository to upgrade
	To           string   // a version (0.2.0) or a git ref; "" = the latest template/v* tag
	TemplateRepo string   // a path or git URL; "" = the answers' templateRepo
	DryRun       bool     // plan and diff only
	Sets         []string // key=value answers for the target version
	AllowDirty   bool     // upgrade a work tree with uncommitted changes
	Git          Git
}

// Result is what an upgrade did (or, with DryRun, would do).
type Result struct {
	From, To  string
	Actions   []Action
	Conflicts []string
	Diff      string // unified diff of the work tree, before → after
	Changelog string // the target's CHANGELOG.md entries after From up to To
	UpToDate  bool   // the repository is at the target already
	Continued bool   // a rerun finished an upgrade whose conflicts are resolved
}

// RefusedError is an upgrade refused before anything changed: bad input, a
// dirty tree, an unknown target, a downgrade, missing answers.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

func refuse(format string, args ...any) error { return &RefusedError{fmt.Errorf(format, args...)} }

// ConflictError is an upgrade written with conflicts left to resolve.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%d conflict(s) to resolve: %s; resolve them, then rerun scaffold upgrade to finish", len(e.Paths), strings.Join(e.Paths, ", "))
}

// pending is upgrade-pending.yaml.
type pending struct {
	To        string   `yaml:"to"`
	Conflicts []string `yaml:"conflicts"`
	Answers   string   `yaml:"answers"` // the new answers file, written once they are resolved
}

// Run upgrades the repository o.Dir.
func Run(ctx context.Context, o Options) (*Result, error) {
	if p, err := readPending(o.Dir); err != nil || p != nil {
		if err != nil {
			return nil, err
		}
		return finish(o, p)
	}
	answers, err := ReadAnswers(o.Dir)
	if err != nil {
		return nil, &RefusedError{err}
	}
	// The work tree's files, the target and the recorded version are read
	// by git processes that wait for nothing of each other: at once. The
	// work tree's refusal (dirty, not a repository) comes first.
	var (
		oursPaths     []string
		wtErr         error
		baseFS        fs.FS
		baseReadErr   error
		readers       sync.WaitGroup
		readersWaited bool
	)
	readers.Go(func() { oursPaths, wtErr = workTreeFiles(ctx, o) })
	wait := func(err error) error {
		if !readersWaited {
			readers.Wait()
			readersWaited = true
		}
		if wtErr != nil {
			return wtErr
		}
		return err
	}
	defer wait(nil) // no reader outlives Run
	tmp, err := os.MkdirTemp("", "scaffold-upgrade-")
	if err != nil {
		return nil, wait(err)
	}
	defer os.RemoveAll(tmp)
	repo := o.TemplateRepo
	if repo == "" {
		repo = answers.TemplateRepo
	}
	src, err := openTemplateRepo(ctx, o.Git, repo, filepath.Join(tmp, "template.git"))
	if err != nil {
		return nil, wait(err)
	}
	readers.Go(func() { baseFS, baseReadErr = src.read(ctx, tagPrefix+answers.TemplateVersion) })
	target, versions, err := src.resolve(ctx, o.To)
	if err := wait(err); err != nil {
		return nil, err
	}
	res := &Result{From: answers.TemplateVersion, To: target.version}
	switch c := semver.Compare("v"+target.version, "v"+answers.TemplateVersion); {
	case c < 0:
		return nil, refuse("refuse downgrade from %s to %s", answers.TemplateVersion, target.version)
	case c == 0:
		res.UpToDate = true
		return res, nil
	}
	if !slices.Contains(versions, answers.TemplateVersion) {
		return nil, refuse("template version %s (recorded in %s) is not tagged %s%s in %s", answers.TemplateVersion, AnswersPath, tagPrefix, answers.TemplateVersion, repo)
	}
	if log, err := fs.ReadFile(target.fs, "template/CHANGELOG.md"); err == nil {
		res.Changelog = ChangelogBetween(string(log), answers.TemplateVersion, target.version)
	}
	migrated, err := migrateAnswers(target.fs, answers, target.version, o.Sets)
	if err != nil {
		return nil, err
	}
	// base, theirs and ours are independent: read and render them at once.
	var (
		base, theirs, ours       tree
		baseErr, theirsErr, oErr error
		wg                       sync.WaitGroup
	)
	if baseReadErr != nil {
		return nil, baseReadErr
	}
	wg.Go(func() {
		var err error
		if base, err = renderAt(ctx, baseFS, answers.Values); err != nil {
			baseErr = fmt.Errorf("render base %s: %w", answers.TemplateVersion, err)
		}
	})
	wg.Go(func() {
		theirs, theirsErr = renderAt(ctx, target.fs, migrated)
		var ive *render.InvalidValuesError
		switch {
		case errors.As(theirsErr, &ive):
			theirsErr = refuse("answers for template %s: %w (give them with --set key=value)", target.version, theirsErr)
		case theirsErr != nil:
			theirsErr = fmt.Errorf("render target %s: %w", target.version, theirsErr)
		}
	})
	wg.Go(func() { ours, oErr = readTree(o.Dir, oursPaths) })
	wg.Wait()
	if err := errors.Join(theirsErr, baseErr, oErr); err != nil {
		for _, e := range []error{theirsErr, baseErr, oErr} { // a refusal first
			var re *RefusedError
			if errors.As(e, &re) {
				return nil, e
			}
		}
		return nil, err
	}
	newAnswers, ok := theirs[AnswersPath]
	if !ok {
		return nil, fmt.Errorf("template %s renders no %s", target.version, AnswersPath)
	}
	renames, err := o.Git.renames(ctx, filepath.Join(tmp, "renames"), base, theirs)
	if err != nil {
		return nil, err
	}
	p, err := makePlan(ctx, base, theirs, ours, renames, o.Git.merge(tmp), []string{AnswersPath, pendingPath})
	if err != nil {
		return nil, err
	}
	res.Actions, res.Conflicts = p.Actions, p.conflicts()
	if len(res.Conflicts) == 0 && !bytes.Equal(ours[AnswersPath].Data, newAnswers.Data) {
		p.Writes[AnswersPath] = file{Data: newAnswers.Data}
	}
	if res.Diff, err = diff(ctx, o.Git, filepath.Join(tmp, "diff"), ours, p); err != nil {
		return nil, err
	}
	if o.DryRun {
		return res, nil
	}
	if len(res.Conflicts) > 0 {
		raw, err := yaml.Marshal(pending{To: target.version, Conflicts: res.Conflicts, Answers: string(newAnswers.Data)})
		if err != nil {
			return nil, err
		}
		p.Writes[pendingPath] = file{Data: raw}
	}
	if err := apply(o.Dir, p); err != nil {
		return nil, err
	}
	if len(res.Conflicts) > 0 {
		return res, &ConflictError{res.Conflicts}
	}
	return res, nil
}

// workTreeFiles lists ours: git's tracked and untracked files, after the
// dirty check.
func workTreeFiles(ctx context.Context, o Options) ([]string, error) {
	var (
		list    []byte
		listErr error
		lister  sync.WaitGroup
	)
	lister.Go(func() { list, listErr = output(o.Git.LsFilesCmd(ctx, o.Dir)) })
	status, err := output(o.Git.StatusCmd(ctx, o.Dir))
	lister.Wait()
	if err != nil {
		return nil, refuse("%s is not a git work tree: %w", o.Dir, err)
	}
	if len(status) > 0 && !o.AllowDirty {
		return nil, refuse("the work tree %s has uncommitted changes; commit or stash them (or pass --allow-dirty):\n%s", o.Dir, strings.TrimRight(string(status), "\n"))
	}
	if listErr != nil {
		return nil, listErr
	}
	paths := strings.Split(string(list), "\x00")
	slices.Sort(paths) // ls-files lists a path with unmerged stages more than once
	return slices.DeleteFunc(slices.Compact(paths), func(p string) bool { return p == "" }), nil
}

func readPending(dir string) (*pending, error) {
	raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(pendingPath)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p pending
	if err := yaml.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("read %s: %w", pendingPath, err)
	}
	return &p, nil
}

// finish completes an upgrade that stopped on conflicts once no file of
// its conflict list holds markers any more.
func finish(o Options, p *pending) (*Result, error) {
	res := &Result{To: p.To, Continued: true}
	for _, path := range p.Conflicts {
		data, err := os.ReadFile(filepath.Join(o.Dir, filepath.FromSlash(path)))
		if err == nil && hasMarkers(data) {
			res.Conflicts = append(res.Conflicts, path)
		}
	}
	if len(res.Conflicts) > 0 {
		return res, &ConflictError{res.Conflicts}
	}
	if o.DryRun {
		return res, nil
	}
	if err := os.WriteFile(filepath.Join(o.Dir, filepath.FromSlash(AnswersPath)), []byte(p.Answers), 0o644); err != nil {
		return nil, fmt.Errorf("write answers: %w", err)
	}
	if err := os.Remove(filepath.Join(o.Dir, filepath.FromSlash(pendingPath))); err != nil {
		return nil, fmt.Errorf("remove %s: %w", pendingPath, err)
	}
	return res, nil
}

// migrateAnswers turns the recorded answers into the target's: migrations
// of the versions in between, then --set.
func migrateAnswers(target fs.FS, a *Answers, to string, sets []string) (map[string]any, error) {
	migrations, err := LoadMigrations(target, "template/migrations.yaml", "template/CHANGELOG.md")
	if err != nil {
		return nil, err
	}
	out := Migrate(a.Values, migrations, a.TemplateVersion, to)
	t, err := render.LoadTemplateFS(target, templateYAML)
	if err != nil {
		return nil, err
	}
	if err := ApplySets(out, sets, t); err != nil {
		return nil, &RefusedError{err}
	}
	return out, nil
}

// renderAt renders a template version (template/ and skeleton/ in fsys)
// in memory, with the real renderer.
func renderAt(ctx context.Context, fsys fs.FS, answers map[string]any) (tree, error) {
	files := render.Files{}
	if _, err := render.Scaffold(ctx, render.Request{
		FS:           fsys,
		TemplatePath: templateYAML,
		Parameters:   answers,
		Source:       AnswersPath,
		Files:        files,
	}); err != nil {
		return nil, err
	}
	t := make(tree, len(files))
	for rel, f := range files {
		switch {
		case f == nil: // a directory
		case f.Mode&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s is a symbolic link: scaffold upgrade merges regular files only", rel)
		default:
			t[rel] = file{Data: f.Data, Exec: f.Mode&0o111 != 0}
		}
	}
	return t, nil
}

// apply writes the plan into dir: every new file is first written to a
// temporary directory inside dir, then renamed into place, then the
// deletions happen. Nothing in dir changes before every write is staged.
func apply(dir string, p *plan) error {
	stage, err := os.MkdirTemp(dir, ".golden-path-upgrade-")
	if err != nil {
		return fmt.Errorf("stage upgrade: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := writeTree(stage, p.Writes); err != nil {
		return fmt.Errorf("stage upgrade: %w", err)
	}
	paths := make([]string, 0, len(p.Writes))
	for k := range p.Writes {
		paths = append(paths, k)
	}
	slices.Sort(paths)
	for _, rel := range paths {
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("apply upgrade: %w", err)
		}
		if err := os.Rename(filepath.Join(stage, filepath.FromSlash(rel)), dst); err != nil {
			return fmt.Errorf("apply upgrade: %w", err)
		}
	}
	for _, rel := range p.Deletes {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("apply upgrade: %w", err)
		}
	}
	return nil
}

// diff is the unified diff from ours to the upgraded tree, by git diff
// --no-index over two sparse copies of the changed paths.
func diff(ctx context.Context, g Git, dir string, ours tree, p *plan) (string, error) {
	before, after := tree{}, tree{}
	for rel, f := range p.Writes {
		after[rel] = f
		if o, ok := ours[rel]; ok {
			before[rel] = o
		}
	}
	for _, rel := range p.Deletes {
		before[rel] = ours[rel]
	}
	if len(before)+len(after) == 0 {
		return "", nil
	}
	for name, t := range map[string]tree{"a": before, "b": after} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return "", err
		}
		if err := writeTree(filepath.Join(dir, name), t); err != nil {
			return "", err
		}
	}
	c := g.DiffCmd(ctx, dir, "a", "b")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil && exitCode(err) != 1 { // 1: the trees differ
		return "", fmt.Errorf("git diff: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	// The sparse trees are the directories a and b: "a/a/x" is a/x, and
	// rename lines (no prefix) name a/x and b/x.
	r := strings.NewReplacer("a/a/", "a/", "b/b/", "b/", " a/b/", " a/", " b/a/", " b/", "rename from a/", "rename from ", "rename to b/", "rename to ")
	var sb strings.Builder
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if strings.HasPrefix(line, "diff --git ") || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "+++ ") || strings.HasPrefix(line, "rename ") {
			line = r.Replace(line)
		}
		sb.WriteString(line)
	}
	return sb.String(), nil
}

// merge returns the merger that runs git merge-file on files in dir.
func (g Git) merge(dir string) merger {
	var n atomic.Int64
	return func(ctx context.Context, ours, base, theirs []byte, union bool) ([]byte, int, error) {
		k := n.Add(1)
		names := [3]string{}
		for i, data := range [][]byte{ours, base, theirs} {
			names[i] = filepath.Join(dir, fmt.Sprintf("merge-%d-%d", k, i))
			if err := os.WriteFile(names[i], data, 0o600); err != nil {
				return nil, 0, err
			}
		}
		c := g.MergeFileCmd(ctx, names[0], names[1], names[2], [3]string{"yours", "base", "template"}, union)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.Output()
		if err == nil {
			return out, 0, nil
		}
		if code := exitCode(err); code > 0 && code < 128 {
			return out, code, nil
		}
		return nil, 0, fmt.Errorf("git merge-file: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
}

// Report writes the plan, one action a line, and what is left to do.
func (r *Result) Report(w io.Writer) {
	switch {
	case r.UpToDate:
		fmt.Fprintf(w, "already at template version %s: nothing to do\n", r.To)
		return
	case r.Continued && len(r.Conflicts) == 0:
		fmt.Fprintf(w, "conflicts resolved: upgrade to template version %s finished (%s updated)\n", r.To, AnswersPath)
		return
	case r.Continued:
		fmt.Fprintf(w, "upgrade to template version %s: conflicts left:\n", r.To)
	default:
		fmt.Fprintf(w, "upgrade from template version %s to %s: %d action(s)\n", r.From, r.To, len(r.Actions))
		for _, a := range r.Actions {
			fmt.Fprintf(w, "  %s\n", a)
		}
	}
	for _, c := range r.Conflicts {
		fmt.Fprintf(w, "CONFLICT %s\n", c)
	}
}

// Markdown is the upgrade as a pull request body: the changelog entries
// between the versions, the conflicts, and the actions counted by kind.
func (r *Result) Markdown() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Template upgrade from %s to %s, made by `scaffold upgrade`.\n\n", r.From, r.To)
	if r.Changelog != "" {
		fmt.Fprintf(&sb, "## Changelog\n\n%s\n\n", strings.TrimSpace(r.Changelog))
	}
	if len(r.Conflicts) > 0 {
		sb.WriteString("## Conflicts to resolve\n\nThese files carry conflict markers; resolve them on this branch, then rerun `scaffold upgrade`.\n\n")
		for _, c := range r.Conflicts {
			fmt.Fprintf(&sb, "- `%s`\n", c)
		}
		sb.WriteString("\n")
	}
	counts := map[Kind]int{}
	var kinds []Kind
	for _, a := range r.Actions {
		if counts[a.Kind] == 0 {
			kinds = append(kinds, a.Kind)
		}
		counts[a.Kind]++
	}
	slices.Sort(kinds)
	sb.WriteString("## Changes\n\n| action | files |\n|---|---|\n")
	for _, k := range kinds {
		fmt.Fprintf(&sb, "| %s | %d |\n", k, counts[k])
	}
	return sb.String()
}
