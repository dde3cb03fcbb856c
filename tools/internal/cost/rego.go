package cost

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// regoQuery is Infracost's policy query: each result is {"msg": string, "failed": bool}.
const regoQuery = "data.infracost.deny"

// Rego is a compiled set of Rego cost policies, prepared once and evaluated with one query.
type Rego struct {
	pq    rego.PreparedEvalQuery
	files []string
}

// RegoFile is one policy source.
type RegoFile struct {
	Name, Source string
}

// RegoFilesFromFS reads the *.rego files (not *_test.rego) at the root of fsys, prefixing names.
func RegoFilesFromFS(fsys fs.FS, prefix string) ([]RegoFile, error) {
	names, err := fs.Glob(fsys, "*.rego")
	if err != nil {
		return nil, fmt.Errorf("list rego files: %w", err)
	}
	var out []RegoFile
	for _, n := range names {
		if strings.HasSuffix(n, "_test.rego") {
			continue
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		out = append(out, RegoFile{Name: prefix + n, Source: string(b)})
	}
	return out, nil
}

// RegoFilesFromPath reads a .rego file, or the *.rego files (not *_test.rego) of a directory.
func RegoFilesFromPath(path string) ([]RegoFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read rego policies: %w", err)
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read rego policy: %w", err)
		}
		return []RegoFile{{Name: path, Source: string(b)}}, nil
	}
	files, err := RegoFilesFromFS(os.DirFS(path), filepath.Clean(path)+string(filepath.Separator))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no .rego files in %s", path)
	}
	return files, err
}

// CompileRego parses (Rego v1; `import rego.v1` is accepted) and prepares the policies.
func CompileRego(ctx context.Context, files []RegoFile) (*Rego, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("compile rego: no policy files")
	}
	opts := []func(*rego.Rego){rego.Query(regoQuery), rego.SetRegoVersion(ast.RegoV1)}
	var names []string
	for _, f := range files {
		opts = append(opts, rego.Module(f.Name, f.Source))
		names = append(names, f.Name)
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile rego policies: %w", err)
	}
	return &Rego{pq: pq, files: names}, nil
}

// Files returns the names of the compiled policy files.
func (r *Rego) Files() []string { return r.files }

// Eval runs data.infracost.deny over the input. A result that is not {msg: string, failed: bool}
// fails (Infracost would skip it; a gate must not).
func (r *Rego) Eval(ctx context.Context, input map[string]any) ([]check, error) {
	v, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, fmt.Errorf("convert rego input: %w", err)
	}
	rs, err := r.pq.Eval(ctx, rego.EvalParsedInput(v))
	if err != nil {
		return nil, fmt.Errorf("evaluate rego policies: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, fmt.Errorf("evaluate rego policies: %s is undefined (no package infracost with a deny rule in %s)", regoQuery, strings.Join(r.files, ", "))
	}
	var out []check
	add := func(item any) {
		c := check{Name: "rego", Scope: "total", Observed: "-", Limit: "-"}
		m, _ := item.(map[string]any)
		msg, okMsg := m["msg"].(string)
		failed, okFailed := m["failed"].(bool)
		switch {
		case !okMsg || !okFailed:
			b, _ := json.Marshal(item)
			c.Status, c.Message = Fail, "Malformed policy result (want {\"msg\": string, \"failed\": bool}): "+string(b)
		case failed:
			c.Status, c.Message = Fail, msg
		default:
			c.Status, c.Message = Pass, msg
		}
		out = append(out, c)
	}
	switch v := rs[0].Expressions[0].Value.(type) {
	case []any:
		for _, item := range v {
			add(item)
		}
	case map[string]any:
		add(v)
	default:
		return nil, fmt.Errorf("evaluate rego policies: %s is a %T, want a set of results", regoQuery, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Status != out[j].Status {
			return out[i].Status.rank() > out[j].Status.rank()
		}
		return out[i].Message < out[j].Message
	})
	return out, nil
}

// regoInput is the combined Infracost root (as `infracost output` would write it) with the totals
// replaced by the recomputed ones: null when unknown, never a guessed 0.
func regoInput(r *Report, c costs) map[string]any {
	in := make(map[string]any, len(r.Raw)+3)
	for k, v := range r.Raw {
		in[k] = v
	}
	money := func(m money) any {
		if !m.Valid {
			return nil
		}
		return m.Value.String()
	}
	in["totalMonthlyCost"] = money(c.New)
	in["pastTotalMonthlyCost"] = money(c.Past)
	in["diffTotalMonthlyCost"] = money(c.Diff)
	return in
}
