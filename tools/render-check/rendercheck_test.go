package rendercheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// requireNode fails in CI and skips locally when the pinned npm packages are not installed.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(repotest.Path(t, "tools/render-check/node_modules/@backstage/plugin-scaffolder-backend")); err != nil {
		repotest.Missing(t, fmt.Sprintf("the Backstage oracle is not installed (%v)", err), "run `make deps` to install it")
	}
}

// buildScaffold builds tools/scaffold once per test binary.
func buildScaffold(t *testing.T) string {
	t.Helper()
	root := repotest.Root(t)
	scaffoldOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scaffold-bin-")
		if err != nil {
			scaffoldErr = err
			return
		}
		scaffoldBin = filepath.Join(dir, "scaffold")
		cmd := exec.Command("go", "build", "-o", scaffoldBin, "./tools/scaffold")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			scaffoldErr = errors.New("go build ./tools/scaffold: " + err.Error() + "\n" + string(out))
		}
	})
	if scaffoldErr != nil {
		t.Fatal(scaffoldErr)
	}
	return scaffoldBin
}

type result struct {
	exit   int
	stderr string
}

func run(t *testing.T, dir string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return result{0, stderr.String()}
	case errors.As(err, &exitErr):
		return result{exitErr.ExitCode(), stderr.String()}
	default:
		t.Fatalf("%s %v: %v", name, args, err)
		return result{}
	}
}

func renderGo(t *testing.T, values, out string) result {
	return run(t, repotest.Root(t), buildScaffold(t), "--template", repotest.Path(t, "template/template.yaml"), "--values", values, "--out", out)
}

func renderBackstage(t *testing.T, values, out string) result {
	return run(t, repotest.Path(t, "tools/render-check"), "node", "render.js",
		"--template", repotest.Path(t, "template/template.yaml"), "--values", values, "--out", out)
}

// TestRenderersAgree renders every case with both renderers and compares the trees byte for byte.
func TestRenderersAgree(t *testing.T) {
	requireNode(t)
	for _, c := range repotest.Cases(t) {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			goOut, bsOut := filepath.Join(t.TempDir(), "go"), filepath.Join(t.TempDir(), "backstage")
			if r := renderGo(t, c, goOut); r.exit != 0 {
				t.Fatalf("scaffold exit %d:\n%s", r.exit, r.stderr)
			}
			if r := renderBackstage(t, c, bsOut); r.exit != 0 {
				t.Fatalf("backstage render exit %d:\n%s", r.exit, r.stderr)
			}
			goTree, bsTree := repotest.Tree(t, goOut), repotest.Tree(t, bsOut)
			if len(bsTree) == 0 {
				t.Fatal("backstage rendered no files")
			}
			if diff := cmp.Diff(goTree, bsTree); diff != "" {
				t.Errorf("Go renderer vs Backstage (-go +backstage):\n%s", diff)
			}
			// Every entity of the rendered repository passes Backstage's validators.
			if _, err := os.Stat(filepath.Join(bsOut, "catalog-info.yaml")); err == nil {
				if r := run(t, repotest.Path(t, "tools/render-check"), "node", "validate-entities.js", filepath.Join(bsOut, "catalog-info.yaml")); r.exit != 0 {
					t.Errorf("rendered catalog-info.yaml is invalid:\n%s", r.stderr)
				}
			} else {
				t.Errorf("rendered repository has no catalog-info.yaml")
			}
		})
	}
}

// TestPlatformEntities validates the platform repository's own entities and the template.
func TestPlatformEntities(t *testing.T) {
	requireNode(t)
	r := run(t, repotest.Path(t, "tools/render-check"), "node", "validate-entities.js",
		repotest.Path(t, "catalog-info.yaml"), repotest.Path(t, "template/template.yaml"))
	if r.exit != 0 {
		t.Fatalf("validate-entities exit %d:\n%s", r.exit, r.stderr)
	}
	for _, want := range []string{"ok location:", "ok component:", "ok template:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate-entities output lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestRenderersRefuse checks that both renderers refuse every negative case, naming the problem.
func TestRenderersRefuse(t *testing.T) {
	requireNode(t)
	for _, nc := range repotest.Negatives(t) {
		t.Run(nc.Name, func(t *testing.T) {
			t.Parallel()
			values, err := yaml.Marshal(nc.Values)
			if err != nil {
				t.Fatal(err)
			}
			vf := filepath.Join(t.TempDir(), "values.yaml")
			if err := os.WriteFile(vf, values, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, r := range []struct {
				who string
				res result
			}{
				{"scaffold", renderGo(t, vf, filepath.Join(t.TempDir(), "go"))},
				{"backstage", renderBackstage(t, vf, filepath.Join(t.TempDir(), "bs"))},
			} {
				if r.res.exit != 2 {
					t.Errorf("%s exit = %d, want 2 (refused); output:\n%s", r.who, r.res.exit, r.res.stderr)
					continue
				}
				for _, w := range nc.Want {
					if !strings.Contains(r.res.stderr, w) {
						t.Errorf("%s refusal lacks %q:\n%s", r.who, w, r.res.stderr)
					}
				}
			}
		})
	}
}
