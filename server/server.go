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
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"eq/devices/console"
	"eq/kiosk"
	"eq/queue"
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
	limiter       *limiter
	mux           *http.ServeMux
	handler       http.Handler

	printing  TicketPrinter
	publicURL string

	feed       *Feed
	hub        *hub
	upgrader   websocket.Upgrader
	pingPeriod time.Duration
	lastWindow map[int][]byte // what the fan-out last sent per window
	lastQueue  []byte
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
	s := &Server{
		engine: o.Engine, health: o.Health, kioskTokens: o.KioskTokens, displayTokens: o.DisplayTokens,
		accounts: make(map[string]Account, len(o.Accounts)), log: o.Logger,
		sessions: newSessions(o.Now), limiter: newLimiter(20, 10, o.Now), mux: http.NewServeMux(),
		printing: o.Printing, publicURL: strings.TrimRight(o.PublicURL, "/"),
		feed: o.Feed, hub: newHub(), pingPeriod: o.PingPeriod, lastWindow: map[int][]byte{},
	}
	for _, a := range o.Accounts {
		s.accounts[a.Login] = a
	}
	s.upgrader = s.newUpgrader()
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
	m.HandleFunc("GET /console", s.handleConsole)
	m.Handle("GET /kiosk", kiosk.Handler())
	m.Handle("GET /kiosk/", kiosk.Handler())
	m.HandleFunc("GET /t/{id}", s.handleTicketPage)
	m.HandleFunc("POST /api/v1/checkin", s.handleCheckin)
	m.HandleFunc("GET /api/v1/printers", s.handlePrinters)
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
	if err := s.health.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: queue.EINTERNAL,
			Message: "хранилище недоступно для записи", MessageEN: "the store is not writable"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type groupView struct {
	ID   string     `json:"id"`
	Name queue.Text `json:"name"`
}

// handleServices lists the services with their queues, and the office and
// its life situations, which is all a kiosk's home screen needs.
func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	o := s.engine.Office()
	groups := make([]groupView, 0, len(o.Groups))
	for _, g := range o.Groups {
		groups = append(groups, groupView{ID: g.ID, Name: g.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"office": o.Name, "timezone": o.Location.String(), "groups": groups, "services": s.engine.Services()})
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.engine.Queue())
}

type issueRequest struct {
	ServiceID string         `json:"service_id"`
	Priority  queue.Priority `json:"priority"`
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	if !s.requireKiosk(w, r) {
		return
	}
	var req issueRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ServiceID == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите service_id", "service_id is required"))
		return
	}
	t, err := s.engine.Issue(r.Context(), queue.IssueRequest{Service: req.ServiceID, Priority: req.Priority})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("ticket issued", "ticket", t.ID, "number", t.Number, "service", t.ServiceID)
	writeJSON(w, http.StatusCreated, issuedTicket{TicketView: t, Print: s.print(r, t)})
}

// issuedTicket is a new ticket and, for a kiosk, whether its paper came out.
type issuedTicket struct {
	queue.TicketView
	Print *kiosk.PrintResult `json:"print,omitempty"`
}

// print prints t on the printer of the kiosk that asked, if any. It runs
// after the ticket is durable: whatever happens here, the ticket exists.
func (s *Server) print(r *http.Request, t queue.TicketView) *kiosk.PrintResult {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || s.printing == nil || !device(r, s.kioskTokens) {
		return nil
	}
	res := s.printing.PrintTicket(r.Context(), token, t, s.statusURL(r, t.ID))
	if !res.Printed {
		s.log.Warn("ticket not printed", "ticket", t.ID, "number", t.Number, "printer", res.Printer, "reason", res.MessageEN)
	}
	return &res
}

// statusURL is the ticket's live page, for the QR code on the paper.
func (s *Server) statusURL(r *http.Request, id string) string {
	base := s.publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/t/" + url.PathEscape(id)
}

type checkinRequest struct {
	Code string `json:"code"`
}

// handleCheckin takes a visitor with an appointment into the queue by the
// code of the booking.
func (s *Server) handleCheckin(w http.ResponseWriter, r *http.Request) {
	if !s.requireKiosk(w, r) {
		return
	}
	var req checkinRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Code) != 6 || strings.Trim(req.Code, "0123456789") != "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "код записи — 6 цифр", "the booking code has 6 digits"))
		return
	}
	// No booking exists yet: this office takes no appointments (booking
	// arrives with the appointment schedule). Every code is unknown, and the
	// visitor is told what to do instead.
	s.writeError(w, r, queue.Errorf(queue.ENOTFOUND,
		"запись с кодом %s не найдена: проверьте код или возьмите талон в живую очередь",
		"no appointment with code %s: check the code or take a ticket for the live queue", req.Code))
}

// handlePrinters shows the kiosks' printers to managers and admins.
func (s *Server) handlePrinters(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r, queue.RoleManager, queue.RoleAdmin); !ok {
		return
	}
	printers := []kiosk.PrinterState{}
	if s.printing != nil {
		printers = s.printing.Printers()
	}
	writeJSON(w, http.StatusOK, map[string]any{"printers": printers})
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.engine.Ticket(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleTickets lists the day's tickets for staff.
func (s *Server) handleTickets(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r); !ok {
		return
	}
	var out []queue.TicketView
	s.engine.Read(func(st *queue.State, now time.Time) { out = st.Tickets(now) })
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	if !s.requireKiosk(w, r) {
		return
	}
	t, err := s.engine.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("ticket cancelled", "ticket", t.ID)
	writeJSON(w, http.StatusOK, t)
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type meResponse struct {
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Position string     `json:"position"`
	Role     queue.Role `json:"role"`
	Window   int        `json:"window,omitempty"`
}

func (s *Server) meOf(login string) console.Me {
	m := s.me(login)
	return console.Me{Login: m.Login, Name: m.Name, Position: m.Position, Role: m.Role}
}

func (s *Server) me(login string) meResponse {
	a := s.accounts[login]
	out := meResponse{Login: login, Role: a.Role, Window: a.Window}
	for _, op := range s.engine.Office().Operators {
		if op.Login == login {
			out.Name, out.Position = op.Name, op.Position
		}
	}
	return out
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Login == "" || req.Password == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите логин и пароль", "login and password are required"))
		return
	}
	a, known := s.accounts[req.Login]
	hash := dummyHash
	if known {
		hash = []byte(a.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || !known {
		s.log.Warn("sign-in refused", "login", req.Login, "ip", clientIP(r))
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "неверный логин или пароль", "wrong login or password"))
		return
	}
	token, se, err := s.sessions.create(a.Login, a.Role)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("create session: %w", err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: se.expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.log.Info("signed in", "login", a.Login, "role", a.Role)
	writeJSON(w, http.StatusOK, s.me(a.Login))
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.drop(c.Value)
		s.hub.dropSession(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.me(actor.Login))
}

func (s *Server) handleWindows(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"windows": s.engine.Windows()})
}

func windowNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return 0, queue.Errorf(queue.EINVALID, "номер окна %q должен быть целым положительным числом", "window number %q must be a positive integer", r.PathValue("n"))
	}
	return n, nil
}

func (s *Server) handleWindow(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r); !ok {
		return
	}
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.Window(n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func knownAction(a queue.Action) bool {
	for _, k := range queue.Actions {
		if k == a {
			return true
		}
	}
	return false
}

// windowCommand builds the domain command from the parameters shared by the
// HTTP API and the console protocol.
func windowCommand(n int, a queue.Action, actor queue.Actor, p console.Params) queue.WindowCommand {
	c := queue.WindowCommand{
		Window: n, Action: a, Actor: actor, Operator: p.Operator, Ticket: p.TicketID,
		Reason: p.Reason, Outcome: p.Outcome, Minutes: p.Minutes, ToService: p.ServiceID,
		ToWindow: p.Window, Return: p.Return, Override: p.Override,
	}
	if a == queue.ActionForward {
		// In a forward, "operator" names the colleague the visitor goes to.
		c.Operator, c.ToOperator = "", p.Operator
	}
	return c
}

func (s *Server) handleWindowAction(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	action := queue.Action(r.PathValue("action"))
	if !knownAction(action) {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "неизвестное действие %q", "unknown action %q", action))
		return
	}
	var req console.Params
	if err := decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.WindowAction(r.Context(), windowCommand(n, action, actor, req))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("window action", "window", n, "action", action, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}

type servicesRequest struct {
	Services queue.ServiceLevels `json:"services"`
}

// handleWindowServices moves a window to other services for the day.
func (s *Server) handleWindowServices(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.requireStaff(w, r, queue.RoleManager, queue.RoleAdmin)
	if !ok {
		return
	}
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req servicesRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.SetWindowServices(r.Context(), actor, n, req.Services)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("window services changed", "window", n, "actor", actor.Login, "services", req.Services)
	writeJSON(w, http.StatusOK, v)
}

type dayRequest struct {
	Date string `json:"date"`
}

func (s *Server) handleDayOpen(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.requireStaff(w, r, queue.RoleManager, queue.RoleAdmin)
	if !ok {
		return
	}
	var req dayRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Date == "" {
		s.engine.Read(func(st *queue.State, now time.Time) { req.Date = st.DayOf(now) })
	}
	v, err := s.engine.OpenDay(r.Context(), req.Date)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("day opened", "day", req.Date, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleDayClose(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.requireStaff(w, r, queue.RoleManager, queue.RoleAdmin)
	if !ok {
		return
	}
	v, err := s.engine.CloseDay(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("day closed", "day", v.Day, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}
