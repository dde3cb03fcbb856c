package upgrade

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func f(s string) file   { return file{Data: []byte(s)} }
func fx(s string) file  { return file{Data: []byte(s), Exec: true} }
func bin(s string) file { return file{Data: append([]byte(s), 0)} }
func tr(kv ...any) tree { // path, file, path, file …
	t := tree{}
	for i := 0; i < len(kv); i += 2 {
		t[kv[i].(string)] = kv[i+1].(file)
	}
	return t
}

func TestMakePlan(t *testing.T) {
	t.Parallel()
	realMerge := Git{}.merge(t.TempDir())
	tests := []struct {
		name               string
		base, theirs, ours tree
		wantActions        []Action
		wantWrites         tree
		wantDeletes        []string
	}{
		{
			name: "unchanged_by_user_takes_theirs", base: tr("a", f("1\n")), theirs: tr("a", f("2\n")), ours: tr("a", f("1\n")),
			wantActions: []Action{{Kind: Update, Path: "a"}}, wantWrites: tr("a", f("2\n")),
		},
		{
			name: "changed_only_by_user_keeps_ours", base: tr("a", f("1\n")), theirs: tr("a", f("1\n")), ours: tr("a", f("mine\n")),
			wantWrites: tree{},
		},
		{
			name:        "both_changed_merges",
			base:        tr("a", f("1\n2\n3\n4\n5\n")),
			theirs:      tr("a", f("one\n2\n3\n4\n5\n")),
			ours:        tr("a", f("1\n2\n3\n4\nfive\n")),
			wantActions: []Action{{Kind: Merge, Path: "a"}}, wantWrites: tr("a", f("one\n2\n3\n4\nfive\n")),
		},
		{
			name: "both_changed_same_line_conflicts", base: tr("a", f("1\n")), theirs: tr("a", f("2\n")), ours: tr("a", f("3\n")),
			wantActions: []Action{{Kind: Conflict, Path: "a", Note: "1 conflicting hunk(s) marked"}},
			wantWrites:  tr("a", f("<<<<<<< yours\n3\n=======\n2\n>>>>>>> template\n")),
		},
		{
			name: "exec_bit_from_the_template", base: tr("run.sh", f("x\n")), theirs: tr("run.sh", fx("x\n")), ours: tr("run.sh", f("x\n")),
			wantActions: []Action{{Kind: Update, Path: "run.sh"}}, wantWrites: tr("run.sh", fx("x\n")),
		},
		{
			name: "exec_bit_kept_with_a_merged_change", base: tr("run.sh", f("x\n")), theirs: tr("run.sh", f("y\n")), ours: tr("run.sh", fx("x\n")),
			wantActions: []Action{{Kind: Update, Path: "run.sh"}}, wantWrites: tr("run.sh", fx("y\n")),
		},
		{
			name: "binary_changed_by_both_never_merged", base: tr("logo.png", bin("a")), theirs: tr("logo.png", bin("b")), ours: tr("logo.png", bin("c")),
			wantActions: []Action{{Kind: Conflict, Path: "logo.png", Note: "binary, changed by both: kept yours"}},
			wantWrites:  tr("logo.png", bin("c")),
		},
		{
			name: "binary_changed_by_the_template", base: tr("logo.png", bin("a")), theirs: tr("logo.png", bin("b")), ours: tr("logo.png", bin("a")),
			wantActions: []Action{{Kind: Update, Path: "logo.png"}}, wantWrites: tr("logo.png", bin("b")),
		},
		{
			name: "openapi_regenerated_not_merged", base: tr("api/openapi.yaml", f("1\n")), theirs: tr("api/openapi.yaml", f("2\n")), ours: tr("api/openapi.yaml", f("3\n")),
			wantActions: []Action{{Kind: Regenerate, Path: "api/openapi.yaml", Note: "changed by both: run make openapi"}},
			wantWrites:  tr("api/openapi.yaml", f("2\n")),
		},
		{
			name: "go_sum_keeps_both_sides_lines", base: tr("go.sum", f("a\n")), theirs: tr("go.sum", f("a\nt\n")), ours: tr("go.sum", f("a\no\n")),
			wantActions: []Action{{Kind: Regenerate, Path: "go.sum", Note: "changed by both: run go mod tidy"}},
			wantWrites:  tr("go.sum", f("a\no\nt\n")),
		},
		{
			name: "added_by_the_template", base: tree{}, theirs: tr("new", f("n\n")), ours: tree{},
			wantActions: []Action{{Kind: Add, Path: "new"}}, wantWrites: tr("new", f("n\n")),
		},
		{
			name: "deleted_by_the_template", base: tr("old", f("o\n")), theirs: tree{}, ours: tr("old", f("o\n")),
			wantActions: []Action{{Kind: Delete, Path: "old"}}, wantWrites: tree{}, wantDeletes: []string{"old"},
		},
		{
			name: "deleted_by_the_template_changed_by_user", base: tr("old", f("o\n")), theirs: tree{}, ours: tr("old", f("mine\n")),
			wantActions: []Action{{Kind: Conflict, Path: "old", Note: "deleted by the template, changed by you: kept"}}, wantWrites: tree{},
		},
		{
			name: "deleted_by_user_stays_deleted", base: tr("d", f("1\n")), theirs: tr("d", f("1\n")), ours: tree{},
			wantWrites: tree{},
		},
		{
			name: "deleted_by_user_changed_by_template_is_reported", base: tr("d", f("1\n")), theirs: tr("d", f("2\n")), ours: tree{},
			wantActions: []Action{{Kind: KeepDeleted, Path: "d", Note: "deleted by you, changed by the template: restore it to take the change"}},
			wantWrites:  tree{},
		},
		{
			name: "renamed_with_the_user_change", base: tr("old.go", f("1\n2\n3\n4\n5\n")), theirs: tr("new.go", f("1\n2\n3\n4\n5\n")), ours: tr("old.go", f("1\n2\n3\n4\nfive\n")),
			wantActions: []Action{{Kind: Rename, Path: "new.go", From: "old.go"}},
			wantWrites:  tr("new.go", f("1\n2\n3\n4\nfive\n")), wantDeletes: []string{"old.go"},
		},
		{
			name:        "renamed_and_edited_by_the_template_merges_the_user_change",
			base:        tr("docs/ops.md", f("# Ops\n\n1\n2\n3\n4\n5\n6\n")),
			theirs:      tr("docs/runbook.md", f("# Runbook\n\n1\n2\n3\n4\n5\n6\n")),
			ours:        tr("docs/ops.md", f("# Ops\n\n1\n2\n3\n4\n5\nsix\n")),
			wantActions: []Action{{Kind: Rename, Path: "docs/runbook.md", From: "docs/ops.md"}},
			wantWrites:  tr("docs/runbook.md", f("# Runbook\n\n1\n2\n3\n4\n5\nsix\n")), wantDeletes: []string{"docs/ops.md"},
		},
		{
			name:        "unrelated_delete_and_add_are_no_rename",
			base:        tr("old.txt", f("apples\n")),
			theirs:      tr("new.txt", f("a different file entirely\n")),
			ours:        tr("old.txt", f("apples\n")),
			wantActions: []Action{{Kind: Add, Path: "new.txt"}, {Kind: Delete, Path: "old.txt"}},
			wantWrites:  tr("new.txt", f("a different file entirely\n")), wantDeletes: []string{"old.txt"},
		},
		{
			name: "user_file_untouched", base: tree{}, theirs: tree{}, ours: tr("mine.go", f("m\n")),
			wantWrites: tree{},
		},
		{
			name: "answers_file_skipped", base: tr(AnswersPath, f("1\n")), theirs: tr(AnswersPath, f("2\n")), ours: tr(AnswersPath, f("1\n")),
			wantWrites: tree{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			renames, err := Git{}.renames(t.Context(), t.TempDir(), tc.base, tc.theirs)
			if err != nil {
				t.Fatalf("renames: %v", err)
			}
			p, err := makePlan(t.Context(), tc.base, tc.theirs, tc.ours, renames, realMerge, []string{AnswersPath})
			if err != nil {
				t.Fatalf("makePlan: %v", err)
			}
			if diff := cmp.Diff(p.Actions, tc.wantActions); diff != "" {
				t.Errorf("actions (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(p.Writes, tc.wantWrites); diff != "" {
				t.Errorf("writes (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(p.Deletes, tc.wantDeletes); diff != "" {
				t.Errorf("deletes (-got +want):\n%s", diff)
			}
		})
	}
}

func TestGitCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := Git{Bin: "/usr/bin/git"}
	tests := []struct {
		name     string
		cmd      *exec.Cmd
		wantArgs []string
		wantDir  string
	}{
		{"status", g.StatusCmd(ctx, "/svc"), []string{"/usr/bin/git", "status", "--porcelain", "--untracked-files=normal"}, "/svc"},
		{"ls_files", g.LsFilesCmd(ctx, "/svc"), []string{"/usr/bin/git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"}, "/svc"},
		{"clone", g.CloneCmd(ctx, "https://github.com/acme-platform/golden-path.git", "/tmp/t.git"), []string{"/usr/bin/git", "clone", "--quiet", "--bare", "--", "https://github.com/acme-platform/golden-path.git", "/tmp/t.git"}, ""},
		{"tags", g.TagsCmd(ctx, "/t.git"), []string{"/usr/bin/git", "--git-dir", "/t.git", "tag", "--list", "template/v*"}, ""},
		{"rev_parse", g.RevParseCmd(ctx, "/t.git", "main"), []string{"/usr/bin/git", "--git-dir", "/t.git", "rev-parse", "--verify", "--quiet", "main^{commit}"}, ""},
		{"archive", g.ArchiveCmd(ctx, "/t.git", "template/v0.2.0"), []string{"/usr/bin/git", "--git-dir", "/t.git", "archive", "--format=zip", "-0", "template/v0.2.0", "--", "template", "skeleton"}, ""},
		{"renames", g.RenamesCmd(ctx, "/d", "a", "b"), []string{"/usr/bin/git", "diff", "--no-index", "--no-color", "--no-ext-diff", "-M", "--diff-filter=R", "--name-status", "-z", "--", "a", "b"}, "/d"},
		{"merge_file", g.MergeFileCmd(ctx, "o", "b", "t", [3]string{"yours", "base", "template"}, false), []string{"/usr/bin/git", "merge-file", "-p", "-L", "yours", "-L", "base", "-L", "template", "--", "o", "b", "t"}, ""},
		{"merge_file_union", g.MergeFileCmd(ctx, "o", "b", "t", [3]string{"y", "b", "t"}, true), []string{"/usr/bin/git", "merge-file", "-p", "--union", "-L", "y", "-L", "b", "-L", "t", "--", "o", "b", "t"}, ""},
		{"diff", g.DiffCmd(ctx, "/d", "a", "b"), []string{"/usr/bin/git", "diff", "--no-index", "--no-color", "--no-ext-diff", "--binary", "--", "a", "b"}, "/d"},
		{"default_bin", Git{}.StatusCmd(ctx, "/svc"), []string{"git", "status", "--porcelain", "--untracked-files=normal"}, "/svc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.cmd.Args, tc.wantArgs); diff != "" {
				t.Errorf("argv (-got +want):\n%s", diff)
			}
			if tc.cmd.Dir != tc.wantDir {
				t.Errorf("dir %q, want %q", tc.cmd.Dir, tc.wantDir)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ms := []Migration{
		{Version: "0.2.0", Rename: map[string]string{"old": "renamed"}, Add: map[string]any{"tier": "standard"}},
		{Version: "0.3.0", Remove: []string{"gone"}, Add: map[string]any{"tier": "premium", "zone": "a"}},
		{Version: "0.4.0", Add: map[string]any{"later": true}},
	}
	got := Migrate(map[string]any{"old": 1, "gone": 2, "keep": 3}, ms, "0.1.0", "0.3.0")
	want := map[string]any{"renamed": 1, "keep": 3, "tier": "standard", "zone": "a"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Migrate (-got +want):\n%s", diff)
	}
}

func TestLoadMigrationsNeedsAChangelogEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "migrations.yaml", "migrations:\n  - version: 0.2.0\n    add: {x: 1}\n")
	writeFile(t, dir, "CHANGELOG.md", "# Changelog\n\n## 0.1.0 — 2026-11-27\n")
	_, err := LoadMigrations(os.DirFS(dir), "migrations.yaml", "CHANGELOG.md")
	if err == nil || !cmp.Equal(err.Error(), "read migrations migrations.yaml: version 0.2.0 has no entry in CHANGELOG.md") {
		t.Errorf("LoadMigrations: %v, want the unreleased version named", err)
	}
}

func TestChangelogBetween(t *testing.T) {
	t.Parallel()
	log := "# Changelog\n\n## Unreleased\n\n- next\n\n## 0.3.0 — c\n\n- three\n\n## 0.2.0 — b\n\n- two\n\n## 0.1.0 — a\n\n- one\n"
	tests := []struct{ name, from, to, want string }{
		{"one_version", "0.1.0", "0.2.0", "## 0.2.0 — b\n\n- two"},
		{"two_versions", "0.1.0", "0.3.0", "## 0.3.0 — c\n\n- three\n\n## 0.2.0 — b\n\n- two"},
		{"none", "0.3.0", "0.3.0", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(ChangelogBetween(log, tc.from, tc.to), tc.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

// A template version read from git (git archive's zip, in memory) keeps
// the files' bytes and executable bits.
func TestReadTemplateVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "skeleton/run.sh", "#!/bin/sh\necho ${{ values.name }}\n")
	writeFile(t, dir, "skeleton/README.md", "# x\n")
	writeFile(t, dir, "template/template.yaml", "kind: Template\n")
	writeFile(t, dir, "other/ignored.txt", "not part of a template version\n")
	if err := os.Chmod(filepath.Join(dir, "skeleton/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun(t, dir, "init", "--quiet")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "--quiet", "-m", "x")
	fsys, err := (&templateRepo{gitDir: filepath.Join(dir, ".git")}).read(t.Context(), "HEAD")
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	got := map[string]string{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		got[p] = fmt.Sprintf("%v %q", info.Mode().Perm()&0o111 != 0, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"skeleton/run.sh":        `true "#!/bin/sh\necho ${{ values.name }}\n"`,
		"skeleton/README.md":     `false "# x\n"`,
		"template/template.yaml": `false "kind: Template\n"`,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("template version (-got +want):\n%s", diff)
	}
}
