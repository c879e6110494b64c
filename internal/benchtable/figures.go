package main

import (
	"fmt"
	"math"
	"strings"
)

// modulePath is the module's import path: figures name packages by it, as
// go test prints them after "pkg:".
const modulePath = "eq"

// A metric is one number a benchmark reports: the benchmark's package and
// name (sub-benchmarks after a slash, without the -GOMAXPROCS suffix) and
// the unit it is reported in (ns/op or a unit of b.ReportMetric).
type metric struct {
	Pkg, Bench, Unit string
}

func (m metric) String() string { return m.Bench + " " + m.Unit + " (" + m.Pkg + ")" }

// A figure is one row of the table: what eq achieves and the raw baseline
// it is read against, measured in the same run. A figure with no raw
// baseline (Raw zero) is shown for itself.
type figure struct {
	Name     string
	EQ, Raw  metric
	Baseline string // what the baseline is, for the legend under the table
}

// metrics are the figure's eq metric and its baseline, if it has one.
func (f figure) metrics() []metric {
	if f.Raw == (metric{}) {
		return []metric{f.EQ}
	}
	return []metric{f.EQ, f.Raw}
}

// figures are the rows, in order. This is the pairing convention: every
// figure names its eq benchmark and its baseline benchmark here, by
// package, name and unit, so a baseline needs no special name and one
// baseline can serve several figures. Adding a figure is adding a row.
var figures = []figure{
	{
		Name:     "issue a ticket: POST /api/v1/tickets, 8 kiosks",
		EQ:       metric{"eq/server", "BenchmarkIssueTicketHTTP/kiosks=8", "req/s"},
		Raw:      metric{"eq/queue/store", "BenchmarkDurableInsert/writers=8", "inserts/s"},
		Baseline: "raw durable SQLite INSERTs of a TicketIssued row, one per transaction, 8 writers on one connection, with the store's settings (WAL, synchronous=FULL)",
	},
	{
		Name:     "call-next → last of 500 displays, p50",
		EQ:       metric{"eq/server", "BenchmarkCallToDisplays500", "p50-us"},
		Raw:      metric{"eq/server", "BenchmarkBareGorillaBroadcast500/call", "p50-us"},
		Baseline: "bare gorilla/websocket hub broadcasting a call message of the same size to 500 clients",
	},
	{
		Name: "call-next → last of 500 displays, p99",
		EQ:   metric{"eq/server", "BenchmarkCallToDisplays500", "p99-us"},
		Raw:  metric{"eq/server", "BenchmarkBareGorillaBroadcast500/call", "p99-us"},
	},
	{
		Name:     "queue change → last of 500 consoles, p50",
		EQ:       metric{"eq/server", "BenchmarkFanout500", "p50-us"},
		Raw:      metric{"eq/server", "BenchmarkBareGorillaBroadcast500/queue", "p50-us"},
		Baseline: "the same hub broadcasting a queue update of the same size",
	},
	{
		Name: "queue change → last of 500 consoles, p99",
		EQ:   metric{"eq/server", "BenchmarkFanout500", "p99-us"},
		Raw:  metric{"eq/server", "BenchmarkBareGorillaBroadcast500/queue", "p99-us"},
	},
	{
		Name:     "2 000 displays held: heap per connection",
		EQ:       metric{"eq/server", "BenchmarkHold2000/displays", "heap-B/conn"},
		Raw:      metric{"eq/server", "BenchmarkBareGorillaHold2000", "heap-B/conn"},
		Baseline: "the bare hub holding 2 000 connections from the same client process",
	},
	{
		Name: "2 000 displays held: stack per connection",
		EQ:   metric{"eq/server", "BenchmarkHold2000/displays", "stack-B/conn"},
		Raw:  metric{"eq/server", "BenchmarkBareGorillaHold2000", "stack-B/conn"},
	},
	{
		Name: "2 000 displays held: goroutines per connection",
		EQ:   metric{"eq/server", "BenchmarkHold2000/displays", "goroutines/conn"},
		Raw:  metric{"eq/server", "BenchmarkBareGorillaHold2000", "goroutines/conn"},
	},
	{
		Name: "2 000 consoles held: heap per connection",
		EQ:   metric{"eq/server", "BenchmarkHold2000/consoles", "heap-B/conn"},
		Raw:  metric{"eq/server", "BenchmarkBareGorillaHold2000", "heap-B/conn"},
	},
	{
		Name:     "replay 1.5 M events: read + decode",
		EQ:       metric{"eq/queue/store", "BenchmarkReplay1500k/store", "events/s"},
		Raw:      metric{"eq/queue/store", "BenchmarkReplay1500k/raw-scan", "rows/s"},
		Baseline: "SELECT seq, body of the same 1.5 M rows in log order, nothing decoded",
	},
	{
		Name: "replay 1.5 M events: read + decode, whole log",
		EQ:   metric{"eq/queue/store", "BenchmarkReplay1500k/store", "s/log"},
		Raw:  metric{"eq/queue/store", "BenchmarkReplay1500k/raw-scan", "s/log"},
	},
	{
		Name: "replay 1.5 M events: read + decode + apply",
		EQ:   metric{"eq/queue/store", "BenchmarkReplay1500k/apply", "events/s"},
		Raw:  metric{"eq/queue/store", "BenchmarkReplay1500k/raw-scan", "rows/s"},
	},
	{
		Name: "replay 1.5 M events: read + decode + apply, whole log",
		EQ:   metric{"eq/queue/store", "BenchmarkReplay1500k/apply", "s/log"},
		Raw:  metric{"eq/queue/store", "BenchmarkReplay1500k/raw-scan", "s/log"},
	},
	{
		// Load replays the last working day only: nothing raw compares.
		Name: "restart on that log: store.Load",
		EQ:   metric{"eq/queue/store", "BenchmarkReplay1500k/startup", "ns/op"},
	},
}

// benchRegexp is the -bench pattern that runs every benchmark the figures
// need, and nothing else.
func benchRegexp(figs []figure) string {
	var names []string
	seen := map[string]bool{}
	for _, f := range figs {
		for _, m := range f.metrics() {
			top, _, _ := strings.Cut(m.Bench, "/")
			if !seen[top] {
				seen[top] = true
				names = append(names, top)
			}
		}
	}
	return "^(" + strings.Join(names, "|") + ")$"
}

// packageDirs are the packages the figures' benchmarks live in, as
// ./relative directories for go test.
func packageDirs(figs []figure) []string {
	var dirs []string
	seen := map[string]bool{}
	for _, f := range figs {
		for _, m := range f.metrics() {
			dir := "." + strings.TrimPrefix(m.Pkg, modulePath)
			if !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
	}
	return dirs
}

// format writes v, measured in unit, the way a reader of the table wants
// it: latencies as µs, ms or s, sizes in bytes or KiB, rates in k or M
// per second.
func format(v float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "-us"):
		return duration(v * 1e3)
	case unit == "ns/op":
		return duration(v)
	case unit == "s/log":
		return duration(v * 1e9)
	case strings.HasPrefix(unit, "heap-B/") || strings.HasPrefix(unit, "stack-B/") || unit == "B/op":
		if v >= 1024 {
			return fmt.Sprintf("%.1f KiB", v/1024)
		}
		return fmt.Sprintf("%.0f B", v)
	case strings.HasSuffix(unit, "/s"):
		return rate(v) + " " + unit
	}
	return fmt.Sprintf("%.2f", v)
}

// duration writes ns with three significant digits at most.
func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return sig3(ns/1e9) + " s"
	case ns >= 1e6:
		return sig3(ns/1e6) + " ms"
	case ns >= 1e3:
		return sig3(ns/1e3) + " µs"
	}
	return sig3(ns) + " ns"
}

// rate writes a count per second as 850, 2 850, 372 k or 2.11 M.
func rate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + " M"
	case v >= 1e5:
		return sig3(v/1e3) + " k"
	case v >= 1e3:
		n := int64(math.Round(v))
		return fmt.Sprintf("%d %03d", n/1000, n%1000)
	}
	return sig3(v)
}

// sig3 writes v with three significant digits, without trailing zeros
// after the point: 4.04, 12.3, 850.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
