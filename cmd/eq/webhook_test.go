//go:build linux

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
	"eq/webhook"
)

// hookSecret signs the deliveries of the tests' information system.
const hookSecret = "секрет-информационной-системы"

// hookRequest is one delivery the information system got.
type hookRequest struct {
	payload  webhook.Payload
	verified error
	status   int
}

// hookReceiver is the centre's information system on a local port: it
// answers up, or 503 while down.
type hookReceiver struct {
	srv  *httptest.Server
	down atomic.Bool

	mu   sync.Mutex
	reqs []hookRequest
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := hookRequest{
			verified: webhook.Verify(hookSecret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute),
			status:   http.StatusOK,
		}
		if err := json.Unmarshal(body, &req.payload); err != nil {
			req.verified = err
		}
		if rc.down.Load() {
			req.status = http.StatusServiceUnavailable
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		rc.mu.Unlock()
		w.WriteHeader(req.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *hookReceiver) requests() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// delivered is the ids answered 2xx, in the order they were.
func (rc *hookReceiver) delivered() []string {
	var ids []string
	for _, r := range rc.requests() {
		if r.status == http.StatusOK {
			ids = append(ids, r.payload.ID)
		}
	}
	return ids
}

// withWebhook writes a copy of the cheap demo config that tells url of
// ticket events.
func withWebhook(t *testing.T, url string) string {
	t.Helper()
	path := cheapDemoConfig(t)
	yaml, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	yaml = append(yaml, "\nwebhooks:\n  - name: crm\n    url: "+url+"\n    secret: "+hookSecret+"\n"...)
	if err := os.WriteFile(path, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitHooks polls cond for up to a minute: a race-built server on a loaded
// machine is slow, and a retry after a failure waits its backoff.
func waitHooks(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loggedTicketEvents reads the ids of the log's ticket events, by ticket
// in log order, once the server has stopped.
func loggedTicketEvents(t *testing.T, db string) map[string][]string {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logID, err := st.LogID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	err = st.Replay(context.Background(), 0, func(ev queue.Event) error {
		if ev.Ticket != "" {
			out[ev.Ticket] = append(out[ev.Ticket], webhook.EventID(logID, ev.Seq))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkHookDeliveries checks that rc got every logged ticket event exactly
// once with a 2xx, each ticket's in log order, all correctly signed.
func checkHookDeliveries(t *testing.T, rc *hookReceiver, logged map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	for i, r := range rc.requests() {
		if r.verified != nil {
			t.Errorf("request %d (event %s): %v", i, r.payload.ID, r.verified)
		}
		if r.status == http.StatusOK {
			got[r.payload.Ticket.ID] = append(got[r.payload.Ticket.ID], r.payload.ID)
		}
	}
	for ticket, want := range logged {
		if !slices.Equal(got[ticket], want) {
			t.Errorf("ticket %s: delivered %v, want %v (each once, in log order)", ticket, got[ticket], want)
		}
	}
	for ticket := range got {
		if _, ok := logged[ticket]; !ok {
			t.Errorf("ticket %s was delivered and is not in the log", ticket)
		}
	}
}

// TestServeTellsWebhooksOfTicketEvents: a ticket's life at a window reaches
// the configured information system, signed, in order.
func TestServeTellsWebhooksOfTicketEvents(t *testing.T) {
	skipNearMidnight(t, 3*time.Minute)
	rc := newHookReceiver(t)
	db := filepath.Join(t.TempDir(), "eq.db")
	base, stop := startServe(t, &serveOptions{config: withWebhook(t, rc.srv.URL), db: db, ignoreHours: true})

	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	kiosk := &crashClient{base: base, hc: hc, token: "demo-kiosk"}
	var ticket queue.TicketView
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &ticket)
	op := mustSignIn(t, base, hc, "op1")
	for _, a := range []string{"open", "call-next", "start", "finish"} {
		mustCall(t, op, http.MethodPost, "/api/v1/windows/1/"+a, nil, nil)
	}
	want := []string{"TicketIssued", "TicketCalled", "ServiceStarted", "ServiceFinished"}
	waitHooks(t, "the ticket's four events at the receiver", func() bool { return len(rc.delivered()) >= len(want) })
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	var types []string
	for _, r := range rc.requests() {
		types = append(types, r.payload.Type)
		if r.payload.Ticket.ID != ticket.ID || r.payload.Ticket.Number != ticket.Number || r.payload.Ticket.ServiceID != "passport" {
			t.Errorf("event %s: ticket %+v, want %s %s of passport", r.payload.ID, r.payload.Ticket, ticket.ID, ticket.Number)
		}
		if r.payload.Type != "TicketIssued" && (r.payload.Window != 1 || r.payload.Operator != "op1") {
			t.Errorf("event %s %s: window %d operator %q, want window 1 and op1", r.payload.ID, r.payload.Type, r.payload.Window, r.payload.Operator)
		}
	}
	if !slices.Equal(types, want) {
		t.Errorf("received %v, want %v", types, want)
	}
	checkHookDeliveries(t, rc, loggedTicketEvents(t, db))
}

// TestServeDeliversWebhooksAfterAKill: events the information system could
// not take before `eq serve` was killed reach it after the restart, each
// once, in order per ticket, with what happened after the restart.
func TestServeDeliversWebhooksAfterAKill(t *testing.T) {
	skipNearMidnight(t, 5*time.Minute)
	rc := newHookReceiver(t)
	rc.down.Store(true)
	cfg := withWebhook(t, rc.srv.URL)
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()

	p := startServeProcess(t, cfg, db, "127.0.0.1:0")
	kiosk := &crashClient{base: p.base, hc: hc, token: "demo-kiosk"}
	for range 2 {
		mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, nil)
	}
	op := mustSignIn(t, p.base, hc, "op1")
	for _, a := range []string{"open", "call-next"} {
		mustCall(t, op, http.MethodPost, "/api/v1/windows/1/"+a, nil, nil)
	}
	waitHooks(t, "a refused delivery before the kill", func() bool { return len(rc.requests()) > 0 })
	p.kill()
	if got := rc.delivered(); len(got) != 0 {
		t.Fatalf("delivered %v while the receiver was down", got)
	}

	rc.down.Store(false)
	p = startServeProcess(t, cfg, db, "127.0.0.1:0")
	kiosk.base = p.base
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, nil)
	op = mustSignIn(t, p.base, hc, "op1")
	mustCall(t, op, http.MethodPost, "/api/v1/windows/1/start", nil, nil)
	// Three issues, a call and a start: the window's open has no ticket.
	waitHooks(t, "five ticket events delivered", func() bool { return len(rc.delivered()) >= 5 })
	p.stop()
	checkHookDeliveries(t, rc, loggedTicketEvents(t, db))
}

// TestWebhookEventIDsAfterARestore: a restore from a backup rolls the log
// back, and the server then logs new events at the positions of events
// the information system already has. They must come with new ids, or a
// receiver deduplicating by id drops them; an event that was pending in
// the backup comes again with its old id, which the receiver deduplicates.
func TestWebhookEventIDsAfterARestore(t *testing.T) {
	skipNearMidnight(t, 5*time.Minute)
	ctx := context.Background()
	rc := newHookReceiver(t)
	cfg := withWebhook(t, rc.srv.URL)
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "eq.db"), filepath.Join(dir, "backup.db")
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	issue := func(base string) queue.TicketView {
		var tk queue.TicketView
		kiosk := &crashClient{base: base, hc: hc, token: "demo-kiosk"}
		mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &tk)
		return tk
	}
	// idOf is the id the receiver last took for the issue of ticket.
	idOf := func(ticket string) string {
		id := ""
		for _, r := range rc.requests() {
			if r.status == http.StatusOK && r.payload.Ticket.ID == ticket && r.payload.Type == "TicketIssued" {
				id = r.payload.ID
			}
		}
		return id
	}

	base, stop := startServe(t, &serveOptions{config: cfg, db: db, ignoreHours: true})
	first := issue(base)
	waitHooks(t, "the first ticket delivered", func() bool { return idOf(first.ID) != "" })
	rc.down.Store(true)
	pending := issue(base) // refused, so pending in the backup
	waitHooks(t, "the second ticket refused", func() bool { return len(rc.requests()) > len(rc.delivered()) })
	if err := runBackup(ctx, &backupOptions{db: db, file: backup}, time.Now(), io.Discard); err != nil {
		t.Fatal(err)
	}
	rc.down.Store(false)
	lost := issue(base) // after the backup: the restore undoes it
	waitHooks(t, "the tickets of before the restore delivered", func() bool { return idOf(pending.ID) != "" && idOf(lost.ID) != "" })
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	before := rc.delivered()
	pendingID := idOf(pending.ID)

	err := runRestore(ctx, &restoreOptions{db: db, config: cfg, file: backup, yes: true}, time.Now(),
		stdio{in: strings.NewReader(""), out: io.Discard, errOut: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	base, stop = startServe(t, &serveOptions{config: cfg, db: db, ignoreHours: true})
	again := issue(base)
	waitHooks(t, "the ticket after the restore delivered", func() bool { return idOf(again.ID) != "" && len(rc.delivered()) > len(before)+1 })
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	after := rc.delivered()[len(before):]
	if again.ID != lost.ID {
		t.Fatalf("the ticket after the restore is %s, want %s again: the restore did not undo the lost one", again.ID, lost.ID)
	}
	var newID string
	for _, r := range rc.requests() {
		if r.status == http.StatusOK && r.payload.Ticket.ID == again.ID && r.payload.Type == "TicketIssued" && !slices.Contains(before, r.payload.ID) {
			newID = r.payload.ID
		}
	}
	if newID == "" {
		t.Errorf("the issue after the restore came with an id delivered before it (%v): a receiver would drop it", before)
	}
	if !slices.Contains(after, pendingID) {
		t.Errorf("after the restore delivered %v, want the backup's pending %s again with its id", after, pendingID)
	}
	prefix := func(id string) string { return id[:strings.LastIndex(id, "-")+1] }
	if newID != "" && prefix(newID) == prefix(pendingID) {
		t.Errorf("the ids %s (after the restore) and %s (before) have the same log id", newID, pendingID)
	}
}
