package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// sample is go test -bench output as make bench tees it: the go version
// and cores lines first, two packages, a benchmark run twice (-count 2), a
// log under a benchmark and a sub-benchmark whose name has a dash.
const sample = `go version go1.26.8 linux/amd64
cores: 2
goos: linux
goarch: amd64
pkg: eq/queue/store
cpu: Intel(R) Xeon(R) Processor
BenchmarkDurableInsert/writers=8-2         	   16197	    199986 ns/op	      5005 inserts/s
BenchmarkReplay1500k/raw-scan-2      	       2	 711417909 ns/op	         3.000 allocs/event	   2108465 rows/s	         0.7114 s/log	342070192 B/op	 4499809 allocs/op
--- BENCH: BenchmarkReplay1500k/raw-scan-2
    bench_test.go:65: generated 1500000 events in 9.8s
PASS
ok  	eq/queue/store	45.774s
goos: linux
goarch: amd64
pkg: eq/server
cpu: Intel(R) Xeon(R) Processor
BenchmarkIssueTicketHTTP/kiosks=8-2         	    3442	    349832 ns/op	      2859 req/s
BenchmarkIssueTicketHTTP/kiosks=8-2         	    3465	    351314 ns/op	      2846 req/s
BenchmarkCallToDisplays500-2         	      49	  34658628 ns/op	     23432 fanout-p50-us	     88220 fanout-p99-us	       153.0 msg-bytes	     25384 p50-us	     88966 p99-us
PASS
ok  	eq/server	34.891s
`

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, r *results)
	}{
		{
			name:  "the machine lines are read",
			input: sample,
			check: func(t *testing.T, r *results) {
				got := [...]any{r.Goos, r.Goarch, r.CPU, r.GoVersion, r.Cores, r.Procs}
				want := [...]any{"linux", "amd64", "Intel(R) Xeon(R) Processor", "go1.26.8", 2, 2}
				if got != want {
					t.Errorf("got %v, want %v", got, want)
				}
			},
		},
		{
			name:  "a result belongs to the package printed before it and loses its -GOMAXPROCS suffix",
			input: sample,
			check: func(t *testing.T, r *results) {
				got := r.Runs[benchKey{"eq/queue/store", "BenchmarkReplay1500k/raw-scan"}]
				want := []benchRun{{N: 2, Values: map[string]float64{"ns/op": 711417909, "allocs/event": 3, "rows/s": 2108465, "s/log": 0.7114, "B/op": 342070192, "allocs/op": 4499809}}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
				if _, ok := r.Runs[benchKey{"eq/server", "BenchmarkReplay1500k/raw-scan"}]; ok {
					t.Error("the store's benchmark is also filed under eq/server")
				}
			},
		},
		{
			name:  "every run of a benchmark run twice is kept",
			input: sample,
			check: func(t *testing.T, r *results) {
				if got := len(r.Runs[benchKey{"eq/server", "BenchmarkIssueTicketHTTP/kiosks=8"}]); got != 2 {
					t.Errorf("%d runs, want 2", got)
				}
			},
		},
		{
			name:  "without a suffix the benchmarks ran with GOMAXPROCS 1",
			input: "pkg: eq/server\nBenchmarkFanout500 \t 20\t 5000 ns/op\t 4000 p99-us\n",
			check: func(t *testing.T, r *results) {
				if _, ok := r.Runs[benchKey{"eq/server", "BenchmarkFanout500"}]; !ok || r.Procs != 1 {
					t.Errorf("runs %v, procs %d; want BenchmarkFanout500 at GOMAXPROCS 1", r.Runs, r.Procs)
				}
			},
		},
		{
			name:  "a name alone, as -v prints it, is no result",
			input: "pkg: eq/server\nBenchmarkFanout500\nBenchmarkFanout500-4 \t 20\t 5000 ns/op\n",
			check: func(t *testing.T, r *results) {
				if got := len(r.Runs[benchKey{"eq/server", "BenchmarkFanout500"}]); got != 1 || r.Procs != 4 {
					t.Errorf("%d runs at GOMAXPROCS %d, want 1 at 4", got, r.Procs)
				}
			},
		},
		{
			name:  "a verdict on the benchmark's own line is no result: a failure is collected, a skip is not",
			input: "pkg: eq/server\nBenchmarkIssueTicketHTTP/kiosks=8-2   \t--- FAIL: BenchmarkIssueTicketHTTP/kiosks=8-2\nBenchmarkHold2000/displays-2 \t--- SKIP: BenchmarkHold2000/displays-2\n",
			check: func(t *testing.T, r *results) {
				want := []string{"--- FAIL: BenchmarkIssueTicketHTTP/kiosks=8-2"}
				if !reflect.DeepEqual(r.Failed, want) || len(r.Runs) != 0 {
					t.Errorf("failed %q and runs %v, want %q and none", r.Failed, r.Runs, want)
				}
			},
		},
		{
			name:  "failures are collected, a bare FAIL and logs are not",
			input: "pkg: eq/sim\n--- FAIL: BenchmarkErlangCLongRun-2\n    erlang_test.go:12: boom\nFAIL\nexit status 1\nFAIL\teq/sim\t12.3s\n",
			check: func(t *testing.T, r *results) {
				want := []string{"--- FAIL: BenchmarkErlangCLongRun-2", "FAIL\teq/sim\t12.3s"}
				if !reflect.DeepEqual(r.Failed, want) {
					t.Errorf("failed %q, want %q", r.Failed, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parse(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestParseRefusesAResultLineItCannotRead(t *testing.T) {
	tests := []struct{ name, line string }{
		{"iterations that are no number", "BenchmarkX-2 \t many \t 5 ns/op"},
		{"a value without its unit", "BenchmarkX-2 \t 10 \t 5 ns/op \t 7"},
		{"a value that is no number", "BenchmarkX-2 \t 10 \t fast ns/op"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			if _, err := parse(strings.NewReader("pkg: eq\n" + tt.line + "\n")); err == nil {
				t.Errorf("parse(%q) succeeded", tt.line)
			}
		})
	}
}

func TestValueIsTheMedianOfTheRuns(t *testing.T) {
	r := &results{Runs: map[benchKey][]benchRun{
		{"p", "B"}: {
			{N: 10, Values: map[string]float64{"p99-us": 30}},
			{N: 12, Values: map[string]float64{"p99-us": 10}},
			{N: 11, Values: map[string]float64{"p99-us": 20}},
			{N: 9, Values: map[string]float64{"ns/op": 5}},
		},
	}}
	v, n, ok := r.value(metric{"p", "B", "p99-us"})
	if !ok || v != 20 || !reflect.DeepEqual(n, []int{10, 12, 11}) {
		t.Errorf("value = %v, %v, %v; want 20 from the runs of 10, 12 and 11", v, n, ok)
	}
	if _, _, ok := r.value(metric{"p", "B", "req/s"}); ok {
		t.Error("a unit no run reported has a value")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{850, "p50-us", "850 µs"},
		{25384, "p50-us", "25.4 ms"},
		{1250000, "p99-us", "1.25 s"},
		{0.7114, "s/log", "711 ms"},
		{4.036, "s/log", "4.04 s"},
		{349832, "ns/op", "350 µs"},
		{24474, "heap-B/conn", "23.9 KiB"},
		{900, "stack-B/conn", "900 B"},
		{2.001, "goroutines/conn", "2.00"},
		{2859.6, "req/s", "2 860 req/s"},
		{5005, "inserts/s", "5 005 inserts/s"},
		{371665, "events/s", "372 k events/s"},
		{2108465, "rows/s", "2.11 M rows/s"},
		{298.3, "req/s", "298 req/s"},
		{12, "p50-us", "12 µs"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := format(tt.v, tt.unit); got != tt.want {
				t.Errorf("format(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	figs := []figure{
		{Name: "issue", EQ: metric{"eq/server", "BenchmarkIssueTicketHTTP/kiosks=8", "req/s"},
			Raw: metric{"eq/queue/store", "BenchmarkDurableInsert/writers=8", "inserts/s"}, Baseline: "raw inserts"},
		{Name: "call p99", EQ: metric{"eq/server", "BenchmarkCallToDisplays500", "p99-us"},
			Raw: metric{"eq/server", "BenchmarkBareGorillaBroadcast500/call", "p99-us"}},
		{Name: "scan", EQ: metric{"eq/queue/store", "BenchmarkReplay1500k/raw-scan", "ns/op"}},
	}
	var out bytes.Buffer
	missing := render(&out, res, figs)
	got := out.String()

	t.Run("the machine line comes first", func(t *testing.T) {
		want := "Machine: linux/amd64, Intel(R) Xeon(R) Processor, 2 cores, GOMAXPROCS 2, go1.26.8\n"
		if !strings.HasPrefix(got, want) {
			t.Errorf("output begins\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("a figure stands beside its baseline from another package, with the ratio", func(t *testing.T) {
		// The median of 2859 and 2846 req/s, against 5005 inserts/s.
		want := "| issue | 2 853 req/s | 5 005 inserts/s | 0.57× |\n"
		if !strings.Contains(got, want) {
			t.Errorf("output\n%s\nhas no line\n%s", got, want)
		}
	})
	t.Run("a percentile says how many samples it is of, and a missing baseline is marked", func(t *testing.T) {
		want := "| call p99 | 89 ms (n=49) | not measured | — |\n"
		if !strings.Contains(got, want) {
			t.Errorf("output\n%s\nhas no line\n%s", got, want)
		}
		if want := []metric{figs[1].Raw}; !reflect.DeepEqual(missing, want) {
			t.Errorf("missing %v, want %v", missing, want)
		}
	})
	t.Run("a figure without a baseline stands alone", func(t *testing.T) {
		want := "| scan | 711 ms | — | — |\n"
		if !strings.Contains(got, want) {
			t.Errorf("output\n%s\nhas no line\n%s", got, want)
		}
	})
	t.Run("the baselines are explained under the table", func(t *testing.T) {
		if !strings.Contains(got, "- issue — raw inserts.\n") {
			t.Errorf("output\n%s\nexplains no baseline", got)
		}
	})
}

func TestRun(t *testing.T) {
	complete := sample
	for _, f := range figures {
		for _, m := range f.metrics() {
			complete += "pkg: " + m.Pkg + "\n" + m.Bench + "-2 \t 10 \t 1 ns/op \t 3 " + m.Unit + "\n"
		}
	}
	tests := []struct {
		name     string
		args     []string
		input    string
		want     int
		inStderr string
	}{
		{"a complete run prints its table and succeeds", nil, complete, 0, ""},
		{"a run missing figures fails after printing what it has", nil, sample, 1, "not measured"},
		{"with -partial a run missing figures succeeds", []string{"-partial"}, sample, 0, ""},
		{"a failed benchmark fails the table", nil, complete + "--- FAIL: BenchmarkErlangCLongRun-2\nFAIL\teq/sim\t1.0s\n", 1, "FAIL\teq/sim"},
		{"an unreadable result line fails", nil, "BenchmarkX-2 \t x \t 1 ns/op\n", 1, "iterations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tt.args, strings.NewReader(tt.input), &stdout, &stderr); got != tt.want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.inStderr) {
				t.Errorf("stderr\n%s\nsays nothing of %q", stderr.String(), tt.inStderr)
			}
			if tt.want == 0 && tt.input != "" && !strings.Contains(stdout.String(), "| figure | eq | raw baseline | ratio |") {
				t.Errorf("no table printed:\n%s", stdout.String())
			}
		})
	}
}

func TestRegexpAndPackagesSelectExactlyTheFiguresBenchmarks(t *testing.T) {
	var out bytes.Buffer
	if run([]string{"-regexp"}, nil, &out, &out) != 0 {
		t.Fatal(out.String())
	}
	re, err := regexp.Compile(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figures {
		for _, m := range f.metrics() {
			top, _, _ := strings.Cut(m.Bench, "/")
			if !re.MatchString(top) {
				t.Errorf("%s does not select %s", re, top)
			}
		}
	}
	for _, other := range []string{"BenchmarkIssueTicket", "BenchmarkCallNextRoundTrip", "BenchmarkErlangCLongRun", "BenchmarkHold2000x"} {
		if re.MatchString(other) {
			t.Errorf("%s selects %s too", re, other)
		}
	}
	out.Reset()
	if run([]string{"-packages"}, nil, &out, &out) != 0 {
		t.Fatal(out.String())
	}
	if got, want := strings.TrimSpace(out.String()), "./server ./queue/store"; got != want {
		t.Errorf("-packages printed %q, want %q", got, want)
	}
}

// TestFiguresNameBenchmarksThatExist reads the packages' test files: a
// benchmark renamed without its row here would otherwise only show up as
// "not measured" after a long run.
func TestFiguresNameBenchmarksThatExist(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module's root is not two levels up: %v", err)
	}
	for _, dir := range packageDirs(figures) {
		files, err := filepath.Glob(filepath.Join(root, dir, "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		defined := map[string]bool{}
		fset := token.NewFileSet()
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Benchmark") {
					defined[fn.Name.Name] = true
				}
			}
		}
		for _, f := range figures {
			for _, m := range f.metrics() {
				top, _, _ := strings.Cut(m.Bench, "/")
				if "."+strings.TrimPrefix(m.Pkg, modulePath) == dir && !defined[top] {
					t.Errorf("figure %q: %s has no func %s", f.Name, dir, top)
				}
			}
		}
	}
}
