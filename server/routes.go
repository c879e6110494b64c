package server

import (
	"context"
	"crypto/sha256"
	"net/http"
	"time"

	"eq/kiosk"
	"eq/queue"
)

// access is who may call a route. The route's guard checks it before the
// handler runs; handlers keep only the finer checks (whose window it is, a
// manager's override), which the engine makes.
type access int

const (
	// unsaid is no access level: routes refuses a route that leaves who
	// may call it out.
	unsaid access = iota
	// anyone: pages, the visitors' API, sign-in. Handlers that write limit
	// how often one address may.
	anyone
	// kiosks: a kiosk token or signed-in staff (an operator may register a
	// visitor). An office that configured no kiosk tokens lets the whole
	// LAN in. Kiosks are limited per token, the LAN per address.
	kiosks
	// tokenKiosks: a kiosk token or staff, even where the office set no
	// kiosk tokens: ticket ids are sequential, so what takes one is never
	// open to the LAN.
	tokenKiosks
	// displays: a display token or signed-in staff.
	displays
	// raters: a rating tablet's token, or a manager or admin checking a
	// tablet. Operators are not let in: a mark is the visitor's word on
	// the operator's service, not the operator's own.
	raters
	// tablets: a rating tablet's token only. A mark is the visitor's word,
	// so no member of staff may give one: a manager checking a tablet reads
	// it (raters) but cannot mark, least of all their own service.
	tablets
	// staff: any signed-in member of staff.
	staff
	// managers: managers and admins.
	managers
	// admins: admins only.
	admins
)

var accessNames = map[access]string{
	anyone: "anyone", kiosks: "kiosk", tokenKiosks: "kiosk-token", displays: "display", raters: "rating", tablets: "rating-token",
	staff: "staff", managers: "manager", admins: "admin",
}

func (a access) String() string { return accessNames[a] }

// route is one entry of the routing table: a ServeMux pattern, who may call
// it, and its handler.
type route struct {
	pattern string // "METHOD /path", as http.ServeMux takes it
	who     access
	serve   http.HandlerFunc
}

// routeTable is every route the server answers. routes registers exactly
// these, each behind its guard: a route cannot be added without saying who
// may call it, and TestEveryRouteChecksWhoAsks walks this table.
func (s *Server) routeTable() []route {
	kioskPage := kiosk.Handler().ServeHTTP
	return []route{
		{"GET /{$}", anyone, s.handleIndex},
		{"GET /healthz", anyone, s.handleHealth},
		// Like /healthz, open to the LAN without a token: Prometheus scrapes
		// it, and it tells counts and states, never tickets or people.
		{"GET /metrics", anyone, s.metrics.handler(s.log).ServeHTTP},
		{"GET /static/", anyone, staticHandler().ServeHTTP},
		{"GET /kiosk", anyone, kioskPage},
		{"GET /kiosk/", anyone, kioskPage},
		{"GET /t/{id}", anyone, s.handleTicketPage},
		{"GET /book", anyone, s.handleBookPage},
		// The staff pages sign in by themselves, through the API.
		{"GET /console", anyone, s.handleConsole},
		{"GET /dashboard", anyone, s.handleDashboard},
		{"GET /reports", anyone, s.handleReportsPage},
		{"GET /audit", anyone, s.handleAuditPage},
		// The rating tablet's page; its token, in the page's address, is
		// what the API checks.
		{"GET /rate", anyone, s.handleRatePage},

		{"GET /api/v1/services", anyone, s.handleServices},
		{"GET /api/v1/queue", anyone, s.handleQueue},
		{"GET /api/v1/hours", anyone, s.handleHours},
		{"GET /api/v1/slots", anyone, s.handleSlots},
		{"POST /api/v1/tickets", kiosks, s.handleIssue},
		{"GET /api/v1/tickets", staff, s.handleTickets},
		{"GET /api/v1/tickets/{id}", anyone, s.handleTicket},
		{"POST /api/v1/tickets/{id}/cancel", tokenKiosks, s.handleCancel},
		{"POST /api/v1/checkin", kiosks, s.handleCheckin},
		{"POST /api/v1/appointments", anyone, s.handleBook},
		{"GET /api/v1/appointments", staff, s.handleAppointments},
		{"POST /api/v1/appointments/import", managers, s.handleImport},
		// The booking code is what proves the appointment is the visitor's.
		{"GET /api/v1/appointments/{code}", anyone, s.handleAppointment},
		{"POST /api/v1/appointments/{code}/cancel", anyone, s.handleCancelAppointment},

		{"POST /api/v1/login", anyone, s.handleLogin},
		{"POST /api/v1/logout", anyone, s.handleLogout},
		{"GET /api/v1/me", staff, s.handleMe},
		{"GET /api/v1/windows", staff, s.handleWindows},
		{"GET /api/v1/windows/{n}", staff, s.handleWindow},
		{"POST /api/v1/windows/{n}/{action}", staff, s.handleWindowAction},
		{"PUT /api/v1/windows/{n}/services", managers, s.handleWindowServices},
		{"GET /api/v1/windows/{n}/rating", raters, s.handleRateTarget},
		{"POST /api/v1/windows/{n}/rating", tablets, s.handleRate},
		{"POST /api/v1/day/open", managers, s.handleDayOpen},
		{"POST /api/v1/day/close", managers, s.handleDayClose},
		{"GET /api/v1/reports/{name}", managers, s.handleReport},
		{"GET /api/v1/printers", managers, s.handlePrinters},
		// The trail holds managers' own overrides and day closes: only
		// admins review it.
		{"GET /api/v1/audit", admins, s.handleAudit},
		{"GET /api/v1/announcements/{file}", displays, s.handleAnnouncement},

		{"GET /ws/console", staff, s.handleConsoleWS},
		{"GET /ws/display", displays, s.handleDisplayWS},

		// Whatever else is asked of the API is a JSON "not found", never the
		// mux's plain text nor its 405.
		{"/api/", anyone, s.handleNoRoute},
	}
}

func (s *Server) routes() {
	for _, rt := range s.routeTable() {
		if _, ok := accessNames[rt.who]; !ok {
			panic("server: route " + rt.pattern + " does not say who may call it")
		}
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
}

func (s *Server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "нет такого адреса API или метода: %s %s", "no such API path or method: %s %s", r.Method, r.URL.Path))
}

// caller is who made a request, as the guard found it: staff by their
// session cookie, devices by their tokens. A request may be none of these.
type caller struct {
	actor   queue.Actor // signed-in staff; Login is "" for anyone else
	session string      // the staff's session token
	kiosk   string      // the kiosk token the request carries, if it is one
	display bool        // the request carries a display token
	rating  string      // the rating tablet token the request carries, if it is one
}

func (c caller) isStaff() bool { return c.actor.Login != "" }

type callerKey struct{}

// callerOf is who made r; handlers behind a guard (all of them) use it
// rather than reading cookies and tokens again.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// identify finds who made r.
func (s *Server) identify(r *http.Request) caller {
	var c caller
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if se, ok := s.sessions.get(ck.Value); ok {
			c.actor, c.session = queue.Actor{Login: se.login, Role: se.role}, ck.Value
		}
	}
	if token := presentedToken(r); token != "" {
		d := sha256.Sum256([]byte(token))
		c.kiosk = s.kioskTokens.match(d)
		c.display = s.displayTokens.match(d) != ""
		c.rating = s.ratingTokens.match(d)
	}
	return c
}

// guard serves rt for the callers rt.who lets in and refuses everyone else
// with the contract's 401, 403 or 429.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.identify(r)
		if !s.admit(w, r, rt.who, c) {
			return
		}
		rt.serve(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// admit reports whether c may call a route open to who, answering the
// request when not.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, who access, c caller) bool {
	switch who {
	case anyone:
		return true
	case kiosks, tokenKiosks:
		switch {
		case c.kiosk != "":
			if who == kiosks {
				return s.allowKiosk(w, r, c.kiosk)
			}
			return true
		case c.isStaff():
			return true
		case who == kiosks && len(s.kioskTokens.tokens) == 0:
			if ok, wait := s.lan.allow(clientIP(r)); !ok {
				s.refuseTooMany(w, r, wait, "слишком много запросов с этого адреса, подождите минуту", "too many requests from this address, wait a minute")
				return false
			}
			return true
		}
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "нужен токен киоска или вход сотрудника", "a kiosk token or a staff sign-in is needed"))
		return false
	case displays:
		if c.display || c.isStaff() {
			return true
		}
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "нужен токен табло или вход сотрудника", "a display token or a staff sign-in is needed"))
		return false
	case raters:
		switch {
		case c.rating != "" || c.actor.Role.Supervises():
			return true
		case c.isStaff():
			s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "оценки ставят посетители на планшете у окна; проверить планшет может роль %s",
				"marks are the visitors' to give on the tablet at the window; role %s may check a tablet", queue.RoleManager))
			return false
		}
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "нужен токен планшета оценки или вход руководителя", "a rating tablet token or a manager sign-in is needed"))
		return false
	case tablets:
		switch {
		case c.rating != "":
			return true
		case c.isStaff():
			s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "оценку ставит посетитель на планшете у окна, а не сотрудник",
				"a mark is given by the visitor on the tablet at the window, not by staff"))
			return false
		}
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "нужен токен планшета оценки", "a rating tablet token is needed"))
		return false
	}
	if !c.isStaff() {
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "войдите в систему", "sign in first"))
		return false
	}
	switch {
	case who == managers && !c.actor.Role.Supervises():
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "недостаточно прав: нужна роль %s", "not allowed: role %s needed", queue.RoleManager))
		return false
	case who == admins && c.actor.Role != queue.RoleAdmin:
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "недостаточно прав: нужна роль %s", "not allowed: role %s needed", queue.RoleAdmin))
		return false
	}
	return true
}

// What one kiosk token may ask for: tickets and check-ins together.
//
// A kiosk's printer cuts a ticket every 2–3 s at best, and a visitor spends
// longer than that at the screen, so even a kiosk with a queue in front of
// it asks for fewer than 30 a minute: DefaultKioskPerMinute never holds a
// real kiosk back. The burst lets a kiosk that stood idle take a rush, or
// retry after a network blip, without a refusal. A stolen or looping token
// is held to that burst and then one ticket every 2 s — a trickle staff see
// on the dashboard, not thousands a minute.
const (
	DefaultKioskPerMinute = 30
	kioskBurst            = 20
)

// newKioskLimiter limits each kiosk token to perMinute; a limit raised
// above the default may be taken a minute's worth at once.
func newKioskLimiter(perMinute int, now func() time.Time) *limiter {
	burst := kioskBurst
	if perMinute > DefaultKioskPerMinute {
		burst = perMinute
	}
	return newLimiter(perMinute, burst, now)
}

// allowKiosk holds one kiosk token to its limit (see DefaultKioskPerMinute).
func (s *Server) allowKiosk(w http.ResponseWriter, r *http.Request, token string) bool {
	// Keyed by the token itself: the tokens are the config's few, so the
	// limiter holds one bucket per kiosk.
	if ok, wait := s.kioskLimit.allow(token); !ok {
		s.refuseTooMany(w, r, wait, "этот терминал выдаёт талоны слишком часто, подождите", "this kiosk issues tickets too often, wait")
		return false
	}
	return true
}
