package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
	"eq/server"
)

func TestServices(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	r := s.anon().get(t, "/api/v1/services")

	var got struct {
		Services []serviceJSON `json:"services"`
	}
	r.decode(t, http.StatusOK, &got)
	demo := configs.Demo().Office.Services
	if len(got.Services) != len(demo) {
		t.Fatalf("got %d services, want the demo's %d", len(got.Services), len(demo))
	}
	for i, want := range demo {
		g := got.Services[i]
		if g.ID != want.ID || g.Prefix != want.Prefix || g.Name != want.Name || g.Group != want.Group {
			t.Errorf("service %d = %s %s %q %s, want %s %s %q %s", i, g.ID, g.Prefix, g.Name.RU, g.Group, want.ID, want.Prefix, want.Name.RU, want.Group)
		}
		if g.TargetWaitS != int(want.WaitTarget/time.Second) {
			t.Errorf("%s: target_wait_s = %d, want %d", g.ID, g.TargetWaitS, int(want.WaitTarget/time.Second))
		}
		// A service taken by appointment only issues no live tickets.
		only := want.Booking != nil && want.Booking.Only
		if g.Open == only || g.Waiting != 0 {
			t.Errorf("%s: open %v, waiting %d; want open %v with nobody waiting", g.ID, g.Open, g.Waiting, !only)
		}
	}
	// The defaults and the one service with its own target, as demo.yaml sets them.
	if g := got.Services[0]; g.ID != "passport" || g.TargetWaitS != 900 {
		t.Errorf("first service = %s with target %d s, want passport with 900 s", g.ID, g.TargetWaitS)
	}
	for _, g := range got.Services {
		if g.ID == "pick-up" && g.TargetWaitS != 600 {
			t.Errorf("pick-up target_wait_s = %d, want 600 (wait_target: 10m)", g.TargetWaitS)
		}
	}

	t.Run("every service carries the contract's fields", func(t *testing.T) {
		var raw struct {
			Services []map[string]json.RawMessage `json:"services"`
		}
		r.decode(t, http.StatusOK, &raw)
		for _, svc := range raw.Services {
			for _, key := range []string{"id", "prefix", "name", "group", "target_wait_s", "open", "waiting", "predicted_wait_s"} {
				if _, ok := svc[key]; !ok {
					t.Errorf("service %s has no %q", svc["id"], key)
				}
			}
		}
	})

	t.Run("a ticket shows in its service's queue", func(t *testing.T) {
		s.issue(t, "passport")
		var after struct {
			Services []serviceJSON `json:"services"`
		}
		s.anon().get(t, "/api/v1/services").decode(t, http.StatusOK, &after)
		p := after.Services[0]
		if p.Waiting != 1 || p.PredictedWaitS <= 0 {
			t.Errorf("passport waiting %d, predicted %d s; want 1 waiting and a positive prediction", p.Waiting, p.PredictedWaitS)
		}
	})
}

func TestIssueTicket(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	kiosk := s.kiosk()

	r := kiosk.post(t, "/api/v1/tickets", `{"service_id":"passport"}`)
	var first ticketJSON
	r.decode(t, http.StatusCreated, &first)
	if first.Number != "П001" { // the prefix and three digits
		t.Errorf("number = %q, want П001", first.Number)
	}
	if first.ID == "" || first.ServiceID != "passport" || first.Status != "waiting" || first.Priority != "normal" {
		t.Errorf("ticket = %+v, want a waiting normal passport ticket with an id", first)
	}
	if !first.IssuedAt.Equal(day0) {
		t.Errorf("issued_at = %v, want %v", first.IssuedAt, day0)
	}
	if first.Position != 1 || first.PredictedWaitS <= 0 {
		t.Errorf("position %d, predicted %d s; want 1 and a positive prediction", first.Position, first.PredictedWaitS)
	}
	var raw map[string]json.RawMessage
	r.decode(t, http.StatusCreated, &raw)
	for _, key := range []string{"id", "number", "service_id", "status", "issued_at", "position", "predicted_wait_s"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the issued ticket has no %q: %s", key, r.Body)
		}
	}

	t.Run("the next ticket queues behind the first", func(t *testing.T) {
		second := s.issue(t, "passport")
		if second.Number != "П002" || second.Position != 2 || second.PredictedWaitS < first.PredictedWaitS {
			t.Errorf("second ticket %s at %d waits %d s; want П002 at 2 waiting at least %d s", second.Number, second.Position, second.PredictedWaitS, first.PredictedWaitS)
		}
	})

	t.Run("another service numbers with its own prefix", func(t *testing.T) {
		if got := s.issue(t, "foreign-passport").Number; got != "Т001" {
			t.Errorf("number = %s, want Т001", got)
		}
	})

	t.Run("a privileged visitor goes ahead of the queue", func(t *testing.T) {
		var p ticketJSON
		kiosk.post(t, "/api/v1/tickets", `{"service_id":"passport","priority":"privileged"}`).decode(t, http.StatusCreated, &p)
		if p.Priority != "privileged" || p.Position != 1 {
			t.Errorf("privileged ticket %s at position %d, want privileged at 1", p.Priority, p.Position)
		}
		if got := s.ticket(t, first.ID).Position; got != 2 {
			t.Errorf("%s moved to position %d, want 2", first.Number, got)
		}
	})

	t.Run("a signed-in operator may issue", func(t *testing.T) {
		op := s.signIn(t, "op1")
		var tk ticketJSON
		op.post(t, "/api/v1/tickets", `{"service_id":"egrn-extract"}`).decode(t, http.StatusCreated, &tk)
		if tk.Number != "Е001" {
			t.Errorf("number = %s, want Е001", tk.Number)
		}

		var list struct {
			Tickets []ticketJSON `json:"tickets"`
		}
		op.get(t, "/api/v1/tickets").decode(t, http.StatusOK, &list)
		var numbers []string
		for _, tk := range list.Tickets {
			numbers = append(numbers, tk.Number)
		}
		if got, want := strings.Join(numbers, " "), "П001 П002 Т001 П003 Е001"; got != want {
			t.Errorf("staff list = %s, want %s in issue order", got, want)
		}
	})
}

func TestIssueTicketRefused(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	huge := `{"service_id":"passport","priority":"` + strings.Repeat("x", 70<<10) + `"}`

	tests := []struct {
		name    string
		bearer  string
		body    string
		status  int
		code    queue.Code
		mention string // a word the English message must hold, if any
	}{
		{"a request with no token and no session is refused", "", `{"service_id":"passport"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED, ""},
		{"a wrong kiosk token is refused", "not-a-kiosk", `{"service_id":"passport"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED, ""},
		{"the display token does not issue tickets", "demo-display", `{"service_id":"passport"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED, ""},
		{"an unknown service is not found", kioskToken, `{"service_id":"no-such-service"}`, http.StatusNotFound, queue.ENOTFOUND, "no-such-service"},
		{"a missing service_id is invalid", kioskToken, `{}`, http.StatusBadRequest, queue.EINVALID, "service_id"},
		{"an empty body is invalid", kioskToken, ``, http.StatusBadRequest, queue.EINVALID, ""},
		{"an appointment ticket is only for check-in", kioskToken, `{"service_id":"passport","priority":"appointment"}`, http.StatusBadRequest, queue.EINVALID, "check-in"},
		{"an unknown priority is invalid", kioskToken, `{"service_id":"passport","priority":"vip"}`, http.StatusBadRequest, queue.EINVALID, "vip"},
		{"malformed JSON is invalid", kioskToken, `{"service_id":`, http.StatusBadRequest, queue.EINVALID, ""},
		{"a syntax error is invalid", kioskToken, `{service_id: passport}`, http.StatusBadRequest, queue.EINVALID, ""},
		{"a number for service_id names the field", kioskToken, `{"service_id": 5}`, http.StatusBadRequest, queue.EINVALID, "service_id"},
		{"an unknown field is named", kioskToken, `{"service_id":"passport","colour":"red"}`, http.StatusBadRequest, queue.EINVALID, "colour"},
		{"two JSON objects are invalid", kioskToken, `{"service_id":"passport"} {"service_id":"passport"}`, http.StatusBadRequest, queue.EINVALID, ""},
		{"a stray closing brace after the object is invalid", kioskToken, `{"service_id":"passport"}}`, http.StatusBadRequest, queue.EINVALID, ""},
		{"a body over 64 KiB is invalid", kioskToken, huge, http.StatusBadRequest, queue.EINVALID, "larger"},
		{"a JSON list is invalid", kioskToken, `["passport"]`, http.StatusBadRequest, queue.EINVALID, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.anon()
			c.bearer = tc.bearer
			seq := s.lastSeq(t)
			e := s.refused(t, c.post(t, "/api/v1/tickets", tc.body), tc.status, tc.code, seq)
			if tc.mention != "" && !strings.Contains(e.Error.MessageEN, tc.mention) {
				t.Errorf("message_en = %q, want it to mention %q", e.Error.MessageEN, tc.mention)
			}
			if tc.mention == "service_id" && !strings.Contains(e.Error.Message, "service_id") {
				t.Errorf("message = %q, want it to name service_id", e.Error.Message)
			}
		})
	}
	if got := service(s.queue(t), "passport").Waiting; got != 0 {
		t.Errorf("passport waiting = %d after only refused requests, want 0", got)
	}
}

// TestIssueWithoutKioskTokens checks the office that configured no kiosk
// tokens: anyone on the LAN may issue, within a rate limit per address.
func TestIssueWithoutKioskTokens(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *server.Options) { o.KioskTokens = nil })
	lan := s.anon()
	for i := range 10 {
		if r := lan.post(t, "/api/v1/tickets", `{"service_id":"pick-up"}`); r.Status != http.StatusCreated {
			t.Fatalf("ticket %d: status %d, want 201 within the burst; body %s", i+1, r.Status, r.Body)
		}
	}

	t.Run("past the burst the address must wait", func(t *testing.T) {
		seq := s.lastSeq(t)
		s.refused(t, lan.post(t, "/api/v1/tickets", `{"service_id":"pick-up"}`), http.StatusTooManyRequests, "too_many_requests", seq)
	})

	t.Run("after a pause the address may issue again", func(t *testing.T) {
		s.clock.Advance(3 * time.Second) // 20 a minute: one every 3 s
		var tk ticketJSON
		lan.post(t, "/api/v1/tickets", `{"service_id":"pick-up"}`).decode(t, http.StatusCreated, &tk)
		if tk.Number != "Г011" {
			t.Errorf("number = %s, want Г011", tk.Number)
		}
	})
}

func TestGetTicket(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	issued := s.issue(t, "residence")
	s.clock.Advance(4 * time.Minute)

	r := s.anon().get(t, "/api/v1/tickets/"+issued.ID)
	var got ticketJSON
	r.decode(t, http.StatusOK, &got)
	if got.ID != issued.ID || got.Number != "Р001" || got.Status != "waiting" || got.Position != 1 {
		t.Errorf("ticket = %s %s %s at %d, want %s Р001 waiting at 1", got.ID, got.Number, got.Status, got.Position, issued.ID)
	}
	if len(got.History) != 1 || got.History[0].ServiceID != "residence" || !got.History[0].QueuedAt.Equal(day0) {
		t.Errorf("history = %+v, want one residence stage queued at %v", got.History, day0)
	}
	var raw map[string]json.RawMessage
	r.decode(t, http.StatusOK, &raw)
	for _, key := range []string{"status", "position", "predicted_wait_s", "history"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the ticket has no %q: %s", key, r.Body)
		}
	}

	t.Run("an unknown ticket is not found", func(t *testing.T) {
		checkError(t, s.anon().get(t, "/api/v1/tickets/20261123-9999"), http.StatusNotFound, queue.ENOTFOUND)
	})

	t.Run("the day's list is for staff only", func(t *testing.T) {
		checkError(t, s.anon().get(t, "/api/v1/tickets"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
		checkError(t, s.kiosk().get(t, "/api/v1/tickets"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})
}

func TestCancelTicket(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tk := s.issue(t, "birth")
	s.clock.Advance(time.Minute)

	var got ticketJSON
	s.kiosk().post(t, "/api/v1/tickets/"+tk.ID+"/cancel", "").decode(t, http.StatusOK, &got)
	if got.Status != "cancelled" || got.Position != 0 {
		t.Errorf("cancelled ticket is %s at position %d, want cancelled with no position", got.Status, got.Position)
	}
	if last := got.History[len(got.History)-1]; last.End != "cancelled" || !last.EndedAt.Equal(day0.Add(time.Minute)) {
		t.Errorf("last stage = %+v, want it ended as cancelled at %v", last, day0.Add(time.Minute))
	}
	if w := service(s.queue(t), "birth").Waiting; w != 0 {
		t.Errorf("birth waiting = %d after the cancel, want 0", w)
	}

	tests := []struct {
		name   string
		bearer string
		id     string
		status int
		code   queue.Code
	}{
		{"cancelling again is a conflict", kioskToken, tk.ID, http.StatusConflict, queue.ECONFLICT},
		{"an unknown ticket is not found", kioskToken, "20261123-0404", http.StatusNotFound, queue.ENOTFOUND},
		{"cancelling needs a kiosk token or a session", "", tk.ID, http.StatusUnauthorized, queue.EUNAUTHORIZED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.anon()
			c.bearer = tc.bearer
			seq := s.lastSeq(t)
			s.refused(t, c.post(t, "/api/v1/tickets/"+tc.id+"/cancel", ""), tc.status, tc.code, seq)
		})
	}
}

func TestQueue(t *testing.T) {
	t.Parallel()
	s := newStack(t)

	empty := s.anon().get(t, "/api/v1/queue")
	var raw map[string]json.RawMessage
	empty.decode(t, http.StatusOK, &raw)
	if got := string(raw["recent_calls"]); got != "[]" {
		t.Errorf("recent_calls = %s before any call, want []", got)
	}

	s.issue(t, "passport")
	s.clock.Advance(5 * time.Minute)
	s.issue(t, "passport")
	s.issue(t, "criminal-record")
	s.clock.Advance(time.Minute)

	q := s.queue(t)
	if q.Day != "2026-11-23" || !q.DayOpen {
		t.Errorf("day %s open %v, want 2026-11-23 open", q.Day, q.DayOpen)
	}
	tests := []struct {
		service      string
		waiting      int
		longestWaitS int
	}{
		{"passport", 2, 6 * 60},
		{"criminal-record", 1, 60},
		{"birth", 0, 0},
	}
	for _, tc := range tests {
		got := service(q, tc.service)
		if got.Waiting != tc.waiting || got.LongestWaitS != tc.longestWaitS {
			t.Errorf("%s: waiting %d, longest %d s; want %d, %d s", tc.service, got.Waiting, got.LongestWaitS, tc.waiting, tc.longestWaitS)
		}
		if got.PredictedWaitS <= 0 {
			t.Errorf("%s: predicted %d s with no window open, want a positive wait", tc.service, got.PredictedWaitS)
		}
	}

	t.Run("a call shows among the recent calls", func(t *testing.T) {
		// The window is worked through the engine: this test is about what
		// the queue shows, and a sign-in would only cost time.
		ctx := t.Context()
		op1 := queue.Actor{Login: "op1", Role: queue.RoleOperator}
		if _, err := s.Engine.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: queue.ActionOpen, Actor: op1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Engine.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: queue.ActionCallNext, Actor: op1}); err != nil {
			t.Fatal(err)
		}
		q := s.queue(t)
		if len(q.RecentCalls) != 1 {
			t.Fatalf("recent_calls = %+v, want one call", q.RecentCalls)
		}
		c := q.RecentCalls[0]
		if c.Number != "П001" || c.ServiceID != "passport" || c.Window != 1 || !c.At.Equal(day0.Add(6*time.Minute)) || c.Recall {
			t.Errorf("call = %+v, want П001 to window 1 at %v", c, day0.Add(6*time.Minute))
		}
		if got := service(q, "passport").Waiting; got != 1 {
			t.Errorf("passport waiting = %d after the call, want 1", got)
		}
	})
}

// TestConcurrentIssue checks that kiosks issuing at the same moment each get
// their own number and every ticket is in the log.
func TestConcurrentIssue(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	const kiosks = 16
	seq := s.lastSeq(t)

	numbers := make(chan string, kiosks)
	var wg sync.WaitGroup
	for range kiosks {
		wg.Go(func() {
			// Not the client helpers: they may call t.Fatal, which only the
			// test's own goroutine may do.
			req, _ := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/tickets", strings.NewReader(`{"service_id":"passport"}`))
			req.Header.Set("Authorization", "Bearer "+kioskToken)
			resp, err := s.HTTP.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var tk ticketJSON
			if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || resp.StatusCode != http.StatusCreated {
				t.Errorf("status %d, decode: %v", resp.StatusCode, err)
				return
			}
			numbers <- tk.Number
		})
	}
	wg.Wait()
	close(numbers)

	seen := map[string]bool{}
	for n := range numbers {
		if seen[n] {
			t.Errorf("number %s given twice", n)
		}
		seen[n] = true
	}
	for i := 1; i <= kiosks; i++ {
		if n := fmt.Sprintf("П%03d", i); !seen[n] {
			t.Errorf("number %s was never given", n)
		}
	}
	if got := s.lastSeq(t) - seq; got != kiosks {
		t.Errorf("the log grew by %d events, want %d", got, kiosks)
	}
}

// TestNextDay checks that the first ticket of a new date opens the day and
// numbering starts again.
func TestNextDay(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	first := s.issue(t, "passport")
	s.clock.Advance(24 * time.Hour)

	next := s.issue(t, "passport")
	if next.Number != "П001" || next.ID == first.ID {
		t.Errorf("first ticket of the next day = %s %s, want П001 with a new id (yesterday's was %s)", next.ID, next.Number, first.ID)
	}
	if q := s.queue(t); q.Day != "2026-11-24" || !q.DayOpen || service(q, "passport").Waiting != 1 {
		t.Errorf("queue = day %s open %v, passport waiting %d; want 2026-11-24 open with one waiting", q.Day, q.DayOpen, service(q, "passport").Waiting)
	}
}
