package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/internal/syncbuf"
	"eq/queue"
	"eq/queue/store"
	"eq/webhook"
)

const (
	secret = "секрет-информационной-системы"
	// waitLimit bounds every wait for the deliverer: generous, for a
	// loaded two-core machine under -race. Tests poll; none sleeps to sync.
	waitLimit = 30 * time.Second
)

// officeDay is a morning of three tickets whose events interleave: A is
// issued, called, started, forwarded, called again, finished and rated; B
// is a no-show; C, an appointment, is cancelled.
func officeDay() []queue.Event {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	n := 0
	ev := func(typ queue.EventType, ticket string, set func(*queue.Event)) queue.Event {
		n++
		e := queue.Event{Type: typ, At: at.Add(time.Duration(n) * time.Minute), Day: "2025-03-03", Ticket: ticket}
		if set != nil {
			set(&e)
		}
		return e
	}
	const a, b, c = "20250303-000001", "20250303-000002", "20250303-000003"
	return []queue.Event{
		ev(queue.EventDayOpened, "", nil),
		ev(queue.EventTicketIssued, a, func(e *queue.Event) { e.Number, e.Service, e.Priority = "П001", "passport", queue.PriorityNormal }),
		ev(queue.EventTicketIssued, b, func(e *queue.Event) {
			e.Number, e.Service, e.Priority = "Р001", "registration", queue.PriorityPrivileged
		}),
		ev(queue.EventWindowOpened, "", func(e *queue.Event) { e.Window, e.Operator = 1, "ivanova" }),
		ev(queue.EventTicketCalled, a, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "П001", "passport", 1, "ivanova" }),
		ev(queue.EventTicketIssued, c, func(e *queue.Event) { e.Number, e.Service, e.Priority = "К001", "consult", queue.PriorityAppointment }),
		ev(queue.EventServiceStarted, a, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "П001", "passport", 1, "ivanova" }),
		ev(queue.EventTicketCalled, b, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "Р001", "registration", 2, "petrov" }),
		ev(queue.EventTicketForwarded, a, func(e *queue.Event) {
			e.Number, e.Service, e.Window, e.Reason = "П001", "consult", 1, "справка"
		}),
		ev(queue.EventTicketNoShow, b, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "Р001", "registration", 2, "petrov" }),
		ev(queue.EventTicketCancelled, c, func(e *queue.Event) { e.Service = "consult" }),
		ev(queue.EventTicketCalled, a, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "П001", "consult", 2, "petrov" }),
		ev(queue.EventServiceStarted, a, func(e *queue.Event) { e.Number, e.Service, e.Window, e.Operator = "П001", "consult", 2, "petrov" }),
		ev(queue.EventServiceFinished, a, func(e *queue.Event) {
			e.Number, e.Service, e.Window, e.Operator, e.Outcome = "П001", "consult", 2, "petrov", queue.OutcomeServed
		}),
		ev(queue.EventTicketRated, a, func(e *queue.Event) { e.Window, e.Mark = 2, 5 }),
		ev(queue.EventBreakStarted, "", func(e *queue.Event) { e.Window, e.Operator, e.Reason = 2, "petrov", "tech" }),
	}
}

// request is one request the receiver got, as it got it.
type request struct {
	id, typ   string // headers
	timestamp string
	signature string
	attempt   string
	body      []byte
	payload   webhook.Payload
	status    int // what the receiver answered
}

// receiver is an information system on a local port. answer decides the
// status of the n-th request (from 0); it may block.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(n int, r *request) int

	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, answer func(n int, r *request) int) *receiver {
	rc := &receiver{t: t, answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("receiver: read the body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	req := request{
		id: r.Header.Get(webhook.HeaderEventID), typ: r.Header.Get(webhook.HeaderEventType),
		timestamp: r.Header.Get(webhook.HeaderTimestamp), signature: r.Header.Get(webhook.HeaderSignature),
		attempt: r.Header.Get(webhook.HeaderAttempt), body: body,
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("receiver: got %s with Content-Type %q, want a POST of application/json", r.Method, r.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(body, &req.payload); err != nil {
		rc.t.Errorf("receiver: body %s: %v", body, err)
	}
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.reqs = append(rc.reqs, req)
	rc.mu.Unlock()

	status := rc.answer(n, &req)
	rc.mu.Lock()
	rc.reqs[n].status = status
	rc.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, http.StatusText(status))
}

// requests returns what came so far.
func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

func always(status int) func(int, *request) int {
	return func(int, *request) int { return status }
}

// openLog opens the store at path with the endpoints named.
func openLog(t *testing.T, path string, names ...string) (*store.Store, *store.WebhookLog) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := st.Webhooks(names)
	if err != nil {
		t.Fatal(err)
	}
	return st, l
}

// quick are timings that let a test run through many retries.
func quick(o webhook.Options) webhook.Options {
	o.MinBackoff, o.MaxBackoff = 5*time.Millisecond, 40*time.Millisecond
	if o.Poll == 0 {
		o.Poll = 50 * time.Millisecond
	}
	return o
}

// start runs a Deliverer until the returned stop is called or the test
// ends; stop returns once Run has.
func start(t *testing.T, o webhook.Options) (stop func()) {
	t.Helper()
	d, err := webhook.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitLimit):
				t.Error("the deliverer did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitUntil polls cond until it holds, failing the test after waitLimit.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDelivered waits until endpoint has nothing pending.
func waitDelivered(t *testing.T, st *store.Store, endpoint string) {
	t.Helper()
	waitUntil(t, endpoint+" has everything delivered", func() bool {
		pending, err := st.OutboxPending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return pending[endpoint] == 0
	})
}

// eventID is the id the event at seq of st's log is sent with.
func eventID(t *testing.T, st *store.Store, seq int64) string {
	t.Helper()
	logID, err := st.LogID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return webhook.EventID(logID, seq)
}

// ticketEvents is the ids of evs' ticket events, appended to st, by
// ticket, in log order.
func ticketEvents(t *testing.T, st *store.Store, evs []queue.Event) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, ev := range evs {
		if ev.Ticket != "" {
			out[ev.Ticket] = append(out[ev.Ticket], eventID(t, st, ev.Seq))
		}
	}
	return out
}

// checkDelivered checks that reqs delivered every event of want exactly
// once (one 2xx per id) and that, per ticket, no request ever came for an
// event before every earlier one of its ticket had its 2xx.
func checkDelivered(t *testing.T, reqs []request, want map[string][]string) {
	t.Helper()
	oks := map[string]int{}
	next := map[string]int{} // per ticket: index in want of the event it waits on
	for i, r := range reqs {
		ticket := r.payload.Ticket.ID
		ids := want[ticket]
		idx := next[ticket]
		if idx >= len(ids) || ids[idx] != r.id {
			t.Errorf("request %d: event %s of ticket %s came while %v was the ticket's next", i, r.id, ticket, ids[min(idx, len(ids)-1):])
			continue
		}
		if r.status/100 == 2 {
			oks[r.id]++
			next[ticket]++
		}
	}
	for ticket, ids := range want {
		for _, id := range ids {
			if got := oks[id]; got != 1 {
				t.Errorf("ticket %s event %s delivered %d times, want once", ticket, id, got)
			}
		}
	}
	if len(oks) != countAll(want) {
		t.Errorf("%d events delivered, want %d", len(oks), countAll(want))
	}
}

func countAll(m map[string][]string) int {
	n := 0
	for _, s := range m {
		n += len(s)
	}
	return n
}

func TestDeliveryRetriesUntilEachEventIsDeliveredOnceInTicketOrder(t *testing.T) {
	st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
	rc := newReceiver(t, func(n int, _ *request) int {
		if n < 3 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	// A poll of a minute: only the append's wake-up and the retries'
	// times can make this test finish in time.
	start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}},
		Outbox:    st, Wake: l.Written(), Poll: time.Minute,
	}))
	evs := officeDay()
	for i := 0; i < len(evs); i += 3 {
		if err := l.Append(context.Background(), evs[i:min(i+3, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	waitDelivered(t, st, "crm")

	reqs := rc.requests()
	checkDelivered(t, reqs, ticketEvents(t, st, evs))
	if got := reqs[0].status; got != http.StatusInternalServerError {
		t.Errorf("first answer %d: the receiver was to fail the first three", got)
	}
	t.Run("every request is signed with the secret and with nothing else", func(t *testing.T) {
		for i, r := range reqs {
			if err := webhook.Verify(secret, r.timestamp, r.signature, r.body, time.Now(), 5*time.Minute); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if err := webhook.Verify("другой-секрет-той-же-длины", r.timestamp, r.signature, r.body, time.Now(), 5*time.Minute); !errors.Is(err, webhook.ErrBadSignature) {
				t.Errorf("request %d verified with another secret: %v", i, err)
			}
		}
	})
	t.Run("the headers repeat the body's id and type and count the attempts", func(t *testing.T) {
		attempts := map[string]int{}
		for i, r := range reqs {
			attempts[r.id]++
			if r.id != r.payload.ID || r.typ != r.payload.Type {
				t.Errorf("request %d: headers say %s %s, body %s %s", i, r.id, r.typ, r.payload.ID, r.payload.Type)
			}
			if want := strconv.Itoa(attempts[r.id]); r.attempt != want {
				t.Errorf("request %d (event %s): attempt %s, want %s", i, r.id, r.attempt, want)
			}
		}
	})
	t.Run("the ids are the log id and the position", func(t *testing.T) {
		logID, err := st.LogID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range reqs {
			seq, ok := strings.CutPrefix(r.id, logID+"-")
			if _, err := strconv.ParseInt(seq, 10, 64); !ok || err != nil {
				t.Errorf("request %d: id %q, want %s-<position>", i, r.id, logID)
			}
		}
	})
	t.Run("the bodies say what the log says", func(t *testing.T) {
		for i, r := range reqs {
			seq, _ := strconv.ParseInt(r.id[strings.LastIndex(r.id, "-")+1:], 10, 64)
			ev := evs[seq-1]
			if r.payload.Type != string(ev.Type) || r.payload.Ticket.ID != ev.Ticket || !r.payload.At.Equal(ev.At) {
				t.Errorf("request %d: %+v does not describe event %d %+v", i, r.payload, seq, ev)
			}
			if r.payload.Ticket.Number == "" || r.payload.Ticket.IssuedAt.IsZero() {
				t.Errorf("request %d: ticket %+v lacks its number or issue time", i, r.payload.Ticket)
			}
		}
	})
}

func TestAFailingEventHoldsBackOnlyItsTicket(t *testing.T) {
	st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
	evs := officeDay()
	if err := l.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	stuck := eventID(t, st, evs[4].Seq) // A's first call
	var (
		mu       sync.Mutex // handlers may run on different connections' goroutines
		failures int
	)
	rc := newReceiver(t, func(_ int, r *request) int {
		mu.Lock()
		defer mu.Unlock()
		if r.id == stuck && failures < 2 {
			failures++
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	start(t, quick(webhook.Options{Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}}, Outbox: st}))
	waitDelivered(t, st, "crm")

	reqs := rc.requests()
	checkDelivered(t, reqs, ticketEvents(t, st, evs))
	first := slices.IndexFunc(reqs, func(r request) bool { return r.id == stuck })
	done := slices.IndexFunc(reqs, func(r request) bool { return r.id == stuck && r.status == http.StatusOK })
	if first < 0 || done < 0 || reqs[first].status != http.StatusServiceUnavailable {
		t.Fatalf("event %s: first request %d, delivered at %d; want a 503 first", stuck, first, done)
	}
	others := 0
	for _, r := range reqs[first+1 : done] {
		if r.payload.Ticket.ID != evs[4].Ticket && r.status == http.StatusOK {
			others++
		}
	}
	if others == 0 {
		t.Errorf("no other ticket's event was delivered while %s was failing: one ticket held back all", stuck)
	}
}

func TestUndeliveredEventsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eq.db")
	evs := officeDay()

	// First run: the information system is down (nothing listens).
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	var logs syncbuf.Buffer
	st, l := openLog(t, path, "crm")
	stop := start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: downURL, Secret: secret}},
		Outbox:    st, Wake: l.Written(),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	if err := l.Append(context.Background(), evs[:9]); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a failed attempt is logged", func() bool { return strings.Contains(logs.String(), "delivery failed") })
	stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Second run on the same file: the system is back.
	rc := newReceiver(t, always(http.StatusAccepted))
	st, l = openLog(t, path, "crm")
	pending, err := st.OutboxPending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := countAll(ticketEvents(t, st, evs[:9])); pending["crm"] != want {
		t.Fatalf("after reopening %d events pending, want %d", pending["crm"], want)
	}
	start(t, quick(webhook.Options{Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}}, Outbox: st, Wake: l.Written()}))
	if err := l.Append(context.Background(), evs[9:]); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, st, "crm")
	checkDelivered(t, rc.requests(), ticketEvents(t, st, evs))
	// The first attempt of all went to A's issue, the first due event:
	// its count of attempts came through the restart with it.
	reqs := rc.requests()
	i := slices.IndexFunc(reqs, func(r request) bool { return r.id == eventID(t, st, evs[1].Seq) })
	if n, _ := strconv.Atoi(reqs[i].attempt); n < 2 {
		t.Errorf("event %d after the restart: attempt %s, want past the first made before it", evs[1].Seq, reqs[i].attempt)
	}
}

func TestASlowReceiverDoesNotDelayAppend(t *testing.T) {
	st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
	entered, release := make(chan struct{}), make(chan struct{})
	var enterOnce sync.Once
	rc := newReceiver(t, func(n int, _ *request) int {
		if n == 0 {
			enterOnce.Do(func() { close(entered) })
			<-release
		}
		return http.StatusOK
	})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the server's Close, which waits for the handler
	start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}},
		Outbox:    st, Wake: l.Written(), Timeout: 10 * time.Minute,
	}))
	evs := officeDay()
	if err := l.Append(context.Background(), evs[:2]); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(waitLimit):
		t.Fatal("the deliverer never reached the receiver")
	}

	appended := make(chan error, 1)
	go func() {
		for i := 2; i < len(evs); i += 2 {
			if err := l.Append(context.Background(), evs[i:min(i+2, len(evs))]); err != nil {
				appended <- err
				return
			}
		}
		appended <- nil
	}()
	select {
	case err := <-appended:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Append waited for the stuck receiver")
	}
	if got := len(rc.requests()); got != 1 {
		t.Errorf("%d requests before the receiver let go, want the one stuck", got)
	}

	unblock()
	waitDelivered(t, st, "crm")
	checkDelivered(t, rc.requests(), ticketEvents(t, st, evs))
}

func TestARemovedEndpointKeepsItsEventsAndIsLoggedOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "eq.db")
	st, old := openLog(t, path, "old", "crm")
	evs := officeDay()
	if err := old.Append(ctx, evs[:8]); err != nil {
		t.Fatal(err)
	}
	// The config now names crm only: the log the server appends to says so too.
	l, err := st.Webhooks([]string{"crm"})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncbuf.Buffer
	rc := newReceiver(t, always(http.StatusOK))
	start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}},
		Outbox:    st, Wake: l.Written(),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}))
	waitDelivered(t, st, "crm")
	if err := l.Append(ctx, evs[8:]); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, st, "crm")

	checkDelivered(t, rc.requests(), ticketEvents(t, st, evs))
	pending, err := st.OutboxPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"old": countAll(ticketEvents(t, st, evs[:8]))}; !equalCounts(pending, want) {
		t.Errorf("pending = %v, want %v: the removed endpoint's rows kept, nothing new for it", pending, want)
	}
	lines := 0
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, "endpoint=old") {
			lines++
			if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "pending="+strconv.Itoa(pending["old"])) {
				t.Errorf("line %q: want a warning with the count", line)
			}
		}
	}
	if lines != 1 {
		t.Errorf("the removed endpoint is named in %d log lines, want 1:\n%s", lines, logs.String())
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFailuresAreLoggedByKind(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		wantLevel string
	}{
		{"a refusal is a warning with what the receiver said", http.StatusBadRequest, "level=WARN"},
		{"a redirect is a warning: the URL is wrong", http.StatusMovedPermanently, "level=WARN"},
		{"a server error is an info: the receiver is down", http.StatusBadGateway, "level=INFO"},
		{"too many requests is an info: the receiver is busy", http.StatusTooManyRequests, "level=INFO"},
		{"a request timeout is an info", http.StatusRequestTimeout, "level=INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
			rc := newReceiver(t, func(n int, _ *request) int {
				if n == 0 {
					return tt.status
				}
				return http.StatusOK
			})
			var logs syncbuf.Buffer
			evs := officeDay()[:2]
			if err := l.Append(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
			start(t, quick(webhook.Options{
				Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}},
				Outbox:    st, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			}))
			waitDelivered(t, st, "crm")
			var failures []string
			for line := range strings.SplitSeq(logs.String(), "\n") {
				if strings.Contains(line, "delivery failed") {
					failures = append(failures, line)
				}
			}
			if len(failures) != 1 {
				t.Fatalf("%d failure lines, want 1:\n%s", len(failures), logs.String())
			}
			line := failures[0]
			for _, want := range []string{tt.wantLevel, "endpoint=crm", "event=" + eventID(t, st, evs[1].Seq), "attempt=1",
				"HTTP " + strconv.Itoa(tt.status), http.StatusText(tt.status)} {
				if !strings.Contains(line, want) {
					t.Errorf("line %q lacks %q", line, want)
				}
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	st, _ := openLog(t, filepath.Join(t.TempDir(), "eq.db"))
	good := webhook.Endpoint{Name: "crm", URL: "https://is.example/hook", Secret: secret}
	tests := []struct {
		name string
		o    webhook.Options
		want string
	}{
		{"no outbox", webhook.Options{Endpoints: []webhook.Endpoint{good}}, "no outbox"},
		{"an endpoint without a name", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{{URL: good.URL, Secret: secret}}}, "has no name"},
		{"an endpoint named twice", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{good, good}}, "named twice"},
		{"a URL that is not http", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{{Name: "crm", URL: "ftp://is.example/", Secret: secret}}}, "http:// or https://"},
		{"a URL without a host", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{{Name: "crm", URL: "http:///hook", Secret: secret}}}, "http:// or https://"},
		{"no secret", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{{Name: "crm", URL: good.URL}}}, "no signing secret"},
		{"a negative backoff", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{good}, MinBackoff: -time.Second}, "negative"},
		{"a cap below the start", webhook.Options{Outbox: st, Endpoints: []webhook.Endpoint{good}, MinBackoff: time.Minute, MaxBackoff: time.Second}, "max backoff below min"},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			d, err := webhook.New(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if d != nil {
				t.Error("a deliverer came back with the error")
			}
		})
	}
}

// recordingOutbox is the store, with the reasons of failed attempts noted
// as the deliverer gives them to be stored.
type recordingOutbox struct {
	*store.Store
	mu   sync.Mutex
	whys []string
}

func (o *recordingOutbox) OutboxFailed(ctx context.Context, endpoint string, seq int64, next time.Time, why string) error {
	o.mu.Lock()
	o.whys = append(o.whys, why)
	o.mu.Unlock()
	return o.Store.OutboxFailed(ctx, endpoint, seq, next, why)
}

func (o *recordingOutbox) failures() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.whys)
}

// TestARetrySetByAClockThatRanAheadIsNotWaitedOut: the receiver failed
// while the server's clock was an hour ahead, so the retry was set an
// hour on. With the clock put right, the event goes at once, not in an
// hour.
func TestARetrySetByAClockThatRanAheadIsNotWaitedOut(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "eq.db")
	st, l := openLog(t, path, "crm")
	evs := officeDay()
	if err := l.Append(ctx, evs[:2]); err != nil {
		t.Fatal(err)
	}

	down := newReceiver(t, always(http.StatusServiceUnavailable))
	ahead := func() time.Time { return time.Now().Add(time.Hour) }
	rec := &recordingOutbox{Store: st}
	stop := start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: down.srv.URL, Secret: secret}},
		Outbox:    rec, Now: ahead,
	}))
	waitUntil(t, "a failure recorded under the wrong clock", func() bool { return len(rec.failures()) > 0 })
	stop()
	next, ok, err := st.OutboxNextAttempt(ctx, "crm", time.Now(), 24*time.Hour)
	if err != nil || !ok || next.Before(time.Now().Add(30*time.Minute)) {
		t.Fatalf("next attempt %v, %v, %v: want one set about an hour on", next, ok, err)
	}

	// The clock is right again; the poll is long, so only the retry's
	// time being taken as now can deliver in time.
	rc := newReceiver(t, always(http.StatusOK))
	start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: rc.srv.URL, Secret: secret}},
		Outbox:    st, Poll: time.Hour,
	}))
	waitDelivered(t, st, "crm")
	checkDelivered(t, rc.requests(), ticketEvents(t, st, evs[:2]))
}

// TestRunClosesTheConnectionsOfItsOwnClient: the keep-alive connections
// to a receiver do not outlive Run when the deliverer made the client;
// a client given in the options is the caller's to close.
func TestRunClosesTheConnectionsOfItsOwnClient(t *testing.T) {
	tests := []struct {
		name       string
		client     *http.Client
		wantClosed bool
	}{
		{"the deliverer's own client has its connections closed", nil, true},
		{"a client given in the options is left as it is", &http.Client{Transport: &http.Transport{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				conns = map[net.Conn]http.ConnState{}
			)
			states := func() map[net.Conn]http.ConnState {
				mu.Lock()
				defer mu.Unlock()
				return maps.Clone(conns)
			}
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusOK)
			}))
			srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
				mu.Lock()
				conns[c] = s
				mu.Unlock()
			}
			srv.Start()
			t.Cleanup(srv.Close)
			if tt.client != nil {
				t.Cleanup(tt.client.CloseIdleConnections)
			}

			st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
			if err := l.Append(context.Background(), officeDay()); err != nil {
				t.Fatal(err)
			}
			stop := start(t, quick(webhook.Options{
				Endpoints: []webhook.Endpoint{{Name: "crm", URL: srv.URL, Secret: secret}},
				Outbox:    st, Client: tt.client,
			}))
			waitDelivered(t, st, "crm")
			stop()
			if len(states()) == 0 {
				t.Fatal("the receiver saw no connection")
			}
			if tt.wantClosed {
				waitUntil(t, "every connection closed after Run returned", func() bool {
					for _, s := range states() {
						if s != http.StateClosed {
							return false
						}
					}
					return true
				})
				return
			}
			for c, s := range states() {
				if s == http.StateClosed || s == http.StateHijacked {
					t.Errorf("connection %v is %v: the caller's client was closed under it", c.RemoteAddr(), s)
				}
			}
		})
	}
}

// TestAFailureNeverShowsTheURLsSecrets: a receiver may take its key in the
// address; an error naming the address must not put it in the log or the
// outbox.
func TestAFailureNeverShowsTheURLsSecrets(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	addr := down.Listener.Addr().String()
	down.Close() // nothing listens: every attempt fails with the URL in the error
	st, l := openLog(t, filepath.Join(t.TempDir(), "eq.db"), "crm")
	if err := l.Append(context.Background(), officeDay()[:2]); err != nil {
		t.Fatal(err)
	}
	var logs syncbuf.Buffer
	rec := &recordingOutbox{Store: st}
	start(t, quick(webhook.Options{
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: "http://user-secret:pass-secret@" + addr + "/hook?token=query-secret#frag-secret", Secret: secret}},
		Outbox:    rec, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	waitUntil(t, "two failures recorded", func() bool { return len(rec.failures()) >= 2 })

	stored := rec.failures()[0]
	for what, text := range map[string]string{"the log": logs.String(), "last_error": stored} {
		for _, secret := range []string{"user-secret", "pass-secret", "query-secret", "frag-secret"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows %q:\n%s", what, secret, text)
			}
		}
		if want := "http://xxxxx@" + addr + "/hook?xxxxx"; !strings.Contains(text, want) {
			t.Errorf("%s does not name the address as %s:\n%s", what, want, text)
		}
	}
}
