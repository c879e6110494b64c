package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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
// login takes as long as a wrong password and reveals nothing. It is
// bcrypt("not a password") at the default cost, written out: making it at
// start cost every eq command a bcrypt round, seconds on a loaded machine.
var dummyHash = []byte("$2a$10$W1qhcZa4Dbgku728iClUyO7WkKqGOkI/Z7n9CazQIqRjfUyNlp.zK")

type session struct {
	login   string
	role    queue.Role
	expires time.Time
}

// sessions keeps signed-in staff in memory. A restart signs everyone out,
// which costs one sign-in and keeps no secret on disk.
type sessions struct {
	mu sync.Mutex
	// byDigest is keyed by the SHA-256 of the token, not the token: how
	// long a lookup takes then says nothing about how much of a guessed
	// token is right.
	byDigest map[[sha256.Size]byte]session
	now      func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byDigest: make(map[[sha256.Size]byte]session), now: now}
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
	for d, old := range ss.byDigest {
		if ss.now().After(old.expires) {
			delete(ss.byDigest, d)
		}
	}
	ss.byDigest[sha256.Sum256([]byte(token))] = se
	return token, se, nil
}

func (ss *sessions) get(token string) (session, bool) {
	if token == "" {
		return session{}, false
	}
	d := sha256.Sum256([]byte(token))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se, ok := ss.byDigest[d]
	if !ok || ss.now().After(se.expires) {
		delete(ss.byDigest, d)
		return session{}, false
	}
	return se, true
}

func (ss *sessions) drop(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byDigest, sha256.Sum256([]byte(token)))
}

// presentedToken is the device token a request carries: a bearer token, or
// for browsers opening WebSockets (which cannot set headers) ?token=.
func presentedToken(r *http.Request) string {
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return got
	}
	return r.URL.Query().Get("token")
}

// tokenSet is the device tokens of one kind, with their digests made once.
type tokenSet struct {
	tokens  []string
	digests [][sha256.Size]byte
}

func newTokenSet(tokens []string) tokenSet {
	ts := tokenSet{tokens: tokens}
	for _, t := range tokens {
		ts.digests = append(ts.digests, sha256.Sum256([]byte(t)))
	}
	return ts
}

// match returns the token whose digest is got, or "". It takes as long
// whichever token matches, how much of one matches, and how long the token
// presented was: digests of equal length are compared, every one every
// time.
func (ts tokenSet) match(got [sha256.Size]byte) string {
	found := -1
	for i, d := range ts.digests {
		found = subtle.ConstantTimeSelect(subtle.ConstantTimeCompare(got[:], d[:]), i, found)
	}
	if found < 0 {
		return ""
	}
	return ts.tokens[found]
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// maxBuckets bounds a limiter's memory: far more clients than a LAN has.
const maxBuckets = 10000

// limiter is a token bucket per client: an address, or a kiosk.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	max     int // buckets kept at most
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), max: maxBuckets, buckets: make(map[string]*bucket), now: now}
}

// allow takes a token from key's bucket. When there is none it says how
// long until there is one, for Retry-After.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	// A clock set back (by hand, or by NTP) gives nothing and takes nothing.
	b.tokens = min(l.burst, b.tokens+max(0, now.Sub(b.last).Seconds())*l.rate)
	if now.After(b.last) {
		b.last = now
	}
	if b.tokens < 1 {
		wait := time.Duration(math.Ceil((1-b.tokens)/l.rate*1e3)) * time.Millisecond
		return false, wait
	}
	b.tokens--
	return true, 0
}

// sweep forgets the buckets that have refilled: a full bucket is what a new
// client gets anyway, so only clients still being held back are kept. If
// that many are held back at once (addresses made up by the thousand), all
// are forgotten rather than the map grow without bound; called with l.mu
// held.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.max {
		clear(l.buckets)
	}
}

// refuseTooMany answers 429 with Retry-After: the contract's error, and
// when to try again, in the header where HTTP clients look for it.
func (s *Server) refuseTooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, ru, en string) {
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	w.Header().Set("Retry-After", secs)
	s.writeError(w, r, &queue.Error{Code: codeTooMany, Message: ru, MessageEN: en, Details: map[string]string{"retry_after_s": secs}})
}
