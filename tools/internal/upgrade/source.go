package upgrade

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/acme-platform/golden-path/tools/internal/render"
)

// templateRepo is the git repository holding the template's versions.
type templateRepo struct {
	git    Git
	gitDir string
	name   string // as given, for messages
}

// target is a template version read from git.
type target struct {
	version string
	fs      fs.FS // holds template/ and skeleton/
}

// openTemplateRepo opens a local repository in place or clones a remote
// one (bare) into dest.
func openTemplateRepo(ctx context.Context, g Git, repo, dest string) (*templateRepo, error) {
	if repo == "" {
		return nil, refuse("no template repository: %s has no templateRepo; pass --template-repo", AnswersPath)
	}
	if fi, err := os.Stat(repo); err == nil && fi.IsDir() {
		gitDir := repo
		if fi, err := os.Stat(filepath.Join(repo, ".git")); err == nil && fi.IsDir() {
			gitDir = filepath.Join(repo, ".git")
		}
		abs, err := filepath.Abs(gitDir)
		if err != nil {
			return nil, err
		}
		return &templateRepo{git: g, gitDir: abs, name: repo}, nil
	}
	if _, err := output(g.CloneCmd(ctx, repo, dest)); err != nil {
		return nil, fmt.Errorf("fetch template repository: %w", err)
	}
	return &templateRepo{git: g, gitDir: dest, name: repo}, nil
}

// versions lists the tagged template versions, oldest first.
func (r *templateRepo) versions(ctx context.Context) ([]string, error) {
	out, err := output(r.git.TagsCmd(ctx, r.gitDir))
	if err != nil {
		return nil, fmt.Errorf("list template versions: %w", err)
	}
	var vs []string
	for _, tag := range strings.Fields(string(out)) {
		v := strings.TrimPrefix(tag, tagPrefix)
		if semver.IsValid("v" + v) {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(a, b string) int { return semver.Compare("v"+a, "v"+b) })
	return vs, nil
}

// resolve reads the target: a version (its template/v tag), a git ref (its
// template.yaml says the version), or "" for the latest version. It also
// returns the tagged versions.
func (r *templateRepo) resolve(ctx context.Context, to string) (*target, []string, error) {
	vs, err := r.versions(ctx)
	if err != nil {
		return nil, nil, err
	}
	v := strings.TrimPrefix(to, "v")
	ref := ""
	switch {
	case to == "" && len(vs) == 0:
		return nil, nil, refuse("template repository %s has no %s* tags: pass --to <ref>", r.name, tagPrefix)
	case to == "":
		ref, v = tagPrefix+vs[len(vs)-1], vs[len(vs)-1]
	case slices.Contains(vs, v):
		ref = tagPrefix + v
	case semver.IsValid("v" + v):
		return nil, nil, refuse("unknown template version %s in %s (tagged: %s)", to, r.name, strings.Join(vs, ", "))
	default:
		if _, err := output(r.git.RevParseCmd(ctx, r.gitDir, to)); err != nil {
			return nil, nil, refuse("unknown target %q: neither a tagged version (%s) nor a ref of %s", to, strings.Join(vs, ", "), r.name)
		}
		ref, v = to, ""
	}
	fsys, err := r.read(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if v == "" {
		t, err := render.LoadTemplateFS(fsys, templateYAML)
		if err != nil {
			return nil, nil, err
		}
		if !semver.IsValid("v" + t.Version) {
			return nil, nil, refuse("template at %s has no backstage.io/template-version X.Y.Z (got %q)", to, t.Version)
		}
		v = t.Version
	}
	return &target{version: v, fs: fsys}, vs, nil
}

// templateYAML is where a template version keeps its template.yaml.
const templateYAML = "template/template.yaml"

// read returns the template/ and skeleton/ trees of ref, in memory: git
// archive writes them as an uncompressed zip, whose reader is an fs.FS
// with the files' modes.
func (r *templateRepo) read(ctx context.Context, ref string) (fs.FS, error) {
	out, err := output(r.git.ArchiveCmd(ctx, r.gitDir, ref))
	if err != nil {
		return nil, fmt.Errorf("extract template %s: %w", ref, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		return nil, fmt.Errorf("extract template %s: %w", ref, err)
	}
	return zr, nil
}
