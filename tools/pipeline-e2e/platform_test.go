package pipelinee2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// platformRef is the release of acme-platform/golden-path the example case pins (template values platformRef).
const platformRef = "v0.1.0"

// stubProviderVersion is the version the stub google provider is mirrored as (inside the services' range).
const stubProviderVersion = "6.14.0"

const (
	platformModule = "github.com/acme-platform/golden-path"
	kitModule      = platformModule + "/kit"
)

// platform is what every scenario shares: this checkout published as platformRef on a file module proxy
// (root module and kit), a git snapshot of it tagged platformRef for Terraform's git module source, the
// stub google provider and the example case rendered and tidied against that proxy.
type platform struct {
	root       string // this checkout
	dir        string // scratch directory of the whole test binary
	proxy      string // GOPROXY directory
	git        string // git snapshot of the checkout, tagged platformRef
	gitconfig  string // GIT_CONFIG_GLOBAL: github.com/acme-platform/golden-path → git snapshot
	terraformc string // TF_CLI_CONFIG_FILE: the stub google provider as a filesystem mirror
	service    string // the rendered example case (no .git)
}

// run runs name args in dir with env added to the process environment; the error carries the output.
func run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// trackedFiles lists the files git tracks in root, relative paths, whose working-tree content is what a
// release of this checkout would hold (uncommitted edits of tracked files included, untracked files not).
func trackedFiles(root string) ([]string, error) {
	out, err := run(root, nil, "git", "ls-files", "-z")
	if err != nil {
		return nil, err
	}
	var files []string
	for f := range strings.SplitSeq(strings.TrimSuffix(out, "\x00"), "\x00") {
		if fi, err := os.Lstat(filepath.Join(root, f)); err == nil && fi.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	return files, nil
}

type zipFile struct{ root, rel string }

func (f zipFile) Path() string                 { return f.rel }
func (f zipFile) Lstat() (fs.FileInfo, error)  { return os.Lstat(filepath.Join(f.root, f.rel)) }
func (f zipFile) Open() (io.ReadCloser, error) { return os.Open(filepath.Join(f.root, f.rel)) }

// publish writes module path@platformRef to the file proxy from the tracked files under sub, with the
// module zip's own rules (nested modules left out, invalid file names refused), as the module proxy
// builds it from the tagged commit.
func (p *platform) publish(path, sub string, files []string) error {
	var zf []modzip.File
	for _, f := range files {
		rel, ok := strings.CutPrefix(f, sub+"/")
		if sub == "." {
			rel, ok = f, true
		}
		if ok {
			zf = append(zf, zipFile{root: filepath.Join(p.root, sub), rel: rel})
		}
	}
	dir := filepath.Join(p.proxy, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, module.Version{Path: path, Version: platformRef}, zf); err != nil {
		return fmt.Errorf("create module zip %s: %w", path, err)
	}
	mod, err := os.ReadFile(filepath.Join(p.root, sub, "go.mod"))
	if err != nil {
		return err
	}
	info, _ := json.Marshal(map[string]any{"Version": platformRef, "Time": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	for name, data := range map[string][]byte{
		"list": []byte(platformRef + "\n"), platformRef + ".info": info, platformRef + ".mod": mod, platformRef + ".zip": buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goEnv is the Go part of the runner's environment: the file proxy first, the real one behind it for
// third-party modules (reachable here), no checksum database for the platform's unpublished module.
func (p *platform) goEnv() []string {
	return []string{
		// act hands its own XDG_CACHE_HOME to the steps: name the caches, so the runner's Go is warm.
		"GOCACHE=" + goEnvValue("GOCACHE"), "GOMODCACHE=" + goEnvValue("GOMODCACHE"),
		"GOPROXY=file://" + p.proxy + ",https://proxy.golang.org",
		"GONOSUMDB=" + platformModule,
		"GOFLAGS=-buildvcs=false",
		"GOTOOLCHAIN=local",
	}
}

func goEnvValue(key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func newPlatform(root, dir string) (*platform, error) {
	p := &platform{root: root, dir: dir, proxy: filepath.Join(dir, "goproxy"), git: filepath.Join(dir, "platform.git")}
	files, err := trackedFiles(root)
	if err != nil {
		return nil, err
	}
	if err := p.publish(platformModule, ".", files); err != nil {
		return nil, err
	}
	if err := p.publish(kitModule, "kit", files); err != nil {
		return nil, err
	}

	// Terraform's module source git::https://github.com/acme-platform/golden-path.git//iac/…?ref=<platformRef>.
	p.gitconfig = filepath.Join(dir, "gitconfig")
	cfg := fmt.Sprintf("[user]\n\tname = pipeline-e2e\n\temail = pipeline-e2e@localhost\n[init]\n\tdefaultBranch = main\n"+
		"[advice]\n\tdetachedHead = false\n[url \"file://%s\"]\n\tinsteadOf = https://github.com/acme-platform/golden-path.git\n", p.git)
	if err := os.WriteFile(p.gitconfig, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	gitEnv := []string{"GIT_CONFIG_GLOBAL=" + p.gitconfig, "GIT_CONFIG_NOSYSTEM=1"}
	if _, err := run(dir, gitEnv, "git", "init", "-q", p.git); err != nil {
		return nil, err
	}
	for _, f := range files {
		if !strings.HasPrefix(f, "iac/") {
			continue
		}
		if err := copyFile(filepath.Join(root, f), filepath.Join(p.git, f)); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-qm", "platform " + platformRef}, {"tag", platformRef}} {
		if _, err := run(p.git, gitEnv, "git", args...); err != nil {
			return nil, err
		}
	}

	// The schema-only google provider as hashicorp/google in a filesystem mirror, so the workflows' own
	// `terraform init` installs it and writes a real lock file (dev_overrides would leave init failing).
	mirror := filepath.Join(dir, "providers")
	bin := filepath.Join(mirror, "registry.terraform.io/hashicorp/google", stubProviderVersion, "linux_amd64", "terraform-provider-google_v"+stubProviderVersion)
	if _, err := run(filepath.Join(root, "scripts/planfixture/stubprovider"), nil, "go", "build", "-o", bin, "."); err != nil {
		return nil, err
	}
	p.terraformc = filepath.Join(dir, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/hashicorp/google\"]\n  }\n}\n", mirror)
	if err := os.WriteFile(p.terraformc, []byte(rc), 0o644); err != nil {
		return nil, err
	}

	// The example case, as the scaffolder would push it, then `go get` of the kit release from the proxy: the go.sum
	// lines of the kit release a real repository gets when the platform publishes platformRef.
	p.service = filepath.Join(dir, "service")
	if _, err := run(root, nil, "go", "run", "./tools/scaffold", "--values", "template/testdata/cases/example.yaml", "--out", p.service); err != nil {
		return nil, err
	}
	if _, err := run(p.service, p.goEnv(), "go", "get", kitModule+"@"+platformRef); err != nil {
		return nil, err
	}
	return p, nil
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, fi.Mode().Perm())
}

// copyTree copies the regular files under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}
