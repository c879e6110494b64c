package queue

import (
	"strings"
	"testing"
	"time"
)

// TestCallOutOfOrder covers the call action: the operator names a ticket
// and says why, whether it is waiting or postponed and its time has not come.
func TestCallOutOfOrder(t *testing.T) {
	// postponed leaves П001 postponed for 10 minutes at window 1 and П002 waiting.
	postponed := func(h *harness) (a, b TicketView) {
		h.must(1, "op1", ActionOpen)
		a = h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionPostpone, with(func(c *WindowCommand) { c.Minutes = 10 }))
		b = h.issue("passport")
		h.advance(3 * time.Minute)
		return a, b
	}
	tests := []struct {
		name   string
		target func(a, b TicketView) TicketView
	}{
		{"a postponed ticket is called before its time with the operator's reason", func(a, _ TicketView) TicketView { return a }},
		{"a waiting ticket behind another is called with the operator's reason", func(_, b TicketView) TicketView { return b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			a, b := postponed(h)
			if tt.target(a, b).ID == b.ID {
				// Make b out of order: another visitor is ahead of it.
				h.advance(10 * time.Minute)
			}
			target := tt.target(a, b)
			const reason = "  посетитель вернулся раньше  "
			w := h.must(1, "op1", ActionCall, with(func(c *WindowCommand) { c.Ticket, c.Reason = target.ID, reason }))
			if w.Current == nil || w.Current.ID != target.ID || w.Current.Status != StatusCalled {
				t.Fatalf("current = %+v, want %s called", w.Current, target.Number)
			}
			st := w.Current.History[len(w.Current.History)-1]
			if st.CallReason != strings.TrimSpace(reason) || st.Window != 1 || st.Operator != "op1" {
				t.Fatalf("stage = %+v, want called at window 1 by op1 for %q", st, strings.TrimSpace(reason))
			}
			if st.QueuedAt.After(st.CalledAt) {
				t.Fatalf("stage queued at %v, after its call at %v: a negative wait", st.QueuedAt, st.CalledAt)
			}
			ev := h.lastEvent()
			if ev.Type != EventTicketCalled || ev.Ticket != target.ID || ev.Reason != strings.TrimSpace(reason) || ev.Actor != "op1" {
				t.Fatalf("logged %+v, want op1's TicketCalled of %s with the reason", ev, target.ID)
			}
			// The ticket left whatever held it: finishing it and calling
			// next gives the other one, never the same ticket twice.
			h.must(1, "op1", ActionStart)
			h.must(1, "op1", ActionFinish)
			h.advance(10 * time.Minute)
			w = h.must(1, "op1", ActionCallNext)
			if w.Current == nil || w.Current.ID == target.ID {
				t.Fatalf("call-next gave %+v, want the other ticket", w.Current)
			}
			if _, err := h.do(1, "op1", ActionCallNext); err == nil {
				t.Fatal("a third call found a ticket: the called one was left in a queue")
			}
		})
	}

	refusals := []struct {
		name   string
		reason string
		setup  func(h *harness) string // returns the ticket to call
		want   Code
	}{
		{"a postponed ticket without a reason", "", func(h *harness) string { a, _ := postponed(h); return a.ID }, EINVALID},
		{"a postponed ticket with a blank reason", "   ", func(h *harness) string { a, _ := postponed(h); return a.ID }, EINVALID},
		{"a waiting ticket without a reason", "", func(h *harness) string { _, b := postponed(h); return b.ID }, EINVALID},
		{"a ticket with a reason longer than 200 characters", strings.Repeat("я", 201), func(h *harness) string { a, _ := postponed(h); return a.ID }, EINVALID},
		{"a postponed ticket of a service the window does not serve", "просьба", func(h *harness) string {
			h.openAll()
			a := h.issue("property")
			h.must(3, "op3", ActionCallNext)
			h.must(3, "op3", ActionPostpone, with(func(c *WindowCommand) { c.Minutes = 10 }))
			return a.ID
		}, ECONFLICT},
		{"a ticket already served", "просьба", func(h *harness) string {
			a, _ := postponed(h)
			h.advance(10 * time.Minute)
			h.must(1, "op1", ActionCallNext)
			h.must(1, "op1", ActionStart)
			h.must(1, "op1", ActionFinish)
			return a.ID
		}, ECONFLICT},
		{"a ticket of another day", "просьба", func(h *harness) string { postponed(h); return "20261122-000001" }, ENOTFOUND},
	}
	for _, tt := range refusals {
		t.Run("calling "+tt.name+" is refused", func(t *testing.T) {
			h := newHarness(t)
			id := tt.setup(h)
			before := len(h.log.events)
			_, err := h.do(1, "op1", ActionCall, func(c *WindowCommand) { c.Ticket, c.Reason = id, tt.reason })
			wantCode(t, err, tt.want)
			if got := len(h.log.events); got != before {
				t.Errorf("a refused call wrote %d events", got-before)
			}
		})
	}
}
