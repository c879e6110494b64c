package feed_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"eq/display/feed"
	"eq/queue"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func call(ticket string, window int, min int) queue.Call {
	return queue.Call{Ticket: ticket, Number: strings.ToUpper(ticket), Window: window, At: t0.Add(time.Duration(min) * time.Minute)}
}

// tickets lists the calls' tickets, newest first.
func tickets(calls []queue.Call) string {
	var b []string
	for _, c := range calls {
		b = append(b, c.Ticket)
	}
	return strings.Join(b, " ")
}

func TestApplyCall(t *testing.T) {
	many := make([]queue.Call, 0, feed.MaxCalls)
	for i := feed.MaxCalls; i > 0; i-- {
		many = append(many, call(fmt.Sprintf("t%d", i), 1, i))
	}
	tests := []struct {
		name  string
		calls []queue.Call
		seq   int64
		msg   feed.Call
		want  string
		ok    bool
	}{
		{"a new call goes on top", []queue.Call{call("a", 1, 1)}, 5,
			feed.Call{Seq: 6, Call: call("b", 2, 2)}, "b a", true},
		{"a recall moves its ticket up", []queue.Call{call("b", 2, 2), call("a", 1, 1)}, 5,
			feed.Call{Seq: 7, Call: call("a", 1, 3)}, "a b", true},
		{"a call the state holds already changes nothing", []queue.Call{call("a", 1, 1)}, 5,
			feed.Call{Seq: 5, Call: call("a", 1, 1)}, "a", false},
		{"the oldest call falls off past the limit", many, 30,
			feed.Call{Seq: 31, Call: call("new", 3, 30)}, "new " + tickets(many[:feed.MaxCalls-1]), true},
		{"the first call of the day", nil, 1,
			feed.Call{Seq: 2, Call: call("a", 1, 1)}, "a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]queue.Call(nil), tt.calls...)
			st := feed.State{Seq: tt.seq, Calls: tt.calls}
			if got := st.ApplyCall(tt.msg); got != tt.ok {
				t.Errorf("ApplyCall = %v, want %v", got, tt.ok)
			}
			if got := tickets(st.Calls); got != tt.want {
				t.Errorf("calls = %q, want %q", got, tt.want)
			}
			if tickets(tt.calls) != tickets(before) {
				t.Errorf("the old slice was edited: %q", tickets(tt.calls))
			}
		})
	}
}

func TestApplyWindow(t *testing.T) {
	w := func(n int, open bool) queue.WindowView { return queue.WindowView{Number: n, Open: open} }
	list := func(ws []queue.WindowView) string {
		var b []string
		for _, w := range ws {
			b = append(b, fmt.Sprintf("%d:%v", w.Number, w.Open))
		}
		return strings.Join(b, " ")
	}
	tests := []struct {
		name    string
		board   string
		windows []queue.WindowView
		msg     feed.Window
		want    string
		ok      bool
	}{
		{"a window's new state replaces its old one", "hall", []queue.WindowView{w(1, false), w(2, false)},
			feed.Window{Seq: 5, Window: w(2, true)}, "1:false 2:true", true},
		{"an unknown window is added in number order", "hall", []queue.WindowView{w(1, false), w(3, false)},
			feed.Window{Seq: 5, Window: w(2, true)}, "1:false 2:true 3:false", true},
		{"an older update changes nothing", "hall", []queue.WindowView{w(1, false)},
			feed.Window{Seq: 3, Window: w(1, true)}, "1:false", false},
		{"a window sign ignores other windows", "window:2", []queue.WindowView{w(2, false)},
			feed.Window{Seq: 5, Window: w(1, true)}, "2:false", false},
		{"a window sign takes its own", "window:2", []queue.WindowView{w(2, false)},
			feed.Window{Seq: 5, Window: w(2, true)}, "2:true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := feed.State{Seq: 4, Board: tt.board, Windows: tt.windows}
			before := list(tt.windows)
			if got := st.ApplyWindow(tt.msg); got != tt.ok {
				t.Errorf("ApplyWindow = %v, want %v", got, tt.ok)
			}
			if got := list(st.Windows); got != tt.want {
				t.Errorf("windows = %q, want %q", got, tt.want)
			}
			if list(tt.windows) != before {
				t.Errorf("the old slice was edited: %q", list(tt.windows))
			}
		})
	}
}

func TestDecode(t *testing.T) {
	t.Run("a state has its blink time and each ticket's latest call", func(t *testing.T) {
		m, err := feed.Decode([]byte(`{"type":"state","version":1,"seq":9,"board":"hall","settings":{"running_text":{"ru":"Привет","en":"Hi"},"blink_s":10},
			"calls":[{"ticket_id":"a","number":"П002","window":1,"recall":true},{"ticket_id":"b","number":"П001","window":2},{"ticket_id":"a","number":"П002","window":1}]}`))
		if err != nil {
			t.Fatal(err)
		}
		st, ok := m.(feed.State)
		if !ok {
			t.Fatalf("decoded %T, want a State", m)
		}
		if st.Settings.Blink != 10*time.Second || st.Settings.RunningText.RU != "Привет" || st.Seq != 9 {
			t.Errorf("state = %+v", st)
		}
		if got := tickets(st.Calls); got != "a b" || !st.Calls[0].Recall {
			t.Errorf("calls = %q (%+v), want a (the recall) then b", got, st.Calls)
		}
	})
	t.Run("a newer protocol is refused", func(t *testing.T) {
		if _, err := feed.Decode([]byte(`{"type":"state","version":99}`)); err == nil || !strings.Contains(err.Error(), "update eq") {
			t.Errorf("err = %v, want one that says to update", err)
		}
	})
	t.Run("an unknown type is skipped", func(t *testing.T) {
		if m, err := feed.Decode([]byte(`{"type":"announcement","text":"…"}`)); m != nil || err != nil {
			t.Errorf("got %v, %v; want nothing", m, err)
		}
	})
	t.Run("malformed JSON is an error", func(t *testing.T) {
		if _, err := feed.Decode([]byte(`{"type":`)); err == nil {
			t.Error("no error")
		}
	})
}
