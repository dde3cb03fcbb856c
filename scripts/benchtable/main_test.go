package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/benchmarks.golden.md")

func TestRunWritesThePage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{
		"-machine", "2 cores, test",
		"-ratio", "policy gate vs opa eval, 1k;≤ 0.5×;BenchmarkProcess/service/resources_1000/policygate;BenchmarkProcess/service/resources_1000/opa_eval;ns/op",
		"-ratio", "/datos vs plain net/http;≥ 0.8×;BenchmarkDatosVsPlain/store=memory;;ratio",
		"testdata/policy.txt", "testdata/datos.txt",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v (stderr %s)", err, stderr.String())
	}
	golden := filepath.Join("testdata", "benchmarks.golden.md")
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stdout.String(), string(want)); diff != "" {
		t.Errorf("page (-got +want):\n%s", diff)
	}
	// The figures are the inputs' medians, not placeholders.
	for _, s := range []string{"**0.42×**", "**0.875×**", "89.0 ms/op (87.0–91.0)"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestRunRefusesWhatItCannotBack(t *testing.T) {
	t.Parallel()
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no_files", args: nil, want: "no result files"},
		{name: "missing_file", args: []string{"testdata/none.txt"}, want: "read results"},
		{name: "no_benchmarks", args: []string{empty}, want: "no benchmark"},
		{name: "bad_ratio", args: []string{"-ratio", "x;y", "testdata/datos.txt"}, want: "want label;goal"},
		{name: "ratio_without_run", args: []string{"-ratio", "x;;BenchmarkNone;;ns/op", "testdata/datos.txt"}, want: `no run has BenchmarkNone`},
		{name: "ratio_across_runs", args: []string{"-ratio", "x;;BenchmarkDatosVsPlain/store=memory;BenchmarkProcess/service/resources_1000/opa_eval;ns/op", "testdata/policy.txt", "testdata/datos.txt"}, want: "not in the same run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote a page despite the error:\n%s", stdout.String())
			}
		})
	}
}
