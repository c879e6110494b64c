package queue

import (
	"strings"
	"testing"
)

func TestBreakReasons(t *testing.T) {
	listed := func() *Office {
		o := testOffice()
		o.BreakReasons = DefaultBreakReasons
		return o
	}
	accepted := []struct {
		name   string
		given  string
		wantID string
	}{
		{"the id is taken", "lunch", "lunch"},
		{"the Russian name is taken in any case", "  Обед ", "lunch"},
		{"the English name is taken", "technical break", "technical"},
	}
	for _, tt := range accepted {
		t.Run(tt.name+" and the event records the id", func(t *testing.T) {
			h := newHarnessIn(t, listed())
			h.openAll()
			w := h.must(1, "op1", ActionBreak, with(func(c *WindowCommand) { c.Reason = tt.given }))
			if ev := h.lastEvent(); ev.Type != EventBreakStarted || ev.Reason != tt.wantID {
				t.Fatalf("logged %+v, want BreakStarted with reason %q", ev, tt.wantID)
			}
			want, _ := listed().BreakReasonOf(tt.wantID)
			if !w.OnBreak || w.BreakReasonID != tt.wantID || w.BreakReason != want.Name.RU {
				t.Fatalf("window = on break %t, reason %q (%q); want %q (%q)", w.OnBreak, w.BreakReason, w.BreakReasonID, want.Name.RU, tt.wantID)
			}
		})
	}
	refused := []struct {
		name  string
		given string
	}{
		{"no reason", ""},
		{"a reason not in the list", "проветрить"},
		{"a part of a listed name", "обе"},
	}
	for _, tt := range refused {
		t.Run("a break with "+tt.name+" is refused, naming the allowed reasons", func(t *testing.T) {
			h := newHarnessIn(t, listed())
			h.openAll()
			before := len(h.log.events)
			_, err := h.do(1, "op1", ActionBreak, func(c *WindowCommand) { c.Reason = tt.given })
			wantCode(t, err, EINVALID)
			e := err.(*Error)
			for _, r := range DefaultBreakReasons {
				if !strings.Contains(e.Message, r.Name.RU+" ("+r.ID+")") || !strings.Contains(e.MessageEN, r.Name.EN+" ("+r.ID+")") {
					t.Fatalf("message %q / %q does not name %s", e.Message, e.MessageEN, r.ID)
				}
			}
			if len(h.log.events) != before {
				t.Error("a refused break wrote events")
			}
		})
	}
	t.Run("an office with no list takes any reason as written", func(t *testing.T) {
		h := newHarness(t)
		h.openAll()
		w := h.must(1, "op1", ActionBreak, with(func(c *WindowCommand) { c.Reason = " проветрить " }))
		if ev := h.lastEvent(); ev.Reason != "проветрить" || w.BreakReason != "проветрить" || w.BreakReasonID != "" {
			t.Fatalf("event reason %q, window %q (%q); want the text as written and no id", ev.Reason, w.BreakReason, w.BreakReasonID)
		}
	})
	t.Run("a list with an id twice is refused", func(t *testing.T) {
		o := listed()
		o.BreakReasons = append(append([]BreakReason(nil), DefaultBreakReasons...), DefaultBreakReasons[0])
		_, err := NewState(o)
		wantCode(t, err, EINVALID)
	})
}
