package queue

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// ratedOffice is the test office with the default rating reasons.
func ratedOffice() *Office {
	o := testOffice()
	o.RatingReasons = DefaultRatingReasons
	return o
}

// serve issues a ticket for service and has window n's operator login call,
// start and finish it; the window must be open and its queue otherwise empty.
func (h *harness) serve(n int, login, service string) TicketView {
	h.t.Helper()
	tk := h.issue(service)
	if w := h.must(n, login, ActionCallNext); w.Current == nil || w.Current.ID != tk.ID {
		h.t.Fatalf("window %d called %+v, want %s", n, w.Current, tk.Number)
	}
	h.must(n, login, ActionStart)
	h.advance(4 * time.Minute)
	h.must(n, login, ActionFinish)
	return tk
}

func (h *harness) rate(r RateRequest) (RateView, error) {
	return h.eng.Rate(context.Background(), r)
}

func (h *harness) rateTarget(n int) RateView {
	h.t.Helper()
	v, err := h.eng.RateTarget(n)
	if err != nil {
		h.t.Fatalf("RateTarget(%d): %v", n, err)
	}
	return v
}

func TestRateTarget(t *testing.T) {
	t.Run("a window that served nobody offers nothing to rate, with the reasons", func(t *testing.T) {
		h := newHarnessIn(t, ratedOffice())
		h.openAll()
		v := h.rateTarget(1)
		if v.Window != 1 || v.Ticket != "" || v.Number != "" || v.Rated || !v.ServedAt.IsZero() {
			t.Fatalf("view = %+v, want window 1 with nothing to rate", v)
		}
		if !reflect.DeepEqual(v.Reasons, DefaultRatingReasons) {
			t.Errorf("reasons = %v, want the office's %v", v.Reasons, DefaultRatingReasons)
		}
	})
	t.Run("an office with no reasons gives an empty list, not null", func(t *testing.T) {
		h := newHarness(t)
		if v := h.rateTarget(1); v.Reasons == nil || len(v.Reasons) != 0 {
			t.Fatalf("reasons = %#v, want an empty list", v.Reasons)
		}
	})
	t.Run("an unknown window is not found", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.eng.RateTarget(9)
		wantCode(t, err, ENOTFOUND)
	})
	t.Run("the ticket just served is offered until the rating window ends", func(t *testing.T) {
		h := newHarnessIn(t, ratedOffice())
		h.openAll()
		tk := h.serve(3, "op3", "property")
		served := h.now
		h.advance(RatingWindow - time.Second)
		v := h.rateTarget(3)
		want := RateView{Window: 3, Ticket: tk.ID, Number: tk.Number, Service: "property", Name: Text{RU: "Недвижимость", EN: "Real estate"},
			ServedAt: served, Until: served.Add(RatingWindow), Reasons: DefaultRatingReasons}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("view = %+v\nwant   %+v", v, want)
		}
		if other := h.rateTarget(1); other.Ticket != "" {
			t.Errorf("window 1 offers %s, served at window 3", other.Number)
		}
		h.advance(time.Second)
		if v := h.rateTarget(3); v.Ticket != "" {
			t.Fatalf("at the end of the rating window the view still offers %s", v.Number)
		}
	})
	t.Run("a new working day offers nothing from the day before, however recent", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		h.now = time.Date(2026, 11, 23, 23, 52, 0, 0, time.UTC)
		tk := h.serve(1, "op1", "passport") // finished at 23:56
		h.advance(5 * time.Minute)
		if v := h.rateTarget(1); v.Ticket != tk.ID {
			t.Fatalf("before the new day opens window 1 offers %q, want %s", v.Number, tk.Number)
		}
		if err := h.eng.Roll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if v := h.rateTarget(1); v.Ticket != "" {
			t.Fatalf("on the new day window 1 offers %s of the day before", v.Number)
		}
	})
}

func TestRate(t *testing.T) {
	accepted := []struct {
		name       string
		after      time.Duration // from the finish to the mark
		mark       int
		reason     string
		wantReason string
	}{
		{"a mark without a reason right after the service is taken", 0, 5, "", ""},
		{"a mark just before the rating window ends is taken", RatingWindow - time.Second, 1, "", ""},
		{"a reason given by its id is recorded as the id", time.Minute, 2, "long-wait", "long-wait"},
		{"a reason given by its Russian name in any case is recorded as its id", time.Minute, 2, "  Вопрос не решён ", "not-solved"},
		{"a reason given by its English name is recorded as its id", time.Minute, 4, "quick and convenient", "fast"},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessIn(t, ratedOffice())
			h.openAll()
			tk := h.serve(1, "op1", "passport")
			served := h.now
			h.advance(tt.after)
			v, err := h.rate(RateRequest{Window: 1, Ticket: tk.ID, Mark: tt.mark, Reason: tt.reason})
			if err != nil {
				t.Fatalf("Rate: %v", err)
			}
			ev := h.lastEvent()
			want := Event{Seq: ev.Seq, Type: EventTicketRated, At: h.now, Day: ev.Day, Ticket: tk.ID, Number: tk.Number,
				Service: "passport", Window: 1, Operator: "op1", Mark: tt.mark, Reason: tt.wantReason}
			if !reflect.DeepEqual(ev, want) {
				t.Fatalf("logged %+v\nwant   %+v", ev, want)
			}
			if v.Ticket != tk.ID || !v.Rated || v.RatedMark != tt.mark || !v.ServedAt.Equal(served) {
				t.Errorf("view after the mark = %+v, want %s rated", v, tk.Number)
			}
			if again := h.rateTarget(1); !again.Rated || again.RatedMark != tt.mark || again.Ticket != tk.ID {
				t.Errorf("the tablet's next look = %+v, want %s rated", again, tk.Number)
			}
		})
	}

	refused := []struct {
		name string
		// setup serves what the case needs and returns the request.
		setup func(h *harness) RateRequest
		want  Code
	}{
		{"a window that served nobody has nothing to rate", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: "20261123-000001", Mark: 5}
		}, ECONFLICT},
		{"a window unknown is not found", func(h *harness) RateRequest {
			tk := h.serve(1, "op1", "passport")
			return RateRequest{Window: 9, Ticket: tk.ID, Mark: 5}
		}, ENOTFOUND},
		{"a mark when the rating window has ended", func(h *harness) RateRequest {
			tk := h.serve(1, "op1", "passport")
			h.advance(RatingWindow)
			return RateRequest{Window: 1, Ticket: tk.ID, Mark: 5}
		}, ECONFLICT},
		{"a mark for a visitor after the next one was served", func(h *harness) RateRequest {
			first := h.serve(1, "op1", "passport")
			h.serve(1, "op1", "passport")
			return RateRequest{Window: 1, Ticket: first.ID, Mark: 5}
		}, ECONFLICT},
		{"a mark for a ticket served at another window", func(h *harness) RateRequest {
			tk := h.serve(3, "op3", "property")
			h.serve(1, "op1", "passport")
			return RateRequest{Window: 1, Ticket: tk.ID, Mark: 5}
		}, ECONFLICT},
		{"a second mark for the same service", func(h *harness) RateRequest {
			tk := h.serve(1, "op1", "passport")
			if _, err := h.rate(RateRequest{Window: 1, Ticket: tk.ID, Mark: 5}); err != nil {
				h.t.Fatalf("the first mark: %v", err)
			}
			return RateRequest{Window: 1, Ticket: tk.ID, Mark: 1}
		}, ECONFLICT},
		{"a mark of 0", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: h.serve(1, "op1", "passport").ID, Mark: 0}
		}, EINVALID},
		{"a mark of 6", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: h.serve(1, "op1", "passport").ID, Mark: 6}
		}, EINVALID},
		{"a negative mark", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: h.serve(1, "op1", "passport").ID, Mark: -3}
		}, EINVALID},
		{"a reason not in the list", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: h.serve(1, "op1", "passport").ID, Mark: 3, Reason: "очередь у кулера"}
		}, EINVALID},
		{"a part of a listed reason's name", func(h *harness) RateRequest {
			return RateRequest{Window: 1, Ticket: h.serve(1, "op1", "passport").ID, Mark: 3, Reason: "долго"}
		}, EINVALID},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused and changes nothing", func(t *testing.T) {
			h := newHarnessIn(t, ratedOffice())
			h.openAll()
			req := tt.setup(h)
			before := len(h.log.events)
			var view RateView
			if n := req.Window; n <= 3 {
				view = h.rateTarget(n)
			}
			_, err := h.rate(req)
			wantCode(t, err, tt.want)
			if len(h.log.events) != before {
				t.Errorf("a refused mark wrote %d events", len(h.log.events)-before)
			}
			if n := req.Window; n <= 3 {
				if after := h.rateTarget(n); !reflect.DeepEqual(after, view) {
					t.Errorf("the tablet's view changed from %+v to %+v", view, after)
				}
			}
		})
	}

	t.Run("an office with no reasons takes a mark alone and refuses any reason", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		tk := h.serve(1, "op1", "passport")
		_, err := h.rate(RateRequest{Window: 1, Ticket: tk.ID, Mark: 3, Reason: "long-wait"})
		wantCode(t, err, EINVALID)
		if _, err := h.rate(RateRequest{Window: 1, Ticket: tk.ID, Mark: 3}); err != nil {
			t.Fatalf("a mark alone: %v", err)
		}
	})
	t.Run("the next visitor called leaves the mark to the one before, until they sit down", func(t *testing.T) {
		h := newHarnessIn(t, ratedOffice())
		h.openAll()
		first := h.serve(1, "op1", "passport")
		h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		// Called, perhaps by auto-call: the one before may still be at the tablet.
		if v := h.rateTarget(1); v.Ticket != first.ID {
			t.Fatalf("the tablet offers %q while the next visitor walks up, want %s", v.Number, first.Number)
		}
		h.must(1, "op1", ActionStart)
		// Now the next visitor sits at the window: the tablet must not show
		// them a stranger's ticket, nor take their tap as that stranger's mark.
		if v := h.rateTarget(1); v.Ticket != "" {
			t.Fatalf("the tablet offers %q once the next visitor is served, want nothing", v.Number)
		}
		_, err := h.rate(RateRequest{Window: 1, Ticket: first.ID, Mark: 4})
		wantCode(t, err, ECONFLICT)
	})
	t.Run("the mark goes to the operator who served, though the window closed since", func(t *testing.T) {
		h := newHarnessIn(t, ratedOffice())
		h.openAll()
		tk := h.serve(1, "op1", "passport")
		h.must(1, "op1", ActionClose)
		if _, err := h.rate(RateRequest{Window: 1, Ticket: tk.ID, Mark: 4}); err != nil {
			t.Fatalf("the mark: %v", err)
		}
		if ev := h.lastEvent(); ev.Operator != "op1" {
			t.Errorf("the mark went to %q, want op1", ev.Operator)
		}
	})
	t.Run("a mark for a visitor sent back to the window that forwarded them goes to the window that finished", func(t *testing.T) {
		h := newHarnessIn(t, ratedOffice())
		h.openAll()
		tk := h.issue("passport")
		h.must(1, "op1", ActionCallNext)
		h.must(1, "op1", ActionStart)
		h.must(1, "op1", ActionForward, with(func(c *WindowCommand) { c.ToWindow, c.Return = 2, true }))
		h.must(2, "op2", ActionCallNext)
		h.must(2, "op2", ActionStart)
		h.must(2, "op2", ActionFinish) // the visitor goes back to window 1
		if v := h.rateTarget(2); v.Ticket != tk.ID || v.Service != "passport" {
			t.Fatalf("window 2 offers %+v, want %s", v, tk.Number)
		}
		if _, err := h.rate(RateRequest{Window: 2, Ticket: tk.ID, Mark: 5}); err != nil {
			t.Fatalf("the mark: %v", err)
		}
		if ev := h.lastEvent(); ev.Window != 2 || ev.Operator != "op2" {
			t.Errorf("the mark went to window %d, %q; want window 2, op2", ev.Window, ev.Operator)
		}
		if v := h.rateTarget(1); v.Ticket != "" {
			t.Errorf("window 1, which has not finished the visitor, offers %s", v.Number)
		}
	})
}

// TestRatingsSurviveAReplay: a state rebuilt from the log offers and
// refuses marks as the live one did.
func TestRatingsSurviveAReplay(t *testing.T) {
	h := newHarnessIn(t, ratedOffice())
	h.openAll()
	rated := h.serve(1, "op1", "passport")
	if _, err := h.rate(RateRequest{Window: 1, Ticket: rated.ID, Mark: 2, Reason: "long-wait"}); err != nil {
		t.Fatal(err)
	}
	open := h.serve(3, "op3", "property")
	h.advance(time.Minute)

	replayed, err := NewState(ratedOffice())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.log.events {
		if err := replayed.Apply(ev); err != nil {
			t.Fatalf("replay: %v", err)
		}
	}
	for _, n := range []int{1, 2, 3} {
		live := h.rateTarget(n)
		got, err := replayed.RateTarget(n, h.now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, live) {
			t.Errorf("window %d: replayed view %+v\nlive view %+v", n, got, live)
		}
	}
	if _, err := replayed.Rate(h.now, RateRequest{Window: 1, Ticket: rated.ID, Mark: 5}); ErrorCode(err) != ECONFLICT {
		t.Errorf("the replayed state takes a second mark for %s: %v", rated.Number, err)
	}
	d, err := replayed.Rate(h.now, RateRequest{Window: 3, Ticket: open.ID, Mark: 5})
	if err != nil || len(d.Events) != 1 || d.Events[0].Operator != "op3" {
		t.Errorf("the replayed state's mark for %s = %+v, %v; want one event for op3", open.Number, d.Events, err)
	}
}

// TestRatedEventMustFitTheLog: a TicketRated that is not about the last
// service at its window means the log does not fit; applying it fails.
func TestRatedEventMustFitTheLog(t *testing.T) {
	h := newHarness(t)
	h.openAll()
	tk := h.serve(1, "op1", "passport")
	st, err := NewState(testOffice())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.log.events {
		if err := st.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range []Event{
		{Type: EventTicketRated, At: h.now, Ticket: tk.ID, Window: 2, Mark: 3},
		{Type: EventTicketRated, At: h.now, Ticket: "20261123-000099", Window: 1, Mark: 3},
	} {
		if err := st.Apply(ev); err == nil {
			t.Errorf("a rating of %s at window %d was applied", ev.Ticket, ev.Window)
		}
	}
}
