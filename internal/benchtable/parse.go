package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results is what a `go test -bench` run printed.
type results struct {
	Goos, Goarch, CPU string
	GoVersion         string // from a `go version` line, if the output has one
	Cores             int    // from a `cores: N` line, if the output has one
	// Procs is the GOMAXPROCS the benchmarks ran with, read from the
	// suffix go test adds to their names (none means 1); 0 when no
	// benchmark ran.
	Procs int
	// Runs are the result lines of each benchmark, by package and name,
	// one per -count.
	Runs map[benchKey][]benchRun
	// Failed are the lines that say something failed: "--- FAIL: …" and
	// "FAIL <package> …".
	Failed []string
}

type benchKey struct{ Pkg, Bench string }

// benchRun is one result line: the iterations and every value by unit.
type benchRun struct {
	N      int
	Values map[string]float64
}

// procsSuffix is the -GOMAXPROCS go test appends to a benchmark's name
// when GOMAXPROCS is not 1. A benchmark whose own name ends in -digits
// would be misread with GOMAXPROCS=1, so the figures' benchmarks have
// none (kiosks=8, not kiosks-8).
var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// parse reads go test output. Lines that are no result, machine or
// failure line (logs, PASS, ok) are skipped; a result line that cannot be
// read is an error, so a change in go test's format is not mistaken for
// a missing benchmark.
func parse(r io.Reader) (*results, error) {
	res := &results{Runs: map[benchKey][]benchRun{}}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.ContainsAny(k, " \t") {
			switch k {
			case "goos":
				res.Goos = v
				continue
			case "goarch":
				res.Goarch = v
				continue
			case "cpu":
				res.CPU = v
				continue
			case "pkg":
				pkg = v
				continue
			case "cores":
				if n, err := strconv.Atoi(v); err == nil {
					res.Cores = n
				}
				continue
			}
		}
		switch {
		case strings.HasPrefix(line, "go version "):
			// `go version go1.26.8 linux/amd64`
			if f := strings.Fields(line); len(f) >= 3 {
				res.GoVersion = f[2]
			}
		case strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "FAIL\t"), strings.HasPrefix(line, "FAIL "):
			res.Failed = append(res.Failed, strings.TrimSpace(line))
		case strings.HasPrefix(line, "Benchmark"):
			f := strings.Fields(line)
			if len(f) == 1 {
				continue // a name alone: -v prints it as the benchmark starts
			}
			// A benchmark that fails or skips before its result has the
			// verdict printed after its name instead.
			if _, verdict, ok := strings.Cut(line, "--- "); ok {
				if strings.HasPrefix(verdict, "FAIL") {
					res.Failed = append(res.Failed, "--- "+strings.TrimSpace(verdict))
				}
				continue
			}
			name, procs := splitProcs(f[0])
			run, err := parseRun(f[1:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", n, f[0], err)
			}
			res.Procs = procs
			k := benchKey{Pkg: pkg, Bench: name}
			res.Runs[k] = append(res.Runs[k], run)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// splitProcs parses "BenchmarkX/sub-2" into "BenchmarkX/sub" and 2.
func splitProcs(name string) (string, int) {
	m := procsSuffix.FindStringSubmatchIndex(name)
	if m == nil {
		return name, 1
	}
	procs, err := strconv.Atoi(name[m[2]:m[3]])
	if err != nil || procs < 1 {
		return name, 1
	}
	return name[:m[0]], procs
}

// parseRun reads "N value unit value unit …".
func parseRun(f []string) (benchRun, error) {
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return benchRun{}, fmt.Errorf("iterations %q: %w", f[0], err)
	}
	if len(f[1:])%2 != 0 || len(f) < 3 {
		return benchRun{}, fmt.Errorf("values and units do not pair up: %q", strings.Join(f, " "))
	}
	run := benchRun{N: n, Values: map[string]float64{}}
	for i := 1; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return benchRun{}, fmt.Errorf("value %q of %s: %w", f[i], f[i+1], err)
		}
		run.Values[f[i+1]] = v
	}
	return run, nil
}

// value is the median of m over the runs that reported it, and the
// iterations of each of those runs; ok is false if none did.
func (r *results) value(m metric) (v float64, iterations []int, ok bool) {
	var vs []float64
	for _, run := range r.Runs[benchKey{Pkg: m.Pkg, Bench: m.Bench}] {
		if x, has := run.Values[m.Unit]; has {
			vs = append(vs, x)
			iterations = append(iterations, run.N)
		}
	}
	if len(vs) == 0 {
		return 0, nil, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], iterations, true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, iterations, true
}
