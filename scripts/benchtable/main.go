// Command benchtable writes docs/benchmarks.md from the raw `go test -bench`
// output that scripts/bench.sh saves, one file per command. It is the only
// writer of that page: figures are never edited by hand.
//
// Each input file is Go benchmark format (golang.org/x/perf/benchfmt); the
// file configuration lines bench.sh writes before the output say where the
// figures come from: `command:` (the exact command), `dir:` (where it ran)
// and `date:`. The goos/goarch/pkg/cpu lines of go test itself are kept.
//
// For every file the page gets a section with the command, the date and a
// row per benchmark: the median of each metric over the -count runs, with
// the range when there were several. --ratio adds a row to the key-figures
// table: the median of one benchmark's metric divided by another's (same
// run), or a single metric a benchmark reports itself, with its goal.
//
// It is not a benchmark runner (scripts/bench.sh is) and makes no claim of
// its own: a figure without a benchmark behind it cannot be written here.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/perf/benchfmt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// ratio is one --ratio: label;goal;numerator;denominator;unit. An empty
// denominator takes the numerator's metric as it is.
type ratio struct {
	label, goal, num, den, unit string
}

func parseRatio(s string) (ratio, error) {
	f := strings.Split(s, ";")
	if len(f) != 5 || f[0] == "" || f[2] == "" || f[4] == "" {
		return ratio{}, fmt.Errorf("%w: --ratio %q: want label;goal;numerator;denominator;unit", errUsage, s)
	}
	return ratio{label: f[0], goal: f[1], num: f[2], den: f[3], unit: f[4]}, nil
}

type ratioFlags []ratio

func (r *ratioFlags) String() string { return fmt.Sprint(len(*r)) }
func (r *ratioFlags) Set(s string) error {
	v, err := parseRatio(s)
	if err != nil {
		return err
	}
	*r = append(*r, v)
	return nil
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the page to this file (default: standard output)")
	title := fs.String("machine", "", "one line describing the machine the benchmarks ran on")
	var ratios ratioFlags
	fs.Var(&ratios, "ratio", "key figure `label;goal;numerator;denominator;unit` (repeatable); names without the GOMAXPROCS suffix")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: benchtable [-o docs/benchmarks.md] [-machine LINE] [-ratio SPEC]... RESULTS.txt...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no result files given", errUsage)
	}
	var runs []*runFile
	for _, path := range fs.Args() {
		r, err := readRun(path)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	page, err := render(runs, ratios, *title)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(page)
		return err
	}
	if err := os.WriteFile(*out, page, 0o644); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	fmt.Fprintf(stderr, "benchtable: %d commands, %d key figures → %s\n", len(runs), len(ratios), *out)
	return nil
}

// runFile is the results of one command.
type runFile struct {
	command, dir, date, pkg string
	// names in first-seen order; values[name][unit] every run's value.
	names  []string
	units  map[string][]string
	values map[string]map[string][]float64
}

func readRun(path string) (*runFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	r := &runFile{units: map[string][]string{}, values: map[string]map[string][]float64{}}
	rd := benchfmt.NewReader(f, path)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("read results: %v", rec)
		case *benchfmt.Result:
			r.command, r.dir, r.date = rec.GetConfig("command"), rec.GetConfig("dir"), rec.GetConfig("date")
			if r.pkg == "" {
				r.pkg = rec.GetConfig("pkg")
			}
			name := benchName(rec.Name)
			if _, ok := r.values[name]; !ok {
				r.names = append(r.names, name)
				r.values[name] = map[string][]float64{}
			}
			for _, v := range rec.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				if _, ok := r.values[name][unit]; !ok {
					r.units[name] = append(r.units[name], unit)
				}
				r.values[name][unit] = append(r.values[name][unit], val)
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if r.command == "" {
		return nil, fmt.Errorf("read results %s: no benchmark with a `command:` line (did the benchmark fail?)", path)
	}
	return r, nil
}

// benchName is the full name with the Benchmark prefix and without the
// GOMAXPROCS suffix.
func benchName(n benchfmt.Name) string {
	base, parts := n.Parts()
	var b strings.Builder
	b.WriteString("Benchmark")
	b.Write(base)
	for _, p := range parts {
		if !bytes.HasPrefix(p, []byte("-")) {
			b.Write(p)
		}
	}
	return b.String()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// num formats v with about three significant digits and thousands separators.
func num(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	var s string
	switch {
	case a == 0:
		return "0"
	case a >= 1000:
		s = strconv.FormatFloat(v, 'f', 0, 64)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		if neg {
			s = "-" + s
		}
		return s
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return s
}

// scaled shows ns/op in the time unit that suits the median (µs, ms, s
// per op) and a "ratio" metric as ×; other units as the benchmark reported.
func scaled(xs []float64, unit string) ([]float64, string) {
	div, out := 1.0, unit
	switch m := median(xs); {
	case unit == "ns/op" && m >= 1e9:
		div, out = 1e9, "s/op"
	case unit == "ns/op" && m >= 1e6:
		div, out = 1e6, "ms/op"
	case unit == "ns/op" && m >= 1e3:
		div, out = 1e3, "µs/op"
	case unit == "ratio":
		out = "×"
	}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = x / div
	}
	return ys, out
}

func cell(xs []float64, unit string) string {
	xs, unit = scaled(xs, unit)
	sep := " "
	if unit == "×" {
		sep = ""
	}
	m := num(median(xs)) + sep + unit
	if len(xs) > 1 {
		lo, hi := slices.Min(xs), slices.Max(xs)
		if lo != hi {
			m += fmt.Sprintf(" (%s–%s)", num(lo), num(hi))
		}
	}
	return m
}

func (r *runFile) metric(name, unit string) ([]float64, bool) {
	v, ok := r.values[name][unit]
	return v, ok
}

func render(runs []*runFile, ratios []ratio, machine string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (`scripts/bench.sh` runs each command below and saves its raw output; `scripts/benchtable` writes\nthis page from it). Do not edit by hand: rerun `make bench`. Medians over the runs of one command, range in brackets.\n\n")
	if machine != "" {
		fmt.Fprintf(&b, "Machine: %s\n\n", machine)
	}
	if len(ratios) > 0 {
		b.WriteString("## Key figures\n\n| figure | value | goal | from |\n|---|---|---|---|\n")
		for _, q := range ratios {
			v, from, err := evalRatio(runs, q)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "| %s | **%s** | %s | %s |\n", q.label, v, q.goal, from)
		}
		b.WriteString("\n")
	}
	for _, r := range runs {
		title := r.pkg
		if title == "" {
			title = r.names[0]
		}
		fmt.Fprintf(&b, "## %s\n\n", title)
		fmt.Fprintf(&b, "`%s` (in %s, %s)\n\n", r.command, r.dir, r.date)
		b.WriteString("| benchmark | runs | figures |\n|---|---:|---|\n")
		for _, n := range r.names {
			var cells []string
			runsN := 0
			for _, u := range r.units[n] {
				xs := r.values[n][u]
				runsN = max(runsN, len(xs))
				cells = append(cells, cell(xs, u))
			}
			fmt.Fprintf(&b, "| %s | %d | %s |\n", n, runsN, strings.Join(cells, " · "))
		}
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

// evalRatio finds both benchmarks in one run file and divides their
// medians. A missing benchmark is an error: the key figure is not written
// from nothing.
func evalRatio(runs []*runFile, q ratio) (string, string, error) {
	for _, r := range runs {
		n, ok := r.metric(q.num, q.unit)
		if !ok {
			continue
		}
		if q.den == "" {
			return cell(n, q.unit), "`" + q.num + "`", nil
		}
		d, ok := r.metric(q.den, q.unit)
		if !ok {
			return "", "", fmt.Errorf("key figure %q: %s is not in the same run as %s", q.label, q.den, q.num)
		}
		if median(d) == 0 {
			return "", "", fmt.Errorf("key figure %q: %s %s is zero", q.label, q.den, q.unit)
		}
		v := median(n) / median(d)
		return strconv.FormatFloat(v, 'f', 2, 64) + "×", fmt.Sprintf("`%s` ÷ `%s` (%s)", q.num, q.den, q.unit), nil
	}
	return "", "", fmt.Errorf("key figure %q: no run has %s %s", q.label, q.num, q.unit)
}
