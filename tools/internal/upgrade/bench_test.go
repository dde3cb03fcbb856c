package upgrade

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// BenchmarkRender is the yardstick: one fresh render of the example case.
func BenchmarkRender(b *testing.B) {
	render := exampleRender(b)
	for b.Loop() {
		render()
	}
}

// exampleRender returns a fresh render of the example case to disk that
// says how long it took; its output is removed after that, with the timer
// stopped (and started again).
func exampleRender(b *testing.B) func() time.Duration {
	params, err := render.LoadValues(repotest.Path(b, "template/testdata/cases/example.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	tpl := repotest.Path(b, "template/template.yaml")
	return func() time.Duration {
		out, err := os.MkdirTemp("", "bench-render-")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := render.Scaffold(b.Context(), render.Request{TemplatePath: tpl, Parameters: params, OutDir: out}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
		return took
	}
}

// BenchmarkUpgradeDryRun plans the example service's upgrade 0.1.0 → 0.2.0
// (two renders, the merges, the diff).
func BenchmarkUpgradeDryRun(b *testing.B) {
	dir, _ := renderService(b, repotest.Path(b, "template/testdata/cases/example.yaml"))
	benchUpgrade(b, func() string { return dir }, true)
}

// BenchmarkUpgradeApply applies it to a fresh copy of the service each time.
func BenchmarkUpgradeApply(b *testing.B) {
	src, _ := renderService(b, repotest.Path(b, "template/testdata/cases/example.yaml"))
	benchUpgrade(b, func() string { return fleetCopies(b, []string{src}, 1)[0] }, false)
}

// benchUpgrade times upgrades of the repository dir() returns and, with the
// timer stopped, a fresh render in each iteration: ns/op is the upgrade's,
// ratio the upgrades' time ÷ the renders' (interleaved, because the load
// of a shared machine wanders).
//
// cpu_ratio is the same for CPU time (this process's and its git
// children's, user + system): the work done, which the load of other jobs
// changes less than it changes wall time.
func benchUpgrade(b *testing.B, dir func() string, dryRun bool) {
	fresh := exampleRender(b)
	var renderTime, renderCPU, upgradeCPU time.Duration
	for b.Loop() {
		b.StopTimer()
		c := cpuTime(b)
		renderTime += fresh() // which starts the timer again when it is done
		b.StopTimer()
		renderCPU += cpuTime(b) - c
		d := dir()
		b.StartTimer()
		c = cpuTime(b)
		if _, err := Run(b.Context(), Options{Dir: d, To: "0.2.0", TemplateRepo: history, DryRun: dryRun}); err != nil {
			b.Fatal(err)
		}
		upgradeCPU += cpuTime(b) - c
	}
	b.ReportMetric(float64(b.Elapsed())/float64(renderTime), "ratio")
	b.ReportMetric(float64(upgradeCPU)/float64(renderCPU), "cpu_ratio")
}

// cpuTime is the CPU time this process and its finished children used.
func cpuTime(b *testing.B) time.Duration {
	var sum time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			b.Fatal(err)
		}
		sum += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return sum
}

// fleetSize is the fleet of BenchmarkFleet50.
const fleetSize = 50

// BenchmarkFleet50 upgrades a fleet of 50 rendered services (the render
// cases in turn, each committed and edited by its team) from 0.1.0 to
// 0.2.0, dry run or applied, and renders the same 50 from scratch, each
// service's render right before its upgrade: on a shared machine whose
// load wanders, only an interleaved pair is a fair comparison. ns/op is
// both; ratio is upgrade ÷ render time, summed over the services. The
// fleet runs GOMAXPROCS services at a time, so the upgrades' own
// concurrency buys them nothing the renders do not get: the ratio is one
// of work done.
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
					dirs = fleetCopies(b, srcs, fleetSize)
				}
				b.StartTimer()
				var renderNS, upgradeNS atomic.Int64
				fleet(b, func(i int) error {
					start := time.Now()
					if _, err := render.Scaffold(b.Context(), render.Request{TemplatePath: tpl, Parameters: params[i%len(params)], OutDir: filepath.Join(root, strconv.Itoa(i))}); err != nil {
						return err
					}
					renderNS.Add(int64(time.Since(start)))
					start = time.Now()
					_, err := Run(b.Context(), Options{Dir: dirs[i], To: "0.2.0", TemplateRepo: history, DryRun: dryRun})
					upgradeNS.Add(int64(time.Since(start)))
					return err
				})
				renderTime += time.Duration(renderNS.Load())
				upgradeTime += time.Duration(upgradeNS.Load())
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

// fleetCopies copies the services srcs in turn into n repositories, each
// with a refreshed index as a real checkout has it (a copy changes every
// file's stat data, and git status would rehash them all).
func fleetCopies(b *testing.B, srcs []string, n int) []string {
	b.Helper()
	root := b.TempDir()
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = filepath.Join(root, strconv.Itoa(i))
		if err := os.CopyFS(dirs[i], os.DirFS(srcs[i%len(srcs)])); err != nil {
			b.Fatal(err)
		}
		gitRun(b, dirs[i], "update-index", "-q", "--refresh")
	}
	return dirs
}
