package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestJSONReportSchema validates every json golden against the report schema,
// so a change of the json format shows up as a schema change.
func TestJSONReportSchema(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(goldens) < 4 {
		t.Fatalf("json goldens %v: %v", goldens, err)
	}
	for _, g := range goldens {
		t.Run(filepath.Base(g), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(v); err != nil {
				t.Errorf("%s does not match the report schema: %v", g, err)
			}
		})
	}
	// The schema must reject a finding without rule_id: it can fail.
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"plan":{"file":"p","format_version":"1.2","terraform_version":"","resources":0,"skipped":{},"unknown_values":0},"fail_on":"LOW","findings":[{"severity":"LOW"}],"waivers":{"expired":[],"stale":[],"refused":[]},"summary":{"result":"pass","findings":1,"blocking":0,"waived":0,"unknown":0,"rules":1,"by_severity":{"CRITICAL":0,"HIGH":0,"MEDIUM":0,"LOW":1}}}`)))
	if schema.Validate(bad) == nil {
		t.Error("schema accepted a finding without rule_id")
	}
}
