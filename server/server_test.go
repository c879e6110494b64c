package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

// The tests run the real stack that officetest starts: an SQLite file in
// t.TempDir, the log replayed by store.Load, the engine on a clock the test
// moves by hand, and the server behind an httptest server, spoken to by real
// HTTP clients.

const kioskToken = "demo-kiosk" // the demo office's kiosk token

// day0 is a Monday morning in Moscow, when the demo office opens.
var day0 = time.Date(2026, 11, 23, 9, 0, 0, 0, moscow())

func moscow() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is the stack's time; handlers read it while tests move it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// stack is one running office on the test's clock.
type stack struct {
	*officetest.Office
	clock *clock
}

// newStack starts the demo office on a fresh database at day0 with the
// working day open. edit, if given, changes the server options first.
func newStack(t *testing.T, edit ...func(*server.Options)) *stack {
	t.Helper()
	return startStack(t, "", &clock{now: day0}, edit...)
}

// startStack starts the demo office on the database at path, rebuilding
// the state from whatever the log there holds; "" is a fresh database.
// Staff sign in fast (see fastHashes) unless edit says otherwise.
func startStack(t *testing.T, path string, clk *clock, edit ...func(*server.Options)) *stack {
	t.Helper()
	opts := []officetest.Option{
		officetest.WithClock(clk),
		officetest.WithServerOptions(func(o *server.Options) { o.Accounts = fastHashes(o.Accounts) }),
	}
	if path != "" {
		opts = append(opts, officetest.WithPath(path))
	}
	for _, e := range edit {
		opts = append(opts, officetest.WithServerOptions(e))
	}
	return &stack{Office: officetest.Start(t, opts...), clock: clk}
}

// fastHashes gives accounts a bcrypt hash of the same password "demo" at
// the lowest cost. The demo's hashes cost 10, near a second per sign-in
// under -race; TestSignInAndOut signs in with them, the rest need not.
func fastHashes(accounts []server.Account) []server.Account {
	fastHashOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("demo"), bcrypt.MinCost)
		if err != nil {
			panic(err)
		}
		fastHash = string(h)
	})
	out := slices.Clone(accounts)
	for i := range out {
		out[i].PasswordHash = fastHash
	}
	return out
}

var (
	fastHashOnce sync.Once
	fastHash     string
)

// lastSeq is the log position now: a refused request must leave it as it was.
func (s *stack) lastSeq(t *testing.T) int64 {
	t.Helper()
	seq, err := s.Store.LastSeq(context.Background())
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return seq
}

// client is one device or person talking to the stack.
type client struct {
	s      *stack
	hc     *http.Client
	bearer string
}

// anon is a client with neither a token nor a session.
func (s *stack) anon() *client {
	return &client{s: s, hc: s.HTTP.Client()}
}

// kiosk is a client with the demo kiosk token.
func (s *stack) kiosk() *client {
	c := s.anon()
	c.bearer = kioskToken
	return c
}

// staffClient is a client with a cookie jar, not yet signed in.
func (s *stack) staffClient(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{s: s, hc: &http.Client{Jar: jar, Transport: s.HTTP.Client().Transport}}
}

// signIn signs login in with the demo password. Each sign-in costs a bcrypt
// comparison: tests sign in once and keep the client.
func (s *stack) signIn(t *testing.T, login string) *client {
	t.Helper()
	c := s.staffClient(t)
	r := c.post(t, "/api/v1/login", `{"login":"`+login+`","password":"demo"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("sign in as %s: status %d, body %s", login, r.Status, r.Body)
	}
	return c
}

// reply is a whole response, read and closed.
type reply struct {
	Status  int
	Header  http.Header
	Body    []byte
	Cookies []*http.Cookie
}

// do sends body as it is: raw JSON, or nothing when empty.
func (c *client) do(t *testing.T, method, path, body string, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b, Cookies: resp.Cookies()}
}

func (c *client) get(t *testing.T, path string) reply {
	t.Helper()
	return c.do(t, http.MethodGet, path, "")
}

func (c *client) post(t *testing.T, path, body string) reply {
	t.Helper()
	return c.do(t, http.MethodPost, path, body)
}

// decode reads r's JSON body into v after checking the status.
func (r reply) decode(t *testing.T, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorJSON is the contract's error body.
type errorJSON struct {
	Error struct {
		Code      queue.Code        `json:"code"`
		Message   string            `json:"message"`
		MessageEN string            `json:"message_en"`
		Details   map[string]string `json:"details"`
		Rows      []struct {
			Row int    `json:"row"`
			RU  string `json:"ru"`
			EN  string `json:"en"`
		} `json:"rows"`
	} `json:"error"`
}

// checkError checks that r is the contract's error answer: status, JSON
// {"error":{code, message, message_en}} and nothing more, a Russian message
// and an English one.
func checkError(t *testing.T, r reply, status int, code queue.Code) errorJSON {
	t.Helper()
	var e errorJSON
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("error body %s is not {\"error\":{code,message,message_en}}: %v", r.Body, err)
		return e
	}
	if e.Error.Code != code {
		t.Errorf("error code = %q, want %q (%s)", e.Error.Code, code, e.Error.MessageEN)
	}
	if !cyrillic(e.Error.Message) {
		t.Errorf("message = %q, want a Russian message", e.Error.Message)
	}
	if strings.TrimSpace(e.Error.MessageEN) == "" {
		t.Errorf("message_en is empty")
	}
	return e
}

// refused checks the error answer like checkError and that the request
// wrote nothing: the log is where it was before, at seq.
func (s *stack) refused(t *testing.T, r reply, status int, code queue.Code, seq int64) errorJSON {
	t.Helper()
	e := checkError(t, r, status, code)
	if got := s.lastSeq(t); got != seq {
		t.Errorf("the log moved from %d to %d: a refused request wrote events", seq, got)
	}
	return e
}

func cyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// The API's JSON as a client reads it. These mirror the contract, not the
// Go types behind it, so a renamed field breaks a test.

type serviceJSON struct {
	ID             string     `json:"id"`
	Prefix         string     `json:"prefix"`
	Name           queue.Text `json:"name"`
	Group          string     `json:"group"`
	TargetWaitS    int        `json:"target_wait_s"`
	Open           bool       `json:"open"`
	Waiting        int        `json:"waiting"`
	LongestWaitS   int        `json:"longest_wait_s"`
	PredictedWaitS int        `json:"predicted_wait_s"`
}

type stageJSON struct {
	ServiceID  string    `json:"service_id"`
	QueuedAt   time.Time `json:"queued_at"`
	CalledAt   time.Time `json:"called_at"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at"`
	Window     int       `json:"window"`
	Operator   string    `json:"operator"`
	Recalls    int       `json:"recalls"`
	CallReason string    `json:"call_reason"`
	End        string    `json:"end"`
}

type ticketJSON struct {
	ID             string      `json:"id"`
	Number         string      `json:"number"`
	ServiceID      string      `json:"service_id"`
	Priority       string      `json:"priority"`
	Status         string      `json:"status"`
	IssuedAt       time.Time   `json:"issued_at"`
	Position       int         `json:"position"`
	PredictedWaitS int         `json:"predicted_wait_s"`
	Window         int         `json:"window"`
	PostponedUntil time.Time   `json:"postponed_until"`
	ToWindow       int         `json:"to_window"`
	ReturnTo       int         `json:"return_to"`
	History        []stageJSON `json:"history"`
}

type windowJSON struct {
	Number       int          `json:"number"`
	Open         bool         `json:"open"`
	Services     []levelJSON  `json:"services"`
	Operator     string       `json:"operator"`
	OperatorName string       `json:"operator_name"`
	Current      *ticketJSON  `json:"current"`
	OnBreak      bool         `json:"on_break"`
	BreakReason  string       `json:"break_reason"`
	BreakUsedS   int          `json:"break_used_s"`
	Waiting      int          `json:"waiting"`
	Warnings     []queue.Text `json:"warnings"`
}

type levelJSON struct {
	ServiceID string `json:"service_id"`
	Level     int    `json:"level"`
}

type callJSON struct {
	TicketID  string    `json:"ticket_id"`
	Number    string    `json:"number"`
	ServiceID string    `json:"service_id"`
	Window    int       `json:"window"`
	At        time.Time `json:"at"`
	Recall    bool      `json:"recall"`
}

type queueJSON struct {
	Day         string        `json:"day"`
	DayOpen     bool          `json:"day_open"`
	Services    []serviceJSON `json:"services"`
	RecentCalls []callJSON    `json:"recent_calls"`
}

// issue gets a ticket from the kiosk, failing the test if it cannot.
func (s *stack) issue(t *testing.T, service string) ticketJSON {
	t.Helper()
	var tk ticketJSON
	s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"`+service+`"}`).decode(t, http.StatusCreated, &tk)
	return tk
}

// ticket reads a ticket as anyone may.
func (s *stack) ticket(t *testing.T, id string) ticketJSON {
	t.Helper()
	var tk ticketJSON
	s.anon().get(t, "/api/v1/tickets/"+id).decode(t, http.StatusOK, &tk)
	return tk
}

// queue reads the office summary.
func (s *stack) queue(t *testing.T) queueJSON {
	t.Helper()
	var q queueJSON
	s.anon().get(t, "/api/v1/queue").decode(t, http.StatusOK, &q)
	return q
}

// act runs a window action that must succeed and returns the window.
func (c *client) act(t *testing.T, window, action, body string) windowJSON {
	t.Helper()
	var w windowJSON
	c.post(t, "/api/v1/windows/"+window+"/"+action, body).decode(t, http.StatusOK, &w)
	return w
}

func service(q queueJSON, id string) serviceJSON {
	for _, s := range q.Services {
		if s.ID == id {
			return s
		}
	}
	return serviceJSON{}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	s := newStack(t)

	var got map[string]string
	s.anon().get(t, "/healthz").decode(t, http.StatusOK, &got)
	if got["status"] != "ok" {
		t.Errorf("healthz = %v, want status ok", got)
	}

	t.Run("a closed store is reported as unavailable", func(t *testing.T) {
		s.Store.Close()
		checkError(t, s.anon().get(t, "/healthz"), http.StatusServiceUnavailable, queue.EINTERNAL)
	})
}

// TestStoreFailure checks that a command whose events cannot be written is
// not acknowledged, says nothing of the cause and leaves the queue as it was.
func TestStoreFailure(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.Store.Close()

	e := checkError(t, s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`), http.StatusInternalServerError, queue.EINTERNAL)
	if strings.Contains(e.Error.MessageEN, "sql") || strings.Contains(e.Error.MessageEN, "store") {
		t.Errorf("message_en = %q leaks the internal cause", e.Error.MessageEN)
	}
	if got := service(s.queue(t), "passport").Waiting; got != 0 {
		t.Errorf("passport waiting = %d after a failed issue, want 0", got)
	}
}

func TestUnknownAPIPath(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tests := []struct {
		name   string
		method string
		path   string
	}{
		{"an unknown path is not found", http.MethodGet, "/api/v1/nothing-here"},
		{"an unknown version is not found", http.MethodGet, "/api/v2/services"},
		{"a known path with another method is not found", http.MethodDelete, "/api/v1/tickets"},
		{"posting to the services list is not found", http.MethodPost, "/api/v1/services"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := s.lastSeq(t)
			s.refused(t, s.kiosk().do(t, tc.method, tc.path, ""), http.StatusNotFound, queue.ENOTFOUND, seq)
		})
	}
}

// TestRestartKeepsTickets checks that what was acknowledged survives the
// server and the store stopping: the state rebuilt from the file holds the
// same tickets, and numbering goes on where it stopped.
func TestRestartKeepsTickets(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	first := s.issue(t, "passport")
	second := s.issue(t, "passport")
	var cancelled ticketJSON
	s.kiosk().post(t, "/api/v1/tickets/"+first.ID+"/cancel", "").decode(t, http.StatusOK, &cancelled)
	s.Close()

	s2 := startStack(t, s.Path, s.clock)
	for _, want := range []struct {
		id, number, status string
	}{
		{first.ID, first.Number, "cancelled"},
		{second.ID, second.Number, "waiting"},
	} {
		got := s2.ticket(t, want.id)
		if got.Number != want.number || got.Status != want.status {
			t.Errorf("after a restart ticket %s is %s %s, want %s %s", want.id, got.Number, got.Status, want.number, want.status)
		}
	}
	if got := s2.ticket(t, second.ID).Position; got != 1 {
		t.Errorf("after a restart %s is at position %d, want 1", second.Number, got)
	}
	if got, want := s2.issue(t, "passport").Number, "П003"; got != want {
		t.Errorf("the first number after a restart = %s, want %s", got, want)
	}
}
