package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"eq/kiosk"
	"eq/queue"
	"eq/server"
)

// printerStates is a printing that prints nothing and reports fixed states.
type printerStates []kiosk.PrinterState

func (printerStates) PrintTicket(context.Context, string, queue.TicketView, string) kiosk.PrintResult {
	return kiosk.PrintResult{}
}

func (p printerStates) Printers() []kiosk.PrinterState { return p }

// scraped is one scrape of /metrics: the text as served and its families.
type scraped struct {
	text     []byte
	families map[string]*dto.MetricFamily
}

// scrape reads /metrics the way Prometheus does: over HTTP, with no token
// and no session, in the text format.
func (s *stack) scrape(t *testing.T) scraped {
	t.Helper()
	r := s.anon().get(t, "/metrics")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, body %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type = %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, r.Body)
	}
	return scraped{text: r.Body, families: fams}
}

// metric finds the sample of family name whose labels are exactly the
// name=value pairs given, failing the test when there is none.
func (sc scraped) metric(t *testing.T, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := sc.families[name]
	if !ok {
		t.Fatalf("/metrics has no family %s", name)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if len(got) == len(want) && func() bool {
			for k, v := range want {
				if got[k] != v {
					return false
				}
			}
			return true
		}() {
			return m
		}
	}
	t.Fatalf("/metrics has no %s%v", name, want)
	return nil
}

// value is the value of a counter or gauge sample.
func (sc scraped) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	m := sc.metric(t, name, labels...)
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s%v is neither a counter nor a gauge", name, labels)
	return 0
}

// histogram is a histogram sample's count, sum and cumulative count at le.
func (sc scraped) histogram(t *testing.T, name string, le float64, labels ...string) (count uint64, sum float64, within uint64) {
	t.Helper()
	h := sc.metric(t, name, labels...).GetHistogram()
	if h == nil {
		t.Fatalf("%s%v is not a histogram", name, labels)
	}
	within = ^uint64(0)
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == le {
			within = b.GetCumulativeCount()
		}
	}
	if within == ^uint64(0) {
		t.Fatalf("%s%v has no bucket le=%v", name, labels, le)
	}
	return h.GetSampleCount(), h.GetSampleSum(), within
}

// TestMetricsCountTheDay runs a morning at window 1 through the API and
// checks what Prometheus would read: counters and histograms fed by the
// engine's events, gauges read at scrape time.
func TestMetricsCountTheDay(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *server.Options) {
		o.Printing = printerStates{
			{ID: "kiosk-1", Online: true},
			{ID: "kiosk-2", Online: false, PaperOut: true, Printed: 7, Failed: 2},
		}
	})
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")

	// 09:00 Two visitors; the privileged one goes first.
	a := s.issue(t, "passport")
	var c ticketJSON
	s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"foreign-passport","priority":"privileged"}`).decode(t, http.StatusCreated, &c)
	// 09:05 c waited 5 min, is served for 10.
	s.clock.Advance(5 * time.Minute)
	if w := op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != c.ID {
		t.Fatalf("call-next called %+v, want the privileged %s", w.Current, c.Number)
	}
	op1.act(t, "1", "start", "")
	s.clock.Advance(10 * time.Minute)
	op1.act(t, "1", "finish", "")
	// 09:27 a waited 27 min, past the 15-minute target, then is postponed
	// for 10 and called the moment it is back, waiting no more.
	s.clock.Advance(12 * time.Minute)
	if w := op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != a.ID {
		t.Fatalf("call-next called %+v, want %s", w.Current, a.Number)
	}
	op1.act(t, "1", "postpone", `{"minutes":10}`)
	b := s.issue(t, "passport")
	s.clock.Advance(10 * time.Minute)
	if w := op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != a.ID {
		t.Fatalf("call-next called %+v, want %s back from its postponement", w.Current, a.Number)
	}
	op1.act(t, "1", "no-show", "")
	// 09:40 b waited 13 min, within the target, and is served for 3.
	s.clock.Advance(3 * time.Minute)
	if w := op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != b.ID {
		t.Fatalf("call-next called %+v, want %s", w.Current, b.Number)
	}
	op1.act(t, "1", "start", "")
	s.issue(t, "birth") // no open window serves it
	s.clock.Advance(3 * time.Minute)
	op1.act(t, "1", "finish", "")
	// 09:45
	s.clock.Advance(2 * time.Minute)

	mustDialDisplay(t, s.URL(), "?board=hall") // closed when the test ends
	sc := s.scrape(t)

	t.Run("the counters count the events", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"eq_tickets_issued_total", []string{"service", "passport", "priority", "normal"}, 2},
			{"eq_tickets_issued_total", []string{"service", "passport", "priority", "privileged"}, 0},
			{"eq_tickets_issued_total", []string{"service", "foreign-passport", "priority", "privileged"}, 1},
			{"eq_tickets_issued_total", []string{"service", "foreign-passport", "priority", "normal"}, 0},
			{"eq_tickets_issued_total", []string{"service", "birth", "priority", "normal"}, 1},
			{"eq_tickets_served_total", []string{"service", "passport"}, 1},
			{"eq_tickets_served_total", []string{"service", "foreign-passport"}, 1},
			{"eq_tickets_served_total", []string{"service", "birth"}, 0},
			{"eq_tickets_no_show_total", []string{"service", "passport"}, 1},
			{"eq_tickets_no_show_total", []string{"service", "foreign-passport"}, 0},
			{"eq_wait_target_breaches_total", []string{"service", "passport"}, 1},
			{"eq_wait_target_breaches_total", []string{"service", "foreign-passport"}, 0},
		} {
			if got := sc.value(t, tc.name, tc.labels...); got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		}
	})

	t.Run("the histograms hold every wait and service time", func(t *testing.T) {
		for _, tc := range []struct {
			name, service string
			count         uint64
			sum           float64
			within900     uint64
		}{
			// a: 27 min, then 0 after its postponement; b: 13 min.
			{"eq_wait_seconds", "passport", 3, 27*60 + 0 + 13*60, 2},
			{"eq_wait_seconds", "foreign-passport", 1, 5 * 60, 1},
			{"eq_wait_seconds", "birth", 0, 0, 0},
			{"eq_service_seconds", "passport", 1, 3 * 60, 1},
			{"eq_service_seconds", "foreign-passport", 1, 10 * 60, 1},
		} {
			count, sum, within := sc.histogram(t, tc.name, 900, "service", tc.service)
			if count != tc.count || sum != tc.sum || within != tc.within900 {
				t.Errorf("%s{service=%q}: count %d, sum %v, le=900 %d; want %d, %v, %d",
					tc.name, tc.service, count, sum, within, tc.count, tc.sum, tc.within900)
			}
		}
	})

	t.Run("the gauges show the office at scrape time", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"eq_waiting", []string{"service", "birth"}, 1},
			{"eq_waiting", []string{"service", "passport"}, 0},
			{"eq_longest_wait_seconds", []string{"service", "birth"}, 5 * 60},
			{"eq_wait_target_seconds", []string{"service", "passport"}, 15 * 60},
			{"eq_service_windows_open", []string{"service", "passport"}, 1},
			{"eq_service_windows_open", []string{"service", "birth"}, 0},
			{"eq_windows_open", nil, 1},
			{"eq_operators_on_break", nil, 0},
			{"eq_day_open", nil, 1},
			{"eq_printer_up", []string{"printer", "kiosk-1"}, 1},
			{"eq_printer_up", []string{"printer", "kiosk-2"}, 0},
			{"eq_printer_paper_out", []string{"printer", "kiosk-1"}, 0},
			{"eq_printer_paper_out", []string{"printer", "kiosk-2"}, 1},
			{"eq_printer_tickets_printed_total", []string{"printer", "kiosk-2"}, 7},
			{"eq_printer_tickets_failed_total", []string{"printer", "kiosk-2"}, 2},
			{"eq_websocket_clients", []string{"kind", "display"}, 1},
			{"eq_websocket_clients", []string{"kind", "console"}, 0},
		} {
			if got := sc.value(t, tc.name, tc.labels...); got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		}
		if got := sc.value(t, "eq_predicted_wait_seconds", "service", "passport"); got < 0 {
			t.Errorf("eq_predicted_wait_seconds{service=passport} = %v, want a wait", got)
		}
	})

	t.Run("each commit to the log is timed once", func(t *testing.T) {
		before, _, _ := sc.histogram(t, "eq_store_commit_seconds", 1)
		if before == 0 {
			t.Fatalf("eq_store_commit_seconds counted no commits after a morning's work")
		}
		s.issue(t, "passport")
		after, _, _ := s.scrape(t).histogram(t, "eq_store_commit_seconds", 1)
		if after != before+1 {
			t.Errorf("eq_store_commit_seconds count went from %d to %d after one ticket, want +1", before, after)
		}
	})
}

// TestMetricsAfterRestart checks that tickets issued and called before a
// restart still have their wait and service times counted after it: the
// events alone do not say when a wait or a service began.
func TestMetricsAfterRestart(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	s.issue(t, "passport")
	b := s.issue(t, "passport")
	op1.act(t, "1", "call-next", "")
	op1.act(t, "1", "start", "")
	s.clock.Advance(4 * time.Minute)
	s.Close()

	s2 := startStack(t, s.Path, s.clock)
	op1 = s2.signIn(t, "op1")
	s2.clock.Advance(time.Minute)
	op1.act(t, "1", "finish", "")
	s2.clock.Advance(15 * time.Minute)
	if w := op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != b.ID {
		t.Fatalf("call-next called %+v, want %s", w.Current, b.Number)
	}
	sc := s2.scrape(t)

	if count, sum, _ := sc.histogram(t, "eq_service_seconds", 900, "service", "passport"); count != 1 || sum != 5*60 {
		t.Errorf("eq_service_seconds{service=passport}: count %d, sum %v; want 1 service of 5 min begun before the restart", count, sum)
	}
	if count, sum, _ := sc.histogram(t, "eq_wait_seconds", 900, "service", "passport"); count != 1 || sum != 20*60 {
		t.Errorf("eq_wait_seconds{service=passport}: count %d, sum %v; want 1 wait of 20 min begun before the restart", count, sum)
	}
	if got := sc.value(t, "eq_wait_target_breaches_total", "service", "passport"); got != 1 {
		t.Errorf("eq_wait_target_breaches_total{service=passport} = %v, want 1", got)
	}
	// Counters start again with the process, as Prometheus expects.
	if got := sc.value(t, "eq_tickets_issued_total", "service", "passport", "priority", "normal"); got != 0 {
		t.Errorf("eq_tickets_issued_total{service=passport} = %v after a restart, want 0", got)
	}
}

// TestMetricsPassPromtool lints what /metrics serves — every family, the Go
// runtime's and the process's included, as `eq serve` registers them — with
// `promtool check metrics` from the Debian package prometheus. `make test`
// installs it; in CI its absence is a failure, elsewhere a skip.
func TestMetricsPassPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is not installed (apt-get install prometheus; `make deps` does it): %v", err)
		}
		t.Skip("promtool not found: install the Debian package prometheus (make deps) to lint /metrics")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := newStack(t, func(o *server.Options) {
		o.Metrics = server.NewMetrics(reg)
		o.Printing = printerStates{{ID: "kiosk-1", Online: true}}
	})
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	s.issue(t, "passport")
	s.clock.Advance(time.Minute)
	op1.act(t, "1", "call-next", "")
	sc := s.scrape(t)

	// Every family must be there to be linted, whatever has happened yet.
	var missing []string
	for _, name := range []string{"eq_tickets_issued_total", "eq_tickets_served_total", "eq_tickets_no_show_total",
		"eq_wait_target_breaches_total", "eq_wait_seconds", "eq_service_seconds", "eq_store_commit_seconds",
		"eq_store_commit_errors_total", "eq_waiting", "eq_longest_wait_seconds", "eq_predicted_wait_seconds",
		"eq_wait_target_seconds", "eq_service_windows_open", "eq_windows_open", "eq_operators_on_break", "eq_day_open",
		"eq_printer_up", "eq_printer_paper_out", "eq_printer_paper_near_end", "eq_printer_cover_open",
		"eq_printer_tickets_printed_total", "eq_printer_tickets_failed_total", "eq_websocket_clients",
		"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := sc.families[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("/metrics lacks %s", strings.Join(missing, ", "))
	}

	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(sc.text)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("promtool check metrics found problems (exit %d):\n%s", exit.ExitCode(), out)
	} else if err != nil {
		t.Fatalf("run promtool: %v\n%s", err, out)
	}
}
