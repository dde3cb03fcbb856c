package render

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkScaffoldProduct renders the product template's example case
// (template/template.yaml + skeleton/) into a fresh directory per iteration.
func BenchmarkScaffoldProduct(b *testing.B) {
	params, err := LoadValues("../../../template/testdata/cases/example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	files := 0
	for i := 0; b.Loop(); i++ {
		out := filepath.Join(dir, strconv.Itoa(i))
		res, err := Scaffold(b.Context(), Request{TemplatePath: productTemplate, Parameters: params, Source: "example", OutDir: out})
		if err != nil {
			b.Fatal(err)
		}
		files = res.Rendered + res.Copied + res.Binary
	}
	b.ReportMetric(float64(files), "files/op")
}

// BenchmarkEngineRender renders one typical skeleton file (YAML with dump,
// if and for) from source, parse included.
func BenchmarkEngineRender(b *testing.B) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${{ values.name | dump }}
  annotations:
    github.com/project-slug: ${{ values.repoUrl | projectSlug | dump }}
    {%- if values.jiraProjectKey %}
    jira/project-key: ${{ values.jiraProjectKey | dump }}
    {%- endif %}
  tags:
{%- for t in values.tags %}
    - ${{ t }}
{%- endfor %}
spec:
  owner: ${{ values.owner | dump }}
`
	data := map[string]any{"values": map[string]any{
		"name": "flight-events", "repoUrl": "github.com?owner=acme&repo=flight-events", "jiraProjectKey": "OPS",
		"tags": []any{"go", "pubsub", "bigquery"}, "owner": "group:default/platform-team",
	}}
	e := NewEngine(EngineOptions{})
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := e.Render("catalog-info.yaml", src, data); err != nil {
			b.Fatal(err)
		}
	}
}
