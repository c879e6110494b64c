package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// lastEvent is the last event the harness's log holds.
func (h *harness) lastEvent() Event {
	h.t.Helper()
	if len(h.log.events) == 0 {
		h.t.Fatal("the log is empty")
	}
	return h.log.events[len(h.log.events)-1]
}

func TestRecallLimit(t *testing.T) {
	tests := []struct {
		name        string
		limit       int // Office.RecallLimit; 0 is the default
		wantAllowed int // recalls accepted, and recalls_left right after the call
	}{
		{"the default allows three recalls and the fourth is a no-show", 0, 3},
		{"a limit of one allows one recall", 1, 1},
		{"a limit of five allows five recalls", 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOffice()
			o.RecallLimit = tt.limit
			h := newHarnessIn(t, o)
			h.must(1, "op1", ActionOpen)
			a := h.issue("passport")
			w := h.must(1, "op1", ActionCallNext)
			if w.Current.RecallsLeft == nil || *w.Current.RecallsLeft != tt.wantAllowed {
				t.Fatalf("after the call recalls_left = %v, want %d", w.Current.RecallsLeft, tt.wantAllowed)
			}
			for i := 1; i <= tt.wantAllowed; i++ {
				h.advance(time.Minute)
				w = h.must(1, "op1", ActionRecall)
				if len(w.Warnings) != 0 || w.Current == nil || w.Current.Status != StatusCalled {
					t.Fatalf("recall %d: window %+v, want the ticket still called and no warning", i, w)
				}
				if got, want := *w.Current.RecallsLeft, tt.wantAllowed-i; got != want {
					t.Fatalf("recall %d: recalls_left = %d, want %d", i, got, want)
				}
				if ev := h.lastEvent(); ev.Type != EventTicketRecalled {
					t.Fatalf("recall %d logged %s, want TicketRecalled", i, ev.Type)
				}
			}
			h.advance(time.Minute)
			w = h.must(1, "op1", ActionRecall)
			if w.Current != nil {
				t.Fatalf("the recall past the limit left %+v at the window", w.Current)
			}
			if len(w.Warnings) != 1 || !strings.Contains(w.Warnings[0].RU, "превышено число повторных вызовов") ||
				!strings.Contains(w.Warnings[0].EN, "no-show") {
				t.Fatalf("warnings = %v, want one saying the recall limit made a no-show", w.Warnings)
			}
			ev := h.lastEvent()
			wantReason := fmt.Sprintf("превышено число повторных вызовов (%d)", tt.wantAllowed)
			if ev.Type != EventTicketNoShow || ev.Reason != wantReason || ev.Ticket != a.ID || ev.Window != 1 || ev.Actor != "op1" {
				t.Fatalf("logged %+v, want TicketNoShow of %s with reason %q by op1", ev, a.ID, wantReason)
			}
			got := h.ticket(a.ID)
			if got.Status != StatusNoShow || got.History[0].Recalls != tt.wantAllowed || got.History[0].End != string(StatusNoShow) {
				t.Fatalf("ticket after the limit = %+v, want no_show with %d recalls", got, tt.wantAllowed)
			}
			// The window is free for the next visitor.
			h.issue("passport")
			if w := h.must(1, "op1", ActionCallNext); w.Current == nil {
				t.Fatal("the window could not call after the forced no-show")
			}
		})
	}
	t.Run("a new call of the same ticket after a postponement starts the count again", func(t *testing.T) {
		o := testOffice()
		o.RecallLimit = 1
		h := newHarnessIn(t, o)
		h.must(1, "op1", ActionOpen)
		a := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionRecall)
		h.must(1, "op1", ActionPostpone, with(func(c *WindowCommand) { c.Minutes = 5 }))
		h.advance(5 * time.Minute)
		w := h.must(1, "op1", ActionCallNext)
		if w.Current.ID != a.ID || *w.Current.RecallsLeft != 1 {
			t.Fatalf("called again %+v, want %s with one recall left", w.Current, a.Number)
		}
		if w := h.must(1, "op1", ActionRecall); w.Current == nil || len(w.Warnings) != 0 {
			t.Fatalf("the first recall of the new call was refused or warned: %+v", w)
		}
	})
	t.Run("a ticket being served shows no recall count", func(t *testing.T) {
		h := newHarness(t)
		h.must(1, "op1", ActionOpen)
		h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		if w := h.must(1, "op1", ActionStart); w.Current.RecallsLeft != nil {
			t.Fatalf("serving ticket has recalls_left %d", *w.Current.RecallsLeft)
		}
	})
	t.Run("a negative limit is refused", func(t *testing.T) {
		o := testOffice()
		o.RecallLimit = -1
		_, err := NewState(o)
		wantCode(t, err, EINVALID)
	})
}
