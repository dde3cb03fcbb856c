// Package opacli locates, or installs with `go install`, the pinned opa CLI
// that the policy gate's tests use as a peer: the same bundle evaluated by the
// real opa binary must give the same violations as the embedded engine. It is
// for tests and benchmarks, not for the gate itself.
package opacli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Version is the pinned opa CLI, the same OPA the gate embeds (go.mod).
const Version = "v1.22.3"

// Required reports whether a missing opa must fail rather than skip: in CI
// (CI set) or when POLICYGATE_PEER=1.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("POLICYGATE_PEER") == "1"
}

// installDir is where Install puts the binary: the user cache, shared by runs.
func installDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "golden-path", "opa-"+Version), nil
}

// Find returns $OPA_BIN or a previously installed pinned binary, "" if none.
func Find() string {
	if p := os.Getenv("OPA_BIN"); p != "" {
		return p
	}
	dir, err := installDir()
	if err != nil {
		return ""
	}
	p := filepath.Join(dir, "opa")
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	return ""
}

// InstallCmd builds the `go install` of the pinned opa into dir.
func InstallCmd(ctx context.Context, dir string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/open-policy-agent/opa@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Dir = os.TempDir() // outside any module: go install pkg@version
	return cmd
}

// Path finds the pinned opa or installs it (minutes on a cold cache).
func Path(ctx context.Context) (string, error) {
	if p := Find(); p != "" {
		return p, nil
	}
	dir, err := installDir()
	if err != nil {
		return "", fmt.Errorf("install opa: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("install opa: %w", err)
	}
	out, err := InstallCmd(ctx, dir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go install opa@%s: %w\n%s", Version, err, out)
	}
	if p := Find(); p != "" {
		return p, nil
	}
	return "", errors.New("install opa: binary missing after go install")
}
