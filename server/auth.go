package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"eq/queue"
)

// Account is a member of staff who can sign in.
type Account struct {
	Login        string
	PasswordHash string // bcrypt; the config holds hashes only
	Role         queue.Role
	Window       int // home window, offered first on the console
}

const (
	sessionCookie = "eq_session"
	sessionTTL    = 12 * time.Hour // one working day, then sign in again
)

// dummyHash is compared against when the login is unknown, so that a wrong
// login takes as long as a wrong password and reveals nothing.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

type session struct {
	login   string
	role    queue.Role
	expires time.Time
}

// sessions keeps signed-in staff in memory. A restart signs everyone out,
// which costs one sign-in and keeps no secret on disk.
type sessions struct {
	mu      sync.Mutex
	byToken map[string]session
	now     func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byToken: make(map[string]session), now: now}
}

func (ss *sessions) create(login string, role queue.Role) (string, session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	se := session{login: login, role: role, expires: ss.now().Add(sessionTTL)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	// Drop expired sessions while here, so the map cannot grow without bound.
	for t, old := range ss.byToken {
		if ss.now().After(old.expires) {
			delete(ss.byToken, t)
		}
	}
	ss.byToken[token] = se
	return token, se, nil
}

func (ss *sessions) get(token string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se, ok := ss.byToken[token]
	if !ok || ss.now().After(se.expires) {
		delete(ss.byToken, token)
		return session{}, false
	}
	return se, true
}

func (ss *sessions) drop(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byToken, token)
}

// staff returns who signed in with the request's cookie.
func (s *Server) staff(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	return s.sessions.get(c.Value)
}

// requireStaff answers 401 or 403 and returns false unless a member of staff
// with one of roles (any role when none given) made the request.
func (s *Server) requireStaff(w http.ResponseWriter, r *http.Request, roles ...queue.Role) (queue.Actor, bool) {
	se, ok := s.staff(r)
	if !ok {
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "войдите в систему", "sign in first"))
		return queue.Actor{}, false
	}
	if len(roles) > 0 {
		allowed := false
		for _, role := range roles {
			allowed = allowed || se.role == role
		}
		if !allowed {
			s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "недостаточно прав: нужна роль %s", "not allowed: role %s needed", roles[0]))
			return queue.Actor{}, false
		}
	}
	return queue.Actor{Login: se.login, Role: se.role}, true
}

// device reports whether the request carries one of tokens as a bearer token
// (or, for browsers opening WebSockets, as ?token=).
func device(r *http.Request, tokens []string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = r.URL.Query().Get("token")
	}
	if got == "" {
		return false
	}
	for _, t := range tokens {
		if subtle.ConstantTimeCompare([]byte(got), []byte(t)) == 1 {
			return true
		}
	}
	return false
}

// requireKiosk lets through kiosks and staff (an operator may register a
// visitor). An office that configured no kiosk tokens issues to anyone on the
// LAN, within a rate limit per address.
func (s *Server) requireKiosk(w http.ResponseWriter, r *http.Request) bool {
	if device(r, s.kioskTokens) {
		return true
	}
	if _, ok := s.staff(r); ok {
		return true
	}
	if len(s.kioskTokens) == 0 {
		if s.limiter.allow(clientIP(r)) {
			return true
		}
		s.writeError(w, r, queue.Errorf(codeTooMany, "слишком много запросов, подождите минуту", "too many requests, wait a minute"))
		return false
	}
	s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "нужен токен киоска или вход сотрудника", "a kiosk token or a staff sign-in is needed"))
	return false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per client address.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: make(map[string]*bucket), now: now}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 10000 {
			l.buckets = make(map[string]*bucket) // forget idle clients rather than grow
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
