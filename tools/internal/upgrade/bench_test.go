package upgrade

import (
	"os"
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// BenchmarkRender is the yardstick: one fresh render of the example case.
func BenchmarkRender(b *testing.B) {
	params, err := render.LoadValues(repotest.Path(b, "template/testdata/cases/example.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := os.MkdirTemp("", "bench-render-")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render.Scaffold(b.Context(), render.Request{TemplatePath: repotest.Path(b, "template/template.yaml"), Parameters: params, OutDir: out}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}

// BenchmarkUpgradeDryRun plans the example service's upgrade 0.1.0 → 0.2.0
// (two renders, the merges, the diff).
func BenchmarkUpgradeDryRun(b *testing.B) {
	dir, _ := renderService(b, repotest.Path(b, "template/testdata/cases/example.yaml"))
	for b.Loop() {
		if _, err := Run(b.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history, DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpgradeApply applies it to a fresh copy of the service each time.
func BenchmarkUpgradeApply(b *testing.B) {
	src, _ := renderService(b, repotest.Path(b, "template/testdata/cases/example.yaml"))
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp("", "bench-upgrade-")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
		// The copy changed every file's stat data: refresh the index, as
		// a real checkout has it, so that git status does not rehash it all.
		gitRun(b, dir, "update-index", "-q", "--refresh")
		b.StartTimer()
		if _, err := Run(b.Context(), Options{Dir: dir, To: "0.2.0", TemplateRepo: history}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
