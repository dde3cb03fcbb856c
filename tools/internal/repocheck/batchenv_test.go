package repocheck_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServiceBatchEnvironmentFixture keeps the service's copy of the batch
// module's environment.json (skeleton cmd/<name>/testdata, which the
// service's TestBatchArgs turns into the Dataflow launch flags) equal to
// what the module plans for the example service (iac/testdata/
// service-plan.json, written by scripts/plan-fixture.sh). The service no
// longer derives the worker account, bucket and subnetwork names: they are
// Terraform's, read from this file, so a naming or shape change in the
// module fails here until the fixture is copied again.
func TestServiceBatchEnvironmentFixture(t *testing.T) {
	t.Parallel()
	planned, _ := plannedBatchLaunch(t)
	path := filepath.Join(repoRoot(t), "skeleton", "cmd", "${{ values.name }}", "testdata", "batch-environment.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("${{")) {
		t.Fatalf("%s: template syntax in a fixture copied from a plan", path)
	}
	var got batchLaunch
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if diff := cmp.Diff(got, planned); diff != "" {
		t.Errorf("%s differs from the environment.json the batch module plans in iac/testdata/service-plan.json; "+
			"copy the planned content there (-got +want):\n%s", path, diff)
	}
}
