package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"eq/queue"
	"eq/server"
)

const ratingToken = "demo-rating" // the demo office's rating tablet token

// rateViewJSON is GET /api/v1/windows/{n}/rating as a tablet reads it.
type rateViewJSON struct {
	Window      int        `json:"window"`
	TicketID    string     `json:"ticket_id"`
	Number      string     `json:"number"`
	ServiceID   string     `json:"service_id"`
	ServiceName queue.Text `json:"service_name"`
	ServedAt    time.Time  `json:"served_at"`
	Until       time.Time  `json:"until"`
	Rated       bool       `json:"rated"`
	Reasons     []struct {
		ID   string     `json:"id"`
		Name queue.Text `json:"name"`
	} `json:"reasons"`
}

// tablet is a client with the demo rating tablet's token.
func (s *stack) tablet() *client {
	c := s.anon()
	c.bearer = ratingToken
	return c
}

// serveNext has the signed-in operator call the next visitor at window,
// start and finish; it returns the ticket served.
func (c *client) serveNext(t *testing.T, window string) ticketJSON {
	t.Helper()
	w := c.act(t, window, "call-next", "")
	if w.Current == nil {
		t.Fatalf("window %s called nobody", window)
	}
	c.act(t, window, "start", "")
	c.s.clock.Advance(3 * time.Minute)
	c.act(t, window, "finish", "")
	return *w.Current
}

func (c *client) rateView(t *testing.T, window string) rateViewJSON {
	t.Helper()
	var v rateViewJSON
	c.get(t, "/api/v1/windows/"+window+"/rating").decode(t, http.StatusOK, &v)
	return v
}

// lastEvent is the newest event of the stack's log.
func (s *stack) lastEvent(t *testing.T) queue.Event {
	t.Helper()
	var last queue.Event
	day := s.clock.Now().Format(time.DateOnly)
	if err := s.Store.Events(context.Background(), day, day, func(ev queue.Event) error { last = ev; return nil }); err != nil {
		t.Fatal(err)
	}
	return last
}

func TestRatingTablet(t *testing.T) {
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	tab := s.tablet()

	v := tab.rateView(t, "1")
	if v.Window != 1 || v.TicketID != "" || v.Number != "" || v.Rated {
		t.Fatalf("before any service the tablet gets %+v, want nothing to rate", v)
	}
	var ids []string
	for _, r := range v.Reasons {
		ids = append(ids, r.ID)
		if r.Name.RU == "" || r.Name.EN == "" {
			t.Errorf("reason %s has no name in both languages: %+v", r.ID, r.Name)
		}
	}
	if want := []string{"long-wait", "long-service", "not-solved", "impolite", "explained-well", "fast"}; !slices.Equal(ids, want) {
		t.Errorf("reasons = %v, want the demo's %v", ids, want)
	}

	s.issue(t, "passport")
	tk := op1.serveNext(t, "1")
	served := s.clock.Now()
	s.clock.Advance(30 * time.Second)
	v = tab.rateView(t, "1")
	if v.TicketID != tk.ID || v.Number != tk.Number || v.ServiceID != "passport" || v.ServiceName.RU == "" || v.Rated ||
		!v.ServedAt.Equal(served) || !v.Until.Equal(served.Add(queue.RatingWindow)) {
		t.Fatalf("after the service the tablet gets %+v, want %s served at %v", v, tk.Number, served)
	}

	var after rateViewJSON
	tab.post(t, "/api/v1/windows/1/rating", `{"ticket_id":"`+tk.ID+`","mark":4,"reason":"fast"}`).decode(t, http.StatusCreated, &after)
	if after.TicketID != tk.ID || !after.Rated {
		t.Errorf("the answer to the mark = %+v, want %s rated", after, tk.Number)
	}
	ev := s.lastEvent(t)
	if ev.Type != queue.EventTicketRated || ev.Ticket != tk.ID || ev.Window != 1 || ev.Operator != "op1" || ev.Mark != 4 ||
		ev.Reason != "fast" || ev.Service != "passport" || ev.Actor != "" {
		t.Errorf("logged %+v, want TicketRated of %s at window 1 by op1: 4, fast", ev, tk.ID)
	}
	if v := tab.rateView(t, "1"); !v.Rated || v.TicketID != tk.ID {
		t.Errorf("the tablet's next look = %+v, want %s rated", v, tk.Number)
	}
}

func TestRatingRefusals(t *testing.T) {
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	tab := s.tablet()
	body := func(id, rest string) string { return `{"ticket_id":"` + id + `"` + rest + `}` }
	tests := []struct {
		name   string
		path   string
		body   func(cur, prev ticketJSON) string
		status int
		code   queue.Code
	}{
		{"a mark of 0", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":0`) }, http.StatusBadRequest, queue.EINVALID},
		{"no mark", "1", func(cur, _ ticketJSON) string { return body(cur.ID, ``) }, http.StatusBadRequest, queue.EINVALID},
		{"a mark of 6", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":6`) }, http.StatusBadRequest, queue.EINVALID},
		{"a mark given as text", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":"5"`) }, http.StatusBadRequest, queue.EINVALID},
		{"a mark with a fraction", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":4.5`) }, http.StatusBadRequest, queue.EINVALID},
		{"a reason not in the list", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":3,"reason":"шумно"`) }, http.StatusBadRequest, queue.EINVALID},
		{"no ticket_id", "1", func(ticketJSON, ticketJSON) string { return `{"mark":5}` }, http.StatusBadRequest, queue.EINVALID},
		{"an unknown field", "1", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":5,"name":"Иванов"`) }, http.StatusBadRequest, queue.EINVALID},
		{"malformed JSON", "1", func(cur, _ ticketJSON) string { return `{"ticket_id":` }, http.StatusBadRequest, queue.EINVALID},
		{"an empty body", "1", func(ticketJSON, ticketJSON) string { return "" }, http.StatusBadRequest, queue.EINVALID},
		{"the visitor before the one just served", "1", func(_, prev ticketJSON) string { return body(prev.ID, `,"mark":5`) }, http.StatusConflict, queue.ECONFLICT},
		{"a window that served nobody", "2", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":5`) }, http.StatusConflict, queue.ECONFLICT},
		{"a window that does not exist", "99", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":5`) }, http.StatusNotFound, queue.ENOTFOUND},
		{"a window that is not a number", "one", func(cur, _ ticketJSON) string { return body(cur.ID, `,"mark":5`) }, http.StatusBadRequest, queue.EINVALID},
	}
	s.issue(t, "passport")
	cur := op1.serveNext(t, "1")
	for _, tt := range tests {
		t.Run(tt.name+" is refused and writes nothing", func(t *testing.T) {
			prev := cur
			s.issue(t, "passport")
			cur = op1.serveNext(t, "1")
			seq := s.lastSeq(t)
			s.refused(t, tab.post(t, "/api/v1/windows/"+tt.path+"/rating", tt.body(cur, prev)), tt.status, tt.code, seq)
			if v := tab.rateView(t, "1"); v.TicketID != cur.ID || v.Rated {
				t.Errorf("after the refusal the tablet gets %+v, want %s still to rate", v, cur.Number)
			}
		})
	}
	t.Run("a second mark for the same service is refused", func(t *testing.T) {
		s.issue(t, "passport")
		tk := op1.serveNext(t, "1")
		tab.post(t, "/api/v1/windows/1/rating", body(tk.ID, `,"mark":5`)).decode(t, http.StatusCreated, &rateViewJSON{})
		seq := s.lastSeq(t)
		s.refused(t, tab.post(t, "/api/v1/windows/1/rating", body(tk.ID, `,"mark":1`)), http.StatusConflict, queue.ECONFLICT, seq)
	})
	t.Run("a mark after the rating window is refused and the tablet waits", func(t *testing.T) {
		s.issue(t, "passport")
		tk := op1.serveNext(t, "1")
		s.clock.Advance(queue.RatingWindow)
		seq := s.lastSeq(t)
		s.refused(t, tab.post(t, "/api/v1/windows/1/rating", body(tk.ID, `,"mark":5`)), http.StatusConflict, queue.ECONFLICT, seq)
		if v := tab.rateView(t, "1"); v.TicketID != "" {
			t.Errorf("the tablet still offers %s", v.Number)
		}
	})
	t.Run("a window that does not exist is not found to the tablet either", func(t *testing.T) {
		checkError(t, tab.get(t, "/api/v1/windows/99/rating"), http.StatusNotFound, queue.ENOTFOUND)
	})
}

// TestRatingAccess: rating tablets, and managers checking one, may read a
// tablet's view; only a tablet gives marks; a tablet's token opens nothing else.
func TestRatingAccess(t *testing.T) {
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	s.issue(t, "passport")
	tk := op1.serveNext(t, "1")
	mark := `{"ticket_id":"` + tk.ID + `","mark":5}`
	withBearer := func(token string) *client {
		c := s.anon()
		c.bearer = token
		return c
	}
	refused := []struct {
		name   string
		who    *client
		method string
		path   string
		body   string
		status int
	}{
		{"a caller with no token may not read the tablet's view", s.anon(), http.MethodGet, "/api/v1/windows/1/rating", "", http.StatusUnauthorized},
		{"a caller with no token may not rate", s.anon(), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusUnauthorized},
		{"a kiosk may not rate", s.kiosk(), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusUnauthorized},
		{"a display may not rate", withBearer("demo-display"), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusUnauthorized},
		{"the tablet's token with more after it may not rate", withBearer(ratingToken + "-"), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusUnauthorized},
		{"the start of the tablet's token may not rate", withBearer(ratingToken[:len(ratingToken)-1]), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusUnauthorized},
		{"an operator may not rate their own service", op1, http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusForbidden},
		{"an operator may not read the tablet's view", op1, http.MethodGet, "/api/v1/windows/1/rating", "", http.StatusForbidden},
		{"a manager may not rate", s.signIn(t, "manager"), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusForbidden},
		{"an admin may not rate", s.signIn(t, "admin"), http.MethodPost, "/api/v1/windows/1/rating", mark, http.StatusForbidden},
		{"a tablet may not issue tickets", s.tablet(), http.MethodPost, "/api/v1/tickets", `{"service_id":"passport"}`, http.StatusUnauthorized},
		{"a tablet may not call at a window", s.tablet(), http.MethodPost, "/api/v1/windows/1/call-next", "", http.StatusUnauthorized},
		{"a tablet may not read a window", s.tablet(), http.MethodGet, "/api/v1/windows/1", "", http.StatusUnauthorized},
		{"a tablet may not follow the display feed", s.tablet(), http.MethodGet, "/ws/display?token=" + ratingToken, "", http.StatusUnauthorized},
		{"a tablet may not cancel a ticket", s.tablet(), http.MethodPost, "/api/v1/tickets/" + tk.ID + "/cancel", "", http.StatusUnauthorized},
		{"a tablet may not read the reports", s.tablet(), http.MethodGet, "/api/v1/reports/ratings", "", http.StatusUnauthorized},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code := queue.EUNAUTHORIZED
			if tt.status == http.StatusForbidden {
				code = queue.EFORBIDDEN
			}
			seq := s.lastSeq(t)
			s.refused(t, tt.who.do(t, tt.method, tt.path, tt.body), tt.status, code, seq)
		})
	}
	t.Run("a tablet may give its token in the query", func(t *testing.T) {
		s.anon().get(t, "/api/v1/windows/1/rating?token="+ratingToken).decode(t, http.StatusOK, &rateViewJSON{})
	})
	t.Run("a manager checking a tablet reads its view", func(t *testing.T) {
		manager := s.signIn(t, "manager")
		if v := manager.rateView(t, "1"); v.TicketID != tk.ID {
			t.Fatalf("the manager sees %+v, want %s", v, tk.Number)
		}
	})
	t.Run("the tablet rates", func(t *testing.T) {
		s.tablet().post(t, "/api/v1/windows/1/rating", mark).decode(t, http.StatusCreated, &rateViewJSON{})
	})
	t.Run("an office without rating tokens takes no marks from tablets", func(t *testing.T) {
		s := newStack(t, func(o *server.Options) { o.RatingTokens = nil })
		checkError(t, s.tablet().get(t, "/api/v1/windows/1/rating"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})
}

func TestRatingPage(t *testing.T) {
	s := newStack(t)
	r := s.anon().get(t, "/rate?window=1&token="+ratingToken)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /rate: status %d, type %q", r.Status, r.Header.Get("Content-Type"))
	}
	page := string(r.Body)
	for _, want := range []string{`<html lang="ru">`, `<script src="/static/rate.js"></script>`, `href="/static/rate.css"`, "Оцените обслуживание", `id="lang"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The policy forbids inline scripts and styles: the page has none.
	if strings.Count(page, "<script") != 1 || strings.Contains(page, "style=") || strings.Contains(page, "<style") || strings.Contains(page, "onclick") {
		t.Error("the page has inline script or style")
	}
	checkSecurityHeaders(t, r, "/rate")
	for path, ct := range map[string]string{"/static/rate.js": "text/javascript", "/static/rate.css": "text/css"} {
		if r := s.anon().get(t, path); r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), ct) {
			t.Errorf("GET %s: status %d, type %q", path, r.Status, r.Header.Get("Content-Type"))
		}
	}
}

// TestRatingsInReports: marks given on the tablets are in the reports API
// by operator and by service.
func TestRatingsInReports(t *testing.T) {
	s := newStack(t)
	op1, op2 := s.signIn(t, "op1"), s.signIn(t, "op2")
	op1.act(t, "1", "open", "")
	op2.act(t, "2", "open", "")
	tab := s.tablet()
	rate := func(window string, tk ticketJSON, rest string) {
		t.Helper()
		tab.post(t, "/api/v1/windows/"+window+"/rating", `{"ticket_id":"`+tk.ID+`"`+rest+`}`).decode(t, http.StatusCreated, &rateViewJSON{})
	}
	s.issue(t, "passport")
	rate("1", op1.serveNext(t, "1"), `,"mark":5`)
	s.issue(t, "passport")
	rate("2", op2.serveNext(t, "2"), `,"mark":2,"reason":"долго ждал(а) вызова"`)
	s.issue(t, "passport")
	rate("1", op1.serveNext(t, "1"), `,"mark":4,"reason":"fast"`)

	manager := s.signIn(t, "manager")
	var rep reportJSON
	manager.get(t, "/api/v1/reports/ratings?by=operator").decode(t, http.StatusOK, &rep)
	if rep.Name != "ratings" || len(rep.Rows) != 3 {
		t.Fatalf("ratings by operator = %+v, want op1, op2 and the total", rep)
	}
	tests := []struct {
		row  int
		key  string
		want any
	}{
		{0, "operator", "op1"}, {0, "count", 2.0}, {0, "mean_mark", 4.5}, {0, "mark_5", 1.0}, {0, "mark_4", 1.0}, {0, "reason_fast", 1.0}, {0, "no_reason", 1.0},
		{1, "operator", "op2"}, {1, "count", 1.0}, {1, "mean_mark", 2.0}, {1, "reason_long-wait", 1.0}, {1, "no_reason", 0.0},
		{2, "count", 3.0}, {2, "mean_mark", 3.7}, {2, "mark_1", 0.0}, {2, "mark_2", 1.0},
	}
	for _, tt := range tests {
		if got := rep.cell(t, rep.Rows[tt.row], tt.key); got != tt.want {
			t.Errorf("row %d %s = %v, want %v", tt.row, tt.key, got, tt.want)
		}
	}
	manager.get(t, "/api/v1/reports/ratings?by=service").decode(t, http.StatusOK, &rep)
	if len(rep.Rows) != 2 || rep.cell(t, rep.Rows[0], "service") != "passport" || rep.cell(t, rep.Rows[0], "count") != 3.0 {
		t.Errorf("ratings by service = %v, want passport with 3 marks and the total", rep.Rows)
	}
	r := manager.get(t, "/api/v1/reports/ratings?by=operator&format=csv")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Средняя оценка (1–5)") {
		t.Errorf("the CSV: status %d, %s", r.Status, r.Body)
	}
}
