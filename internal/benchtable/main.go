// Command benchtable reads the output of `go test -bench` on its input and
// prints the performance proof: each figure of eq beside its raw baseline
// from the same run, and their ratio, as a Markdown table under a line
// naming the machine. `make bench` and `make bench-proof` run it:
//
//	go test -run '^$' -bench . -benchmem ./... | tee bench.out
//	go run ./internal/benchtable < bench.out
//
// Which benchmark is a figure and which its baseline is the figures table
// (figures.go), by package, benchmark and unit. A figure whose benchmarks
// did not run, or a failure anywhere in the output, makes the exit status
// 1 after the table is printed; -partial allows missing figures.
// -regexp and -packages print the -bench pattern and the packages that run
// exactly the benchmarks the table needs.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the command; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	partial := fs.Bool("partial", false, "print the figures measured and ignore the rest")
	pattern := fs.Bool("regexp", false, "print the -bench pattern of the benchmarks the table needs, and exit")
	packages := fs.Bool("packages", false, "print the packages those benchmarks are in, and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *pattern:
		fmt.Fprintln(stdout, benchRegexp(figures))
		return 0
	case *packages:
		fmt.Fprintln(stdout, strings.Join(packageDirs(figures), " "))
		return 0
	}
	res, err := parse(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 1
	}
	missing := render(stdout, res, figures)
	status := 0
	if len(missing) > 0 && !*partial {
		fmt.Fprintln(stderr, "benchtable: not measured:")
		for _, m := range missing {
			fmt.Fprintln(stderr, "  ", m)
		}
		status = 1
	}
	if len(res.Failed) > 0 {
		fmt.Fprintln(stderr, "benchtable: the run failed:")
		for _, f := range res.Failed {
			fmt.Fprintln(stderr, "  ", f)
		}
		status = 1
	}
	return status
}

// render prints the machine line, the table and its legend, and returns
// the metrics the run did not report.
func render(w io.Writer, res *results, figs []figure) (missing []metric) {
	fmt.Fprintln(w, machine(res))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | eq | raw baseline | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, f := range figs {
		cell := func(v float64, n []int, ok bool, m metric) string {
			if !ok {
				missing = append(missing, m)
				return "not measured"
			}
			s := format(v, m.Unit)
			if strings.HasSuffix(m.Unit, "-us") {
				// A percentile is only as good as its samples: one per iteration.
				s += " (n=" + joinInts(n, "+") + ")"
			}
			return s
		}
		eq, eqN, eqOK := res.value(f.EQ)
		eqCell, rawCell, ratio := cell(eq, eqN, eqOK, f.EQ), "—", "—"
		if f.Raw != (metric{}) {
			raw, rawN, rawOK := res.value(f.Raw)
			rawCell = cell(raw, rawN, rawOK, f.Raw)
			if eqOK && rawOK && raw != 0 {
				ratio = fmt.Sprintf("%.2f×", eq/raw)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.Name, eqCell, rawCell, ratio)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ratio = eq ÷ raw baseline: for rates (/s) higher is better, for times and memory lower is better.")
	fmt.Fprintln(w, "Baselines:")
	for _, f := range figs {
		if f.Baseline != "" {
			fmt.Fprintf(w, "- %s — %s.\n", f.Name, f.Baseline)
		}
	}
	return missing
}

// machine is the line that says where the run ran, from what go test
// printed and the `go version` and `cores:` lines make bench adds.
func machine(res *results) string {
	var parts []string
	if res.Goos != "" || res.Goarch != "" {
		parts = append(parts, res.Goos+"/"+res.Goarch)
	}
	if res.CPU != "" {
		parts = append(parts, res.CPU)
	}
	if res.Cores > 0 {
		parts = append(parts, fmt.Sprintf("%d cores", res.Cores))
	}
	if res.Procs > 0 {
		parts = append(parts, fmt.Sprintf("GOMAXPROCS %d", res.Procs))
	}
	if res.GoVersion != "" {
		parts = append(parts, res.GoVersion)
	}
	if len(parts) == 0 {
		return "Machine: unknown (no goos, goarch or cpu line in the input)"
	}
	return "Machine: " + strings.Join(parts, ", ")
}

func joinInts(ns []int, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}
