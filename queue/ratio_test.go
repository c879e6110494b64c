package queue

import (
	"strings"
	"testing"
	"time"
)

// serveInOrder has window n's operator call, start and finish one visitor
// after another, a minute each, until nobody waits, and returns the numbers
// called with the reason each call was given.
func serveInOrder(h *harness, n int, login string) (numbers, reasons []string) {
	h.t.Helper()
	for {
		w, err := h.do(n, login, ActionCallNext)
		if ErrorCode(err) == ECONFLICT {
			return numbers, reasons
		}
		if err != nil {
			h.t.Fatalf("call-next: %v", err)
		}
		numbers = append(numbers, w.Current.Number)
		reasons = append(reasons, w.Current.History[len(w.Current.History)-1].CallReason)
		h.must(n, login, ActionStart)
		h.advance(time.Minute)
		h.must(n, login, ActionFinish)
	}
}

func TestRatioRule(t *testing.T) {
	type arrival struct {
		priority Priority
		after    time.Duration // since the previous arrival
	}
	P := func(after time.Duration) arrival { return arrival{PriorityPrivileged, after} }
	N := func(after time.Duration) arrival { return arrival{PriorityNormal, after} }
	tests := []struct {
		name     string
		policy   DispatchPolicy
		ratio    int
		arrivals []arrival
		want     string // the numbers called, in order
	}{
		{
			name:     "without a rule privileged visitors go first, all of them",
			arrivals: []arrival{P(0), N(time.Second), N(time.Second), N(time.Second), N(time.Second), N(time.Second), P(time.Second), P(time.Second)},
			want:     "З001 З007 З008 З002 З003 З004 З005 З006",
		},
		{
			name:     "2:1 calls two others after each privileged visitor",
			ratio:    2,
			arrivals: []arrival{P(0), N(time.Second), N(time.Second), N(time.Second), N(time.Second), N(time.Second), P(time.Second), P(time.Second)},
			want:     "З001 З002 З003 З007 З004 З005 З008 З006",
		},
		{
			name:     "2:1 under FIFO too",
			policy:   DispatchFIFO,
			ratio:    2,
			arrivals: []arrival{P(0), N(time.Second), N(time.Second), N(time.Second), N(time.Second), N(time.Second), P(time.Second), P(time.Second)},
			want:     "З001 З002 З003 З007 З004 З005 З008 З006",
		},
		{
			name:     "1:1 alternates",
			ratio:    1,
			arrivals: []arrival{P(0), N(time.Second), N(time.Second), N(time.Second), P(time.Second), P(time.Second)},
			want:     "З001 З002 З005 З003 З006 З004",
		},
		{
			name:     "a privileged visitor who came before the others is not held behind them",
			ratio:    2,
			arrivals: []arrival{P(0), P(time.Minute), N(time.Minute), N(time.Minute)},
			want:     "З001 З002 З003 З004",
		},
		{
			name:     "with nobody else waiting the held privileged visitor is called",
			ratio:    3,
			arrivals: []arrival{P(0), P(time.Second)},
			want:     "З001 З002",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOffice()
			o.Dispatch = tt.policy
			o.Windows[1].Ratio = tt.ratio // window 2 serves the foreign-passport queue alone
			h := newHarnessIn(t, o)
			h.must(2, "op2", ActionOpen)
			for _, a := range tt.arrivals {
				h.advance(a.after)
				h.issueAs("foreign", a.priority)
			}
			got, _ := serveInOrder(h, 2, "op2")
			if strings.Join(got, " ") != tt.want {
				t.Errorf("called %s, want %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestRatioRuleExplainsItself(t *testing.T) {
	o := testOffice()
	o.Windows[1].Ratio = 2
	h := newHarnessIn(t, o)
	h.must(2, "op2", ActionOpen)
	for _, p := range []Priority{PriorityPrivileged, PriorityNormal, PriorityNormal, PriorityPrivileged, PriorityNormal} {
		h.advance(time.Second)
		h.issueAs("foreign", p)
	}
	w, err := h.eng.Window(2)
	if err != nil {
		t.Fatal(err)
	}
	if w.Ratio != 2 || !w.PrivilegedNext {
		t.Fatalf("before any call: ratio %d, privileged next %v; want 2 and true", w.Ratio, w.PrivilegedNext)
	}
	_, reasons := serveInOrder(h, 2, "op2")
	want := []string{
		"правило окна 2:1 — очередь льготного посетителя",
		"правило окна 2:1 — другие вызваны 0 из 2, затем льготный",
		"правило окна 2:1 — другие вызваны 1 из 2, затем льготный",
		"правило окна 2:1 — очередь льготного посетителя",
		"", // nobody privileged waits: the rule played no part
	}
	for i, r := range reasons {
		if want[i] == "" && strings.Contains(r, "правило") || want[i] != "" && !strings.Contains(r, want[i]) {
			t.Errorf("call %d reason %q, want it to say %q", i+1, r, want[i])
		}
	}
	w, _ = h.eng.Window(2)
	if w.OthersCalled != 1 || w.PrivilegedNext {
		t.Errorf("after the calls: others called %d, privileged next %v; want 1 and false", w.OthersCalled, w.PrivilegedNext)
	}
}

func TestRatioRuleLeavesForwardedVisitorsFirst(t *testing.T) {
	o := testOffice()
	o.Windows[1].Ratio = 2
	h := newHarnessIn(t, o)
	h.must(1, "op1", ActionOpen)
	h.must(2, "op2", ActionOpen)
	h.issueAs("foreign", PriorityPrivileged)
	h.must(2, "op2", ActionCallNext) // З001: the rule now holds privileged visitors back at window 2
	h.must(2, "op2", ActionStart)
	h.must(2, "op2", ActionFinish)
	h.issue("foreign") // З002 waits at window 2
	h.issueAs("passport", PriorityPrivileged)
	if w := h.must(1, "op1", ActionCallNext); w.Current.Number != "П001" {
		t.Fatalf("window 1 called %s, want П001", w.Current.Number)
	}
	h.must(1, "op1", ActionStart)
	h.must(1, "op1", ActionForward, func(c *WindowCommand) { c.ToWindow = 2 })
	// Sent to window 2 on purpose: the rule does not hold the privileged
	// visitor behind З002.
	if w := h.must(2, "op2", ActionCallNext); w.Current.Number != "П001" {
		t.Errorf("window 2 called %s, want П001, forwarded to it", w.Current.Number)
	}
}

func TestRatioRuleExplainsItselfUnderFIFO(t *testing.T) {
	o := testOffice()
	o.Dispatch = DispatchFIFO
	o.Windows[1].Ratio = 2
	h := newHarnessIn(t, o)
	h.must(2, "op2", ActionOpen)
	for _, p := range []Priority{PriorityPrivileged, PriorityPrivileged, PriorityNormal} {
		h.advance(time.Minute)
		h.issueAs("foreign", p)
	}
	_, reasons := serveInOrder(h, 2, "op2")
	// The second privileged visitor came before the other: FIFO calls them
	// first and says so, not by a deadline it does not use.
	if want := "правило окна 2:1 — другие вызваны 0 из 2, но льготный посетитель раньше в очереди"; !strings.Contains(reasons[1], want) {
		t.Errorf("second call's reason %q, want it to say %q", reasons[1], want)
	}
}
