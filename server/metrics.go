package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"eq/queue"
)

// Metrics is what GET /metrics tells Prometheus about the office. The
// domain knows nothing of it: counters and histograms follow the engine's
// committed events (Publisher), commit latency is timed around the event
// log (EventLog), and gauges are read from the engine, the printers and the
// WebSocket hub when Prometheus scrapes.
//
// Build it before the engine, because the engine takes its publisher and
// its log when it is made:
//
//	m := server.NewMetrics(reg)
//	engine := queue.NewEngine(state, m.EventLog(st), clock, m.Publisher(feed))
//	srv := server.New(server.Options{Engine: engine, Metrics: m, …})
type Metrics struct {
	reg *prometheus.Registry

	issued   *prometheus.CounterVec
	served   *prometheus.CounterVec
	noShows  *prometheus.CounterVec
	breaches *prometheus.CounterVec
	wait     *prometheus.HistogramVec
	service  *prometheus.HistogramVec
	commit   prometheus.Histogram
	failed   prometheus.Counter

	// mu guards tickets: when each open ticket's current stage began
	// waiting and being served, which the events themselves do not carry.
	mu      sync.Mutex
	tickets map[string]*ticketClock
}

// ticketClock is what the metrics remember of one open ticket.
type ticketClock struct {
	queued   time.Time // when the current stage began to wait
	deadline time.Time // when its wait target runs out
	called   bool      // the current stage has been called: its wait is counted
	started  time.Time // when service began; zero before
}

// waitBuckets fit visits measured in minutes: the 15-minute target (900 s)
// is a bucket edge, so the share served within it is exact.
var waitBuckets = []float64{30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600}

// commitBuckets fit an SQLite transaction synced to disk: a millisecond on
// an SSD, tens on a spinning disk, seconds on a failing one.
var commitBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// NewMetrics makes the office's metrics and registers them on reg; nil
// means a registry of its own. It panics if reg holds metrics of the same
// names already, as prometheus.MustRegister does. The Go runtime and process
// collectors are the caller's to add.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		reg: reg,
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eq_tickets_issued_total", Help: "Tickets issued, by service and priority (normal, privileged, appointment).",
		}, []string{"service", "priority"}),
		served: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eq_tickets_served_total", Help: "Services finished at a window, by service (any outcome).",
		}, []string{"service"}),
		noShows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eq_tickets_no_show_total", Help: "Called visitors who did not come to the window, by service.",
		}, []string{"service"}),
		breaches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eq_wait_target_breaches_total", Help: "Tickets called after their wait target ran out, by service.",
		}, []string{"service"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "eq_wait_seconds", Help: "How long visitors waited before being called, by service.", Buckets: waitBuckets,
		}, []string{"service"}),
		service: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "eq_service_seconds", Help: "How long visitors were served at the window, by service.", Buckets: waitBuckets,
		}, []string{"service"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "eq_store_commit_seconds", Help: "How long appending a command's events to the event log took, synced to disk.", Buckets: commitBuckets,
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "eq_store_commit_errors_total", Help: "Appends to the event log that failed; the commands were refused.",
		}),
		tickets: map[string]*ticketClock{},
	}
	reg.MustRegister(m.issued, m.served, m.noShows, m.breaches, m.wait, m.service, m.commit, m.failed)
	return m
}

// Publisher returns the engine's publisher: it counts each committed batch,
// then hands it on to next (nil: nowhere). It never waits for anything but
// a short lock of its own, as the engine requires.
func (m *Metrics) Publisher(next queue.Publisher) queue.Publisher {
	return metricsPublisher{m: m, next: next}
}

type metricsPublisher struct {
	m    *Metrics
	next queue.Publisher
}

var _ queue.Publisher = metricsPublisher{}

func (p metricsPublisher) Publish(evs []queue.Event) {
	p.m.observe(evs)
	if p.next != nil {
		p.next.Publish(evs)
	}
}

// observe counts committed events. The engine publishes under its lock, so
// batches arrive one at a time and in log order.
func (m *Metrics) observe(evs []queue.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range evs {
		ev := &evs[i]
		t := m.tickets[ev.Ticket]
		switch ev.Type {
		case queue.EventDayOpened:
			// Tickets never outlive their day: closing it ended them all.
			clear(m.tickets)
		case queue.EventTicketIssued:
			m.issued.WithLabelValues(ev.Service, string(ev.Priority)).Inc()
			m.tickets[ev.Ticket] = &ticketClock{queued: ev.At, deadline: ev.Deadline}
		case queue.EventTicketCalled:
			if t == nil {
				// Issued before the metrics began (see watch): its wait is unknown.
				t = &ticketClock{called: true}
				m.tickets[ev.Ticket] = t
			}
			if !t.called {
				// A postponed ticket called before its time waited nothing.
				m.wait.WithLabelValues(ev.Service).Observe(max(0, ev.At.Sub(t.queued)).Seconds())
				if ev.At.After(t.deadline) {
					m.breaches.WithLabelValues(ev.Service).Inc()
				}
			}
			t.called, t.started = true, time.Time{}
		case queue.EventServiceStarted:
			if t != nil {
				t.started = ev.At
			}
		case queue.EventServiceFinished:
			m.served.WithLabelValues(ev.Service).Inc()
			if t != nil && !t.started.IsZero() {
				m.service.WithLabelValues(ev.Service).Observe(max(0, ev.At.Sub(t.started)).Seconds())
			}
			// A "return to me" forward in the same batch starts it anew.
			delete(m.tickets, ev.Ticket)
		case queue.EventTicketNoShow:
			m.noShows.WithLabelValues(ev.Service).Inc()
			delete(m.tickets, ev.Ticket)
		case queue.EventTicketPostponed:
			// Back from a postponement the visitor waits anew from Until.
			m.tickets[ev.Ticket] = &ticketClock{queued: ev.Until, deadline: ev.Deadline}
		case queue.EventTicketForwarded:
			if t != nil && !t.called {
				// Still waiting, only sent to another queue (its window
				// closed): the same wait goes on, against a new deadline.
				t.deadline = ev.Deadline
				break
			}
			m.tickets[ev.Ticket] = &ticketClock{queued: ev.At, deadline: ev.Deadline}
		case queue.EventTicketCancelled, queue.EventTicketNotServed:
			delete(m.tickets, ev.Ticket)
		}
	}
}

// EventLog returns log timed: each Append's latency goes to
// eq_store_commit_seconds, each failure to eq_store_commit_errors_total.
func (m *Metrics) EventLog(log queue.EventLog) queue.EventLog {
	return instrumentedLog{next: log, commit: m.commit, failed: m.failed}
}

// instrumentedLog times the appends of the log it wraps. It reads the wall
// clock, not the office's: it measures the disk, not the queue.
type instrumentedLog struct {
	next   queue.EventLog
	commit prometheus.Histogram
	failed prometheus.Counter
}

var _ queue.EventLog = instrumentedLog{}

func (l instrumentedLog) Append(ctx context.Context, evs []queue.Event) error {
	start := time.Now()
	err := l.next.Append(ctx, evs)
	l.commit.Observe(time.Since(start).Seconds())
	if err != nil {
		l.failed.Inc()
	}
	return err
}

// watch adds what s knows at scrape time — the engine's queues and windows,
// the printers, the WebSocket clients — and learns the tickets already open,
// so that the waits of tickets issued before a restart are still counted.
func (m *Metrics) watch(s *Server) {
	if err := m.reg.Register(officeCollector{engine: s.engine}); err != nil {
		s.log.Error("metrics: register the office collector", "err", err)
	}
	if err := m.reg.Register(deviceCollector{printing: s.printing, hub: s.hub}); err != nil {
		s.log.Error("metrics: register the device collector", "err", err)
	}
	// Every service's series exist from the start, at zero: a rate over a
	// series that appears with the first ticket would miss that ticket.
	for _, svc := range s.engine.Office().Services {
		for _, p := range []queue.Priority{queue.PriorityNormal, queue.PriorityPrivileged, queue.PriorityAppointment} {
			m.issued.WithLabelValues(svc.ID, string(p))
		}
		m.served.WithLabelValues(svc.ID)
		m.noShows.WithLabelValues(svc.ID)
		m.breaches.WithLabelValues(svc.ID)
		m.wait.WithLabelValues(svc.ID)
		m.service.WithLabelValues(svc.ID)
	}
	// Under the engine's lock no event is published: what is read here and
	// what observe hears afterwards join without a gap or an overlap.
	s.engine.Read(func(st *queue.State, now time.Time) {
		m.mu.Lock()
		defer m.mu.Unlock()
		clear(m.tickets)
		for _, v := range st.Tickets(now) {
			if !v.Status.Open() || len(v.History) == 0 {
				continue
			}
			stage := v.History[len(v.History)-1]
			m.tickets[v.ID] = &ticketClock{queued: stage.QueuedAt, deadline: v.Deadline,
				called: !stage.CalledAt.IsZero(), started: stage.StartedAt}
		}
	})
}

// handler serves the registry in Prometheus's text (or negotiated) format.
// A collector that fails leaves the others served.
func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

var (
	descWaiting = prometheus.NewDesc("eq_waiting",
		"Tickets waiting in the service's queue now.", []string{"service"}, nil)
	descLongestWait = prometheus.NewDesc("eq_longest_wait_seconds",
		"How long the service's longest-waiting ticket has waited so far.", []string{"service"}, nil)
	descPredictedWait = prometheus.NewDesc("eq_predicted_wait_seconds",
		"The wait predicted for a ticket issued now for the service.", []string{"service"}, nil)
	descTargetWait = prometheus.NewDesc("eq_wait_target_seconds",
		"The service's wait target.", []string{"service"}, nil)
	descServiceWindows = prometheus.NewDesc("eq_service_windows_open",
		"Open windows serving the service and not on a break.", []string{"service"}, nil)
	descWindowsOpen = prometheus.NewDesc("eq_windows_open",
		"Windows open now, on a break or not.", nil, nil)
	descOnBreak = prometheus.NewDesc("eq_operators_on_break",
		"Operators on a break at an open window now.", nil, nil)
	descDayOpen = prometheus.NewDesc("eq_day_open",
		"1 while the working day is open, 0 after it was closed.", nil, nil)

	descPrinterUp = prometheus.NewDesc("eq_printer_up",
		"1 when the kiosk's ticket printer answers, 0 when it is offline.", []string{"printer"}, nil)
	descPaperOut = prometheus.NewDesc("eq_printer_paper_out",
		"1 when the printer is out of paper.", []string{"printer"}, nil)
	descPaperNearEnd = prometheus.NewDesc("eq_printer_paper_near_end",
		"1 when the printer's paper roll is near its end.", []string{"printer"}, nil)
	descCoverOpen = prometheus.NewDesc("eq_printer_cover_open",
		"1 when the printer's cover is open.", []string{"printer"}, nil)
	descPrinted = prometheus.NewDesc("eq_printer_tickets_printed_total",
		"Tickets the printer printed since the server started.", []string{"printer"}, nil)
	descPrintFailed = prometheus.NewDesc("eq_printer_tickets_failed_total",
		"Tickets the printer failed to print since the server started.", []string{"printer"}, nil)
	descClients = prometheus.NewDesc("eq_websocket_clients",
		"WebSocket clients connected now: operator consoles and hall displays or window signs.", []string{"kind"}, nil)
)

// officeCollector reads the queues and windows at scrape time, in one short
// hold of the engine's lock; the metrics are sent after it is released.
type officeCollector struct {
	engine *queue.Engine
}

var _ prometheus.Collector = officeCollector{}

func (officeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descLongestWait, descPredictedWait, descTargetWait,
		descServiceWindows, descWindowsOpen, descOnBreak, descDayOpen} {
		ch <- d
	}
}

func (c officeCollector) Collect(ch chan<- prometheus.Metric) {
	var (
		services []queue.ServiceView
		windows  []queue.WindowView
		dayOpen  bool
	)
	c.engine.Read(func(s *queue.State, now time.Time) {
		services, windows = s.Services(now), s.Windows(now)
		_, dayOpen = s.Day()
	})
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, v := range services {
		gauge(descWaiting, float64(v.Waiting), v.ID)
		gauge(descLongestWait, float64(v.LongestWaitS), v.ID)
		gauge(descPredictedWait, float64(v.PredictedWaitS), v.ID)
		gauge(descTargetWait, v.TargetWait.Seconds(), v.ID)
		gauge(descServiceWindows, float64(v.WindowsOpen), v.ID)
	}
	open, onBreak := 0, 0
	for _, w := range windows {
		if w.Open {
			open++
		}
		if w.Open && w.OnBreak {
			onBreak++
		}
	}
	gauge(descWindowsOpen, float64(open))
	gauge(descOnBreak, float64(onBreak))
	gauge(descDayOpen, bool01(dayOpen))
}

// deviceCollector reads the printers' last known states and counts the
// WebSocket clients at scrape time.
type deviceCollector struct {
	printing TicketPrinter // nil: no kiosk has a printer
	hub      *hub
}

var _ prometheus.Collector = deviceCollector{}

func (deviceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPrinterUp, descPaperOut, descPaperNearEnd, descCoverOpen,
		descPrinted, descPrintFailed, descClients} {
		ch <- d
	}
}

func (c deviceCollector) Collect(ch chan<- prometheus.Metric) {
	if c.printing != nil {
		for _, p := range c.printing.Printers() {
			ch <- prometheus.MustNewConstMetric(descPrinterUp, prometheus.GaugeValue, bool01(p.Online), p.ID)
			ch <- prometheus.MustNewConstMetric(descPaperOut, prometheus.GaugeValue, bool01(p.PaperOut), p.ID)
			ch <- prometheus.MustNewConstMetric(descPaperNearEnd, prometheus.GaugeValue, bool01(p.PaperNearEnd), p.ID)
			ch <- prometheus.MustNewConstMetric(descCoverOpen, prometheus.GaugeValue, bool01(p.CoverOpen), p.ID)
			ch <- prometheus.MustNewConstMetric(descPrinted, prometheus.CounterValue, float64(p.Printed), p.ID)
			ch <- prometheus.MustNewConstMetric(descPrintFailed, prometheus.CounterValue, float64(p.Failed), p.ID)
		}
	}
	n := c.hub.counts()
	ch <- prometheus.MustNewConstMetric(descClients, prometheus.GaugeValue, float64(n[consoleClient]), "console")
	ch <- prometheus.MustNewConstMetric(descClients, prometheus.GaugeValue, float64(n[displayClient]), "display")
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
