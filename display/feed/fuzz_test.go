package feed_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"eq/display/feed"
	"eq/queue"
)

// A display reads whatever arrives on its socket: a server of another
// version, a proxy's error page, a half-written frame. Decode and the Apply
// methods must turn any of it into a state or a refusal, never a panic or a
// state a display cannot draw. The seed corpus in testdata/fuzz runs with
// every `go test`; `make fuzz` (scripts/fuzz.sh) searches further.

// fuzzStates are the states the decoded messages are applied to: the hall,
// and the sign of window 3, which holds its own window only.
func fuzzStates() []feed.State {
	calls := []queue.Call{call("c", 5, 3), call("b", 3, 2), call("a", 1, 1)}
	windows := []queue.WindowView{{Number: 1, Open: true}, {Number: 3, Open: true}, {Number: 5}}
	return []feed.State{
		{Type: feed.TypeState, Version: feed.Version, Seq: 10, Board: "hall", Timezone: "Europe/Moscow", Calls: calls, Windows: windows},
		{Type: feed.TypeState, Version: feed.Version, Seq: 10, Board: "window:3", Timezone: "Europe/Moscow", Calls: calls, Windows: windows[1:2]},
	}
}

func mustJSON(f *testing.F, v any) []byte {
	f.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDecode checks that Decode returns a message a display can apply, or
// nothing for a type it does not know, or an error; and that applying what
// it returns keeps the promises of the Apply methods.
func FuzzDecode(f *testing.F) {
	for _, st := range fuzzStates() {
		f.Add(mustJSON(f, st))
	}
	for _, m := range []any{
		feed.Call{Type: feed.TypeCall, Seq: 11, Call: call("a", 1, 4)},
		feed.Call{Type: feed.TypeCall, Seq: 9, Call: call("d", 2, 4)},
		feed.Window{Type: feed.TypeWindow, Seq: 11, Window: queue.WindowView{Number: 2, Open: true}},
		feed.Window{Type: feed.TypeWindow, Seq: 12, Window: queue.WindowView{Number: 3, OnBreak: true}},
		feed.Queue{Type: feed.TypeQueue, Seq: 13, Services: []queue.ServiceView{{ID: "passport", Prefix: "П", Waiting: 3}},
			Calls: []queue.Call{call("a", 1, 5), call("a", 1, 4), call("b", 3, 2)}},
		feed.State{Type: feed.TypeState, Version: feed.Version + 1},
		map[string]any{"type": "announce", "text": "новый тип"},
	} {
		f.Add(mustJSON(f, m))
	}
	for _, s := range []string{"", "null", "[]", `{"type":7}`, `{"type":"state","calls":{}}`, `{"type":"call","seq":"1"}`, "\xff", `{"type":"queue"}{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := feed.Decode(data)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned %T with the error %v", m, err)
			}
			return
		}
		var env struct {
			Type string `json:"type"`
		}
		json.Unmarshal(data, &env)
		switch m := m.(type) {
		case nil:
			switch env.Type {
			case feed.TypeState, feed.TypeCall, feed.TypeWindow, feed.TypeQueue:
				t.Fatalf("a %q message decoded to nothing", env.Type)
			}
		case feed.State:
			if m.Version > feed.Version {
				t.Errorf("a state of version %d was accepted", m.Version)
			}
			if m.Settings.Blink <= 0 {
				t.Errorf("blink %v: a display would never stop blinking or never blink", m.Settings.Blink)
			}
			checkCalls(t, m.Calls)
		case feed.Queue:
			checkCalls(t, m.Calls)
		case feed.Call, feed.Window:
		default:
			t.Fatalf("Decode returned a %T", m)
		}
		for _, st := range fuzzStates() {
			apply(t, st, m)
		}
	})
}

// apply applies m to st and checks the promises of the Apply methods: a
// refusal changes nothing; a change keeps seq from going back, the calls
// fit the hall display, a sign keeps its own window only, the windows stay
// in number order; and a copy of st taken before stays as it was.
func apply(t *testing.T, st feed.State, m any) {
	t.Helper()
	before := st
	calls, windows, services := slices.Clone(st.Calls), slices.Clone(st.Windows), slices.Clone(st.Services)
	var changed bool
	var seq int64
	switch m := m.(type) {
	case feed.Call:
		changed, seq = st.ApplyCall(m), m.Seq
		if changed && (len(st.Calls) == 0 || st.Calls[0] != m.Call) {
			t.Errorf("%s: the call %v is not on top of %v", st.Board, m.Call, st.Calls)
		}
	case feed.Window:
		changed, seq = st.ApplyWindow(m), m.Seq
		if changed && !slices.ContainsFunc(st.Windows, func(w queue.WindowView) bool { return reflect.DeepEqual(w, m.Window) }) {
			t.Errorf("%s: window %d was taken but is not in %v", st.Board, m.Window.Number, st.Windows)
		}
	case feed.Queue:
		changed, seq = st.ApplyQueue(m), m.Seq
	default:
		return
	}
	if !reflect.DeepEqual(before.Calls, calls) || !reflect.DeepEqual(before.Windows, windows) || !reflect.DeepEqual(before.Services, services) {
		t.Fatalf("%s: applying %T changed the slices of a copy taken before", st.Board, m)
	}
	if !changed {
		if !reflect.DeepEqual(st, before) {
			t.Errorf("%s: %T was refused but the state changed", st.Board, m)
		}
		return
	}
	if seq < before.Seq || st.Seq != seq {
		t.Errorf("%s: %T of seq %d taken at seq %d, now %d", st.Board, m, seq, before.Seq, st.Seq)
	}
	checkCalls(t, st.Calls)
	for i, w := range st.Windows {
		if i > 0 && w.Number <= st.Windows[i-1].Number {
			t.Errorf("%s: windows out of order or twice: %d after %d", st.Board, w.Number, st.Windows[i-1].Number)
		}
		if st.Board == "window:3" && w.Number != 3 {
			t.Errorf("the sign of window 3 holds window %d", w.Number)
		}
	}
}

// checkCalls checks calls as a hall display shows them: at most MaxCalls,
// each ticket once.
func checkCalls(t *testing.T, calls []queue.Call) {
	t.Helper()
	if len(calls) > feed.MaxCalls {
		t.Errorf("%d calls, more than a display shows (%d)", len(calls), feed.MaxCalls)
	}
	seen := map[string]bool{}
	for _, c := range calls {
		if seen[c.Ticket] {
			t.Errorf("ticket %q is called twice in %v", c.Ticket, calls)
		}
		seen[c.Ticket] = true
	}
}

// FuzzParseBoard checks that a board read from a URL reads back from its
// own name.
func FuzzParseBoard(f *testing.F) {
	for _, s := range []string{"hall", "window:3", "window:0", "window:-1", "window:+7", "window:007", "Hall", "window:", "window:9223372036854775808", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := feed.ParseBoard(s)
		if err != nil {
			return
		}
		if b.Window < 0 {
			t.Fatalf("ParseBoard(%q) = window %d", s, b.Window)
		}
		// The name a board goes by in the URL reads back as the board.
		if back, err := feed.ParseBoard(b.String()); err != nil || back != b {
			t.Errorf("ParseBoard(%q) = %v, %v; want %v", b.String(), back, err, b)
		}
	})
}
