package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/acme-platform/golden-path/policies"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestRulesArePerResource: the gate may split resource_changes into shards
// only because every embedded rule judges one resource change at a time.
// Evaluating each resource change of every committed plan alone (shards of
// size 1) must give exactly the findings of the whole plan; so must the
// shard counts the gate uses on a 1,000-resource plan. A rule that joins
// resources (e.g. "a bucket without a matching IAM binding") fails here and
// must either be rewritten or turn sharding off.
func TestRulesArePerResource(t *testing.T) {
	t.Parallel()
	g := defaultGate(t)
	files, err := filepath.Glob("testdata/plans/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/plans/violations/*.json")
	files = append(files, more...)
	files = append(files, "../../../iac/testdata/service-plan.json", "../../../iac/testdata/bootstrap-plan.json")
	if len(files) < 20 {
		t.Fatalf("found %d plan fixtures, want the 25 committed ones", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tfplan.ParseInput(b, InputKeys(nil))
			if err != nil {
				t.Fatal(err)
			}
			whole, err := g.evaluate(t.Context(), p.Input, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			alone, err := g.evaluate(t.Context(), p.Input, 1<<20, 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, alone); diff != "" {
				t.Errorf("each resource change alone differs from the whole plan (-whole +alone):\n%s", diff)
			}
		})
	}
	t.Run("synthetic_1000", func(t *testing.T) {
		t.Parallel()
		p, err := tfplan.ParseInput(syntheticPlanOf(t, "service", 1000), InputKeys(nil))
		if err != nil {
			t.Fatal(err)
		}
		whole, err := g.evaluate(t.Context(), p.Input, 1, minShardSize)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole) == 0 {
			t.Fatal("no findings on the synthetic plan: every third copy is broken")
		}
		for _, shards := range []int{2, 3, 7} {
			got, err := g.evaluate(t.Context(), p.Input, shards, minShardSize)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, got); diff != "" {
				t.Errorf("%d shards differ from one (-one +sharded):\n%s", shards, diff)
			}
		}
	})
}

// TestSplitChanges: shards cover resource_changes in order, share every other
// member, and small plans stay whole.
func TestSplitChanges(t *testing.T) {
	t.Parallel()
	doc := func(n int) ast.Value {
		var elems []*ast.Term
		for i := range n {
			elems = append(elems, ast.IntNumberTerm(i))
		}
		return ast.NewObject(
			[2]*ast.Term{ast.StringTerm("configuration"), ast.StringTerm("c")},
			[2]*ast.Term{ast.StringTerm("resource_changes"), ast.ArrayTerm(elems...)},
		)
	}
	for _, tt := range []struct{ n, shards, minSize, want int }{
		{1000, 2, 128, 2}, {1000, 8, 128, 7}, {255, 2, 128, 1}, {256, 2, 128, 2}, {5, 10, 1, 5}, {0, 4, 1, 1},
	} {
		t.Run(fmt.Sprintf("%d_%d_%d", tt.n, tt.shards, tt.minSize), func(t *testing.T) {
			parts := splitChanges(doc(tt.n), tt.shards, tt.minSize)
			if len(parts) != tt.want {
				t.Fatalf("%d parts, want %d", len(parts), tt.want)
			}
			var all []int
			for _, p := range parts {
				o := p.(ast.Object)
				if o.Get(ast.StringTerm("configuration")) == nil {
					t.Error("a shard lacks the configuration")
				}
				arr := o.Get(ast.StringTerm("resource_changes")).Value.(*ast.Array)
				for i := range arr.Len() {
					n, _ := arr.Elem(i).Value.(ast.Number).Int()
					all = append(all, n)
				}
			}
			want := []int{}
			for i := range tt.n {
				want = append(want, i)
			}
			if !slices.Equal(all, want) && !(len(all) == 0 && tt.n == 0) {
				t.Errorf("shards hold %v, want 0..%d in order", all, tt.n-1)
			}
		})
	}
}

// TestTerraformInputKeysCoverPolicies: the gate converts only
// TerraformInputKeys of the plan, so every input reference of the embedded
// policies must name one of them, and none may use a bare `input` (whose
// members the gate could not know).
func TestTerraformInputKeysCoverPolicies(t *testing.T) {
	t.Parallel()
	modules, err := LoadModules(Source{Name: "policies/terraform", FS: policies.Terraform()}, false)
	if err != nil {
		t.Fatal(err)
	}
	refs := 0
	for name, m := range modules {
		ast.WalkTerms(m, func(term *ast.Term) bool {
			var ref ast.Ref
			switch v := term.Value.(type) {
			case ast.Ref:
				ref = v
			case ast.Var:
				ref = ast.Ref{term}
			default:
				return false
			}
			if !ref[0].Equal(ast.InputRootDocument) {
				return false
			}
			refs++
			if len(ref) < 2 {
				t.Errorf("%s:%d: bare input: name the member (input.resource_changes…)", name, term.Location.Row)
				return true
			}
			key, ok := ref[1].Value.(ast.String)
			if !ok || !slices.Contains(TerraformInputKeys, string(key)) {
				t.Errorf("%s:%d: %v reads input member %v, not in TerraformInputKeys %v", name, term.Location.Row, ref, ref[1], TerraformInputKeys)
			}
			return true
		})
	}
	if refs == 0 {
		t.Error("no input reference found: the walk is broken")
	}
}
