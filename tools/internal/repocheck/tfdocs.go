package repocheck

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// The README section between these markers is generated from the module
// (the terraform-docs convention).
const (
	DocsBegin = "<!-- BEGIN_TF_DOCS -->"
	DocsEnd   = "<!-- END_TF_DOCS -->"
)

var spaces = regexp.MustCompile(`\s+`)

// Docs renders the module's inputs and outputs as markdown tables, in
// declaration order.
func Docs(m *Module) string {
	var b strings.Builder
	b.WriteString("## Inputs\n\n")
	b.WriteString("| Name | Description | Type | Default | Required |\n")
	b.WriteString("|------|-------------|------|---------|:--------:|\n")
	for _, v := range sortedVariables(m) {
		typ, def, req := "n/a", "n/a", "yes"
		if v.Type != nil {
			typ = code(m.Source(v.Type.Range()))
		}
		if v.Default != nil {
			def, req = code(m.Source(v.Default.Range())), "no"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", "`"+v.Name+"`", cell(v.Description), typ, def, req)
	}
	b.WriteString("\n## Outputs\n\n")
	b.WriteString("| Name | Description |\n")
	b.WriteString("|------|-------------|\n")
	for _, o := range sortedOutputs(m) {
		fmt.Fprintf(&b, "| %s | %s |\n", "`"+o.Name+"`", cell(o.Description))
	}
	return b.String()
}

// cellEscaper keeps table cells intact and <placeholders> visible.
var cellEscaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;")

func cell(s string) string {
	return cellEscaper.Replace(spaces.ReplaceAllString(strings.TrimSpace(s), " "))
}

func code(s string) string {
	s = strings.ReplaceAll(spaces.ReplaceAllString(strings.TrimSpace(s), " "), "|", `\|`)
	return "`" + s + "`"
}

// UpdateReadme returns readme with the generated section replaced by
// Docs(m). It fails when the markers are missing or out of order.
func UpdateReadme(readme []byte, m *Module) ([]byte, error) {
	begin := bytes.Index(readme, []byte(DocsBegin))
	end := bytes.Index(readme, []byte(DocsEnd))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("update readme: want %s … %s markers in that order", DocsBegin, DocsEnd)
	}
	var out bytes.Buffer
	out.Write(readme[:begin+len(DocsBegin)])
	out.WriteString("\n")
	out.WriteString(Docs(m))
	out.Write(readme[end:])
	return out.Bytes(), nil
}

// CheckReadme reports a README whose generated section differs from the
// module, naming the inputs and outputs that are missing from it.
func CheckReadme(path string, readme []byte, m *Module) []Finding {
	want, err := UpdateReadme(readme, m)
	if err != nil {
		return []Finding{{File: path, Msg: err.Error()}}
	}
	if bytes.Equal(want, readme) {
		return nil
	}
	var missing []string
	for _, v := range sortedVariables(m) {
		if !bytes.Contains(readme, []byte("| `"+v.Name+"` |")) {
			missing = append(missing, "input "+v.Name)
		}
	}
	for _, o := range sortedOutputs(m) {
		if !bytes.Contains(readme, []byte("| `"+o.Name+"` |")) {
			missing = append(missing, "output "+o.Name)
		}
	}
	msg := "inputs/outputs tables are out of date (regenerate: go test ./tools/internal/repocheck -update)"
	if len(missing) > 0 {
		msg += "; missing " + strings.Join(missing, ", ")
	}
	return []Finding{{File: path, Msg: msg}}
}
