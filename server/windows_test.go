package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

// TestOperatorDay follows op1 at window 1 through a morning: serving a
// visitor from call to finish, postponing, forwarding to a service and to a
// window with "return to me", a break a manager has to allow, and closing.
// The steps build on each other, so they run in order on one office.
func TestOperatorDay(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	a := s.issue(t, "passport")

	w := op1.act(t, "1", "open", "")
	if !w.Open || w.Number != 1 || w.Operator != "op1" || w.OperatorName != "Иванова Мария Сергеевна" || w.Current != nil || w.Waiting != 1 {
		t.Fatalf("opened window = %+v, want window 1 open by op1 with one ticket waiting and none current", w)
	}

	t.Run("a visitor is called, recalled, served and finished", func(t *testing.T) {
		s.clock.Advance(2 * time.Minute)
		calledAt := s.clock.Now()
		w := op1.act(t, "1", "call-next", "")
		if w.Current == nil || w.Current.ID != a.ID || w.Current.Status != "called" || w.Current.Window != 1 || w.Waiting != 0 {
			t.Fatalf("after call-next window = %+v, current %+v; want %s called to window 1, nobody waiting", w, w.Current, a.Number)
		}

		s.clock.Advance(time.Minute)
		w = op1.act(t, "1", "recall", "")
		if w.Current == nil || w.Current.Status != "called" || w.Current.History[0].Recalls != 1 {
			t.Errorf("after recall current = %+v, want still called with one recall", w.Current)
		}
		calls := s.queue(t).RecentCalls
		if len(calls) != 2 || !calls[0].Recall || calls[1].Recall || calls[0].Number != "П001" || calls[0].Window != 1 {
			t.Errorf("recent_calls = %+v, want the recall of П001 to window 1 first, then the call", calls)
		}

		w = op1.act(t, "1", "start", "")
		if w.Current == nil || w.Current.Status != "serving" {
			t.Errorf("after start current = %+v, want serving", w.Current)
		}

		s.clock.Advance(7 * time.Minute)
		w = op1.act(t, "1", "finish", `{"outcome":"documents_accepted"}`)
		if w.Current != nil || !w.Open {
			t.Errorf("after finish window = %+v, current %+v; want open and free", w, w.Current)
		}
		got := s.ticket(t, a.ID)
		st := got.History[0]
		if got.Status != "done" || len(got.History) != 1 || st.End != "documents_accepted" || st.Window != 1 || st.Operator != "op1" ||
			!st.CalledAt.Equal(calledAt) || !st.EndedAt.Equal(s.clock.Now()) {
			t.Errorf("finished ticket = %s %+v, want done with one stage at window 1 by op1, documents_accepted", got.Status, got.History)
		}
	})

	b := s.issue(t, "passport")

	t.Run("a postponed visitor waits the minutes given, then queues again", func(t *testing.T) {
		op1.act(t, "1", "call-next", "")
		w := op1.act(t, "1", "postpone", `{"minutes":10}`)
		if w.Current != nil {
			t.Errorf("after postpone current = %+v, want none", w.Current)
		}
		got := s.ticket(t, b.ID)
		if want := s.clock.Now().Add(10 * time.Minute); got.Status != "postponed" || !got.PostponedUntil.Equal(want) {
			t.Errorf("postponed ticket is %s until %v, want postponed until %v", got.Status, got.PostponedUntil, want)
		}

		seq := s.lastSeq(t)
		s.refused(t, op1.post(t, "/api/v1/windows/1/call-next", ""), http.StatusConflict, queue.ECONFLICT, seq)

		s.clock.Advance(10 * time.Minute)
		if got := s.ticket(t, b.ID); got.Status != "waiting" || got.Position != 1 {
			t.Errorf("after 10 minutes the ticket is %s at %d, want waiting at 1", got.Status, got.Position)
		}
	})

	t.Run("a visitor is forwarded to another service under the same number", func(t *testing.T) {
		w := op1.act(t, "1", "call-next", "")
		if w.Current == nil || w.Current.ID != b.ID {
			t.Fatalf("call-next current = %+v, want %s back from its postponement", w.Current, b.Number)
		}
		op1.act(t, "1", "start", "")
		w = op1.act(t, "1", "forward", `{"service_id":"residence","reason":"нужна регистрация"}`)
		if w.Current != nil {
			t.Errorf("after forward current = %+v, want none", w.Current)
		}
		got := s.ticket(t, b.ID)
		n := len(got.History)
		if got.Number != b.Number || got.ServiceID != "residence" || got.Status != "waiting" || n < 2 ||
			got.History[n-1].ServiceID != "residence" || got.History[n-2].End != "forwarded" {
			t.Errorf("forwarded ticket = %s %s %s, history %+v; want %s waiting for residence after a forwarded stage", got.Number, got.ServiceID, got.Status, got.History, b.Number)
		}
	})

	op2 := s.signIn(t, "op2")

	t.Run("a visitor forwarded to a window with return comes back", func(t *testing.T) {
		if w := op2.act(t, "2", "open", ""); w.Operator != "op2" {
			t.Fatalf("window 2 = %+v, want open by op2", w)
		}
		op1.act(t, "1", "call-next", "") // residence, which window 1 serves at level 2
		op1.act(t, "1", "start", "")
		op1.act(t, "1", "forward", `{"window":2,"return":true}`)
		got := s.ticket(t, b.ID)
		if got.Status != "waiting" || got.ToWindow != 2 || got.ReturnTo != 1 {
			t.Fatalf("forwarded ticket is %s to window %d returning to %d, want waiting for window 2, returning to 1", got.Status, got.ToWindow, got.ReturnTo)
		}
		var w windowJSON
		op2.get(t, "/api/v1/windows/2").decode(t, http.StatusOK, &w)
		if w.Waiting != 1 {
			t.Errorf("window 2 = %+v, want the forwarded ticket waiting", w)
		}
		if w = op2.act(t, "2", "call-next", ""); w.Current == nil || w.Current.ID != b.ID {
			t.Fatalf("window 2 called %+v, want %s", w.Current, b.Number)
		}
		op2.act(t, "2", "start", "")
		op2.act(t, "2", "finish", "")
		got = s.ticket(t, b.ID)
		if got.Status != "waiting" || got.ToWindow != 1 || got.ReturnTo != 0 || got.ServiceID != "residence" {
			t.Errorf("after window 2 the ticket is %s for window %d (return %d, %s), want waiting for window 1, residence", got.Status, got.ToWindow, got.ReturnTo, got.ServiceID)
		}

		if w = op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != b.ID {
			t.Fatalf("window 1 called %+v, want %s back", w.Current, b.Number)
		}
		op1.act(t, "1", "start", "")
		op1.act(t, "1", "finish", `{"outcome":"served"}`)
		if got = s.ticket(t, b.ID); got.Status != "done" {
			t.Errorf("ticket is %s, want done", got.Status)
		}
	})

	t.Run("a visitor is called out of order and another does not come", func(t *testing.T) {
		c := s.issue(t, "passport")
		d := s.issue(t, "passport")
		w := op1.act(t, "1", "call", `{"ticket_id":"`+d.ID+`","reason":"ветеран ВОВ"}`)
		if w.Current == nil || w.Current.ID != d.ID || w.Current.History[0].CallReason != "ветеран ВОВ" {
			t.Fatalf("call current = %+v, want %s called for the reason given", w.Current, d.Number)
		}
		op1.act(t, "1", "start", "")
		op1.act(t, "1", "finish", "")

		if w = op1.act(t, "1", "call-next", ""); w.Current == nil || w.Current.ID != c.ID {
			t.Fatalf("call-next current = %+v, want %s", w.Current, c.Number)
		}
		if w = op1.act(t, "1", "no-show", ""); w.Current != nil {
			t.Errorf("after no-show current = %+v, want none", w.Current)
		}
		if got := s.ticket(t, c.ID); got.Status != "no_show" || got.History[0].End != "no_show" {
			t.Errorf("ticket is %s, history %+v; want no_show", got.Status, got.History)
		}
	})

	t.Run("a break that leaves a service without a window needs the manager", func(t *testing.T) {
		// With window 2 closed, window 1 is the only open one for its services.
		if w := op2.act(t, "2", "close", ""); w.Open {
			t.Fatalf("window 2 = %+v, want closed", w)
		}
		seq := s.lastSeq(t)
		e := s.refused(t, op1.post(t, "/api/v1/windows/1/break", `{"reason":"обед"}`), http.StatusConflict, queue.ECONFLICT, seq)
		for _, name := range []string{"Паспорт гражданина РФ", "Заграничный паспорт", "Регистрация по месту жительства"} {
			if !strings.Contains(e.Error.Message, name) {
				t.Errorf("message = %q, want it to name %q", e.Error.Message, name)
			}
		}
		s.refused(t, op1.post(t, "/api/v1/windows/1/break", `{"reason":"обед","override":true}`), http.StatusForbidden, queue.EFORBIDDEN, seq)

		manager := s.signIn(t, "manager")
		w := manager.act(t, "1", "break", `{"reason":"обед","override":true}`)
		if !w.OnBreak || w.BreakReason != "обед" || w.Operator != "op1" || len(w.Warnings) == 0 ||
			!strings.Contains(w.Warnings[0].RU, "Заграничный паспорт") {
			t.Errorf("window after the manager's break = %+v, want op1 on a break with a warning naming the foreign passport", w)
		}

		seq = s.lastSeq(t)
		s.refused(t, op1.post(t, "/api/v1/windows/1/call-next", ""), http.StatusConflict, queue.ECONFLICT, seq)
	})

	t.Run("the operator resumes and the break is counted", func(t *testing.T) {
		s.clock.Advance(10 * time.Minute)
		w := op1.act(t, "1", "resume", "")
		if w.OnBreak || w.BreakUsedS != 600 {
			t.Errorf("after resume on_break %v, break_used_s %d; want false, 600", w.OnBreak, w.BreakUsedS)
		}
	})

	t.Run("the operator closes the window", func(t *testing.T) {
		w := op1.act(t, "1", "close", "")
		if w.Open || w.Operator != "" || w.Current != nil {
			t.Errorf("closed window = %+v, want closed with nobody", w)
		}
		var ws struct {
			Windows []windowJSON `json:"windows"`
		}
		op1.get(t, "/api/v1/windows").decode(t, http.StatusOK, &ws)
		if len(ws.Windows) != 8 || ws.Windows[0].Number != 1 || ws.Windows[0].Open {
			t.Errorf("windows = %+v, want 8, window 1 first and closed", ws.Windows)
		}
	})
}

func TestWindowActionRefused(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	op2 := s.signIn(t, "op2")
	op1.act(t, "1", "open", "")

	type refusal struct {
		name   string
		who    *client
		window string
		action string
		body   string
		status int
		code   queue.Code
	}
	check := func(t *testing.T, tests []refusal) {
		t.Helper()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				seq := s.lastSeq(t)
				r := tc.who.post(t, "/api/v1/windows/"+tc.window+"/"+tc.action, tc.body)
				s.refused(t, r, tc.status, tc.code, seq)
			})
		}
	}

	t.Run("with nobody at the window", func(t *testing.T) {
		check(t, []refusal{
			{"a request without a session is unauthorized", s.anon(), "1", "call-next", "", http.StatusUnauthorized, queue.EUNAUTHORIZED},
			{"a kiosk token is no staff session", s.kiosk(), "1", "call-next", "", http.StatusUnauthorized, queue.EUNAUTHORIZED},
			{"window abc is invalid", op1, "abc", "call-next", "", http.StatusBadRequest, queue.EINVALID},
			{"window 0 is invalid", op1, "0", "open", "", http.StatusBadRequest, queue.EINVALID},
			{"window -1 is invalid", op1, "-1", "open", "", http.StatusBadRequest, queue.EINVALID},
			{"window 99 is not found", op1, "99", "open", "", http.StatusNotFound, queue.ENOTFOUND},
			{"an unknown action is not found", op1, "1", "dance", "", http.StatusNotFound, queue.ENOTFOUND},
			{"op2 may not call at op1's window", op2, "1", "call-next", "", http.StatusForbidden, queue.EFORBIDDEN},
			{"op2 may not close op1's window", op2, "1", "close", "", http.StatusForbidden, queue.EFORBIDDEN},
			{"op2 may not open a window op1 works at", op2, "1", "open", "", http.StatusConflict, queue.ECONFLICT},
			{"op2 may not open a window for op1", op2, "2", "open", `{"operator":"op1"}`, http.StatusForbidden, queue.EFORBIDDEN},
			{"opening an open window again is a conflict", op1, "1", "open", "", http.StatusConflict, queue.ECONFLICT},
			{"an operator works at one window at a time", op1, "3", "open", "", http.StatusConflict, queue.ECONFLICT},
			{"a closed window calls nobody", op1, "3", "call-next", "", http.StatusConflict, queue.ECONFLICT},
			{"call-next with nobody waiting is a conflict", op1, "1", "call-next", "", http.StatusConflict, queue.ECONFLICT},
			{"finish with nobody served is a conflict", op1, "1", "finish", `{"outcome":"served"}`, http.StatusConflict, queue.ECONFLICT},
			{"start with nobody called is a conflict", op1, "1", "start", "", http.StatusConflict, queue.ECONFLICT},
			{"recall with nobody called is a conflict", op1, "1", "recall", "", http.StatusConflict, queue.ECONFLICT},
			{"no-show with nobody called is a conflict", op1, "1", "no-show", "", http.StatusConflict, queue.ECONFLICT},
			{"postpone with nobody at the window is a conflict", op1, "1", "postpone", `{"minutes":5}`, http.StatusConflict, queue.ECONFLICT},
			{"forward with nobody served is a conflict", op1, "1", "forward", `{"service_id":"residence"}`, http.StatusConflict, queue.ECONFLICT},
			{"resume when not on a break is a conflict", op1, "1", "resume", "", http.StatusConflict, queue.ECONFLICT},
			{"calling an unknown ticket is not found", op1, "1", "call", `{"ticket_id":"20261123-0404","reason":"ветеран"}`, http.StatusNotFound, queue.ENOTFOUND},
			{"postpone for ten as a word is invalid", op1, "1", "postpone", `{"minutes":"ten"}`, http.StatusBadRequest, queue.EINVALID},
			{"a break without a reason is invalid", op1, "1", "break", `{}`, http.StatusBadRequest, queue.EINVALID},
			{"an operator may not override the break rules", op1, "1", "break", `{"reason":"обед","override":true}`, http.StatusForbidden, queue.EFORBIDDEN},
			{"a break past an hour is invalid", op1, "1", "break", `{"reason":"обед","minutes":61}`, http.StatusBadRequest, queue.EINVALID},
			{"malformed JSON is invalid", op1, "1", "call-next", `{"reason":`, http.StatusBadRequest, queue.EINVALID},
			{"an unknown field is invalid", op1, "1", "call-next", `{"urgent":true}`, http.StatusBadRequest, queue.EINVALID},
		})
	})

	t.Run("postponing for a word names the field", func(t *testing.T) {
		r := op1.post(t, "/api/v1/windows/1/postpone", `{"minutes":"ten"}`)
		if e := checkError(t, r, http.StatusBadRequest, queue.EINVALID); !strings.Contains(e.Error.Message, "minutes") {
			t.Errorf("message = %q, want it to name minutes", e.Error.Message)
		}
	})

	t.Run("the window views are for staff only", func(t *testing.T) {
		checkError(t, s.anon().get(t, "/api/v1/windows"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
		checkError(t, s.anon().get(t, "/api/v1/windows/1"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
		checkError(t, op1.get(t, "/api/v1/windows/99"), http.StatusNotFound, queue.ENOTFOUND)
		checkError(t, op1.get(t, "/api/v1/windows/x"), http.StatusBadRequest, queue.EINVALID)
		var w windowJSON
		op2.get(t, "/api/v1/windows/1").decode(t, http.StatusOK, &w)
		if !w.Open || w.Operator != "op1" {
			t.Errorf("window 1 = %+v, want open by op1", w)
		}
	})

	s.issue(t, "passport")
	op1.act(t, "1", "call-next", "")
	op1.act(t, "1", "start", "")

	t.Run("with a visitor being served", func(t *testing.T) {
		check(t, []refusal{
			{"forward to an unknown service is not found", op1, "1", "forward", `{"service_id":"no-such-service"}`, http.StatusNotFound, queue.ENOTFOUND},
			{"forward to an unknown window is not found", op1, "1", "forward", `{"window":99}`, http.StatusNotFound, queue.ENOTFOUND},
			{"forward to an unknown colleague is not found", op1, "1", "forward", `{"operator":"nobody"}`, http.StatusNotFound, queue.ENOTFOUND},
			{"forward without a target is invalid", op1, "1", "forward", `{}`, http.StatusBadRequest, queue.EINVALID},
			{"forward to one's own window is invalid", op1, "1", "forward", `{"window":1}`, http.StatusBadRequest, queue.EINVALID},
			{"forward to the same service is invalid", op1, "1", "forward", `{"service_id":"passport"}`, http.StatusBadRequest, queue.EINVALID},
			{"finish with an unknown outcome is invalid", op1, "1", "finish", `{"outcome":"great"}`, http.StatusBadRequest, queue.EINVALID},
			{"postponing a visitor already being served is a conflict", op1, "1", "postpone", `{"minutes":10}`, http.StatusConflict, queue.ECONFLICT},
			{"forward to a window nobody has opened is a conflict", op1, "1", "forward", `{"window":5}`, http.StatusConflict, queue.ECONFLICT},
			{"call-next before finishing is a conflict", op1, "1", "call-next", "", http.StatusConflict, queue.ECONFLICT},
			{"start again is a conflict", op1, "1", "start", "", http.StatusConflict, queue.ECONFLICT},
			{"closing with a visitor at the window is a conflict", op1, "1", "close", "", http.StatusConflict, queue.ECONFLICT},
			{"a break with a visitor at the window is a conflict", op1, "1", "break", `{"reason":"обед"}`, http.StatusConflict, queue.ECONFLICT},
			{"op2 may not finish op1's visitor", op2, "1", "finish", "", http.StatusForbidden, queue.EFORBIDDEN},
		})
	})
}

func TestWindowServices(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	manager := s.signIn(t, "manager")
	op8 := s.signIn(t, "op8")
	const body = `{"services":[{"service_id":"passport","level":1},{"service_id":"pick-up","level":2}]}`

	r := manager.do(t, http.MethodPut, "/api/v1/windows/8/services", body)
	var w windowJSON
	r.decode(t, http.StatusOK, &w)
	want := []levelJSON{{"passport", 1}, {"pick-up", 2}}
	if w.Number != 8 || !slices.Equal(w.Services, want) {
		t.Errorf("window = %d serving %+v, want 8 serving %+v", w.Number, w.Services, want)
	}

	t.Run("the window calls from its new services", func(t *testing.T) {
		tk := s.issue(t, "passport")
		op8.act(t, "8", "open", "")
		if w := op8.act(t, "8", "call-next", ""); w.Current == nil || w.Current.ID != tk.ID {
			t.Errorf("window 8 called %+v, want the passport ticket %s", w.Current, tk.Number)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name   string
			who    *client
			window string
			body   string
			status int
			code   queue.Code
		}{
			{"a request without a session is unauthorized", s.kiosk(), "8", body, http.StatusUnauthorized, queue.EUNAUTHORIZED},
			{"an operator may not move a window", op8, "8", body, http.StatusForbidden, queue.EFORBIDDEN},
			{"window abc is invalid", manager, "abc", body, http.StatusBadRequest, queue.EINVALID},
			{"window 99 is not found", manager, "99", body, http.StatusNotFound, queue.ENOTFOUND},
			{"an unknown service is not found", manager, "8", `{"services":[{"service_id":"nope","level":1}]}`, http.StatusNotFound, queue.ENOTFOUND},
			{"level 0 is invalid", manager, "8", `{"services":[{"service_id":"passport","level":0}]}`, http.StatusBadRequest, queue.EINVALID},
			{"a service listed twice is invalid", manager, "8", `{"services":[{"service_id":"passport","level":1},{"service_id":"passport","level":2}]}`, http.StatusBadRequest, queue.EINVALID},
			{"no services is invalid", manager, "8", `{"services":[]}`, http.StatusBadRequest, queue.EINVALID},
			{"an empty body is invalid", manager, "8", ``, http.StatusBadRequest, queue.EINVALID},
			{"a level as a word is invalid", manager, "8", `{"services":[{"service_id":"passport","level":"one"}]}`, http.StatusBadRequest, queue.EINVALID},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				seq := s.lastSeq(t)
				s.refused(t, tc.who.do(t, http.MethodPut, "/api/v1/windows/"+tc.window+"/services", tc.body), tc.status, tc.code, seq)
			})
		}
	})
}

// TestCrossSiteRequests checks that a page of another site cannot make a
// signed-in browser change anything, while the office's own pages and
// programs that send no browser headers can.
func TestCrossSiteRequests(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")

	t.Run("a cross-site post is forbidden", func(t *testing.T) {
		seq := s.lastSeq(t)
		r := op1.do(t, http.MethodPost, "/api/v1/windows/1/open", "", "Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example")
		s.refused(t, r, http.StatusForbidden, queue.EFORBIDDEN, seq)
	})

	t.Run("a post from another origin without fetch metadata is forbidden", func(t *testing.T) {
		seq := s.lastSeq(t)
		r := s.kiosk().do(t, http.MethodPost, "/api/v1/tickets", `{"service_id":"passport"}`, "Origin", "http://evil.example")
		s.refused(t, r, http.StatusForbidden, queue.EFORBIDDEN, seq)
	})

	t.Run("a same-origin post passes", func(t *testing.T) {
		r := op1.do(t, http.MethodPost, "/api/v1/windows/1/open", "", "Sec-Fetch-Site", "same-origin", "Origin", s.URL())
		var w windowJSON
		r.decode(t, http.StatusOK, &w)
		if !w.Open {
			t.Errorf("window = %+v, want open", w)
		}
	})
}

// TestRecallLimit: the demo office allows three recalls; the fourth recall
// through the API ends the call as a no-show, logged with the reason, and
// the reply warns the operator in both languages.
func TestRecallLimit(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	a := s.issue(t, "passport")
	op1.act(t, "1", "open", "")

	var w recallWindowJSON
	op1.post(t, "/api/v1/windows/1/call-next", "").decode(t, http.StatusOK, &w)
	if w.Current == nil || w.Current.RecallsLeft == nil || *w.Current.RecallsLeft != 3 {
		t.Fatalf("after the call current = %+v, want recalls_left 3", w.Current)
	}
	for i := 1; i <= 3; i++ {
		s.clock.Advance(time.Minute)
		w = recallWindowJSON{}
		op1.post(t, "/api/v1/windows/1/recall", "").decode(t, http.StatusOK, &w)
		if w.Current == nil || w.Current.Status != "called" || *w.Current.RecallsLeft != 3-i || len(w.Warnings) != 0 {
			t.Fatalf("recall %d: window %+v, current %+v; want still called with %d recalls left", i, w, w.Current, 3-i)
		}
	}

	s.clock.Advance(time.Minute)
	w = recallWindowJSON{}
	op1.post(t, "/api/v1/windows/1/recall", "").decode(t, http.StatusOK, &w)
	if w.Current != nil {
		t.Fatalf("after the fourth recall current = %+v, want the window free", w.Current)
	}
	if len(w.Warnings) != 1 || !strings.Contains(w.Warnings[0].RU, "превышено число повторных вызовов (3)") || w.Warnings[0].EN == "" {
		t.Fatalf("warnings = %+v, want one about the recall limit of 3 in Russian and English", w.Warnings)
	}
	if got := s.ticket(t, a.ID); got.Status != "no_show" || got.History[0].Recalls != 3 {
		t.Fatalf("ticket = %s %+v, want no_show after 3 recalls", got.Status, got.History)
	}
	var last queue.Event
	if err := s.Store.Replay(t.Context(), 0, func(ev queue.Event) error { last = ev; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Type != queue.EventTicketNoShow || last.Ticket != a.ID || last.Reason != "превышено число повторных вызовов (3)" || last.Actor != "op1" {
		t.Fatalf("last logged event = %+v, want op1's TicketNoShow of %s with the recall limit as reason", last, a.ID)
	}
}

// recallWindowJSON is a window reply with the current ticket's recall count.
type recallWindowJSON struct {
	Current *struct {
		Status      string `json:"status"`
		RecallsLeft *int   `json:"recalls_left"`
	} `json:"current"`
	Warnings []queue.Text `json:"warnings"`
}

// TestCallPostponed: an operator calls back through the API a visitor they
// postponed, before the postponement runs out; the reason is kept in the
// ticket's history and one is required.
func TestCallPostponed(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	a := s.issue(t, "passport")
	op1.act(t, "1", "open", "")
	op1.act(t, "1", "call-next", "")
	op1.act(t, "1", "postpone", `{"minutes":30}`)
	s.clock.Advance(5 * time.Minute)
	if got := s.ticket(t, a.ID); got.Status != "postponed" {
		t.Fatalf("ticket is %s, want postponed", got.Status)
	}

	seq := s.lastSeq(t)
	s.refused(t, op1.post(t, "/api/v1/windows/1/call", `{"ticket_id":"`+a.ID+`"}`), http.StatusBadRequest, queue.EINVALID, seq)

	w := op1.act(t, "1", "call", `{"ticket_id":"`+a.ID+`","reason":"принёс недостающий документ"}`)
	if w.Current == nil || w.Current.ID != a.ID || w.Current.Status != "called" {
		t.Fatalf("after call current = %+v, want %s called", w.Current, a.Number)
	}
	got := s.ticket(t, a.ID)
	last := got.History[len(got.History)-1]
	if got.Status != "called" || len(got.History) != 2 || last.CallReason != "принёс недостающий документ" ||
		!last.CalledAt.Equal(s.clock.Now()) || last.QueuedAt.After(last.CalledAt) {
		t.Fatalf("ticket = %s %+v, want a second stage called now for the reason given", got.Status, got.History)
	}
}
