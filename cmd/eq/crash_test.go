//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"eq/configs"
	"eq/devices/console"
	"eq/display/feed"
	"eq/queue"
	"eq/queue/store"
)

// The crash tests drive `eq serve` as a real process with concurrent
// kiosks, operators and a manager, crash it, and check that what the
// clients were told survived: DESIGN.md promises that every event is on
// disk before its command is acknowledged and that the state after a
// restart is exactly the state before the crash.

var (
	crashIterations = flag.Int("crash.iterations", 0, "how many times TestServeSurvivesSIGKILL kills the server (0: 20, or 5 with -short)")
	crashSeed       = flag.Uint64("crash.seed", 0, "random seed of the crash tests, to replay a failure (0: a new one, logged)")
)

// skipNearMidnight skips a test that would run into the office's midnight:
// the next working day starts empty, and the state the test checks is gone.
func skipNearMidnight(t *testing.T, budget time.Duration) {
	now := time.Now().In(configs.Demo().Office.Location)
	y, m, d := now.Date()
	if midnight := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()); midnight.Sub(now) < budget {
		t.Skipf("the office's day ends at %s, within the %v this test may take: run it after midnight", midnight.Format(time.DateTime), budget)
	}
}

// crashTestSeed is the seed of one crash test, logged so that a failure
// can be replayed with -crash.seed. The clients run concurrently, so a
// replay makes the same choices, not the same interleaving.
func crashTestSeed(t *testing.T) uint64 {
	seed := *crashSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay: go test ./cmd/eq -run '^%s$' -crash.seed=%d)", seed, t.Name(), seed)
	return seed
}

// fastKiosks are more kiosks' tokens, of kiosks without a printer. The
// server limits how often one kiosk may issue (a burst, then a ticket every
// few seconds), and the clients here come far faster than visitors: more
// kiosks take more tickets before the limit, which answers 429 as it should.
var fastKiosks = []string{"crash-kiosk-1", "crash-kiosk-2", "crash-kiosk-3", "crash-kiosk-4", "crash-kiosk-5"}

// cheapDemoConfig writes the demo office with two changes that keep a
// race-built server quick enough to crash many times a minute, neither of
// which touches the office (the tests load the logs with
// configs.Demo().Office):
//   - the staff passwords ("demo") are hashed at bcrypt's lowest cost:
//     sessions live in the server's memory, so every restart means nine
//     sign-ins, and at cost 10 under the race detector one takes about
//     1.7 s of CPU here (serve checks all ten accounts at start too);
//   - more kiosks, fastKiosks, have no printer: the demo kiosk's virtual
//     printer renders a PNG of every ticket before the answer, 0.2–0.6 s
//     under the race detector.
func cheapDemoConfig(t *testing.T) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes := regexp.MustCompile(`\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}`)
	yaml := configs.DemoYAML()
	if n := len(hashes.FindAll(yaml, -1)); n < 10 {
		t.Fatalf("the demo config has %d password hashes, want one per account", n)
	}
	yaml = hashes.ReplaceAllLiteral(yaml, hash)
	const kiosks = "kiosk_tokens: [demo-kiosk]"
	if !bytes.Contains(yaml, []byte(kiosks)) {
		t.Fatalf("the demo config has no %q", kiosks)
	}
	yaml = bytes.Replace(yaml, []byte(kiosks), []byte("kiosk_tokens: [demo-kiosk, "+strings.Join(fastKiosks, ", ")+"]"), 1)
	path := filepath.Join(t.TempDir(), "office.yaml")
	if err := os.WriteFile(path, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ---------------------------------------------------------------------------
// The HTTP API as a client sees it.

// outcome is what a client knows of one request after it.
type outcome int

const (
	outAcked   outcome = iota // a 2xx answer, read whole: the server did it and said so
	outRefused                // an API error (4xx): the server did nothing
	outUnsent                 // the connection was refused: nothing reached a server
	outUnknown                // no whole answer, or a 5xx: done or not, only the log knows
)

// crashClient is one device or member of staff speaking the HTTP API.
type crashClient struct {
	base   string
	hc     *http.Client
	token  string // a device's bearer token
	cookie string // a member of staff's session
}

// refusalError is an answer other than 2xx.
type refusalError struct {
	status int
	what   string // method and path
	body   []byte
}

func (e *refusalError) Error() string { return fmt.Sprintf("%s: %d %.300s", e.what, e.status, e.body) }

// tooMany reports whether err is the server's "too many requests".
func tooMany(err error) bool {
	var e *refusalError
	return errors.As(err, &e) && e.status == http.StatusTooManyRequests
}

// call sends one request and decodes a 2xx answer into out.
func (c *crashClient) call(ctx context.Context, method, path string, body, out any) (outcome, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return outUnsent, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return outUnsent, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "eq_session", Value: c.cookie})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return outUnsent, err
		}
		return outUnknown, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return outUnknown, fmt.Errorf("%s %s: %d, body cut: %w", method, path, resp.StatusCode, err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return outUnknown, fmt.Errorf("%s %s: decode %.200s: %w", method, path, data, err)
			}
		}
		return outAcked, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return outRefused, &refusalError{status: resp.StatusCode, what: method + " " + path, body: data}
	}
	return outUnknown, &refusalError{status: resp.StatusCode, what: method + " " + path, body: data}
}

// signIn signs login in with the demo password.
func signIn(ctx context.Context, base string, hc *http.Client, login string) (*crashClient, outcome, error) {
	b, _ := json.Marshal(map[string]string{"login": login, "password": demoPassword})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", bytes.NewReader(b))
	if err != nil {
		return nil, outUnsent, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, outUnsent, err
		}
		return nil, outUnknown, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, outUnknown, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, outRefused, fmt.Errorf("sign in as %s: %d %.300s", login, resp.StatusCode, data)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "eq_session" && ck.Value != "" {
			return &crashClient{base: base, hc: hc, cookie: ck.Value}, outAcked, nil
		}
	}
	return nil, outRefused, fmt.Errorf("sign in as %s: no session cookie", login)
}

// mustSignIn signs login in or fails the test.
func mustSignIn(t *testing.T, base string, hc *http.Client, login string) *crashClient {
	t.Helper()
	c, _, err := signIn(t.Context(), base, hc, login)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustCall sends a request that must be answered with 2xx.
func mustCall(t *testing.T, c *crashClient, method, path string, body, out any) {
	t.Helper()
	if o, err := c.call(t.Context(), method, path, body, out); o != outAcked {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

// ---------------------------------------------------------------------------
// The ledger: what the clients were told.

// ledger keeps every fact a client was told by an acknowledgement — facts
// only ever become true, so they must all hold in any later state — and
// what was asked without an answer, which may or may not have happened.
type ledger struct {
	mu        sync.Mutex
	tickets   map[string]*ticketFacts
	appts     map[string]*apptFacts
	windows   map[int]*windowFacts
	unsure    int            // issue and check-in requests left without an answer: tickets nobody was told of
	counts    map[string]int // acknowledgements by kind, and "unknown" answers
	acks      int            // acknowledgements of all kinds
	conflicts []string       // two acknowledgements that told different things
}

type ticketFacts struct {
	id, number string
	service    string // of its first stage
	issuedAt   time.Time
	issued     bool          // its issue was acknowledged, not only seen later at a window
	stages     []queue.Stage // each stage's fields known so far; zero values are unknown
	final      queue.Status  // a final status acknowledged, or ""
}

type apptFacts struct {
	code, service string
	start         time.Time
	named         bool   // booked with a name and phone, kept in a row of their own
	ticket        string // the ticket of an acknowledged check-in
}

// windowFacts is a window as its operator last knew it.
type windowFacts struct {
	last    queue.WindowView // after the last acknowledged action, or as read when the operator sat down
	pending queue.Action     // an action sent without an answer, or ""
}

func newLedger() *ledger {
	return &ledger{tickets: map[string]*ticketFacts{}, appts: map[string]*apptFacts{}, windows: map[int]*windowFacts{}, counts: map[string]int{}}
}

// clone is a deep copy: what had been acknowledged at one moment.
func (l *ledger) clone() *ledger {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := newLedger()
	for id, f := range l.tickets {
		g := *f
		g.stages = slices.Clone(f.stages)
		c.tickets[id] = &g
	}
	for code, a := range l.appts {
		b := *a
		c.appts[code] = &b
	}
	for n, w := range l.windows {
		v := *w
		c.windows[n] = &v
	}
	c.unsure = l.unsure
	return c
}

// count counts an answer of a kind; "unknown" and "too many" are not
// acknowledgements.
func (l *ledger) count(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[kind]++
	if kind != "unknown" && kind != "too many" {
		l.acks++
	}
}

// answers is how many acknowledgements the clients have had.
func (l *ledger) answers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acks
}

// seeTicket records everything a view of a ticket tells.
func (l *ledger) seeTicket(v queue.TicketView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seeTicketLocked(v)
}

func (l *ledger) seeTicketLocked(v queue.TicketView) *ticketFacts {
	f, ok := l.tickets[v.ID]
	if !ok {
		f = &ticketFacts{id: v.ID, number: v.Number, issuedAt: v.IssuedAt}
		if len(v.History) > 0 {
			f.service = v.History[0].Service
		}
		l.tickets[v.ID] = f
	}
	if f.number != v.Number || !f.issuedAt.Equal(v.IssuedAt) {
		l.conflicts = append(l.conflicts, fmt.Sprintf("ticket %s was %s issued at %v, now %s issued at %v", v.ID, f.number, f.issuedAt, v.Number, v.IssuedAt))
	}
	for i, s := range v.History {
		l.stageLocked(f, i, s)
	}
	switch v.Status {
	case queue.StatusDone, queue.StatusNoShow, queue.StatusCancelled, queue.StatusNotServed:
		l.finalLocked(f, v.Status)
	}
	return f
}

// stageLocked merges what is known of stage i of f.
func (l *ledger) stageLocked(f *ticketFacts, i int, s queue.Stage) {
	for len(f.stages) <= i {
		f.stages = append(f.stages, queue.Stage{})
	}
	d := &f.stages[i]
	conflict := func(field string, was, now any) {
		l.conflicts = append(l.conflicts, fmt.Sprintf("ticket %s stage %d: %s was %v, then %v", f.id, i, field, was, now))
	}
	setString := func(field string, dst *string, src string) {
		if src != "" && *dst != "" && *dst != src {
			conflict(field, *dst, src)
		} else if src != "" {
			*dst = src
		}
	}
	setTime := func(field string, dst *time.Time, src time.Time) {
		if !src.IsZero() && !dst.IsZero() && !dst.Equal(src) {
			conflict(field, *dst, src)
		} else if !src.IsZero() {
			*dst = src
		}
	}
	setString("service", &d.Service, s.Service)
	setString("operator", &d.Operator, s.Operator)
	setString("end", &d.End, s.End)
	setTime("queued_at", &d.QueuedAt, s.QueuedAt)
	setTime("called_at", &d.CalledAt, s.CalledAt)
	setTime("started_at", &d.StartedAt, s.StartedAt)
	setTime("ended_at", &d.EndedAt, s.EndedAt)
	if s.Window != 0 && d.Window != 0 && s.Window != d.Window {
		conflict("window", d.Window, s.Window)
	} else if s.Window != 0 {
		d.Window = s.Window
	}
	d.Recalls = max(d.Recalls, s.Recalls)
}

func (l *ledger) finalLocked(f *ticketFacts, s queue.Status) {
	if f.final != "" && f.final != s {
		l.conflicts = append(l.conflicts, fmt.Sprintf("ticket %s ended %s, then %s", f.id, f.final, s))
	}
	f.final = s
}

// issued records an acknowledged issue or check-in.
func (l *ledger) issued(v queue.TicketView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seeTicketLocked(v).issued = true
}

// unsureTicket records an issue or check-in left without an answer.
func (l *ledger) unsureTicket() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unsure++
	l.counts["unknown"]++
}

func (l *ledger) booked(a queue.AppointmentView, named bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appts[a.Code] = &apptFacts{code: a.Code, service: a.ServiceID, start: a.Start, named: named}
}

func (l *ledger) checkedIn(code string, v queue.TicketView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seeTicketLocked(v).issued = true
	if a, ok := l.appts[code]; ok {
		a.ticket = v.ID
	}
}

// sitDown records the window as its operator found it.
func (l *ledger) sitDown(v queue.WindowView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows[v.Number] = &windowFacts{last: v}
}

// sending records that an action at window n is on its way.
func (l *ledger) sending(n int, a queue.Action) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows[n].pending = a
}

// answered records that the action at window n was refused, or answered
// with nothing to learn.
func (l *ledger) answered(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows[n].pending = ""
}

// acted records an acknowledged action a with parameters p at a window
// that was before and is now after.
func (l *ledger) acted(kind string, a queue.Action, p console.Params, before, after queue.WindowView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[kind]++
	l.acks++
	l.windows[after.Number] = &windowFacts{last: after}
	if after.Current != nil {
		l.seeTicketLocked(*after.Current)
	}
	cur := before.Current
	if cur == nil || (after.Current != nil && after.Current.ID == cur.ID) {
		return
	}
	// The window's ticket left it: the answer no longer shows the ticket,
	// but the operator knows which stage of which ticket just ended, and how.
	f := l.seeTicketLocked(*cur)
	k := len(cur.History) - 1
	switch a {
	case queue.ActionFinish:
		l.stageLocked(f, k, queue.Stage{End: string(queue.OutcomeServed)})
		if cur.ReturnTo == 0 {
			l.finalLocked(f, queue.StatusDone)
		}
	case queue.ActionNoShow:
		l.stageLocked(f, k, queue.Stage{End: string(queue.StatusNoShow)})
		l.finalLocked(f, queue.StatusNoShow)
	case queue.ActionPostpone:
		l.stageLocked(f, k, queue.Stage{End: string(queue.StatusPostponed)})
	case queue.ActionForward:
		svc := p.ServiceID
		if svc == "" {
			svc = cur.ServiceID
		}
		l.stageLocked(f, k, queue.Stage{End: "forwarded"})
		l.stageLocked(f, k+1, queue.Stage{Service: svc})
	}
}

// rebase takes a verified state's windows as what their operators know.
func (l *ledger) rebase(s *officeSnapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n, w := range s.windows {
		l.windows[n] = &windowFacts{last: w}
	}
}

func (l *ledger) codes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.appts))
	for code := range l.appts {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

func (l *ledger) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	kinds := make([]string, 0, len(l.counts))
	for k := range l.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "%d tickets known, %d appointments, %d unanswered ticket requests; answers:", len(l.tickets), len(l.appts), l.unsure)
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s=%d", k, l.counts[k])
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// A state to check: read from a server or loaded from a file.

// officeSnapshot is the office's working day as one reader saw it.
type officeSnapshot struct {
	day      string
	tickets  map[string]queue.TicketView
	windows  map[int]queue.WindowView
	appts    map[string]queue.AppointmentView // the day's and the ledger's
	dayAppts []queue.AppointmentView
	problems []string // found while reading
}

func newSnapshot(day string) *officeSnapshot {
	return &officeSnapshot{day: day, tickets: map[string]queue.TicketView{}, windows: map[int]queue.WindowView{}, appts: map[string]queue.AppointmentView{}}
}

// fetchSnapshot reads the state from a server through the API, as staff.
// It also reads sample tickets one by one (GET /api/v1/tickets/{id}) and
// notes where they differ from the list.
func fetchSnapshot(t *testing.T, mgr *crashClient, codes []string, rng *rand.Rand) *officeSnapshot {
	t.Helper()
	var q queue.QueueView
	mustCall(t, mgr, http.MethodGet, "/api/v1/queue", nil, &q)
	s := newSnapshot(q.Day)
	var tl struct{ Tickets []queue.TicketView }
	mustCall(t, mgr, http.MethodGet, "/api/v1/tickets", nil, &tl)
	for _, v := range tl.Tickets {
		s.tickets[v.ID] = v
	}
	var wl struct{ Windows []queue.WindowView }
	mustCall(t, mgr, http.MethodGet, "/api/v1/windows", nil, &wl)
	for _, w := range wl.Windows {
		s.windows[w.Number] = w
	}
	var al struct{ Appointments []queue.AppointmentView }
	mustCall(t, mgr, http.MethodGet, "/api/v1/appointments?date="+url.QueryEscape(q.Day), nil, &al)
	s.dayAppts = al.Appointments
	for _, a := range al.Appointments {
		s.appts[a.Code] = a
	}
	for _, code := range codes {
		if _, ok := s.appts[code]; ok {
			continue
		}
		var a queue.AppointmentView
		switch o, err := mgr.call(t.Context(), http.MethodGet, "/api/v1/appointments/"+code, nil, &a); o {
		case outAcked:
			s.appts[code] = a
		case outRefused: // not found: verify reports it
		default:
			t.Fatal(err)
		}
	}
	ids := make([]string, 0, len(s.tickets))
	for id := range s.tickets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids[:min(len(ids), 20)] {
		var v queue.TicketView
		mustCall(t, mgr, http.MethodGet, "/api/v1/tickets/"+id, nil, &v)
		if got, want := ticketKey(v), ticketKey(s.tickets[id]); got != want {
			s.problems = append(s.problems, fmt.Sprintf("GET /api/v1/tickets/%s says %s, the list %s", id, got, want))
		}
	}
	return s
}

// ticketKey is what must not differ between two reads of a ticket. A
// postponed ticket turns waiting when its time comes, with no event: the
// two are one here, so that reads a moment apart agree.
func ticketKey(v queue.TicketView) string {
	h, _ := json.Marshal(v.History)
	st := v.Status
	if st == queue.StatusPostponed {
		st = queue.StatusWaiting
	}
	return fmt.Sprintf("%s %s %s %s", v.Number, st, v.ServiceID, h)
}

// stateSnapshot reads a state loaded from a log.
func stateSnapshot(st *queue.State, codes []string) *officeSnapshot {
	now := time.Now()
	day, _ := st.Day()
	s := newSnapshot(day)
	for _, v := range st.Tickets(now) {
		s.tickets[v.ID] = v
	}
	for _, w := range st.Windows(now) {
		s.windows[w.Number] = w
	}
	if day != "" {
		list, err := st.Appointments(day)
		if err != nil {
			s.problems = append(s.problems, err.Error())
		}
		s.dayAppts = list
		for _, a := range list {
			s.appts[a.Code] = a
		}
	}
	for _, code := range codes {
		if a, err := st.Appointment(code); err == nil {
			s.appts[code] = a
		}
	}
	return s
}

// verify lists every acknowledged fact that s lacks. exact adds what holds
// only when no client acts any more: each window is as its operator last
// knew it, unless an action was on its way, and then as that action would
// leave it; and every ticket nobody was told of comes from a request left
// unanswered.
func (l *ledger) verify(s *officeSnapshot, exact bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := slices.Clone(l.conflicts)
	for _, f := range l.tickets {
		v, ok := s.tickets[f.id]
		if !ok {
			p = append(p, fmt.Sprintf("ticket %s (%s) was acknowledged and is gone", f.id, f.number))
			continue
		}
		if v.Number != f.number || !v.IssuedAt.Equal(f.issuedAt) || len(v.History) == 0 || v.History[0].Service != f.service {
			p = append(p, fmt.Sprintf("ticket %s is %s of %v, acknowledged as %s of %s at %v", f.id, v.Number, v.IssuedAt, f.number, f.service, f.issuedAt))
		}
		if len(v.History) < len(f.stages) {
			p = append(p, fmt.Sprintf("ticket %s (%s) has %d stages, %d were acknowledged", f.id, f.number, len(v.History), len(f.stages)))
			continue
		}
		for i, want := range f.stages {
			p = append(p, checkStage(f.id, i, want, v.History[i])...)
		}
		if f.final != "" && v.Status != f.final {
			p = append(p, fmt.Sprintf("ticket %s (%s) is %s, acknowledged %s", f.id, f.number, v.Status, f.final))
		}
	}
	for _, f := range l.appts {
		a, ok := s.appts[f.code]
		if !ok {
			p = append(p, fmt.Sprintf("appointment %s was acknowledged and is gone", f.code))
			continue
		}
		if a.ServiceID != f.service || !a.Start.Equal(f.start) {
			p = append(p, fmt.Sprintf("appointment %s is %s at %v, acknowledged %s at %v", f.code, a.ServiceID, a.Start, f.service, f.start))
		}
		if f.named && (a.Name == "" || a.Phone == "") {
			p = append(p, fmt.Sprintf("appointment %s lost the name and phone it was booked with", f.code))
		}
		switch {
		case f.ticket != "" && (a.Status != queue.AppointmentCheckedIn || a.Ticket != f.ticket):
			p = append(p, fmt.Sprintf("appointment %s is %s with ticket %q, acknowledged checked in with %s", f.code, a.Status, a.Ticket, f.ticket))
		case a.Status == queue.AppointmentCancelled:
			p = append(p, fmt.Sprintf("appointment %s is cancelled; nobody cancelled it", f.code))
		}
	}
	if !exact {
		return p
	}
	strangers := 0
	for id := range s.tickets {
		if f, ok := l.tickets[id]; !ok || !f.issued {
			strangers++
		}
	}
	if strangers > l.unsure {
		p = append(p, fmt.Sprintf("%d tickets nobody was told of, but only %d issue requests went unanswered", strangers, l.unsure))
	}
	for n, f := range l.windows {
		v := s.windows[n]
		if sameWindow(f.last, v) || (f.pending != "" && couldFollow(f.pending, f.last, v)) {
			continue
		}
		p = append(p, fmt.Sprintf("window %d is %s; its operator last knew %s (action on its way: %q)", n, windowKey(v), windowKey(f.last), f.pending))
	}
	return p
}

// checkStage lists where got differs from the known fields of want.
func checkStage(id string, i int, want, got queue.Stage) []string {
	var p []string
	bad := func(field string, got, want any) {
		p = append(p, fmt.Sprintf("ticket %s stage %d: %s is %v, acknowledged %v", id, i, field, got, want))
	}
	if want.Service != "" && got.Service != want.Service {
		bad("service", got.Service, want.Service)
	}
	if want.Operator != "" && got.Operator != want.Operator {
		bad("operator", got.Operator, want.Operator)
	}
	if want.End != "" && got.End != want.End {
		bad("end", got.End, want.End)
	}
	if want.Window != 0 && got.Window != want.Window {
		bad("window", got.Window, want.Window)
	}
	if got.Recalls < want.Recalls {
		bad("recalls", got.Recalls, want.Recalls)
	}
	for _, f := range []struct {
		name      string
		want, got time.Time
	}{{"queued_at", want.QueuedAt, got.QueuedAt}, {"called_at", want.CalledAt, got.CalledAt},
		{"started_at", want.StartedAt, got.StartedAt}, {"ended_at", want.EndedAt, got.EndedAt}} {
		if !f.want.IsZero() && !f.want.Equal(f.got) {
			bad(f.name, f.got, f.want)
		}
	}
	return p
}

func currentOf(w queue.WindowView) (string, queue.Status) {
	if w.Current == nil {
		return "", ""
	}
	return w.Current.ID, w.Current.Status
}

func windowKey(w queue.WindowView) string {
	id, st := currentOf(w)
	return fmt.Sprintf("{open %t operator %q break %t current %q %s}", w.Open, w.Operator, w.OnBreak, id, st)
}

func sameWindow(a, b queue.WindowView) bool { return windowKey(a) == windowKey(b) }

// couldFollow reports whether an action a at window b, if the server did
// it, leaves the window as v.
func couldFollow(a queue.Action, b, v queue.WindowView) bool {
	bid, _ := currentOf(b)
	vid, vst := currentOf(v)
	sameOperator := v.Open && v.Operator == b.Operator
	switch a {
	case queue.ActionOpen:
		return v.Open && v.Operator == fmt.Sprintf("op%d", v.Number) && !v.OnBreak && vid == ""
	case queue.ActionClose:
		return !v.Open && !v.OnBreak && vid == ""
	case queue.ActionCallNext:
		return sameOperator && !v.OnBreak && vid != "" && vst == queue.StatusCalled
	case queue.ActionStart:
		return sameOperator && vid == bid && vst == queue.StatusServing
	case queue.ActionFinish, queue.ActionNoShow, queue.ActionPostpone, queue.ActionForward:
		return sameOperator && !v.OnBreak && vid == ""
	case queue.ActionBreak:
		return sameOperator && v.OnBreak && vid == ""
	case queue.ActionResume:
		return sameOperator && !v.OnBreak && vid == ""
	case queue.ActionRecall:
		// Fewer recalls left, or past the limit a no-show that frees the window.
		return sameOperator && (vid == bid || vid == "")
	}
	return false
}

// checkConsistent lists what is wrong in s whatever the clients were told:
// it holds in any state the log can give, a crash's or a copy's.
func checkConsistent(s *officeSnapshot) []string {
	p := slices.Clone(s.problems)
	numbers := map[string]string{}
	for id, v := range s.tickets {
		if other, dup := numbers[v.Number]; dup {
			p = append(p, fmt.Sprintf("number %s is on tickets %s and %s", v.Number, other, id))
		}
		numbers[v.Number] = id
		p = append(p, checkHistory(v)...)
	}
	at := map[string][]int{} // ticket → windows it is current at
	operators := map[string]int{}
	for n, w := range s.windows {
		if !w.Open {
			if w.Operator != "" || w.Current != nil || w.OnBreak {
				p = append(p, fmt.Sprintf("window %d is closed but %s", n, windowKey(w)))
			}
			continue
		}
		if w.Operator == "" {
			p = append(p, fmt.Sprintf("window %d is open without an operator", n))
		} else if m, dup := operators[w.Operator]; dup {
			p = append(p, fmt.Sprintf("%s works at windows %d and %d", w.Operator, m, n))
		}
		operators[w.Operator] = n
		if w.Current == nil {
			continue
		}
		if w.OnBreak {
			p = append(p, fmt.Sprintf("window %d is on a break with ticket %s", n, w.Current.ID))
		}
		at[w.Current.ID] = append(at[w.Current.ID], n)
		v, ok := s.tickets[w.Current.ID]
		switch {
		case !ok:
			p = append(p, fmt.Sprintf("window %d holds ticket %s, which is not among the day's", n, w.Current.ID))
		case v.Window != n || v.Status != w.Current.Status || (v.Status != queue.StatusCalled && v.Status != queue.StatusServing):
			p = append(p, fmt.Sprintf("window %d holds ticket %s, which is %s at window %d", n, v.ID, v.Status, v.Window))
		}
	}
	for id, v := range s.tickets {
		if (v.Status == queue.StatusCalled || v.Status == queue.StatusServing) && len(at[id]) != 1 {
			p = append(p, fmt.Sprintf("ticket %s (%s) is %s at windows %v", id, v.Number, v.Status, at[id]))
		}
	}
	// A check-in is two events, the ticket and the appointment's change:
	// one without the other is half a command.
	byTicket := map[string]string{}
	for _, a := range s.dayAppts {
		if a.Status != queue.AppointmentCheckedIn {
			continue
		}
		if other, dup := byTicket[a.Ticket]; dup {
			p = append(p, fmt.Sprintf("appointments %s and %s share ticket %s", other, a.Code, a.Ticket))
		}
		byTicket[a.Ticket] = a.Code
		if v, ok := s.tickets[a.Ticket]; !ok || v.Priority != queue.PriorityAppointment {
			p = append(p, fmt.Sprintf("appointment %s is checked in, but its ticket %q is not an appointment's ticket of the day", a.Code, a.Ticket))
		}
	}
	for id, v := range s.tickets {
		if _, ok := byTicket[id]; v.Priority == queue.PriorityAppointment && !ok {
			p = append(p, fmt.Sprintf("ticket %s (%s) is an appointment's, but no appointment is checked in with it", id, v.Number))
		}
	}
	return p
}

// checkHistory lists what is wrong in one ticket's history: every stage
// but the last has ended, and the last agrees with the status.
func checkHistory(v queue.TicketView) []string {
	var p []string
	bad := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("ticket %s (%s, %s): ", v.ID, v.Number, v.Status)+fmt.Sprintf(format, args...))
	}
	if len(v.History) == 0 {
		bad("no history")
		return p
	}
	for i, s := range v.History {
		if i < len(v.History)-1 && (s.End == "" || s.EndedAt.IsZero()) {
			bad("stage %d of %d has not ended", i, len(v.History))
		}
		if !s.StartedAt.IsZero() && s.CalledAt.IsZero() {
			bad("stage %d started without a call", i)
		}
	}
	last := v.History[len(v.History)-1]
	switch v.Status {
	case queue.StatusWaiting, queue.StatusPostponed:
		if !last.CalledAt.IsZero() || last.End != "" || v.Window != 0 {
			bad("its last stage %+v is not waiting", last)
		}
		if v.Status == queue.StatusPostponed && (len(v.History) < 2 || v.History[len(v.History)-2].End != string(queue.StatusPostponed)) {
			bad("no stage ended postponed")
		}
	case queue.StatusCalled:
		if last.CalledAt.IsZero() || !last.StartedAt.IsZero() || last.End != "" || v.Window == 0 {
			bad("its last stage %+v is not called", last)
		}
	case queue.StatusServing:
		if last.StartedAt.IsZero() || last.End != "" || v.Window == 0 {
			bad("its last stage %+v is not being served", last)
		}
	case queue.StatusDone:
		if !queue.Outcome(last.End).Valid() || last.StartedAt.IsZero() {
			bad("its last stage %+v is not served", last)
		}
	case queue.StatusNoShow, queue.StatusCancelled, queue.StatusNotServed:
		if last.End != string(v.Status) {
			bad("its last stage ended %q", last.End)
		}
	default:
		bad("unknown status")
	}
	return p
}

// ---------------------------------------------------------------------------
// The office's clients.

// driver runs an office's clients against one server until told to stop
// or until the server dies: five kiosks, one printing, issue (and now and then cancel)
// tickets, eight operators work their windows — some through the console
// WebSocket client, the rest through the HTTP API — and a manager books
// appointments that a kiosk checks in.
type driver struct {
	t        *testing.T
	base     string
	hc       *http.Client
	led      *ledger
	manager  *crashClient
	live     []string        // services the kiosk issues tickets for
	bookable []queue.Service // services taking appointments
	loc      *time.Location
}

func newDriver(t *testing.T, base string, hc *http.Client, led *ledger, manager *crashClient) *driver {
	d := &driver{t: t, base: base, hc: hc, led: led, manager: manager}
	office := configs.Demo().Office
	d.loc = office.Location
	for _, svc := range office.Services {
		if svc.Booking == nil || !svc.Booking.Only {
			d.live = append(d.live, svc.ID)
		}
		if svc.Booking != nil {
			d.bookable = append(d.bookable, svc)
		}
	}
	return d
}

// start starts the clients. ctx ending stops them at once, requests in
// flight included; stop closing lets each finish what it is doing. The
// returned function waits until all have ended.
func (d *driver) start(ctx context.Context, stop <-chan struct{}, rng *rand.Rand) (wait func()) {
	var wg sync.WaitGroup
	next := func() *rand.Rand { return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())) }
	for _, token := range append([]string{"demo-kiosk"}, fastKiosks[1:]...) {
		r := next()
		wg.Go(func() { d.kiosk(ctx, stop, r, token) })
	}
	for n := 1; n <= 8; n++ {
		r := next()
		ws := r.IntN(2) == 0
		wg.Go(func() { d.operator(ctx, stop, r, n, ws) })
	}
	r := next()
	wg.Go(func() { d.booker(ctx, stop, r) })
	return wg.Wait
}

// randDuration is a random duration in [0, max).
func randDuration(rng *rand.Rand, max time.Duration) time.Duration {
	return time.Duration(rng.Int64N(int64(max)))
}

// idle waits up to max, at random; it reports false when the client must end.
func idle(ctx context.Context, stop <-chan struct{}, rng *rand.Rand, max time.Duration) bool {
	select {
	case <-stop:
		return false
	default:
	}
	tm := time.NewTimer(randDuration(rng, max))
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	case <-tm.C:
		return true
	}
}

func (d *driver) kiosk(ctx context.Context, stop <-chan struct{}, rng *rand.Rand, token string) {
	k := &crashClient{base: d.base, hc: d.hc, token: token}
	var mine []string
	for idle(ctx, stop, rng, 30*time.Millisecond) {
		if len(mine) > 0 && rng.IntN(10) == 0 {
			// The visitor left: cancelled if still waiting, else refused.
			var v queue.TicketView
			switch o, _ := k.call(ctx, http.MethodPost, "/api/v1/tickets/"+mine[rng.IntN(len(mine))]+"/cancel", nil, &v); o {
			case outAcked:
				d.led.seeTicket(v)
				d.led.count("cancel")
			case outUnknown:
				d.led.count("unknown")
				return
			case outUnsent:
				return
			}
			continue
		}
		req := map[string]string{"service_id": d.live[rng.IntN(len(d.live))]}
		if rng.IntN(10) == 0 {
			req["priority"] = string(queue.PriorityPrivileged)
		}
		var v queue.TicketView
		switch o, err := k.call(ctx, http.MethodPost, "/api/v1/tickets", req, &v); o {
		case outAcked:
			d.led.issued(v)
			d.led.count("issue")
			mine = append(mine, v.ID)
		case outRefused:
			if !tooMany(err) {
				d.t.Errorf("a kiosk's ticket was refused: %v", err)
				return
			}
			// The kiosk asked too often: a visitor would wait a moment.
			d.led.count("too many")
			if !idle(ctx, stop, rng, time.Second) {
				return
			}
		case outUnknown:
			d.led.unsureTicket()
			return
		case outUnsent:
			return
		}
	}
}

// windowAct does one action at the operator's window.
type windowAct func(a queue.Action, p console.Params) (queue.WindowView, outcome, error)

func (d *driver) operator(ctx context.Context, stop <-chan struct{}, rng *rand.Rand, n int, ws bool) {
	login := fmt.Sprintf("op%d", n)
	var view queue.WindowView
	var act windowAct
	kind := "http "
	if ws {
		kind = "ws "
		c, err := console.Dial(ctx, d.base, n, login, demoPassword, console.WithHTTPClient(d.hc), console.WithBackoff(50*time.Millisecond, 200*time.Millisecond))
		if err != nil {
			return // the server died before the operator sat down
		}
		defer c.Close()
		st := c.State()
		if st.Window == nil {
			d.t.Errorf("the console of window %d got a state without its window", n)
			return
		}
		view = *st.Window
		act = func(a queue.Action, p console.Params) (queue.WindowView, outcome, error) {
			r, err := c.Do(ctx, string(a), p)
			var qe *queue.Error
			switch {
			case err == nil && r.Window != nil:
				return *r.Window, outAcked, nil
			case err == nil:
				return queue.WindowView{}, outUnknown, errors.New("a reply without the window")
			case errors.Is(err, console.ErrOffline):
				return queue.WindowView{}, outUnsent, err
			case errors.As(err, &qe) && qe.Code != queue.EINTERNAL:
				return queue.WindowView{}, outRefused, err
			}
			return queue.WindowView{}, outUnknown, err
		}
	} else {
		op, _, err := signIn(ctx, d.base, d.hc, login)
		if err != nil {
			return
		}
		if o, _ := op.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/windows/%d", n), nil, &view); o != outAcked {
			return
		}
		act = func(a queue.Action, p console.Params) (queue.WindowView, outcome, error) {
			var v queue.WindowView
			o, err := op.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/windows/%d/%s", n, a), p, &v)
			return v, o, err
		}
	}
	d.led.sitDown(view)
	for idle(ctx, stop, rng, 20*time.Millisecond) {
		a, p := chooseAction(rng, view, d.live)
		d.led.sending(n, a)
		v, o, _ := act(a, p)
		switch o {
		case outAcked:
			d.led.acted(kind+string(a), a, p, view, v)
			view = v
		case outRefused:
			d.led.answered(n)
		case outUnsent:
			d.led.answered(n)
			return
		case outUnknown:
			d.led.count("unknown")
			return
		}
	}
}

// chooseAction picks what an operator does next at window v.
func chooseAction(rng *rand.Rand, v queue.WindowView, services []string) (queue.Action, console.Params) {
	r := rng.IntN(20)
	switch {
	case !v.Open:
		return queue.ActionOpen, console.Params{}
	case v.OnBreak:
		return queue.ActionResume, console.Params{}
	case v.Current == nil:
		switch {
		case r < 17:
			return queue.ActionCallNext, console.Params{}
		case r < 19:
			return queue.ActionBreak, console.Params{Reason: "technical", Minutes: 5}
		}
		return queue.ActionClose, console.Params{}
	case v.Current.Status == queue.StatusCalled:
		switch {
		case r < 13:
			return queue.ActionStart, console.Params{}
		case r < 15:
			return queue.ActionRecall, console.Params{}
		case r < 18:
			return queue.ActionNoShow, console.Params{}
		}
		return queue.ActionPostpone, console.Params{Minutes: 1}
	}
	switch {
	case r < 16:
		return queue.ActionFinish, console.Params{}
	case r < 18:
		return queue.ActionForward, console.Params{ServiceID: services[rng.IntN(len(services))], Reason: "другая услуга"}
	}
	return queue.ActionForward, console.Params{Window: 1 + rng.IntN(8)}
}

// booker is a manager booking appointments by phone — some for the slot
// about to begin, which a kiosk then checks in at once, some later.
func (d *driver) booker(ctx context.Context, stop <-chan struct{}, rng *rand.Rand) {
	k := &crashClient{base: d.base, hc: d.hc, token: fastKiosks[0]}
	for idle(ctx, stop, rng, 150*time.Millisecond) {
		svc := d.bookable[rng.IntN(len(d.bookable))]
		ahead := 0
		if rng.IntN(3) > 0 {
			ahead = 1 + rng.IntN(40)
		}
		req := map[string]any{"service_id": svc.ID, "start": nextSlot(time.Now(), svc.Booking.Slot, d.loc, ahead)}
		named := rng.IntN(2) == 0
		if named {
			req["name"], req["phone"] = "Иванова Мария Петровна", "+7 912 345-67-89"
		}
		var a queue.AppointmentView
		switch o, _ := d.manager.call(ctx, http.MethodPost, "/api/v1/appointments", req, &a); o {
		case outAcked:
			d.led.booked(a, named)
			d.led.count("book")
		case outRefused:
			continue // the slot is full
		case outUnknown:
			d.led.count("unknown")
			return
		case outUnsent:
			return
		}
		if ahead > 0 {
			continue
		}
		var v queue.TicketView
		switch o, _ := k.call(ctx, http.MethodPost, "/api/v1/checkin", map[string]string{"code": a.Code}, &v); o {
		case outAcked:
			d.led.checkedIn(a.Code, v)
			d.led.count("checkin")
		case outRefused: // a longer slot whose check-in has not opened yet
		case outUnknown:
			d.led.unsureTicket()
			return
		case outUnsent:
			return
		}
	}
}

// nextSlot is the start of the slot ahead slots after the next one to
// begin: with no schedule (--ignore-hours) slots follow one another from
// midnight.
func nextSlot(now time.Time, slot time.Duration, loc *time.Location, ahead int) time.Time {
	y, m, d := now.In(loc).Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return midnight.Add((now.Sub(midnight)/slot + 1 + time.Duration(ahead)) * slot)
}

// ---------------------------------------------------------------------------
// Database files.

// dbFiles are the files of an SQLite database in WAL mode.
func dbFiles(db string) []string { return []string{db, db + "-wal", db + "-shm"} }

// copyFile copies src to dst, as cp does: read while the server may be
// writing. It returns the SHA-256 of what it read; a missing src copies
// nothing and gives "".
func copyFile(src, dst string) (string, error) {
	in, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), out.Close()
}

func hashFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// logEntry is one row of the event log, as stored.
type logEntry struct {
	seq  int64
	body string
}

// readLog opens the SQLite file at path, checks it with PRAGMA
// integrity_check and returns its event log as stored.
func readLog(path string) ([]logEntry, error) {
	u := url.URL{Path: filepath.ToSlash(path)}
	db, err := sql.Open("sqlite3", "file:"+u.EscapedPath()+"?_busy_timeout=5000")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("integrity_check: %w", err)
	}
	var report []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, fmt.Errorf("integrity_check: %w", err)
		}
		report = append(report, line)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("integrity_check: %w", err)
	}
	if len(report) != 1 || report[0] != "ok" {
		return nil, fmt.Errorf("integrity_check: %s", strings.Join(report, "; "))
	}
	rows, err = db.Query(`SELECT seq, body FROM events ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []logEntry
	for rows.Next() {
		var e logEntry
		if err := rows.Scan(&e.seq, &e.body); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// loadLog loads the state of the demo office from the SQLite file at path,
// as the server does at start.
func loadLog(ctx context.Context, path string) (*queue.State, error) {
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return store.Load(ctx, st, configs.Demo().Office)
}

// isPrefix reports how got fails to be the start of want, or "".
func isPrefix(got, want []logEntry) string {
	if len(got) > len(want) {
		return fmt.Sprintf("%d events, the whole log has %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("event %d is seq %d %.120s; the log has seq %d %.120s", i, got[i].seq, got[i].body, want[i].seq, want[i].body)
		}
	}
	return ""
}

// report fails the test with at most 30 problems.
func report(t *testing.T, what string, problems []string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	sort.Strings(problems)
	more := ""
	if len(problems) > 30 {
		more = fmt.Sprintf("\n… and %d more", len(problems)-30)
		problems = problems[:30]
	}
	t.Fatalf("%s: %d problems:\n%s%s", what, len(problems), strings.Join(problems, "\n"), more)
}

// ---------------------------------------------------------------------------
// The tests.

// TestServeSurvivesSIGKILL kills `eq serve` with SIGKILL at random moments
// while kiosks, operators and a manager work, restarts it on the same
// database each time, and checks through the API that everything a client
// was told survived and that the state is whole.
func TestServeSurvivesSIGKILL(t *testing.T) {
	iterations := *crashIterations
	switch {
	case iterations > 0:
	case testing.Short():
		iterations = 5
	default:
		iterations = 20
	}
	skipNearMidnight(t, 15*time.Minute)
	seed := crashTestSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	cfg := cheapDemoConfig(t)
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	led := newLedger()
	day := ""
	began := time.Now()
	var starts []time.Duration // how long each start took, until healthy

	// checkServer reads the restarted server's state and checks it; it
	// returns the manager's session for the next run.
	checkServer := func(p *serveProcess, hc *http.Client, what string) *crashClient {
		t.Helper()
		mgr := mustSignIn(t, p.base, hc, "manager")
		snap := fetchSnapshot(t, mgr, led.codes(), rng)
		if day == "" {
			day = snap.day
		}
		if snap.day != day {
			t.Skipf("the office's working day changed from %s to %s during the test: run it again", day, snap.day)
		}
		report(t, what, append(led.verify(snap, true), checkConsistent(snap)...))
		led.rebase(snap)
		return mgr
	}

	for i := range iterations {
		if rng.IntN(5) == 0 && len(starts) > 0 {
			// A crash while starting: most of a start is the program's
			// initialisation, so the kill comes late in a start as long as
			// the last one, when the log is being recovered and the day
			// opened.
			p := spawnServeProcess(t, cfg, db, "127.0.0.1:0")
			last := starts[len(starts)-1]
			time.Sleep(last*3/4 + randDuration(rng, last/2))
			p.kill()
		}
		p := startServeProcess(t, cfg, db, "127.0.0.1:0")
		starts = append(starts, p.started)
		hc := &http.Client{Timeout: 20 * time.Second}
		mgr := checkServer(p, hc, fmt.Sprintf("after crash %d", i))

		// The moment of the kill is random in answers given rather than in
		// time, so that a loaded machine still crashes the server in the
		// middle of work; a few milliseconds more put it anywhere between
		// two answers.
		ctx, cancel := context.WithCancel(t.Context())
		target := led.answers() + 3 + rng.IntN(60)
		wait := newDriver(t, p.base, hc, led, mgr).start(ctx, nil, rng)
		for deadline := time.Now().Add(20 * time.Second); led.answers() < target && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(randDuration(rng, 30*time.Millisecond))
		p.kill()
		cancel()
		wait()
		hc.CloseIdleConnections()
	}

	// The files as the last crash left them, opened directly, as a copy so
	// that the server below still recovers the log by itself.
	dir := t.TempDir()
	for _, f := range dbFiles(db) {
		if _, err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	crashed := filepath.Join(dir, filepath.Base(db))
	if _, err := readLog(crashed); err != nil {
		t.Fatalf("the database after the last crash: %v", err)
	}
	state, err := loadLog(t.Context(), crashed)
	if err != nil {
		t.Fatalf("load the database after the last crash: %v", err)
	}
	direct := stateSnapshot(state, led.codes())
	report(t, "the database after the last crash, loaded directly", append(led.verify(direct, true), checkConsistent(direct)...))

	p := startServeProcess(t, cfg, db, "127.0.0.1:0")
	hc := &http.Client{Timeout: 20 * time.Second}
	checkServer(p, hc, "after the last crash")
	snap := fetchSnapshot(t, mustSignIn(t, p.base, hc, "manager"), led.codes(), rng)
	for id, v := range direct.tickets {
		if w, ok := snap.tickets[id]; !ok || ticketKey(v) != ticketKey(w) {
			t.Errorf("ticket %s loaded directly is %s, the server says %s", id, ticketKey(v), ticketKey(w))
		}
	}
	if len(snap.tickets) != len(direct.tickets) {
		t.Errorf("the server has %d tickets, the database loaded directly %d", len(snap.tickets), len(direct.tickets))
	}
	p.stop()
	hc.CloseIdleConnections()

	if _, err := readLog(db); err != nil {
		t.Fatalf("the database after a clean stop: %v", err)
	}
	if state, err = loadLog(t.Context(), db); err != nil {
		t.Fatalf("load the database after a clean stop: %v", err)
	}
	final := stateSnapshot(state, led.codes())
	report(t, "the database after a clean stop", append(led.verify(final, true), checkConsistent(final)...))

	// A crash test that never got to crash anything in the middle of work
	// proves nothing: make sure every kind of client was answered, and that
	// requests were cut off.
	led.mu.Lock()
	counts := maps.Clone(led.counts)
	led.mu.Unlock()
	for kind, n := range counts {
		if via, action, ok := strings.Cut(kind, " "); ok && (via == "ws" || via == "http") {
			counts[via] += n
			counts[action] += n
		}
	}
	for _, kind := range []string{"issue", "book", "ws", "http", "call-next", "finish", "unknown"} {
		if counts[kind] == 0 {
			t.Errorf("no %q answers in %d runs: the test did not exercise the server", kind, iterations)
		}
	}
	slices.Sort(starts)
	t.Logf("%d crashes in %v (a start takes %v, at most %v); %s", iterations, time.Since(began).Round(time.Millisecond),
		starts[len(starts)/2].Round(time.Millisecond), starts[len(starts)-1].Round(time.Millisecond), led.summary())
}

// copyKind is how a copy of the live database files is taken.
type copyKind string

const (
	// copyInstant copies while the server is stopped (SIGSTOP): the files as
	// they are at one instant, as a file system snapshot or a power cut
	// leaves them — a power cut also loses what was written but not yet
	// synced, which for an acknowledged commit is nothing
	// (TestServeSyncsTheLogBeforeItAnswers). SQLite appends a commit's
	// frames to the WAL before it answers, checkpoints only frames already
	// in the WAL, and starts the WAL over only after a complete checkpoint;
	// a torn last frame fails its checksum. So such a copy must always open,
	// pass integrity_check, hold a prefix of the log, and hold every commit
	// acknowledged before the instant.
	copyInstant copyKind = "instant"
	// copyWALThenDB and copyDBThenWAL copy the files one after the other
	// while the server writes, as cp or a naive backup does. SQLite promises
	// nothing for such a copy. What holds: the main file changes only at a
	// checkpoint; if it did not change between the start and the end of the
	// copy, the copied main file is the one the WAL belongs to, and the
	// copied WAL is a prefix of the live one (frames are appended, each
	// checksummed over all before it and salted per WAL generation, so a
	// frame copied half-written or from a newer generation ends it). Such a
	// copy is as good as an instant one — of the moment the WAL was copied.
	// If a checkpoint ran in between, the copy may mix page versions: with
	// the WAL first, newer pages in the main file are overwritten by older
	// frames; with the main file first, a WAL restarted after the checkpoint
	// has lost the frames the old main file lacks. Such a copy may fail
	// integrity_check or miss acknowledged commits, legitimately; the test
	// says what became of it but asserts nothing.
	copyWALThenDB copyKind = "wal-then-db"
	copyDBThenWAL copyKind = "db-then-wal"
)

// dbCopy is one copy of the live database files.
type dbCopy struct {
	name  string
	path  string // its main file
	clean bool   // instant, or the main file did not change while copying
	facts *ledger
}

// checkpointer checkpoints the live database from the test process, as
// SQLite's autocheckpoint does once the WAL holds 1000 pages: the runs here
// are too short to fill that many, and without checkpoints no copy would
// ever see the main file change or the WAL start over. A checkpoint from
// another connection is ordinary SQLite use; PASSIVE, like the automatic
// one, never waits for the server's writers.
type checkpointer struct {
	mu sync.Mutex // held during a checkpoint: an instant copy waits for it
	db *sql.DB
	n  int // checkpoints that copied frames into the main file
}

func openCheckpointer(t *testing.T, path string) *checkpointer {
	t.Helper()
	u := url.URL{Path: filepath.ToSlash(path)}
	db, err := sql.Open("sqlite3", "file:"+u.EscapedPath()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &checkpointer{db: db}
}

// checkpoint copies what the WAL holds into the main file, as far as no
// reader needs the old pages; the next commit then starts the WAL over.
func (c *checkpointer) checkpoint() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var busy, frames, backfilled int
	if err := c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &backfilled); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if backfilled > 0 {
		c.n++
	}
	return nil
}

// run checkpoints every few hundred milliseconds until stop.
func (c *checkpointer) run(t *testing.T, stop <-chan struct{}, rng *rand.Rand) {
	for idle(t.Context(), stop, rng, 400*time.Millisecond) {
		if err := c.checkpoint(); err != nil {
			t.Error(err)
			return
		}
	}
}

// takeCopy copies the live database db into dir the way kind says. For a
// torn copy, between runs a checkpoint after the first file, to show what
// such a copy can come to.
func takeCopy(t *testing.T, p *serveProcess, cp *checkpointer, led *ledger, db, dir string, kind copyKind, between bool) []dbCopy {
	t.Helper()
	copyTo := func(dir string, files ...string) string {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		sum := ""
		for _, f := range files {
			var err error
			if sum, err = copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
		return sum // the last file's
	}
	c := dbCopy{name: fmt.Sprintf("%s copy %s", kind, filepath.Base(dir)), path: filepath.Join(dir, filepath.Base(db))}
	if kind == copyInstant {
		cp.mu.Lock() // no checkpoint from here either
		p.pause()
		copyTo(dir, dbFiles(db)...)
		// After a power cut the -shm file holds whatever it held; SQLite
		// rebuilds it when the first connection opens. A copy without it
		// must open the same.
		bare := dbCopy{name: c.name + " without -shm", path: filepath.Join(dir+"-noshm", filepath.Base(db)), clean: true}
		copyTo(dir+"-noshm", db, db+"-wal")
		// Taken while the server is stopped: it cannot have answered
		// anything it had not committed before the instant.
		c.facts, c.clean = led.clone(), true
		bare.facts = c.facts
		p.resume()
		cp.mu.Unlock()
		return []dbCopy{c, bare}
	}
	if between {
		c.name += " with a checkpoint between its files"
	}
	before, err := hashFile(db)
	if err != nil {
		t.Fatal(err)
	}
	c.facts = led.clone()
	first, second := db+"-wal", db
	if kind == copyDBThenWAL {
		first, second = second, first
	}
	copied := copyTo(dir, first)
	if between {
		if err := cp.checkpoint(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // the server commits meanwhile, starting the WAL over
	}
	if sum := copyTo(dir, second); second == db {
		copied = sum
	}
	copyTo(dir, db+"-shm")
	after, err := hashFile(db)
	if err != nil {
		t.Fatal(err)
	}
	c.clean = before == copied && copied == after
	return []dbCopy{c}
}

// TestServeCopiesOfALiveDatabaseOpen copies the database files of a
// working server, as a power cut or a backup would find them, and opens
// each copy: it must pass integrity_check, load, hold a prefix of the
// final log and everything acknowledged before the copy was taken.
func TestServeCopiesOfALiveDatabaseOpen(t *testing.T) {
	copies := 16
	if testing.Short() {
		copies = 8
	}
	skipNearMidnight(t, 5*time.Minute)
	seed := crashTestSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	cfg := cheapDemoConfig(t)
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	p := startServeProcess(t, cfg, db, "127.0.0.1:0")
	hc := &http.Client{Timeout: 20 * time.Second}
	led := newLedger()
	mgr := mustSignIn(t, p.base, hc, "manager")
	stop := make(chan struct{})
	wait := newDriver(t, p.base, hc, led, mgr).start(t.Context(), stop, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	cp := openCheckpointer(t, db)
	var cpDone sync.WaitGroup
	cpRNG := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	cpDone.Go(func() { cp.run(t, stop, cpRNG) })

	dir := t.TempDir()
	kinds := []copyKind{copyInstant, copyWALThenDB, copyInstant, copyDBThenWAL}
	var shots []dbCopy
	for i := range copies {
		time.Sleep(100*time.Millisecond + randDuration(rng, 300*time.Millisecond))
		kind := kinds[i%len(kinds)]
		between := kind != copyInstant && i%8 >= 4
		shots = append(shots, takeCopy(t, p, cp, led, db, filepath.Join(dir, fmt.Sprint(i)), kind, between)...)
	}
	close(stop)
	wait()
	cpDone.Wait()
	cp.db.Close() // the server's close is then the last, and checkpoints
	p.stop()
	hc.CloseIdleConnections()

	whole, err := readLog(db)
	if err != nil {
		t.Fatalf("the database after a clean stop: %v", err)
	}
	state, err := loadLog(t.Context(), db)
	if err != nil {
		t.Fatalf("load the database after a clean stop: %v", err)
	}
	final := stateSnapshot(state, led.codes())
	report(t, "the database after a clean stop", append(led.verify(final, true), checkConsistent(final)...))

	checked, torn := 0, 0
	for _, c := range shots {
		problems := copyProblems(t, c, whole)
		if !c.clean {
			// SQLite promises nothing here (see copyWALThenDB): say what
			// became of it, for the record.
			torn++
			t.Logf("%s: the main file changed while it was taken; %d problems %q", c.name, len(problems), problems[:min(len(problems), 3)])
			continue
		}
		checked++
		report(t, c.name, problems)
	}
	if checked == 0 {
		t.Error("no copy was checked")
	}
	if cp.n == 0 {
		t.Error("no checkpoint copied anything: the copies never saw the WAL start over")
	}
	t.Logf("%d copies checked, %d torn across a checkpoint, %d checkpoints; the log has %d events; %s", checked, torn, cp.n, len(whole), led.summary())
}

// TestServeSyncsTheLogBeforeItAnswers follows `eq serve` with strace
// while kiosks take tickets and checks, for every ticket, that the WAL
// frames naming it were written and the WAL fsynced before the answer
// naming it was written to the kiosk's socket. The copies above model a
// power cut as the files in the page cache at one instant; on a real power
// cut what was not yet synced is lost, so this is the half they cannot
// show: an acknowledged ticket was on the disk, not only in memory.
func TestServeSyncsTheLogBeforeItAnswers(t *testing.T) {
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	cfg := cheapDemoConfig(t)
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	p := startServeProcess(t, cfg, db, "127.0.0.1:0")
	hc := &http.Client{Timeout: 20 * time.Second}
	defer hc.CloseIdleConnections()

	tracePath := filepath.Join(t.TempDir(), "trace")
	var straceErr bytes.Buffer
	tracer := exec.Command(straceBin, "-f", "-y", "-qq", "-p", fmt.Sprint(p.cmd.Process.Pid), "-o", tracePath, "-s", "65536",
		"-e", "trace=fsync,fdatasync,pwrite64,write,writev,sendto,sendmsg", "-e", "signal=none")
	tracer.Stderr = &straceErr
	if err := tracer.Start(); err != nil {
		t.Skipf("strace: %v", err)
	}
	tracerDone := make(chan error, 1)
	go func() { tracerDone <- tracer.Wait() }()
	stopTracer := func() {
		_ = tracer.Process.Signal(os.Interrupt) // detaches and flushes
		if err := <-tracerDone; err != nil && !strings.Contains(err.Error(), "interrupt") {
			t.Logf("strace ended with %v: %s", err, straceErr.String())
		}
	}
	// strace is attached once an answer shows in its trace.
	attached := false
	for deadline := time.Now().Add(30 * time.Second); !attached && time.Now().Before(deadline); {
		if resp, err := hc.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
		}
		b, _ := os.ReadFile(tracePath)
		attached = bytes.Contains(b, []byte("HTTP/1.1 200"))
		select {
		case err := <-tracerDone:
			t.Skipf("strace cannot follow the server (%v): %s", err, straceErr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !attached {
		stopTracer()
		t.Skip("strace saw no answer within 30 s")
	}

	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for _, token := range fastKiosks[:4] {
		wg.Go(func() {
			k := &crashClient{base: p.base, hc: hc, token: token}
			for range 5 {
				var v queue.TicketView
				if o, err := k.call(t.Context(), http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &v); o != outAcked {
					t.Errorf("issue: %v", err)
					return
				}
				mu.Lock()
				ids = append(ids, v.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	stopTracer()
	p.stop()

	calls, err := readTrace(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		walWrite, answer := -1, -1
		for i, c := range calls {
			switch {
			case walWrite < 0 && c.name == "pwrite64" && strings.HasSuffix(c.file, "-wal") && strings.Contains(c.args, id):
				walWrite = i
			case answer < 0 && c.socketWrite() && strings.Contains(c.args, id):
				answer = i
			}
		}
		if walWrite < 0 || answer < 0 {
			t.Errorf("ticket %s: WAL write at %d, answer at %d in the trace: strace missed them", id, walWrite, answer)
			continue
		}
		synced := false
		for _, c := range calls[walWrite:answer] {
			if (c.name == "fsync" || c.name == "fdatasync") && strings.HasSuffix(c.file, "-wal") && c.ok && c.end < calls[answer].start {
				synced = true
				break
			}
		}
		if !synced || calls[walWrite].start > calls[answer].start {
			t.Errorf("ticket %s was answered (trace line %d) before the WAL frames naming it (line %d) were fsynced",
				id, calls[answer].start, calls[walWrite].start)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no ticket was issued")
	}
	t.Logf("%d tickets, each answered after its WAL frames were fsynced (%d system calls traced)", len(ids), len(calls))
}

// traceCall is one system call in an strace log.
type traceCall struct {
	name       string
	file       string // what its first argument, a descriptor, is (strace -y)
	args       string
	start, end int  // lines where it began and returned
	ok         bool // it returned without an error
}

func (c traceCall) socketWrite() bool {
	return strings.HasPrefix(c.file, "socket:") && (c.name == "write" || c.name == "writev" || c.name == "sendto" || c.name == "sendmsg")
}

var (
	traceLine    = regexp.MustCompile(`^(\d+)\s+(.*)$`)
	traceResumed = regexp.MustCompile(`^<\.\.\. (\w+) resumed>(.*)$`)
	traceCallRe  = regexp.MustCompile(`^(\w+)\((?:\d+<([^>]*)>)?(.*)$`)
	traceResult  = regexp.MustCompile(`\) += (-?\d+)`)
)

// readTrace reads an `strace -f -y` log into calls in the order they
// began; a call another thread interrupted (<unfinished ...>) ends where
// it is resumed.
func readTrace(path string) ([]traceCall, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var calls []traceCall
	open := map[string]int{} // thread → its unfinished call
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		m := traceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		tid, rest := m[1], m[2]
		if r := traceResumed.FindStringSubmatch(rest); r != nil {
			if j, ok := open[tid]; ok && calls[j].name == r[1] {
				calls[j].end = i
				if res := traceResult.FindStringSubmatch(r[2]); res != nil {
					calls[j].ok = !strings.HasPrefix(res[1], "-")
				}
				delete(open, tid)
			}
			continue
		}
		c := traceCallRe.FindStringSubmatch(rest)
		if c == nil {
			continue
		}
		call := traceCall{name: c[1], file: c[2], args: c[3], start: i, end: i}
		if strings.HasSuffix(rest, "<unfinished ...>") {
			open[tid] = len(calls)
			call.end = -1
		} else if res := traceResult.FindStringSubmatch(rest); res != nil {
			call.ok = !strings.HasPrefix(res[1], "-")
		}
		calls = append(calls, call)
	}
	for _, j := range open {
		calls[j].end = len(lines) // never returned while traced
	}
	return calls, nil
}

// copyProblems opens copy c and lists what is wrong with it against the
// whole log and the facts acknowledged before it was taken.
func copyProblems(t *testing.T, c dbCopy, whole []logEntry) []string {
	entries, err := readLog(c.path)
	if err != nil {
		return []string{err.Error()}
	}
	var p []string
	if bad := isPrefix(entries, whole); bad != "" {
		p = append(p, "not a prefix of the log: "+bad)
	}
	state, err := loadLog(t.Context(), c.path)
	if err != nil {
		return append(p, "load: "+err.Error())
	}
	snap := stateSnapshot(state, c.facts.codes())
	return append(append(p, c.facts.verify(snap, false)...), checkConsistent(snap)...)
}

// TestConsoleAndDisplayResyncAcrossACrash connects an operator console and
// a hall display to `eq serve`, kills the server and starts it again on the
// same address, and checks that both come back by themselves and show the
// office as it is: first as it was before the crash, then with changes
// made while they were offline.
func TestConsoleAndDisplayResyncAcrossACrash(t *testing.T) {
	skipNearMidnight(t, 5*time.Minute)
	cfg := cheapDemoConfig(t)
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	p := startServeProcess(t, cfg, db, "127.0.0.1:0")
	addr := p.addr
	hc := &http.Client{Timeout: 20 * time.Second}
	defer hc.CloseIdleConnections()
	ctx := t.Context()

	kiosk := &crashClient{base: p.base, hc: hc, token: "demo-kiosk"}
	var first, second queue.TicketView
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &first)
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &second)

	backoff := console.WithBackoff(50*time.Millisecond, 400*time.Millisecond)
	con, err := console.Dial(ctx, p.base, 1, "op1", demoPassword, backoff, console.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	defer con.Close()
	hall, err := feed.Dial(ctx, p.base, feed.Hall, "demo-display", feed.WithBackoff(50*time.Millisecond, 400*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer hall.Close()

	if _, err := con.Do(ctx, string(queue.ActionOpen), console.Params{}); err != nil {
		t.Fatal(err)
	}
	r, err := con.Do(ctx, string(queue.ActionCallNext), console.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Window.Current == nil || r.Window.Current.ID != first.ID {
		t.Fatalf("call-next called %+v, want %s", r.Window.Current, first.Number)
	}
	waitUntil(t, "the hall shows the call", func() bool { return hallShows(hall, first.ID, 1, queue.StatusCalled) })
	before := *con.State().Window

	offline := func() bool {
		_, online, _ := hall.Snapshot()
		return !con.Online() && !online
	}
	back := func(conns int) func() bool {
		return func() bool {
			s := con.Snapshot()
			_, online, _ := hall.Snapshot()
			return s.Online && s.Conns >= conns && online
		}
	}

	// The phases run in order on one server's history, so they are steps
	// of one test rather than subtests: a subtest's servers would die with it.

	// 1. After a SIGKILL both come back by themselves and show the office
	// as it was before it.
	p.kill()
	waitUntil(t, "both notice the server is gone", offline)
	if _, err := con.Do(ctx, string(queue.ActionStart), console.Params{}); !errors.Is(err, console.ErrOffline) {
		t.Errorf("a command while offline: %v, want ErrOffline (commands are never queued)", err)
	}
	p = startServeProcess(t, cfg, db, addr)
	waitUntil(t, "both reconnect after the first crash", back(2))
	got := *con.State().Window
	if got.Current == nil || windowKey(got) != windowKey(before) || ticketKey(*got.Current) != ticketKey(*before.Current) {
		t.Fatalf("after the first crash the console shows %s, before it %s %s", windowKey(got), windowKey(before), ticketKey(*before.Current))
	}
	waitUntil(t, "the hall shows the call made before the crash", func() bool { return hallShows(hall, first.ID, 1, queue.StatusCalled) })

	// 2. After a second crash both show what changed while they were
	// offline: another server on the same database, at an address the
	// clients do not know, serves the office meanwhile.
	p.kill()
	waitUntil(t, "both notice the server is gone again", offline)
	side := startServeProcess(t, cfg, db, "127.0.0.1:0")
	mustCall(t, mustSignIn(t, side.base, hc, "op1"), http.MethodPost, "/api/v1/windows/1/start", nil, nil)
	op2 := mustSignIn(t, side.base, hc, "op2")
	mustCall(t, op2, http.MethodPost, "/api/v1/windows/2/open", nil, nil)
	var w2 queue.WindowView
	mustCall(t, op2, http.MethodPost, "/api/v1/windows/2/call-next", nil, &w2)
	if w2.Current == nil || w2.Current.ID != second.ID {
		t.Fatalf("window 2 called %+v, want %s", w2.Current, second.Number)
	}
	side.stop()
	hc.CloseIdleConnections()

	p = startServeProcess(t, cfg, db, addr)
	waitUntil(t, "both reconnect after the second crash", back(3))
	waitUntil(t, "the console shows its visitor being served", func() bool {
		w := con.State().Window
		return w != nil && w.Current != nil && w.Current.ID == first.ID && w.Current.Status == queue.StatusServing
	})
	waitUntil(t, "the hall shows both windows", func() bool {
		return hallShows(hall, second.ID, 2, queue.StatusCalled) && hallWindow(hall, 1, first.ID)
	})
	// The call made while the hall was offline is announced after the
	// resync: it is less than a minute old.
	timeout := time.After(30 * time.Second)
	for announced := false; !announced; {
		select {
		case c, ok := <-hall.Calls():
			if !ok {
				t.Fatal("the hall's calls ended")
			}
			announced = c.Ticket == second.ID && c.Window == 2
		case <-timeout:
			t.Fatalf("the call of %s at window 2, made while the hall was offline, was never announced", second.Number)
		}
	}

	// 3. Commands and updates flow again.
	if _, err := con.Do(ctx, string(queue.ActionFinish), console.Params{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the hall shows window 1 free", func() bool { return hallWindow(hall, 1, "") })
	con.Close()
	hall.Close()
	p.stop()
}

// hallShows reports whether the hall's newest call is ticket id at window n
// and the window holds it with status st.
func hallShows(c *feed.Client, id string, n int, st queue.Status) bool {
	s, online, _ := c.Snapshot()
	if !online || len(s.Calls) == 0 || s.Calls[0].Ticket != id || s.Calls[0].Window != n {
		return false
	}
	for _, w := range s.Windows {
		if w.Number == n {
			return w.Current != nil && w.Current.ID == id && w.Current.Status == st
		}
	}
	return false
}

// hallWindow reports whether the hall shows window n holding ticket id
// ("" for none).
func hallWindow(c *feed.Client, n int, id string) bool {
	s, online, _ := c.Snapshot()
	for _, w := range s.Windows {
		if w.Number == n {
			cur, _ := currentOf(w)
			return online && cur == id
		}
	}
	return false
}

// waitUntil polls ok until it holds, failing the test after 30 s.
func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
