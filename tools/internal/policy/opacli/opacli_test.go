package opacli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInstallCmd(t *testing.T) {
	t.Parallel()
	cmd := InstallCmd(t.Context(), "/cache/opa")
	if diff := cmp.Diff(cmd.Args, []string{"go", "install", "github.com/open-policy-agent/opa@" + Version}); diff != "" {
		t.Errorf("argv (-got +want):\n%s", diff)
	}
	if got := cmd.Env[len(cmd.Env)-1]; got != "GOBIN=/cache/opa" {
		t.Errorf("last env = %q, want GOBIN=/cache/opa", got)
	}
}
