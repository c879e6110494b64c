package queue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// autoOffice is the test office with auto-call at windows 1 and 2 after a
// 30-second pause; window 3 calls by hand.
func autoOffice() *Office {
	o := testOffice()
	for i := range 2 {
		o.Windows[i].AutoCall, o.Windows[i].AutoCallPause = true, 30*time.Second
	}
	return o
}

// autoCall runs the engine's auto-call and returns the windows that called.
func (h *harness) autoCall() []int {
	h.t.Helper()
	called, err := h.eng.AutoCall(context.Background())
	if err != nil {
		h.t.Fatalf("AutoCall: %v", err)
	}
	return called
}

// served has window n's operator start and finish the visitor called there.
func (h *harness) served(n int, login string) {
	h.t.Helper()
	h.must(n, login, ActionStart)
	h.advance(5 * time.Minute)
	h.must(n, login, ActionFinish)
}

func TestAutoCallAfterThePause(t *testing.T) {
	h := newHarnessIn(t, autoOffice())
	h.must(1, "op1", ActionOpen)
	h.issue("passport")
	h.issue("passport")
	if got := h.autoCall(); len(got) != 0 {
		t.Fatalf("a window just opened auto-called %v: its first call is the operator's", got)
	}
	h.must(1, "op1", ActionCallNext)
	h.served(1, "op1")
	finished := h.now

	w, _ := h.eng.Window(1)
	if !w.AutoCall || w.AutoCallPauseS != 30 || !w.AutoCallAt.Equal(finished.Add(30*time.Second)) {
		t.Fatalf("window view: auto %v, pause %d s, at %v; want true, 30, %v", w.AutoCall, w.AutoCallPauseS, w.AutoCallAt, finished.Add(30*time.Second))
	}
	h.advance(29 * time.Second)
	if got := h.autoCall(); len(got) != 0 {
		t.Fatalf("auto-called %v a second before the pause ended", got)
	}
	h.advance(time.Second)
	if got := h.autoCall(); !slices.Equal(got, []int{1}) {
		t.Fatalf("auto-called %v at the end of the pause, want [1]", got)
	}
	ev := h.lastEvent()
	if ev.Type != EventTicketCalled || !ev.Auto || ev.Actor != "" || ev.Operator != "op1" || ev.Number != "П002" ||
		!strings.Contains(ev.Reason, "автовызов") {
		t.Fatalf("logged %+v, want П002 called at window 1 automatically, for op1, by no one", ev)
	}
	w, _ = h.eng.Window(1)
	if w.Current == nil || w.Current.Number != "П002" || !w.AutoCallAt.IsZero() {
		t.Fatalf("window after the auto-call: %+v", w)
	}
	if got := h.autoCall(); len(got) != 0 {
		t.Fatalf("auto-called %v again with a visitor at the window", got)
	}
}

func TestAutoCallWhen(t *testing.T) {
	tests := []struct {
		name string
		// after runs once window n served a visitor, at the moment it
		// finished; the pause then passes and auto-call runs.
		window int
		login  string
		after  func(h *harness)
		want   []int
	}{
		{name: "a window that did not opt in never auto-calls", window: 3, login: "op3", want: nil},
		{name: "an opted-in window calls", window: 1, login: "op1", want: []int{1}},
		{
			name: "a break in the pause stops it", window: 1, login: "op1",
			after: func(h *harness) {
				h.must(1, "boss", ActionBreak, func(c *WindowCommand) { c.Reason, c.Override = "lunch", true })
			},
		},
		{
			name: "after a break the operator calls first", window: 1, login: "op1",
			after: func(h *harness) {
				h.must(1, "boss", ActionBreak, func(c *WindowCommand) { c.Reason, c.Override = "lunch", true })
				h.advance(time.Minute)
				h.must(1, "op1", ActionResume)
			},
		},
		{
			name: "a closed window does not call", window: 1, login: "op1",
			after: func(h *harness) { h.must(1, "op1", ActionClose) },
		},
		{
			name: "the operator's own call in the pause wins", window: 1, login: "op1",
			after: func(h *harness) { h.must(1, "op1", ActionCallNext) },
		},
		{
			name: "a no-show frees the window like a finish", window: 1, login: "op1",
			after: func(h *harness) {
				h.must(1, "op1", ActionCallNext)
				h.must(1, "op1", ActionNoShow)
			},
			want: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessIn(t, autoOffice())
			h.must(tt.window, tt.login, ActionOpen)
			for range 3 {
				h.issue("passport")
			}
			h.must(tt.window, tt.login, ActionCallNext)
			h.served(tt.window, tt.login)
			if tt.after != nil {
				tt.after(h)
			}
			h.advance(time.Minute)
			if got := h.autoCall(); !slices.Equal(got, tt.want) {
				t.Errorf("auto-called %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAutoCallWaitsForSomeone(t *testing.T) {
	h := newHarnessIn(t, autoOffice())
	h.must(1, "op1", ActionOpen)
	h.issue("passport")
	h.must(1, "op1", ActionCallNext)
	h.served(1, "op1")
	h.advance(10 * time.Minute)
	if got := h.autoCall(); len(got) != 0 {
		t.Fatalf("auto-called %v with nobody waiting", got)
	}
	// Free for longer than the pause: whoever comes is called at once.
	h.issue("passport")
	if got := h.autoCall(); !slices.Equal(got, []int{1}) {
		t.Fatalf("auto-called %v when a visitor came, want [1]", got)
	}
}

func TestAutoCallNeverCallsOneTicketTwice(t *testing.T) {
	h := newHarnessIn(t, autoOffice())
	h.must(1, "op1", ActionOpen)
	h.must(2, "op2", ActionOpen)
	// Window 1 serves the foreign-passport queue at level 2, window 2 at 1.
	h.issue("foreign")
	h.issue("passport")
	h.must(1, "op1", ActionCallNext)
	h.must(2, "op2", ActionCallNext)
	h.served(1, "op1")
	h.served(2, "op2")
	h.issue("foreign") // the only visitor, whom both windows may call
	h.advance(time.Minute)
	if got := h.autoCall(); len(got) != 1 {
		t.Fatalf("auto-called at %v, want exactly one window to call the one visitor", got)
	}
	calls := 0
	for _, ev := range h.log.events {
		if ev.Type == EventTicketCalled && ev.Number == "З002" {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("З002 was called %d times", calls)
	}
}

func TestAutoCallNeverCallsIntoANewDay(t *testing.T) {
	h := newHarnessIn(t, autoOffice())
	h.must(1, "op1", ActionOpen)
	h.issue("passport")
	h.issue("passport")
	h.must(1, "op1", ActionCallNext)
	h.must(1, "op1", ActionStart)
	h.now = time.Date(2026, 11, 23, 23, 59, 50, 0, time.UTC)
	h.must(1, "op1", ActionFinish)
	h.advance(30 * time.Second) // the pause ends after midnight
	if got := h.autoCall(); len(got) != 0 {
		t.Fatalf("auto-called %v into the new day", got)
	}
	for _, ev := range h.log.events {
		if ev.Type == EventTicketCalled && ev.Number == "П002" {
			t.Fatalf("yesterday's П002 was called at %v", ev.At)
		}
	}
	if day, open := h.eng.state.Day(); day != "2026-11-24" || !open {
		t.Errorf("the day after the auto-call is %s (open %v), want 2026-11-24 open", day, open)
	}
}

func TestAutoCallWithNobodyWaitingWritesNothing(t *testing.T) {
	h := newHarnessIn(t, autoOffice())
	h.must(1, "op1", ActionOpen)
	h.issue("passport")
	h.must(1, "op1", ActionCallNext)
	h.served(1, "op1")
	h.advance(time.Minute)
	before := len(h.log.events)
	h.log.fail = errors.New("disk I/O error")
	// Due but idle: no commit is tried, so a failing disk is not hit every second.
	if got := h.autoCall(); len(got) != 0 || len(h.log.events) != before {
		t.Fatalf("auto-call with nobody waiting called %v and logged %d events", got, len(h.log.events)-before)
	}
}
