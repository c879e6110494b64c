// Package server is the office's HTTP API: the JSON contract of DESIGN.md
// over the queue engine, with staff sign-in and device tokens.
package server

import (
	"bufio"
	"context"
	"crypto/tls"
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
	// RatingTokens are the bearer tokens of the rating tablets at the
	// windows (/rate); none means visitors' marks are not taken.
	RatingTokens []string
	Logger       *slog.Logger
	Now          func() time.Time // defaults to time.Now
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
	// Audit reads the staff's actions for /audit and /api/v1/audit; nil
	// means the trail is not served (a 500 that says so).
	Audit AuditReader
	// KioskPerMinute is how many tickets and check-ins one kiosk token may
	// ask for a minute; 0 means DefaultKioskPerMinute. Benchmarks that play
	// many kiosks on one token raise it.
	KioskPerMinute int
	// TLS, when set, makes Run serve HTTPS (and WSS) with its certificate;
	// nil serves plain HTTP.
	TLS *tls.Config
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
	kioskTokens   tokenSet
	displayTokens tokenSet
	ratingTokens  tokenSet
	log           *slog.Logger
	sessions      *sessions
	lan           *limiter // ticket issue and check-in from the LAN when no kiosk tokens are set, per address
	kioskLimit    *limiter // ticket issue and check-in per kiosk token
	ratingLimit   *limiter // visitors' marks per rating tablet token
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
	audit   AuditReader
	tls     *tls.Config
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
	if o.KioskPerMinute == 0 {
		o.KioskPerMinute = DefaultKioskPerMinute
	}
	if o.Display.BlinkS == 0 {
		o.Display.BlinkS = int(o.Display.Blink / time.Second)
	}
	s := &Server{
		engine: o.Engine, health: o.Health, kioskTokens: newTokenSet(o.KioskTokens), displayTokens: newTokenSet(o.DisplayTokens),
		ratingTokens: newTokenSet(o.RatingTokens), ratingLimit: newLimiter(ratingPerMinute, ratingBurst, o.Now),
		accounts: make(map[string]Account, len(o.Accounts)), log: o.Logger,
		sessions: newSessions(o.Now), lan: newLimiter(20, 10, o.Now), kioskLimit: newKioskLimiter(o.KioskPerMinute, o.Now), signins: newLimiter(10, 10, o.Now),
		bookings: newLimiter(6, 6, o.Now), codes: newLimiter(20, 10, o.Now), mux: http.NewServeMux(),
		printing: o.Printing, publicURL: strings.TrimRight(o.PublicURL, "/"), voices: o.Voices, display: o.Display,
		feed: o.Feed, hub: newHub(), pingPeriod: o.PingPeriod, lastWindow: map[int][]byte{},
		metrics: o.Metrics, reports: o.Reports, audit: o.Audit, tls: o.TLS,
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
	s.handler = s.secure(csrf.Handler(s.mux))
	return s
}

// Handler returns the server's HTTP handler with request logging.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.handler.ServeHTTP(rec, r)
		// The route's pattern, not the path: paths carry booking codes
		// (/api/v1/appointments/{code}) and queries carry device tokens.
		// The mux sets r.Pattern on the request it is given, this one.
		s.log.Debug("http", "route", r.Pattern, "status", rec.status, "dur", time.Since(start))
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
// flight up to grace to finish. With Options.TLS it serves HTTPS on ln.
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
	if s.tls != nil {
		hs.TLSConfig = s.tls.Clone()
		// HTTP/1.1 only: consoles and displays upgrade to WebSockets, which
		// gorilla does over HTTP/1.1; a Go that offered browsers WebSockets
		// over HTTP/2 (RFC 8441) would break them. The office's few
		// clients gain nothing from HTTP/2.
		hs.Protocols = new(http.Protocols)
		hs.Protocols.SetHTTP1(true)
	}
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
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
