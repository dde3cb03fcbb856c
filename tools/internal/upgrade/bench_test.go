package upgrade

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

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

// fleetSize is the fleet of BenchmarkFleet50.
const fleetSize = 50

// BenchmarkFleet50 upgrades a fleet of 50 rendered services (the render
// cases in turn, each committed and edited by its team) from 0.1.0 to
// 0.2.0, dry run or applied, and in the same iteration renders the same 50
// from scratch: on a shared machine whose load wanders, only an interleaved
// pair is a fair comparison. ratio is upgrade ÷ render time. Both sides
// run GOMAXPROCS services at a time, so the upgrades' own concurrency buys
// them nothing the renders do not get: the ratio is one of work done.
func BenchmarkFleet50(b *testing.B) {
	cases := repotest.Cases(b)
	params := make([]map[string]any, len(cases))
	srcs := make([]string, len(cases))
	for i, c := range cases {
		var err error
		if params[i], err = render.LoadValues(c); err != nil {
			b.Fatal(err)
		}
		srcs[i], _ = renderService(b, c)
	}
	tpl := repotest.Path(b, "template/template.yaml")
	for _, dryRun := range []bool{true, false} {
		name := map[bool]string{true: "dry_run", false: "apply"}[dryRun]
		b.Run(name, func(b *testing.B) {
			var renderTime, upgradeTime time.Duration
			var dirs []string
			for b.Loop() {
				b.StopTimer()
				root := b.TempDir()
				if dirs == nil || !dryRun { // a dry run changes nothing: its copies serve every iteration
					dirs = fleetCopies(b, srcs)
				}
				b.StartTimer()
				start := time.Now()
				fleet(b, func(i int) error {
					_, err := render.Scaffold(b.Context(), render.Request{TemplatePath: tpl, Parameters: params[i%len(params)], OutDir: filepath.Join(root, strconv.Itoa(i))})
					return err
				})
				renderTime += time.Since(start)
				start = time.Now()
				fleet(b, func(i int) error {
					_, err := Run(b.Context(), Options{Dir: dirs[i], To: "0.2.0", TemplateRepo: history, DryRun: dryRun})
					return err
				})
				upgradeTime += time.Since(start)
			}
			perService := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N*fleetSize) }
			b.ReportMetric(perService(upgradeTime), "upgrade_ms/service")
			b.ReportMetric(perService(renderTime), "render_ms/service")
			b.ReportMetric(float64(upgradeTime)/float64(renderTime), "ratio")
		})
	}
}

// fleet runs do for the services 0…fleetSize-1, GOMAXPROCS at a time.
func fleet(b *testing.B, do func(i int) error) {
	b.Helper()
	next := make(chan int)
	errs := make([]error, fleetSize)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				errs[i] = do(i)
			}
		})
	}
	for i := range fleetSize {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
}

// fleetCopies copies the services srcs in turn into fleetSize repositories
// with a fresh index (a copy changes every file's stat data).
func fleetCopies(b *testing.B, srcs []string) []string {
	b.Helper()
	root := b.TempDir()
	dirs := make([]string, fleetSize)
	for i := range dirs {
		dirs[i] = filepath.Join(root, strconv.Itoa(i))
		if err := os.CopyFS(dirs[i], os.DirFS(srcs[i%len(srcs)])); err != nil {
			b.Fatal(err)
		}
		gitRun(b, dirs[i], "update-index", "-q", "--refresh")
	}
	return dirs
}
