package queue

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestTicketLife(t *testing.T) {
	h := newHarness(t)
	h.must(1, "op1", ActionOpen)
	a := h.issue("passport")
	if a.Number != "П001" || a.Status != StatusWaiting || a.Position != 1 {
		t.Fatalf("issued %+v, want П001 waiting at position 1", a)
	}
	h.advance(4 * time.Minute)
	w := h.must(1, "op1", ActionCallNext)
	if w.Current == nil || w.Current.ID != a.ID || w.Current.Status != StatusCalled {
		t.Fatalf("after call-next current = %+v, want %s called", w.Current, a.ID)
	}
	if got := w.Current.History[0].CallReason; got == "" {
		t.Errorf("call reason is empty")
	}
	h.must(1, "op1", ActionRecall)
	h.advance(time.Minute)
	h.must(1, "op1", ActionStart)
	h.advance(7 * time.Minute)
	w = h.must(1, "op1", ActionFinish, with(func(c *WindowCommand) { c.Outcome = OutcomeDocumentsAccepted }))
	if w.Current != nil {
		t.Fatalf("window still has %+v after finish", w.Current)
	}
	got := h.ticket(a.ID)
	st := got.History[0]
	if got.Status != StatusDone || st.End != string(OutcomeDocumentsAccepted) || st.Recalls != 1 || st.Window != 1 || st.Operator != "op1" {
		t.Fatalf("finished ticket = %+v", got)
	}
	if w, s := st.Wait(h.now), st.ServiceTime(h.now); w != 4*time.Minute || s != 7*time.Minute {
		t.Errorf("wait, service = %v, %v; want 4m, 7m", w, s)
	}
	if b := h.issue("passport"); b.Number != "П002" {
		t.Errorf("second passport ticket = %s, want П002", b.Number)
	}
	if c := h.issue("foreign"); c.Number != "З001" {
		t.Errorf("first foreign ticket = %s, want З001: numbering is per prefix", c.Number)
	}
}

func TestNoShowPostponeCancel(t *testing.T) {
	t.Run("a called visitor who does not come is a no-show and frees the window", func(t *testing.T) {
		h := newHarness(t)
		h.must(1, "op1", ActionOpen)
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		if w := h.must(1, "op1", ActionNoShow); w.Current != nil {
			t.Fatalf("window still busy after no-show")
		}
		if got := h.ticket(a.ID).Status; got != StatusNoShow {
			t.Fatalf("status = %s, want no_show", got)
		}
	})
	t.Run("a postponed ticket is not called before its time and is called first after it", func(t *testing.T) {
		h := newHarness(t)
		h.must(1, "op1", ActionOpen)
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionPostpone, with(func(c *WindowCommand) { c.Minutes = 10 }))
		b := h.issue("passport")
		if got := h.ticket(a.ID); got.Status != StatusPostponed || got.PostponedUntil.IsZero() {
			t.Fatalf("postponed ticket = %+v", got)
		}
		if w := h.must(1, "op1", ActionCallNext); w.Current.ID != b.ID {
			t.Fatalf("called %s during the postponement, want %s", w.Current.Number, b.Number)
		}
		h.must(1, "op1", ActionNoShow)
		c := h.issue("passport")
		h.advance(10 * time.Minute)
		if got := h.ticket(a.ID).Status; got != StatusWaiting {
			t.Fatalf("after the postponement status = %s, want waiting", got)
		}
		if w := h.must(1, "op1", ActionCallNext); w.Current.ID != a.ID {
			t.Fatalf("called %s, want the returning %s before %s", w.Current.Number, a.Number, c.Number)
		}
	})
	t.Run("a waiting ticket can be cancelled and leaves the queue", func(t *testing.T) {
		h := newHarness(t)
		a := h.issue("passport")
		if _, err := h.eng.Cancel(context.Background(), Actor{}, a.ID); err != nil {
			t.Fatal(err)
		}
		h.must(1, "op1", ActionOpen)
		if _, err := h.do(1, "op1", ActionCallNext); ErrorCode(err) != ECONFLICT {
			t.Fatalf("call-next after the only ticket was cancelled: %v, want conflict", err)
		}
	})
}

func TestForward(t *testing.T) {
	t.Run("to a service: same number, new stage, waits in that queue", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.advance(5 * time.Minute)
		h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToService = "property" }))
		got := h.ticket(a.ID)
		if got.Status != StatusWaiting || got.ServiceID != "property" || len(got.History) != 2 || got.History[0].End != "forwarded" {
			t.Fatalf("forwarded ticket = %+v", got)
		}
		if w := h.must(3, "op3", ActionCallNext); w.Current.Number != "П001" {
			t.Fatalf("window 3 called %s, want П001", w.Current.Number)
		}
	})
	t.Run("to a window with return: comes back to the sender first", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToWindow, c.ToService, c.Return = 2, "foreign", true }))
		other := h.issue("passport")
		w2 := h.must(2, "op2", ActionCallNext)
		if w2.Current.ID != a.ID || !strings.Contains(w2.Current.History[1].CallReason, "окно 2") {
			t.Fatalf("window 2 called %+v, want the forwarded %s", w2.Current, a.Number)
		}
		h.must(2, "op2", ActionStart)
		h.must(2, "op2", ActionFinish)
		got := h.ticket(a.ID)
		if got.Status != StatusWaiting || got.ToWindow != 1 || got.ServiceID != "passport" || got.ReturnTo != 0 {
			t.Fatalf("after the other window finished: %+v, want waiting for window 1 again", got)
		}
		if w1 := h.must(1, "op1", ActionCallNext); w1.Current.ID != a.ID {
			t.Fatalf("window 1 called %s, want the returning %s before %s", w1.Current.Number, a.Number, other.Number)
		}
	})
}

func TestForwardToOperator(t *testing.T) {
	h := newHarness(t)
	h.openAll()
	a := h.issue("passport")
	h.must(1, "op1", ActionCallNext)
	h.must(1, "op1", ActionStart)
	h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToOperator = "op3" }))
	if _, err := h.do(1, "op1", ActionCallNext); ErrorCode(err) != ECONFLICT {
		t.Fatalf("window 1 could call a ticket addressed to op3: %v", err)
	}
	if w := h.must(3, "op3", ActionCallNext); w.Current.ID != a.ID {
		t.Fatalf("op3 called %+v, want %s", w.Current, a.Number)
	}
}

func TestBreaks(t *testing.T) {
	reason := with(func(c *WindowCommand) { c.Reason, c.Minutes = "проветрить", 20 })
	t.Run("a break summed past 45 minutes in a day warns", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		h.must(1, "op1", ActionBreak, reason)
		h.advance(30 * time.Minute)
		if w := h.must(1, "op1", ActionResume); len(w.Warnings) != 0 || w.BreakUsedS != 1800 {
			t.Fatalf("after 30 min: warnings %v, used %d s", w.Warnings, w.BreakUsedS)
		}
		h.must(1, "op1", ActionBreak, with(func(c *WindowCommand) { c.Reason, c.Minutes = "звонок", 10 }))
		h.advance(20 * time.Minute)
		w := h.must(1, "op1", ActionResume)
		if len(w.Warnings) != 1 || !strings.Contains(w.Warnings[0].RU, "50 мин") {
			t.Fatalf("after 50 min of breaks: warnings %v, want one about 50 min", w.Warnings)
		}
	})
	t.Run("a manager may override a refused break and is warned", func(t *testing.T) {
		h := newHarness(t)
		h.must(2, "op2", ActionOpen)
		w := h.must(2, "boss", ActionBreak, with(func(c *WindowCommand) { c.Reason, c.Override = "срочно", true }))
		if !w.OnBreak || len(w.Warnings) != 1 {
			t.Fatalf("override: %+v", w)
		}
	})
}

// TestRefusals checks every refusal gives the right code and writes nothing.
func TestRefusals(t *testing.T) {
	serving := func(h *harness) {
		h.openAll()
		h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
	}
	called := func(h *harness) { h.openAll(); h.issue("passport"); h.must(1, "op1", ActionCallNext) }
	open := func(h *harness) { h.openAll() }
	tests := []struct {
		name  string
		setup func(*harness)
		run   func(*harness) error
		want  Code
	}{
		{"calling with no waiting ticket", open, act(1, "op1", ActionCallNext), ECONFLICT},
		{"calling at a closed window", nil, act(1, "op1", ActionCallNext), ECONFLICT},
		{"calling at an unknown window", open, act(9, "op1", ActionCallNext), ENOTFOUND},
		{"calling while the current ticket is not finished", func(h *harness) { called(h); h.issue("passport") }, act(1, "op1", ActionCallNext), ECONFLICT},
		{"starting with nobody called", open, act(1, "op1", ActionStart), ECONFLICT},
		{"recalling with nobody called", open, act(1, "op1", ActionRecall), ECONFLICT},
		{"finishing a ticket not being served", called, act(1, "op1", ActionFinish), ECONFLICT},
		{"finishing with an unknown outcome", serving, act(1, "op1", ActionFinish, func(c *WindowCommand) { c.Outcome = "великолепно" }), EINVALID},
		{"a no-show for a visitor already served", serving, act(1, "op1", ActionNoShow), ECONFLICT},
		{"postponing for no minutes", called, act(1, "op1", ActionPostpone), EINVALID},
		{"postponing for too long", called, act(1, "op1", ActionPostpone, func(c *WindowCommand) { c.Minutes = 10000 }), EINVALID},
		{"postponing with nobody at the window", open, act(1, "op1", ActionPostpone, func(c *WindowCommand) { c.Minutes = 5 }), ECONFLICT},
		{"postponing a visitor being served", serving, act(1, "op1", ActionPostpone, func(c *WindowCommand) { c.Minutes = 5 }), ECONFLICT},
		{"forwarding to a closed window", func(h *harness) {
			h.must(1, "op1", ActionOpen)
			h.issue("passport")
			h.must(1, "op1", ActionCallNext)
			h.must(1, "op1", ActionStart)
		}, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToWindow = 2 }), ECONFLICT},
		{"forwarding to a colleague at no window", func(h *harness) {
			h.must(1, "op1", ActionOpen)
			h.issue("passport")
			h.must(1, "op1", ActionCallNext)
			h.must(1, "op1", ActionStart)
		}, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToOperator = "op2" }), ECONFLICT},
		{"opening a day ahead of the calendar", func(h *harness) { h.eng.CloseDay(context.Background(), boss) }, func(h *harness) error {
			_, err := h.eng.OpenDay(context.Background(), boss, "2099-01-01")
			return err
		}, EINVALID},
		{"forwarding to an unknown service", serving, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToService = "nope" }), ENOTFOUND},
		{"forwarding to an unknown window", serving, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToWindow = 42 }), ENOTFOUND},
		{"forwarding to an unknown operator", serving, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToOperator = "ghost" }), ENOTFOUND},
		{"forwarding to one's own window", serving, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToWindow = 1 }), EINVALID},
		{"forwarding with no target", serving, act(1, "op1", ActionForward), EINVALID},
		{"forwarding into the same queue", serving, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToService = "passport" }), EINVALID},
		{"forwarding a visitor only called", called, act(1, "op1", ActionForward, func(c *WindowCommand) { c.ToService = "property" }), ECONFLICT},
		{"issuing for an unknown service", nil, issue("nope", ""), ENOTFOUND},
		{"issuing an appointment ticket without check-in", nil, issue("passport", PriorityAppointment), EINVALID},
		{"issuing with an unknown priority", nil, issue("passport", "vip"), EINVALID},
		{"issuing after the day was closed", func(h *harness) { h.eng.CloseDay(context.Background(), boss) }, issue("passport", ""), ECONFLICT},
		{"cancelling a called ticket", called, func(h *harness) error {
			_, err := h.eng.Cancel(context.Background(), Actor{}, firstTicket(h))
			return err
		}, ECONFLICT},
		{"cancelling an unknown ticket", nil, func(h *harness) error { _, err := h.eng.Cancel(context.Background(), Actor{}, "x"); return err }, ENOTFOUND},
		{"opening a window someone else has open", open, act(1, "op2", ActionOpen), ECONFLICT},
		{"opening a second window", func(h *harness) { h.must(1, "op1", ActionOpen) }, act(2, "op1", ActionOpen), ECONFLICT},
		{"opening a window for someone else", nil, act(1, "op1", ActionOpen, func(c *WindowCommand) { c.Operator = "op2" }), EFORBIDDEN},
		{"opening for an unknown staff member", nil, act(1, "boss", ActionOpen, func(c *WindowCommand) { c.Operator = "ghost" }), ENOTFOUND},
		{"acting at another operator's window", open, act(1, "op2", ActionCallNext), EFORBIDDEN},
		{"closing a window with a visitor at it", called, act(1, "op1", ActionClose), ECONFLICT},
		{"a break with no reason", open, act(1, "op1", ActionBreak), EINVALID},
		{"a break too long", open, act(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason, c.Minutes = "обед", 90 }), EINVALID},
		{"a break with a visitor at the window", called, act(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason = "звонок" }), ECONFLICT},
		{"a break leaving a service with no open window", open, act(3, "op3", ActionBreak, func(c *WindowCommand) { c.Reason = "звонок" }), ECONFLICT},
		{"an operator overriding the break rules", open, act(2, "op2", ActionBreak, func(c *WindowCommand) { c.Reason, c.Override = "звонок", true }), EFORBIDDEN},
		{"a second break that passes 45 min", func(h *harness) {
			h.openAll()
			h.must(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason, c.Minutes = "врач", 40 })
			h.advance(40 * time.Minute)
			h.must(1, "op1", ActionResume)
		}, act(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason, c.Minutes = "звонок", 10 }), ECONFLICT},
		{"a break while on a break", func(h *harness) {
			h.openAll()
			h.must(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason = "звонок" })
		}, act(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason = "ещё" }), ECONFLICT},
		{"calling while on a break", func(h *harness) {
			h.openAll()
			h.issue("passport")
			h.must(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason = "звонок" })
		}, act(1, "op1", ActionCallNext), ECONFLICT},
		{"resuming with no break", open, act(1, "op1", ActionResume), ECONFLICT},
		{"calling out of order with no reason", func(h *harness) { h.openAll(); h.issue("passport") }, func(h *harness) error {
			_, err := h.do(1, "op1", ActionCall, func(c *WindowCommand) { c.Ticket = firstTicket(h) })
			return err
		}, EINVALID},
		{"calling out of order a service the window does not serve", func(h *harness) { h.openAll(); h.issue("property") }, func(h *harness) error {
			_, err := h.do(1, "op1", ActionCall, func(c *WindowCommand) { c.Ticket, c.Reason = firstTicket(h), "просьба" })
			return err
		}, ECONFLICT},
		{"an unknown action", open, act(1, "op1", "dance"), EINVALID},
		{"closing the day twice", func(h *harness) { h.eng.CloseDay(context.Background(), boss) }, func(h *harness) error { _, err := h.eng.CloseDay(context.Background(), boss); return err }, ECONFLICT},
		{"opening a day before the current one", nil, func(h *harness) error { _, err := h.eng.OpenDay(context.Background(), boss, "2020-01-01"); return err }, ECONFLICT},
		{"opening a day with a malformed date", nil, func(h *harness) error { _, err := h.eng.OpenDay(context.Background(), boss, "23.11.2026"); return err }, EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			h := newHarness(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			before := len(h.log.events)
			wantCode(t, tt.run(h), tt.want)
			if got := len(h.log.events); got != before {
				t.Errorf("a refused command wrote %d events", got-before)
			}
		})
	}
}

func act(n int, login string, a Action, mods ...func(*WindowCommand)) func(*harness) error {
	return func(h *harness) error { _, err := h.do(n, login, a, mods...); return err }
}

func issue(service string, p Priority) func(*harness) error {
	return func(h *harness) error {
		_, err := h.eng.Issue(context.Background(), IssueRequest{Service: service, Priority: p})
		return err
	}
}

func firstTicket(h *harness) string {
	var id string
	h.eng.Read(func(s *State, now time.Time) { id = s.Tickets(now)[0].ID })
	return id
}

func TestFailedAppendChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.log.fail = context.DeadlineExceeded
	if _, err := h.eng.Issue(context.Background(), IssueRequest{Service: "passport"}); err == nil {
		t.Fatal("issue succeeded with a failing log")
	}
	h.log.fail = nil
	if got := h.issue("passport"); got.Number != "П001" {
		t.Fatalf("after a failed append the next number is %s, want П001", got.Number)
	}
}

func TestDay(t *testing.T) {
	t.Run("closing the day ends open tickets as not served and closes windows", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		a, b := h.issue("passport"), h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.must(1, "op1", ActionFinish)
		c := h.issue("foreign")
		h.must(2, "op2", ActionCallNext)
		q, err := h.eng.CloseDay(context.Background(), boss)
		if err != nil || q.DayOpen {
			t.Fatalf("close day: %v, open=%v", err, q.DayOpen)
		}
		for id, want := range map[string]Status{a.ID: StatusDone, b.ID: StatusNotServed, c.ID: StatusNotServed} {
			if got := h.ticket(id).Status; got != want {
				t.Errorf("ticket %s = %s, want %s", id, got, want)
			}
		}
		for _, w := range h.eng.Windows() {
			if w.Open {
				t.Errorf("window %d still open after day close", w.Number)
			}
		}
	})
	t.Run("a new date restarts numbering; reopening the same date does not", func(t *testing.T) {
		h := newHarness(t)
		h.issue("passport")
		h.eng.CloseDay(context.Background(), boss)
		if _, err := h.eng.OpenDay(context.Background(), boss, "2026-11-23"); err != nil {
			t.Fatal(err)
		}
		if got := h.issue("passport").Number; got != "П002" {
			t.Fatalf("after reopening the same day: %s, want П002", got)
		}
		h.advance(24 * time.Hour)
		next := h.issue("passport")
		if next.Number != "П001" || !strings.HasPrefix(next.ID, "20261124-") {
			t.Fatalf("next day: %s %s, want П001 with a 20261124 id", next.ID, next.Number)
		}
	})
}

func TestPrediction(t *testing.T) {
	h := newHarness(t)
	h.must(1, "op1", ActionOpen)
	h.must(3, "op3", ActionOpen)
	for i := 0; i < 5; i++ {
		h.issue("passport")
	}
	// Two windows serve passports, both free: a sixth visitor needs
	// 5-2+1 = 4 finishes shared by 2 windows at 10 min each.
	var svc ServiceView
	for _, s := range h.eng.Services() {
		if s.ID == "passport" {
			svc = s
		}
	}
	if svc.Waiting != 5 || svc.PredictedWaitS != 20*60 || svc.WindowsOpen != 2 {
		t.Fatalf("passport = %+v, want 5 waiting, 20 min predicted, 2 windows", svc)
	}
	// Recent service times replace the typical one.
	h.must(1, "op1", ActionCallNext)
	h.must(1, "op1", ActionStart)
	h.advance(4 * time.Minute)
	h.must(1, "op1", ActionFinish)
	var mean time.Duration
	h.eng.Read(func(s *State, now time.Time) { mean = s.meanServiceTime("passport") })
	if mean != 4*time.Minute {
		t.Fatalf("mean service time = %v, want 4m", mean)
	}
	h.advance(20 * time.Minute)
	for _, s := range h.eng.Services() {
		if s.ID == "passport" && (!s.OverTarget || s.LongestWaitS != 24*60) {
			t.Fatalf("passport after 24 min = %+v, want over target with longest 24 min", s)
		}
	}
}

func TestManagerMovesWindow(t *testing.T) {
	ctx := context.Background()
	boss, op := Actor{Login: "boss", Role: RoleManager}, Actor{Login: "op2", Role: RoleOperator}
	h := newHarness(t)
	h.openAll()
	a := h.issue("property")
	if _, err := h.do(2, "op2", ActionCallNext); ErrorCode(err) != ECONFLICT {
		t.Fatalf("window 2 called a property ticket before the move: %v", err)
	}
	refusals := []struct {
		name     string
		actor    Actor
		window   int
		services ServiceLevels
		want     Code
	}{
		{"an operator may not move a window", op, 2, ServiceLevels{{"property", 1}}, EFORBIDDEN},
		{"an unknown window", boss, 9, ServiceLevels{{"property", 1}}, ENOTFOUND},
		{"an unknown service", boss, 2, ServiceLevels{{"nope", 1}}, ENOTFOUND},
		{"no services at all", boss, 2, nil, EINVALID},
		{"a level out of range", boss, 2, ServiceLevels{{"property", 10}}, EINVALID},
		{"a service listed twice", boss, 2, ServiceLevels{{"property", 1}, {"property", 2}}, EINVALID},
	}
	for _, tt := range refusals {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			before := len(h.log.events)
			_, err := h.eng.SetWindowServices(ctx, tt.actor, tt.window, tt.services)
			wantCode(t, err, tt.want)
			if len(h.log.events) != before {
				t.Fatal("a refused move wrote events")
			}
		})
	}
	w, err := h.eng.SetWindowServices(ctx, boss, 2, ServiceLevels{{"property", 1}, {"foreign", 2}})
	if err != nil || len(w.Services) != 2 || w.Services[0].Service != "property" {
		t.Fatalf("move: %+v, %v", w.Services, err)
	}
	if w := h.must(2, "op2", ActionCallNext); w.Current.ID != a.ID {
		t.Fatalf("after the move window 2 called %+v, want %s", w.Current, a.Number)
	}
	h.advance(24 * time.Hour)
	if err := h.eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	if w, _ := h.eng.Window(2); w.Services.Level("property") != 0 {
		t.Fatalf("the next day window 2 still serves property: %+v", w.Services)
	}
}

func TestOperatorDay(t *testing.T) {
	h := newHarness(t)
	h.must(1, "op1", ActionOpen)
	for _, d := range []time.Duration{4 * time.Minute, 8 * time.Minute} {
		h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.advance(d)
		h.must(1, "op1", ActionFinish)
	}
	w, _ := h.eng.Window(1)
	if w.ServedToday != 2 || w.MeanServiceS != 6*60 || w.BreakLeftS != 45*60 {
		t.Fatalf("op1's day = served %d, mean %d s, break left %d s; want 2, 360, 2700", w.ServedToday, w.MeanServiceS, w.BreakLeftS)
	}
}

func TestAddressedTicketsAreNeverStranded(t *testing.T) {
	sendTo3 := func(h *harness) TicketView {
		h.openAll()
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToWindow = 3 }))
		return a
	}
	t.Run("closing a window sends visitors waiting for it back to their queue", func(t *testing.T) {
		h := newHarness(t)
		a := sendTo3(h)
		h.must(3, "op3", ActionClose)
		got := h.ticket(a.ID)
		if got.Status != StatusWaiting || got.ToWindow != 0 || got.ServiceID != "passport" || len(got.History) != 2 {
			t.Fatalf("after window 3 closed: %+v", got)
		}
		if w := h.must(1, "op1", ActionCallNext); w.Current.ID != a.ID {
			t.Fatalf("window 1 called %+v, want the released %s", w.Current, a.Number)
		}
	})
	t.Run("another window serving the service may call it out of order", func(t *testing.T) {
		h := newHarness(t)
		a := sendTo3(h)
		w := h.must(1, "op1", ActionCall, with(func(c *WindowCommand) { c.Ticket, c.Reason = a.ID, "окно 3 занято" }))
		if w.Current == nil || w.Current.ID != a.ID {
			t.Fatalf("out-of-order call: %+v", w.Current)
		}
	})
	t.Run("a visitor returning to a closed window goes to the front of the service queue", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToService, c.Return = "foreign", true }))
		b := h.issue("passport")
		h.must(1, "op1", ActionClose)
		h.must(2, "op2", ActionCallNext)
		h.must(2, "op2", ActionStart)
		h.must(2, "op2", ActionFinish)
		got := h.ticket(a.ID)
		if got.Status != StatusWaiting || got.ToWindow != 0 || got.ServiceID != "passport" || got.ReturnTo != 0 {
			t.Fatalf("returning ticket: %+v", got)
		}
		if w := h.must(3, "op3", ActionCallNext); w.Current.ID != a.ID {
			t.Fatalf("window 3 called %s, want the returning %s before %s", w.Current.Number, a.Number, b.Number)
		}
	})
}

func TestClockBehindTheLastDay(t *testing.T) {
	h := newHarness(t)
	h.issue("passport")
	h.advance(-48 * time.Hour)
	err := h.eng.Roll(context.Background())
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(err.Error(), "часы компьютера") {
		t.Fatalf("err = %v", err)
	}
	if got := h.issue("passport").Number; got != "П002" {
		t.Fatalf("the office stops working with the clock behind: next number %s", got)
	}
}
