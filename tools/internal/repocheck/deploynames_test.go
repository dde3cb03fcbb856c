package repocheck_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// stepScript returns the run: script of the step with the given id in a job of a workflow file.
func stepScript(t *testing.T, file, id string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				ID  string `yaml:"id"`
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.ID == id && s.Run != "" {
				return s.Run
			}
		}
	}
	t.Fatalf("%s: no run step with id %q", file, id)
	return ""
}

// TestDeployServiceNames runs deploy.yml's "Service names" step, as GitHub runs a run: step (bash --noprofile
// --norc -eo pipefail), against states written by the real terraform: it must fail unless both names are
// outputs of the applied state, and then hand exactly those names on.
func TestDeployServiceNames(t *testing.T) {
	tf := os.Getenv("TERRAFORM_BIN")
	if tf == "" {
		t.Fatal("TERRAFORM_BIN is not set (make deps installs terraform into .bin; the Makefile exports it)")
	}
	script := stepScript(t, filepath.Join(root, ".github", "workflows", "deploy.yml"), "names")
	bin := t.TempDir()
	if err := os.Symlink(tf, filepath.Join(bin, "terraform")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		outputs map[string]string // output name → value; nil: a state with no outputs at all
		want    string            // GITHUB_OUTPUT on success
		wantErr string            // in the step's output on failure
	}{
		{name: "both names", outputs: map[string]string{"api_service_name": "flight-events", "subscriber_service_name": "flight-events-subscriber"},
			want: "api=flight-events\nsubscriber=flight-events-subscriber\n"},
		{name: "state without outputs", wantErr: "terraform output api_service_name: not in the state"},
		{name: "subscriber missing", outputs: map[string]string{"api_service_name": "flight-events"},
			wantErr: "terraform output subscriber_service_name: not in the state"},
		{name: "empty name", outputs: map[string]string{"api_service_name": "", "subscriber_service_name": "s"},
			wantErr: "terraform output api_service_name is not a Cloud Run service name"},
		{name: "not a service name", outputs: map[string]string{"api_service_name": "Flight_Events", "subscriber_service_name": "s"},
			wantErr: "is not a Cloud Run service name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var cfg strings.Builder
			cfg.WriteString("terraform {}\n")
			for k, v := range tt.outputs {
				fmt.Fprintf(&cfg, "output %q {\n  value = %q\n}\n", k, v)
			}
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
			apply := exec.Command(tf, "apply", "-no-color", "-input=false", "-auto-approve")
			apply.Dir, apply.Env = dir, env
			if out, err := apply.CombinedOutput(); err != nil {
				t.Fatalf("terraform apply: %v\n%s", err, out)
			}
			ghOutput := filepath.Join(t.TempDir(), "github_output")
			step := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
			step.Dir, step.Env = dir, append(env, "GITHUB_OUTPUT="+ghOutput)
			out, err := step.CombinedOutput()
			got, _ := os.ReadFile(ghOutput)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("the step passed (GITHUB_OUTPUT %q); want a failure naming %q\n%s", got, tt.wantErr, out)
				}
				if !strings.Contains(string(out), tt.wantErr) {
					t.Errorf("step output does not say %q:\n%s", tt.wantErr, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("step: %v\n%s", err, out)
			}
			if diff := cmp.Diff(string(got), tt.want); diff != "" {
				t.Errorf("GITHUB_OUTPUT (-got +want):\n%s", diff)
			}
		})
	}
}
