package server

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"time"
)

// What the external tests (package server_test) need of the internals. They
// are external so that they can start an office with internal/officetest,
// which imports this package.

const (
	SessionCookie = sessionCookie
	SendBuffer    = sendBuffer // the yardstick benchmark buffers as the hub does
	WriteWait     = writeWait
	// MaxMessageSize is the read limit of the WebSockets: a longer message
	// closes the connection.
	MaxMessageSize = maxMessageSize
)

// MustJSON is mustJSON: what the hub sends is encoded the same way in tests.
var MustJSON = mustJSON

// HubCount is the number of consoles and displays connected.
func (s *Server) HubCount() int { return s.hub.count() }

// Broadcast offers msg to the consoles of window, as the fan-out does.
func (s *Server) Broadcast(msg []byte, window int) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.broadcast(msg, consoleClient, window)
}

// BroadcastDisplays offers msg to the displays of window (0: every
// display), as the fan-out does.
func (s *Server) BroadcastDisplays(msg []byte, window int) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.broadcast(msg, displayClient, window)
}

// Route is one entry of the server's routing table as tests see it.
type Route struct {
	Method string // "" for a route that takes every method
	Path   string // the pattern's path, wildcards and all
	Access string // anyone, kiosk, kiosk-token, display, staff, manager or admin
}

// Pattern is the route's ServeMux pattern.
func (r Route) Pattern() string {
	if r.Method == "" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// Routes is the routing table the server registered its mux from.
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.routeTable() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			method, path = "", rt.pattern
		}
		out = append(out, Route{Method: method, Path: path, Access: rt.who.String()})
	}
	return out
}

// PatternOf is the pattern of the route the server's mux picks for r.
func (s *Server) PatternOf(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}

// Limiter is the token bucket the server limits rates with.
type Limiter struct{ l *limiter }

// NewLimiter makes a limiter of perMinute a minute and burst at once that
// keeps at most max buckets.
func NewLimiter(perMinute, burst, max int, now func() time.Time) Limiter {
	l := newLimiter(perMinute, burst, now)
	l.max = max
	return Limiter{l}
}

// Allow takes a token of key's bucket, or says how long until there is one.
func (l Limiter) Allow(key string) (bool, time.Duration) { return l.l.allow(key) }

// Buckets is how many buckets the limiter keeps.
func (l Limiter) Buckets() int {
	l.l.mu.Lock()
	defer l.l.mu.Unlock()
	return len(l.l.buckets)
}

// MatchToken is the device token check: which of tokens got is, or "".
func MatchToken(got string, tokens []string) string {
	if got == "" {
		return ""
	}
	return newTokenSet(tokens).match(sha256.Sum256([]byte(got)))
}

// TokenMatcher checks presented tokens against tokens, as each request is.
func TokenMatcher(tokens []string) func(got string) string {
	ts := newTokenSet(tokens)
	return func(got string) string { return ts.match(sha256.Sum256([]byte(got))) }
}

// PagePolicy is the Content-Security-Policy every response carries.
const PagePolicy = pagePolicy
