package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/queue"
	"eq/server"
)

// The kinds of caller the route walk tries, as DESIGN.md's contract names
// them.
const (
	anonymous  = "a caller who has not signed in"
	kioskKind  = "a kiosk"
	display    = "a display"
	ratingKind = "a rating tablet"
	operator   = "an operator"
	manager    = "a manager"
	admin      = "an admin"
)

var callerKinds = []string{anonymous, kioskKind, display, ratingKind, operator, manager, admin}

// allowedBy is who each access level of the routing table lets in, with the
// demo's kiosk tokens configured. Managers and admins do whatever operators
// do; staff may stand in for a kiosk (registering a visitor) and watch a
// display. A rating tablet's marks are the visitors': a manager may check
// a tablet, an operator may not mark their own service.
var allowedBy = map[string][]string{
	"anyone":       callerKinds,
	"kiosk":        {kioskKind, operator, manager, admin},
	"kiosk-token":  {kioskKind, operator, manager, admin},
	"display":      {display, operator, manager, admin},
	"rating":       {ratingKind, manager, admin},
	"rating-token": {ratingKind},
	"staff":        {operator, manager, admin},
	"manager":      {manager, admin},
	"admin":        {admin},
}

// pageRefusals are callers a route lets past its guard whose page then
// turns them away itself: the reports page is open to anyone so that it can
// show the sign-in form, and shows an operator that form again with a 403.
var pageRefusals = map[string][]string{
	"GET /reports": {operator},
	"GET /audit":   {operator, manager},
}

// refusal is how a caller who may not call a route is turned away: those
// who did not say who they are get 401, staff without the role 403.
func refusal(kind string) (int, queue.Code) {
	switch kind {
	case operator, manager, admin:
		return http.StatusForbidden, queue.EFORBIDDEN
	}
	return http.StatusUnauthorized, queue.EUNAUTHORIZED
}

// walker holds one client of each kind and the values a route's wildcards
// are filled with.
type walker struct {
	s       *stack
	clients map[string]*client
	logins  map[string]string // staff kind → the demo login it signs in as
	samples map[string][]string
}

func newWalker(t *testing.T, s *stack) *walker {
	t.Helper()
	w := &walker{s: s, clients: map[string]*client{anonymous: s.anon(), kioskKind: s.kiosk(), display: s.anon(), ratingKind: s.tablet()},
		logins: map[string]string{operator: "op1", manager: "manager", admin: "admin"}}
	w.clients[display].bearer = "demo-display"
	for kind, login := range w.logins {
		w.clients[kind] = s.signIn(t, login)
	}
	ticket := s.issue(t, "passport")
	appt := w.clients[manager].book(t, "passport", at(1, 10, 0), "")
	var actions []string
	for _, a := range queue.Actions {
		actions = append(actions, string(a))
	}
	w.samples = map[string][]string{
		"id": {ticket.ID}, "n": {"1"}, "action": actions, "code": {appt.Code},
		"name": {"attendance"}, "file": {ticket.ID + ".wav"},
		// What a pattern ending in a slash serves below it.
		"/static/": {"console.js"}, "/kiosk/": {"kiosk.js"}, "/api/": {"v1/no-such-thing"},
	}
	return w
}

var wildcard = regexp.MustCompile(`\{(\w+)(\.\.\.)?\}`)

// paths fills the route's wildcards with every sample of each: the
// concrete paths the route must serve.
func (w *walker) paths(t *testing.T, rt server.Route) []string {
	t.Helper()
	p := strings.TrimSuffix(rt.Path, "{$}")
	if strings.HasSuffix(p, "/") && p != "/" {
		rest, ok := w.samples[p]
		if !ok {
			t.Fatalf("route %s: the walk has no sample for what it serves below %s; add one to newWalker", rt.Pattern(), p)
		}
		p += rest[0]
	}
	out := []string{p}
	for _, m := range wildcard.FindAllStringSubmatch(p, -1) {
		values, ok := w.samples[m[1]]
		if !ok {
			t.Fatalf("route %s: the walk has no sample for {%s}; add one to newWalker", rt.Pattern(), m[1])
		}
		var next []string
		for _, o := range out {
			for _, v := range values {
				next = append(next, strings.Replace(o, m[0], url.PathEscape(v), 1))
			}
		}
		out = next
	}
	return out
}

// method is what the walk sends a route that takes any method.
func method(rt server.Route) string {
	if rt.Method == "" {
		return http.MethodGet
	}
	return rt.Method
}

// wsHeader is the handshake header that says the caller is kind: its
// session cookie or its device token.
func (w *walker) wsHeader(t *testing.T, kind string) http.Header {
	t.Helper()
	h := http.Header{}
	c := w.clients[kind]
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.hc.Jar != nil {
		u, _ := url.Parse(w.s.URL())
		for _, ck := range c.hc.Jar.Cookies(u) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
	}
	return h
}

// dial opens the WebSocket at path as kind, with extra headers. An
// upgrade refused comes back as the HTTP answer the server gave.
func (w *walker) dial(t *testing.T, path, kind string, extra ...string) (*websocket.Conn, reply) {
	t.Helper()
	h := w.wsHeader(t, kind)
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := d.Dial("ws"+strings.TrimPrefix(w.s.URL(), "http")+path, h)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
		return conn, reply{Status: resp.StatusCode, Header: resp.Header}
	}
	if resp == nil {
		t.Fatalf("dial %s as %s: %v", path, kind, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return nil, reply{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// call sends the route's request as kind: a WebSocket handshake for /ws/
// routes, a plain request with no body for the rest.
func (w *walker) call(t *testing.T, rt server.Route, path, kind string, extra ...string) reply {
	t.Helper()
	if strings.HasPrefix(rt.Path, "/ws/") {
		_, r := w.dial(t, path, kind, extra...)
		return r
	}
	return w.clients[kind].do(t, method(rt), path, "", extra...)
}

// TestEveryRouteChecksWhoAsks walks the server's routing table: every
// caller a route's access level does not let in is refused with the
// contract's 401 or 403 and writes nothing; every caller it lets in gets
// past the check. A route added to the table is walked without a word
// here; one with an access level this test does not know fails it.
func TestEveryRouteChecksWhoAsks(t *testing.T) {
	s := newStack(t)
	w := newWalker(t, s)
	routes := s.Server.Routes()
	for _, rt := range routes {
		allowed, ok := allowedBy[rt.Access]
		if !ok {
			t.Fatalf("route %s is open to %q, which the walk does not know: say in allowedBy who that lets in", rt.Pattern(), rt.Access)
		}
		for _, path := range w.paths(t, rt) {
			for _, kind := range callerKinds {
				if slices.Contains(allowed, kind) {
					continue
				}
				status, code := refusal(kind)
				t.Run(method(rt)+" "+path+" refuses "+kind, func(t *testing.T) {
					seq := s.lastSeq(t)
					r := w.call(t, rt, path, kind)
					s.refused(t, r, status, code, seq)
					checkSecurityHeaders(t, r, path)
				})
			}
		}
	}
	// The allowed go second: what they do may write, which must not be
	// taken for a refused caller's doing.
	for _, rt := range routes {
		for _, path := range w.paths(t, rt) {
			for _, kind := range allowedBy[rt.Access] {
				t.Run(method(rt)+" "+path+" lets in "+kind, func(t *testing.T) {
					if path == "/api/v1/logout" && w.clients[kind].hc.Jar != nil {
						// Signing out would end the session the walk goes on
						// with: a session of its own is signed out.
						defer func(c *client) { w.clients[kind] = c }(w.clients[kind])
						w.clients[kind] = s.signIn(t, w.logins[kind])
					}
					r := w.call(t, rt, path, kind)
					if slices.Contains(pageRefusals[rt.Pattern()], kind) {
						if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
							t.Errorf("status %d, type %q: want the page's own 403", r.Status, r.Header.Get("Content-Type"))
						}
					} else if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
						t.Errorf("status %d, body %s: %s is refused", r.Status, r.Body, kind)
					}
					checkSecurityHeaders(t, r, path)
				})
			}
		}
	}
}

// contract is who may call each route, after DESIGN.md's contract table.
// The walk checks that the server lets in whom its table says; this checks
// the table says what the contract does, so that opening a manager's route
// to every operator is a change made here on purpose, not by a slip.
var contract = map[string]string{
	"GET /{$}":                                "anyone",
	"GET /healthz":                            "anyone",
	"GET /metrics":                            "anyone",
	"GET /static/":                            "anyone",
	"GET /kiosk":                              "anyone",
	"GET /kiosk/":                             "anyone",
	"GET /t/{id}":                             "anyone",
	"GET /book":                               "anyone",
	"GET /console":                            "anyone",
	"GET /dashboard":                          "anyone",
	"GET /reports":                            "anyone",
	"GET /audit":                              "anyone",
	"GET /rate":                               "anyone",
	"GET /api/v1/audit":                       "admin",
	"GET /api/v1/services":                    "anyone",
	"GET /api/v1/queue":                       "anyone",
	"GET /api/v1/hours":                       "anyone",
	"GET /api/v1/slots":                       "anyone",
	"POST /api/v1/tickets":                    "kiosk",
	"GET /api/v1/tickets":                     "staff",
	"GET /api/v1/tickets/{id}":                "anyone",
	"POST /api/v1/tickets/{id}/cancel":        "kiosk-token",
	"POST /api/v1/checkin":                    "kiosk",
	"POST /api/v1/appointments":               "anyone",
	"GET /api/v1/appointments":                "staff",
	"POST /api/v1/appointments/import":        "manager",
	"GET /api/v1/appointments/{code}":         "anyone",
	"POST /api/v1/appointments/{code}/cancel": "anyone",
	"POST /api/v1/login":                      "anyone",
	"POST /api/v1/logout":                     "anyone",
	"GET /api/v1/me":                          "staff",
	"GET /api/v1/windows":                     "staff",
	"GET /api/v1/windows/{n}":                 "staff",
	"POST /api/v1/windows/{n}/{action}":       "staff",
	"PUT /api/v1/windows/{n}/services":        "manager",
	"GET /api/v1/windows/{n}/rating":          "rating",
	"POST /api/v1/windows/{n}/rating":         "rating-token",
	"POST /api/v1/day/open":                   "manager",
	"POST /api/v1/day/close":                  "manager",
	"GET /api/v1/reports/{name}":              "manager",
	"GET /api/v1/printers":                    "manager",
	"GET /api/v1/announcements/{file}":        "display",
	"GET /ws/console":                         "staff",
	"GET /ws/display":                         "display",
	"/api/":                                   "anyone",
}

func TestRouteAccessIsTheContract(t *testing.T) {
	s := newStack(t)
	seen := map[string]bool{}
	for _, rt := range s.Server.Routes() {
		seen[rt.Pattern()] = true
		want, ok := contract[rt.Pattern()]
		switch {
		case !ok:
			t.Errorf("route %s (open to %s) is not in the contract: add it to contract with who may call it", rt.Pattern(), rt.Access)
		case rt.Access != want:
			t.Errorf("route %s is open to %s, the contract says %s", rt.Pattern(), rt.Access, want)
		}
	}
	for pattern := range contract {
		if !seen[pattern] {
			t.Errorf("the contract's %s is not served", pattern)
		}
	}
}

// TestWebSocketsRefuseOtherSites: a page of another site cannot open the
// console or the display feed with the credentials the browser holds for
// this one, and a device token works only for its own kind of device.
func TestWebSocketsRefuseOtherSites(t *testing.T) {
	s := newStack(t)
	w := newWalker(t, s)
	var walked int
	for _, rt := range s.Server.Routes() {
		if !strings.HasPrefix(rt.Path, "/ws/") {
			continue
		}
		walked++
		for _, kind := range allowedBy[rt.Access] {
			t.Run(rt.Path+" refuses "+kind+" from a page of another site", func(t *testing.T) {
				seq := s.lastSeq(t)
				_, r := w.dial(t, rt.Path, kind, "Origin", "http://evil.example")
				s.refused(t, r, http.StatusForbidden, queue.EFORBIDDEN, seq)
			})
			t.Run(rt.Path+" lets in "+kind+" from a page of this server", func(t *testing.T) {
				if conn, r := w.dial(t, rt.Path, kind, "Origin", s.URL()); conn == nil {
					t.Fatalf("status %d, body %s", r.Status, r.Body)
				}
			})
		}
	}
	if walked != 2 {
		t.Errorf("%d WebSocket routes in the table, want /ws/console and /ws/display", walked)
	}

	// Browsers cannot set headers on a WebSocket: displays send ?token=.
	tests := []struct {
		name, query string
		want        int
	}{
		{"the display feed takes a display token in the query", "?token=demo-display", http.StatusSwitchingProtocols},
		{"the display feed refuses a kiosk token", "?token=demo-kiosk", http.StatusUnauthorized},
		{"the display feed refuses a rating tablet's token", "?token=" + ratingToken, http.StatusUnauthorized},
		{"the display feed refuses a token that is the display's with more after it", "?token=demo-display-", http.StatusUnauthorized},
		{"the display feed refuses the start of the display's token", "?token=demo-displa", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, r := w.dial(t, "/ws/display"+tt.query, anonymous); r.Status != tt.want {
				t.Fatalf("status %d, want %d; body %s", r.Status, tt.want, r.Body)
			}
		})
	}
}

// TestCrossSiteWritesAreRefused: a page of another site cannot make a
// signed-in browser (or a kiosk's) change anything, whatever the route.
func TestCrossSiteWritesAreRefused(t *testing.T) {
	s := newStack(t)
	w := newWalker(t, s)
	for _, rt := range s.Server.Routes() {
		if rt.Method == http.MethodGet || rt.Method == "" {
			continue
		}
		kind := allowedBy[rt.Access][0]
		for _, path := range w.paths(t, rt) {
			t.Run(rt.Method+" "+path+" refuses "+kind+" sent by another site", func(t *testing.T) {
				seq := s.lastSeq(t)
				s.refused(t, w.clients[kind].do(t, rt.Method, path, "{}", "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, queue.EFORBIDDEN, seq)
			})
		}
	}
}

// TestRoutesAndMuxAgree: each route of the table is what the mux serves
// for its own paths (no other pattern shadows it), and anything else asked
// of the API is the contract's JSON 404.
func TestRoutesAndMuxAgree(t *testing.T) {
	s := newStack(t)
	w := newWalker(t, s)
	methods := map[string][]string{} // path → the methods the table serves it with
	for _, rt := range s.Server.Routes() {
		for _, path := range w.paths(t, rt) {
			req, err := http.NewRequest(method(rt), s.URL()+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Server.PatternOf(req); got != rt.Pattern() {
				t.Errorf("%s %s is served by %q, want %q", method(rt), path, got, rt.Pattern())
			}
			methods[path] = append(methods[path], method(rt))
		}
	}
	for path, ms := range methods {
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			if slices.Contains(ms, m) {
				continue
			}
			t.Run(m+" "+path+" is not found", func(t *testing.T) {
				seq := s.lastSeq(t)
				s.refused(t, w.clients[admin].do(t, m, path, ""), http.StatusNotFound, queue.ENOTFOUND, seq)
			})
		}
	}
	t.Run("an unknown API path is not found", func(t *testing.T) {
		r := s.anon().get(t, "/api/v1/no-such-thing")
		checkError(t, r, http.StatusNotFound, queue.ENOTFOUND)
		checkSecurityHeaders(t, r, "/api/v1/no-such-thing")
	})
}

func TestSignInIsRateLimited(t *testing.T) {
	s := newStack(t)
	for i := 0; i < 10; i++ {
		if r := s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"wrong"}`); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.Status)
		}
	}
	checkError(t, s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`), http.StatusTooManyRequests, "too_many_requests")
	s.clock.Advance(time.Minute)
	if r := s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`); r.Status != http.StatusOK {
		t.Fatalf("after a minute: status %d, want 200", r.Status)
	}
}

func TestCancelNeedsAKioskEvenOnAnOpenLAN(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.KioskTokens = nil })
	var ticket struct{ ID string }
	s.anon().post(t, "/api/v1/tickets", `{"service_id":"passport"}`).decode(t, http.StatusCreated, &ticket)
	seq := s.lastSeq(t)
	s.refused(t, s.anon().post(t, "/api/v1/tickets/"+ticket.ID+"/cancel", ""), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
	if r := s.signIn(t, "op1").post(t, "/api/v1/tickets/"+ticket.ID+"/cancel", ""); r.Status != http.StatusOK {
		t.Fatalf("staff cancel: %d %s", r.Status, r.Body)
	}
}
