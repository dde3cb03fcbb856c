package repocheck_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// serviceCI is the part of service-ci.yml the supply-chain wiring test reads.
type serviceCI struct {
	On struct {
		WorkflowCall struct {
			Inputs map[string]any `yaml:"inputs"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
	Jobs map[string]struct {
		Needs       any               `yaml:"needs"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []ciStep          `yaml:"steps"`
	} `yaml:"jobs"`
}

// readServiceCI decodes the platform's .github/workflows/service-ci.yml.
func readServiceCI(t *testing.T) serviceCI {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "service-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var w serviceCI
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

type ciStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// TestServiceCISupplyChain checks, offline, the wiring of the steps that need
// the network to run: govulncheck (the vulnerability database at vuln.go.dev)
// gates the image; the pushed digest (and only a pushed one) gets an SPDX SBOM
// and SLSA provenance attestation, both stored in the registry; they are
// verified, then a Binary Authorization attestation is signed for that digest
// (Cloud Run admits nothing else: iac/bootstrap/binauthz.tf).
func TestServiceCISupplyChain(t *testing.T) {
	t.Parallel()
	w := readServiceCI(t)

	test, ok := w.Jobs["test"]
	if !ok {
		t.Fatal("service-ci.yml: no test job")
	}
	govulncheck := regexp.MustCompile(`(?m)^go run golang\.org/x/vuln/cmd/govulncheck@v\d+\.\d+\.\d+ \./\.\.\.$`)
	vetted := -1
	for i, s := range test.Steps {
		if govulncheck.MatchString(s.Run) {
			vetted = i
			if s.If != "" {
				t.Errorf("govulncheck step runs only if %q; it must run on every build", s.If)
			}
		}
	}
	if vetted < 0 {
		t.Error("test job: no step runs `go run golang.org/x/vuln/cmd/govulncheck@vX.Y.Z ./...`")
	}

	image, ok := w.Jobs["image"]
	if !ok {
		t.Fatal("service-ci.yml: no image job")
	}
	if needs, _ := image.Needs.(string); needs != "test" {
		t.Errorf("image job needs %v, want test (a vulnerable build gets no image)", image.Needs)
	}
	for scope, want := range map[string]string{"id-token": "write", "attestations": "write", "contents": "read"} {
		if got := image.Permissions[scope]; got != want {
			t.Errorf("image job permissions %s = %q, want %q", scope, got, want)
		}
	}
	for _, in := range []string{"binauthz-attestor", "binauthz-key-version"} {
		if _, ok := w.On.WorkflowCall.Inputs[in]; !ok {
			t.Errorf("service-ci.yml: no workflow_call input %s", in)
		}
	}

	const digest = "${{ steps.build.outputs.digest }}"
	index := func(prefix string) int {
		return slices.IndexFunc(image.Steps, func(s ciStep) bool {
			return strings.HasPrefix(s.Uses, prefix) || (prefix == "binauthz" && strings.Contains(s.Run, "binauthz attestations sign-and-create"))
		})
	}
	build, sbom, provenance, sbomAttest, binauthz := index("docker/build-push-action@"), index("anchore/sbom-action@"), index("actions/attest-build-provenance@"), index("actions/attest-sbom@"), index("binauthz")
	for name, i := range map[string]int{"build-push-action": build, "sbom-action": sbom, "attest-build-provenance": provenance, "attest-sbom": sbomAttest, "binauthz sign-and-create": binauthz} {
		if i < 0 {
			t.Fatalf("image job: no %s step", name)
		}
		if i != build && image.Steps[i].If != "inputs.push" {
			t.Errorf("step %s: if %q, want inputs.push (only a pushed digest is attested)", name, image.Steps[i].If)
		}
	}
	if !(build < sbom && sbom < provenance && provenance < sbomAttest && sbomAttest < binauthz) {
		t.Errorf("image job order: build %d, sbom %d, provenance %d, sbom attestation %d, binauthz %d; want that order", build, sbom, provenance, sbomAttest, binauthz)
	}
	if got := image.Steps[sbom].With["image"]; got != "${{ steps.ref.outputs.image }}" {
		t.Errorf("sbom-action image = %q, want the pushed image by digest", got)
	}
	for _, i := range []int{provenance, sbomAttest} {
		s := image.Steps[i]
		if s.With["subject-digest"] != digest || s.With["push-to-registry"] != "true" || s.With["subject-name"] == "" {
			t.Errorf("%s: with %v; want subject-name, subject-digest %s and push-to-registry true", s.Uses, s.With, digest)
		}
	}
	if got, want := image.Steps[sbomAttest].With["sbom-path"], image.Steps[sbom].With["output-file"]; got == "" || got != want {
		t.Errorf("attest-sbom sbom-path %q, want the sbom-action output-file %q", got, want)
	}
	bz := image.Steps[binauthz]
	for _, want := range []string{`gh attestation verify "oci://$IMAGE"`, "https://slsa.dev/provenance/v1", "https://spdx.dev/Document/v2.3", "--signer-workflow", `--artifact-url="$IMAGE"`, `--attestor="$ATTESTOR"`, `--keyversion="$KEY_VERSION"`} {
		if !strings.Contains(bz.Run, want) {
			t.Errorf("binauthz step does not run %q", want)
		}
	}
	if strings.Index(bz.Run, "gh attestation verify") > strings.Index(bz.Run, "sign-and-create") {
		t.Error("binauthz step signs before it verifies the GitHub attestations")
	}
	for k, want := range map[string]string{"IMAGE": "${{ steps.ref.outputs.image }}", "ATTESTOR": "${{ inputs.binauthz-attestor }}", "KEY_VERSION": "${{ inputs.binauthz-key-version }}"} {
		if got := bz.Env[k]; got != want {
			t.Errorf("binauthz step env %s = %q, want %q", k, got, want)
		}
	}
}
