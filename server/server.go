// Package server is the office's HTTP API: the JSON contract of DESIGN.md
// over the queue engine, with staff sign-in and device tokens.
package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"eq/devices/sound"
	"eq/display/feed"
	"eq/kiosk"
	"eq/queue"
	"eq/reports"
)

// HealthChecker tells whether the store can take writes.
type HealthChecker interface {
	Ping(ctx context.Context) error
}

// TicketPrinter prints kiosks' paper tickets.
type TicketPrinter interface {
	// PrintTicket prints t for the kiosk holding kioskToken. The ticket is
	// issued and durable before this is called: a failed print loses nothing.
	PrintTicket(ctx context.Context, kioskToken string, t queue.TicketView, statusURL string) kiosk.PrintResult
	// Printers reports every printer's state.
	Printers() []kiosk.PrinterState
}

// Options configure a Server.
type Options struct {
	Engine        *queue.Engine
	Health        HealthChecker
	Accounts      []Account
	KioskTokens   []string
	DisplayTokens []string
	Logger        *slog.Logger
	Now           func() time.Time // defaults to time.Now
	// Feed carries the engine's events to WebSocket clients; pass the same
	// feed to queue.NewEngine. Without it consoles get no live updates.
	Feed *Feed
	// PingPeriod overrides how often WebSocket peers are pinged (tests).
	PingPeriod time.Duration
	// Printing prints kiosks' tickets; nil means no kiosk has a printer.
	Printing TicketPrinter
	// PublicURL is where visitors' phones reach this server, for the QR
	// code on tickets; empty means the address the kiosk used.
	PublicURL string
	// Voices are the phrase banks by language, for announcements served to
	// browser-based displays; nil means the embedded default voice.
	Voices map[string]*sound.Bank
	// Display is what hall displays and window signs are told of their
	// looks: the running text, how long a call blinks.
	Display feed.Settings
	// Metrics are served at GET /metrics; give the engine m.Publisher and
	// m.EventLog too, or events and commits go uncounted. Nil means metrics
	// of the server's own, where only what is read at scrape time (queues,
	// windows, devices) moves.
	Metrics *Metrics
	// Reports computes the figures of /reports and /api/v1/reports from
	// the event log; nil means reports are not served (503).
	Reports ReportReader
}

// ReportReader computes report tables; *reports.Reader is one.
type ReportReader interface {
	Tables(ctx context.Context, names []string, from, to string, by reports.GroupBy) ([]reports.Table, error)
}

// Server serves the API. Build it with New and mount Handler.
type Server struct {
	engine        *queue.Engine
	health        HealthChecker
	accounts      map[string]Account
	kioskTokens   []string
	displayTokens []string
	log           *slog.Logger
	sessions      *sessions
	limiter       *limiter // ticket issue from the LAN when no kiosk tokens are set
	signins       *limiter // sign-in attempts per address
	bookings      *limiter // anonymous bookings per address
	codes         *limiter // anonymous requests naming a booking code, per address
	mux           *http.ServeMux
	handler       http.Handler

	printing  TicketPrinter
	publicURL string
	voices    map[string]*sound.Bank
	display   feed.Settings

	feed       *Feed
	hub        *hub
	upgrader   websocket.Upgrader
	pingPeriod time.Duration
	lastWindow map[int][]byte // what the fan-out last sent per window
	lastQueue  []byte

	metrics *Metrics
	reports ReportReader
}

// New builds a Server.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Feed == nil {
		o.Feed = NewFeed()
	}
	if o.PingPeriod == 0 {
		o.PingPeriod = pingPeriod
	}
	if o.Voices == nil {
		// Decoding a bank takes milliseconds and megabytes: once, here,
		// not per announcement.
		o.Voices = map[string]*sound.Bank{}
		for _, lang := range sound.Languages {
			if b, err := sound.DefaultBank(lang); err == nil {
				o.Voices[lang] = b
			} else {
				o.Logger.Error("default voice", "lang", lang, "err", err)
			}
		}
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Display.BlinkS == 0 {
		o.Display.BlinkS = int(o.Display.Blink / time.Second)
	}
	s := &Server{
		engine: o.Engine, health: o.Health, kioskTokens: o.KioskTokens, displayTokens: o.DisplayTokens,
		accounts: make(map[string]Account, len(o.Accounts)), log: o.Logger,
		sessions: newSessions(o.Now), limiter: newLimiter(20, 10, o.Now), signins: newLimiter(10, 10, o.Now),
		bookings: newLimiter(6, 6, o.Now), codes: newLimiter(20, 10, o.Now), mux: http.NewServeMux(),
		printing: o.Printing, publicURL: strings.TrimRight(o.PublicURL, "/"), voices: o.Voices, display: o.Display,
		feed: o.Feed, hub: newHub(), pingPeriod: o.PingPeriod, lastWindow: map[int][]byte{},
		metrics: o.Metrics, reports: o.Reports,
	}
	for _, a := range o.Accounts {
		s.accounts[a.Login] = a
	}
	s.upgrader = s.newUpgrader()
	s.metrics.watch(s)
	s.routes()
	// Pages post with the session cookie: refuse state changes that a page
	// of another site makes the browser send (CSRF). Programs that send no
	// Origin or Sec-Fetch-Site headers — kiosks, keypads, curl — pass.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "запрос со страницы другого сайта отклонён", "cross-site request refused"))
	}))
	s.handler = csrf.Handler(s.mux)
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.HandleFunc("GET /healthz", s.handleHealth)
	// Like /healthz, open to the LAN without a token: Prometheus scrapes
	// it, and it tells counts and states, never tickets or people.
	m.Handle("GET /metrics", s.metrics.handler(s.log))
	m.HandleFunc("GET /api/v1/services", s.handleServices)
	m.HandleFunc("POST /api/v1/tickets", s.handleIssue)
	m.HandleFunc("GET /api/v1/tickets", s.handleTickets)
	m.HandleFunc("GET /api/v1/tickets/{id}", s.handleTicket)
	m.HandleFunc("POST /api/v1/tickets/{id}/cancel", s.handleCancel)
	m.HandleFunc("GET /api/v1/queue", s.handleQueue)
	m.HandleFunc("POST /api/v1/login", s.handleLogin)
	m.HandleFunc("POST /api/v1/logout", s.handleLogout)
	m.HandleFunc("GET /api/v1/me", s.handleMe)
	m.HandleFunc("GET /api/v1/windows", s.handleWindows)
	m.HandleFunc("GET /api/v1/windows/{n}", s.handleWindow)
	m.HandleFunc("POST /api/v1/windows/{n}/{action}", s.handleWindowAction)
	m.HandleFunc("PUT /api/v1/windows/{n}/services", s.handleWindowServices)
	m.HandleFunc("GET /ws/console", s.handleConsoleWS)
	m.HandleFunc("GET /ws/display", s.handleDisplayWS)
	m.HandleFunc("GET /console", s.handleConsole)
	m.Handle("GET /kiosk", kiosk.Handler())
	m.Handle("GET /kiosk/", kiosk.Handler())
	m.HandleFunc("GET /t/{id}", s.handleTicketPage)
	m.HandleFunc("POST /api/v1/checkin", s.handleCheckin)
	m.HandleFunc("GET /api/v1/hours", s.handleHours)
	m.HandleFunc("GET /api/v1/slots", s.handleSlots)
	m.HandleFunc("POST /api/v1/appointments", s.handleBook)
	m.HandleFunc("GET /api/v1/appointments", s.handleAppointments)
	m.HandleFunc("POST /api/v1/appointments/import", s.handleImport)
	m.HandleFunc("GET /api/v1/appointments/{code}", s.handleAppointment)
	m.HandleFunc("POST /api/v1/appointments/{code}/cancel", s.handleCancelAppointment)
	m.HandleFunc("GET /book", s.handleBookPage)
	m.HandleFunc("GET /dashboard", s.handleDashboard)
	m.HandleFunc("GET /reports", s.handleReportsPage)
	m.HandleFunc("GET /api/v1/reports/{name}", s.handleReport)
	m.HandleFunc("GET /api/v1/printers", s.handlePrinters)
	m.HandleFunc("GET /api/v1/announcements/{file}", s.handleAnnouncement)
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("POST /api/v1/day/open", s.handleDayOpen)
	m.HandleFunc("POST /api/v1/day/close", s.handleDayClose)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "нет такого адреса API или метода: %s %s", "no such API path or method: %s %s", r.Method, r.URL.Path))
	})
}

// Handler returns the server's HTTP handler with request logging.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.handler.ServeHTTP(rec, r)
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "dur", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack hands the connection to the WebSocket upgrader.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("http: the response writer cannot be hijacked")
	}
	r.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

// Run serves on ln until ctx ends, then shuts down, giving requests in
// flight up to grace to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // request bodies are small; WebSockets clear it on upgrade
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hubCtx, stopHub := context.WithCancel(ctx)
	defer stopHub()
	go s.RunHub(hubCtx)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	// Consoles are told the server restarts, so they reconnect to the next one.
	hs.RegisterOnShutdown(s.hub.closeAll)
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: serve: %w", err)
	}
	return nil
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.engine.Err(); err != nil {
		s.log.Error("health check: the engine stopped", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: queue.EINTERNAL,
			Message: "очередь остановлена после ошибки: смотрите журнал сервера", MessageEN: "the queue stopped after an error: see the server log"}})
		return
	}
	if err := s.health.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: queue.EINTERNAL,
			Message: "хранилище недоступно для записи", MessageEN: "the store is not writable"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
