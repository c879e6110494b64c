package server_test

import (
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"eq/internal/syncbuf"
	"eq/queue"
	"eq/server"
)

// limited checks a 429: the contract's error, and a Retry-After header of
// whole seconds that the body's details repeat. It returns the wait.
func limited(t *testing.T, r reply) time.Duration {
	t.Helper()
	e := checkError(t, r, http.StatusTooManyRequests, "too_many_requests")
	after := r.Header.Get("Retry-After")
	secs, err := strconv.Atoi(after)
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds", after)
	}
	if e.Error.Details["retry_after_s"] != after {
		t.Errorf("details.retry_after_s = %q, Retry-After %q", e.Error.Details["retry_after_s"], after)
	}
	return time.Duration(secs) * time.Second
}

// TestPublicWritesAreRateLimited: each route that a caller who has not
// signed in may write through holds one address (or one kiosk token) to a
// limit. Past it the answer is 429 with Retry-After and nothing is written;
// after Retry-After the same request goes through, so it was the limit,
// not the request, that held it back.
func TestPublicWritesAreRateLimited(t *testing.T) {
	type setup struct {
		s    *stack
		good func(t *testing.T) reply // a request that writes when let through
	}
	tests := []struct {
		pattern string // the route the case covers
		name    string
		open    bool // the office configures no kiosk tokens
		// spend uses up the allowance without writing, or writing what
		// does not matter; ready prepares the good request.
		spend func(t *testing.T, s *stack)
		ready func(t *testing.T, s *stack) func(t *testing.T) reply
	}{
		{
			pattern: "POST /api/v1/appointments", name: "booking from one address",
			spend: func(t *testing.T, s *stack) {
				for i := range 6 {
					s.anon().book(t, "passport", at(1, 10, 15*i), "")
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				return func(t *testing.T) reply {
					return s.anon().post(t, "/api/v1/appointments", bookBody("passport", at(2, 10, 0), `,"name":"Иванов Иван"`))
				}
			},
		},
		{
			pattern: "POST /api/v1/tickets", name: "ticket issue by one kiosk",
			spend: func(t *testing.T, s *stack) {
				for range 20 {
					s.issue(t, "passport")
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				return func(t *testing.T) reply { return s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`) }
			},
		},
		{
			pattern: "POST /api/v1/tickets", name: "ticket issue from one address on an open LAN", open: true,
			spend: func(t *testing.T, s *stack) {
				for range 10 {
					s.anon().post(t, "/api/v1/tickets", `{"service_id":"passport"}`).decode(t, http.StatusCreated, &ticketJSON{})
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				return func(t *testing.T) reply { return s.anon().post(t, "/api/v1/tickets", `{"service_id":"passport"}`) }
			},
		},
		{
			pattern: "POST /api/v1/checkin", name: "check-in by one kiosk",
			spend: func(t *testing.T, s *stack) {
				for range 20 {
					checkError(t, s.checkin("999999")(t), http.StatusNotFound, queue.ENOTFOUND)
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				return s.checkin(s.dueAppointment(t))
			},
		},
		{
			pattern: "POST /api/v1/checkin", name: "check-in from one address on an open LAN", open: true,
			spend: func(t *testing.T, s *stack) {
				for range 10 {
					checkError(t, s.anon().post(t, "/api/v1/checkin", `{"code":"999999"}`), http.StatusNotFound, queue.ENOTFOUND)
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				code := s.dueAppointment(t)
				return func(t *testing.T) reply { return s.anon().post(t, "/api/v1/checkin", `{"code":"`+code+`"}`) }
			},
		},
		{
			pattern: "POST /api/v1/appointments/{code}/cancel", name: "cancelling by code from one address",
			spend: func(t *testing.T, s *stack) {
				for range 10 {
					checkError(t, s.anon().post(t, "/api/v1/appointments/999999/cancel", ""), http.StatusNotFound, queue.ENOTFOUND)
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				code := s.signIn(t, "manager").book(t, "passport", at(1, 10, 0), "").Code
				return func(t *testing.T) reply { return s.anon().post(t, "/api/v1/appointments/"+code+"/cancel", "") }
			},
		},
		{
			pattern: "POST /api/v1/windows/{n}/rating", name: "marking by one rating tablet",
			spend: func(t *testing.T, s *stack) {
				// Marks for a ticket not just served: refused, written nowhere.
				for range 10 {
					checkError(t, s.tablet().post(t, "/api/v1/windows/1/rating", `{"ticket_id":"20261123-000099","mark":5}`), http.StatusConflict, queue.ECONFLICT)
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				op1 := s.signIn(t, "op1")
				op1.act(t, "1", "open", "")
				s.issue(t, "passport")
				tk := op1.serveNext(t, "1")
				return func(t *testing.T) reply {
					return s.tablet().post(t, "/api/v1/windows/1/rating", `{"ticket_id":"`+tk.ID+`","mark":5}`)
				}
			},
		},
		{
			pattern: "POST /api/v1/login", name: "sign-in from one address",
			spend: func(t *testing.T, s *stack) {
				for range 10 {
					checkError(t, s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"wrong"}`), http.StatusUnauthorized, queue.EUNAUTHORIZED)
				}
			},
			ready: func(t *testing.T, s *stack) func(t *testing.T) reply {
				// Signing in writes no event; the session is what it makes.
				return func(t *testing.T) reply {
					return s.staffClient(t).post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`)
				}
			},
		},
	}
	// Routes a caller who has not signed in may send writes to, and why
	// those without a case above need no limit.
	unlimited := map[string]string{
		"POST /api/v1/logout": "signing out ends only the caller's own session",
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.pattern] = true
		t.Run(tt.name+" is limited", func(t *testing.T) {
			s := newStack(t, func(o *server.Options) {
				if tt.open {
					o.KioskTokens = nil
				}
			})
			good := tt.ready(t, s)
			tt.spend(t, s)
			seq := s.lastSeq(t)
			r := good(t)
			wait := limited(t, r)
			checkSecurityHeaders(t, r, "/api/")
			if got := s.lastSeq(t); got != seq {
				t.Errorf("the log moved from %d to %d: a limited request wrote", seq, got)
			}
			s.clock.Advance(wait)
			if r := good(t); r.Status >= 300 {
				t.Fatalf("after Retry-After (%s): status %d, body %s", wait, r.Status, r.Body)
			}
		})
	}

	s := newStack(t)
	for _, rt := range s.Server.Routes() {
		if rt.Method == http.MethodGet || rt.Method == "" || (rt.Access != "anyone" && rt.Access != "kiosk" && rt.Access != "rating" && rt.Access != "rating-token") {
			continue
		}
		if !covered[rt.Pattern()] && unlimited[rt.Pattern()] == "" {
			t.Errorf("%s takes writes from callers who have not signed in, and no case here shows it limited", rt.Pattern())
		}
	}
}

// dueAppointment books today's 11:00 passport appointment as a manager and
// moves the clock to 10:45, when its check-in opens; it returns the code.
func (s *stack) dueAppointment(t *testing.T) string {
	t.Helper()
	code := s.signIn(t, "manager").book(t, "passport", at(0, 11, 0), "").Code
	s.clock.Advance(at(0, 10, 45).Sub(s.clock.Now()))
	return code
}

// TestKiosksAreLimitedEachByItsToken: a kiosk that reached its limit does
// not hold back another kiosk, nor staff registering a visitor.
func TestKiosksAreLimitedEachByItsToken(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.KioskTokens = []string{"demo-kiosk", "kiosk-2"} })
	for range 20 {
		s.issue(t, "passport")
	}
	limited(t, s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`))
	other := s.anon()
	other.bearer = "kiosk-2"
	if r := other.post(t, "/api/v1/tickets", `{"service_id":"passport"}`); r.Status != http.StatusCreated {
		t.Errorf("the second kiosk: status %d, body %s", r.Status, r.Body)
	}
	if r := s.signIn(t, "op1").post(t, "/api/v1/tickets", `{"service_id":"passport"}`); r.Status != http.StatusCreated {
		t.Errorf("an operator: status %d, body %s", r.Status, r.Body)
	}
}

// TestRaisedKioskLimit: an office (or a benchmark) that raises the kiosk
// limit gets it.
func TestRaisedKioskLimit(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.KioskPerMinute = 100 })
	for range 100 {
		s.issue(t, "passport")
	}
	limited(t, s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`))
}

func TestLimiter(t *testing.T) {
	clk := &clock{now: day0}
	t.Run("a client past its burst waits for the next token", func(t *testing.T) {
		l := server.NewLimiter(30, 2, 100, clk.Now) // a token every 2 s
		for i := range 2 {
			if ok, _ := l.Allow("a"); !ok {
				t.Fatalf("request %d refused within the burst", i+1)
			}
		}
		if ok, wait := l.Allow("a"); ok || wait != 2*time.Second {
			t.Fatalf("past the burst: allowed %v, wait %s; want refused for 2s", ok, wait)
		}
		clk.Advance(time.Second)
		if ok, wait := l.Allow("a"); ok || wait != time.Second {
			t.Fatalf("a second later: allowed %v, wait %s; want refused for 1s", ok, wait)
		}
		clk.Advance(time.Second)
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("refused after the wait it was told")
		}
	})
	t.Run("a clock set back takes nothing away", func(t *testing.T) {
		l := server.NewLimiter(30, 2, 100, clk.Now)
		l.Allow("a")
		clk.Advance(-time.Hour)
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("the second request of the burst refused after the clock went back")
		}
		clk.Advance(time.Hour)
	})
	t.Run("the buckets stay bounded however many clients come", func(t *testing.T) {
		l := server.NewLimiter(30, 2, 100, clk.Now)
		for i := range 5000 {
			l.Allow("10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
			if n := l.Buckets(); n > 100 {
				t.Fatalf("%d buckets after %d clients, want at most 100", n, i+1)
			}
		}
	})
	t.Run("clients held back are remembered while idle ones are forgotten", func(t *testing.T) {
		l := server.NewLimiter(30, 2, 10, clk.Now)
		for range 3 {
			l.Allow("held") // the burst and one refused
		}
		for i := range 9 {
			l.Allow("idle" + strconv.Itoa(i))
		}
		clk.Advance(2 * time.Second) // the idle ones are full again, "held" has one token
		l.Allow("newcomer")          // the map is full: this sweeps
		if n := l.Buckets(); n != 2 {
			t.Errorf("%d buckets after the sweep, want the held client's and the newcomer's", n)
		}
		if ok, _ := l.Allow("held"); !ok {
			t.Fatal("the held client's token after 2 s refused")
		}
		if ok, _ := l.Allow("held"); ok {
			t.Fatal("the held client got a second token: the sweep forgot it")
		}
	})
}

// TestDeviceTokens: a token is the whole token, nothing near it.
func TestDeviceTokens(t *testing.T) {
	tokens := []string{"kiosk-one-0123456789", "kiosk-two-0123456789"}
	tests := []struct {
		got, want string
	}{
		{"kiosk-one-0123456789", "kiosk-one-0123456789"},
		{"kiosk-two-0123456789", "kiosk-two-0123456789"},
		{"", ""},
		{"kiosk-one-012345678", ""},   // its start
		{"kiosk-one-01234567890", ""}, // it and more
		{"KIOSK-ONE-0123456789", ""},
		{"kiosk-one-0123456789 ", ""},
	}
	for _, tt := range tests {
		if got := server.MatchToken(tt.got, tokens); got != tt.want {
			t.Errorf("MatchToken(%q) = %q, want %q", tt.got, got, tt.want)
		}
	}
	if got := server.MatchToken("anything", nil); got != "" {
		t.Errorf("with no tokens configured %q matched", got)
	}
}

// durations are the timings in log lines, whose digits could be anything.
var durations = regexp.MustCompile(`(dur|took)=\S+`)

// TestLogsHoldNoPersonalData runs a day's worth of what visitors, devices
// and staff do, with the server logging at Debug, and then looks in the log
// for every secret and every piece of personal data that went by: names,
// phones, booking codes, passwords, session and device tokens.
func TestLogsHoldNoPersonalData(t *testing.T) {
	const (
		password      = "Пароль-Оператора-42"
		wrongPassword = "Неверный-Пароль-77"
		// People type their password into the login field.
		passwordAsLogin = "Мой-Пароль-В-Логине"
		kioskSecret     = "kiosk-secret-3f9a1c"
		displaySecret   = "display-secret-8b2e4d"
		ratingSecret    = "rating-secret-5c7e0a"
		name            = "Секретова Прасковья Ильинична"
		phone           = "8 (916) 555-12-34"
		refusedName     = "Тайнова Агриппина"
		refusedPhone    = "+7 903 777-88-99"
	)
	var log syncbuf.Buffer
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(t, func(o *server.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.KioskTokens, o.DisplayTokens, o.RatingTokens = []string{kioskSecret}, []string{displaySecret}, []string{ratingSecret}
		for i := range o.Accounts {
			o.Accounts[i].PasswordHash = string(hash)
		}
	})
	// Codes fixed, so that no duration in the log can match one by chance
	// (durations are stripped before the search as well).
	codes := []string{"731904", "582617", "640358"}
	var drawn int
	s.Engine.SetCodes(func() string { drawn++; return codes[(drawn-1)%len(codes)] })
	kiosk := s.anon()
	kiosk.bearer = kioskSecret

	visitor := s.anon()
	appt := visitor.book(t, "passport", at(0, 11, 0), `,"name":"`+name+`","phone":"`+phone+`"`)
	visitor.get(t, "/api/v1/appointments/"+appt.Code).decode(t, http.StatusOK, &appointmentJSON{})
	visitor.get(t, "/api/v1/appointments/"+appt.Code+"/no-such-thing")
	other := visitor.book(t, "passport", at(0, 11, 15), `,"name":"`+name+`"`)
	visitor.post(t, "/api/v1/appointments/"+other.Code+"/cancel", "").decode(t, http.StatusOK, &appointmentJSON{})
	if r := visitor.post(t, "/api/v1/appointments", bookBody("passport", at(0, 9, 30), `,"name":"`+refusedName+`","phone":"`+refusedPhone+`"`)); r.Status < 400 || r.Status >= 500 {
		t.Fatalf("a booking 30 minutes ahead: status %d, want it refused; body %s", r.Status, r.Body)
	}

	op := s.staffClient(t)
	if r := op.post(t, "/api/v1/login", `{"login":"op1","password":"`+wrongPassword+`"}`); r.Status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: status %d", r.Status)
	}
	if r := op.post(t, "/api/v1/login", `{"login":"`+passwordAsLogin+`","password":"x"}`); r.Status != http.StatusUnauthorized {
		t.Fatalf("a password as the login: status %d", r.Status)
	}
	r := op.post(t, "/api/v1/login", `{"login":"op1","password":"`+password+`"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("sign in: status %d, body %s", r.Status, r.Body)
	}
	var session string
	for _, c := range r.Cookies {
		if c.Name == server.SessionCookie {
			session = c.Value
		}
	}
	op.act(t, "1", "open", "")

	base := "ws" + strings.TrimPrefix(s.URL(), "http")
	display, _, err := websocket.DefaultDialer.Dial(base+"/ws/display?token="+displaySecret, nil)
	if err != nil {
		t.Fatalf("display: %v", err)
	}
	defer display.Close()
	console, _, err := websocket.DefaultDialer.Dial(base+"/ws/console?window=1", http.Header{"Cookie": {server.SessionCookie + "=" + session}})
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	defer console.Close()

	s.clock.Advance(at(0, 10, 45).Sub(s.clock.Now()))
	kiosk.post(t, "/api/v1/checkin", `{"code":"`+appt.Code+`"}`).decode(t, http.StatusCreated, &ticketJSON{})
	kiosk.post(t, "/api/v1/tickets?token="+kioskSecret, `{"service_id":"passport"}`).decode(t, http.StatusCreated, &ticketJSON{})
	s.anon().get(t, "/kiosk?token="+kioskSecret)
	op.act(t, "1", "call-next", "")
	op.act(t, "1", "start", "")
	op.act(t, "1", "finish", "")
	// The rating tablet reads with its token in the query, as a page may,
	// and marks with it in the header.
	var target rateViewJSON
	s.anon().get(t, "/api/v1/windows/1/rating?token="+ratingSecret).decode(t, http.StatusOK, &target)
	tablet := s.anon()
	tablet.bearer = ratingSecret
	tablet.post(t, "/api/v1/windows/1/rating", `{"ticket_id":"`+target.TicketID+`","mark":2,"reason":"impolite"}`).decode(t, http.StatusCreated, &rateViewJSON{})
	s.anon().get(t, "/rate?window=1&token="+ratingSecret)
	op.post(t, "/api/v1/logout", "")

	got := durations.ReplaceAllString(log.String(), "dur=…")
	for _, want := range []string{"level=DEBUG", "appointment booked", "sign-in refused", "signed in", "display connected", "console connected", "checked in", "ticket issued", "ticket rated", "route="} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q: the flow did not log what it should, so its absence of secrets proves nothing\n%s", want, got)
		}
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	secrets := map[string]string{
		"the visitor's name": name, "the visitor's surname": strings.Fields(name)[0],
		"the visitor's phone": phone, "the visitor's phone digits": digits(phone)[1:],
		"a refused visitor's name": refusedName, "a refused visitor's phone digits": digits(refusedPhone)[1:],
		"the booking code": appt.Code, "the cancelled booking's code": other.Code,
		"the password": password, "a wrong password": wrongPassword, "a password typed as the login": passwordAsLogin,
		"the session token": session, "the kiosk token": kioskSecret, "the display token": displaySecret, "the rating tablet's token": ratingSecret,
		"a query's token": "token=",
	}
	for what, secret := range secrets {
		if strings.Contains(got, secret) {
			t.Errorf("the log holds %s (%q)", what, secret)
		}
	}
	if t.Failed() {
		t.Logf("the log:\n%s", got)
	}
}

// BenchmarkMatchToken is the device check every request pays: a digest of
// what it presents and one of each configured token.
func BenchmarkMatchToken(b *testing.B) {
	for _, n := range []int{2, 20} {
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = "kiosk-token-" + strconv.Itoa(i) + "-0123456789abcdef"
		}
		match := server.TokenMatcher(tokens)
		b.Run("tokens="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if match(tokens[n-1]) == "" {
					b.Fatal("no match")
				}
			}
		})
	}
}
