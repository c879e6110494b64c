package console

import (
	"encoding/json"
	"log/slog"
	"reflect"
	"slices"
	"testing"

	"eq/queue"
)

// A console reads whatever its socket brings: a newer server, a proxy, a
// frame cut short. handle must apply what it understands and leave the
// state alone otherwise, and answer a waiting command only with its own
// reply. The seed corpus in testdata/fuzz runs with every `go test`;
// `make fuzz` (scripts/fuzz.sh) searches further.

// fuzzClient is the console of window 2 at seq 10, following windows 1 to
// 3, with command "7" waiting for its reply. It has no connection: handle
// is what the reading goroutine calls for each message.
func fuzzClient() (*Client, chan result) {
	windows := []queue.WindowView{{Number: 1, Open: true}, {Number: 2, Open: true, Operator: "op2"}, {Number: 3}}
	st := State{Envelope: Envelope{Type: TypeState}, Version: Version, Seq: 10, Windows: windows, Me: Me{Login: "op2", Role: queue.RoleOperator}}
	st.Window = &st.Windows[1]
	wait := make(chan result, 1)
	return &Client{
		o:      options{log: slog.New(slog.DiscardHandler)},
		window: 2, login: "op2", state: st,
		updates: make(chan struct{}, 1),
		pending: map[string]chan result{"7": wait},
	}, wait
}

func fuzzJSON(f *testing.F, v any) []byte {
	f.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzHandle checks that a message changes the state only when it is an
// update or a state, never takes it back in seq, keeps snapshots handed out
// as they were, and answers a waiting command only with its own reply.
func FuzzHandle(f *testing.F) {
	c, _ := fuzzClient()
	w2 := queue.WindowView{Number: 2, Open: true, OnBreak: true}
	for _, m := range []any{
		c.state,
		State{Envelope: Envelope{Type: TypeState}, Version: Version + 1},
		WindowUpdate{Envelope: Envelope{Type: TypeWindow}, Seq: 11, Window: w2},
		WindowUpdate{Envelope: Envelope{Type: TypeWindow}, Seq: 9, Window: w2},
		WindowUpdate{Envelope: Envelope{Type: TypeWindow}, Seq: 12, Window: queue.WindowView{Number: 4}},
		QueueUpdate{Envelope: Envelope{Type: TypeQueue}, Seq: 13},
		Reply{Envelope: Envelope{Type: TypeReply, ID: "7"}, Seq: 14, OK: true, Window: &w2},
		Reply{Envelope: Envelope{Type: TypeReply, ID: "8"}, Seq: 14, OK: true},
		Reply{Envelope: Envelope{Type: TypeError}, Error: &Error{Code: queue.EINVALID, Message: "неверный JSON", MessageEN: "malformed JSON"}},
		map[string]any{"type": "hello", "seq": 99},
	} {
		f.Add(fuzzJSON(f, m))
	}
	for _, s := range []string{"", "null", "[]", `{"type":1}`, `{"type":"window","window":[]}`, `{"type":"reply","id":"7","ok":"yes"}`,
		`{"type":"state","version":"1"}`, `{"type":"queue","seq":9}`, "\xff", `{"type":"window"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, wait := fuzzClient()
		before := c.state
		windows := slices.Clone(before.Windows)
		err := c.handle(data)

		if !reflect.DeepEqual(before.Windows, windows) {
			t.Fatal("handle changed the windows of a snapshot taken before")
		}
		var env Envelope
		readable := json.Unmarshal(data, &env) == nil
		switch {
		case err != nil:
			// A message handle cannot use ends the connection, which
			// resyncs: nothing of it may have been applied.
			if !reflect.DeepEqual(c.state, before) {
				t.Fatalf("handle failed (%v) yet changed the state", err)
			}
		case !readable:
			if !reflect.DeepEqual(c.state, before) {
				t.Fatal("an unreadable message changed the state")
			}
		case env.Type == TypeReply || env.Type == TypeError:
			if !reflect.DeepEqual(c.state, before) {
				t.Fatal("a reply changed the state: only updates may")
			}
		case env.Type == TypeWindow || env.Type == TypeQueue:
			if c.state.Seq < before.Seq {
				t.Errorf("an update took the state back from seq %d to %d", before.Seq, c.state.Seq)
			}
			checkWindows(t, c)
		case env.Type == TypeState:
			if c.state.Version > Version {
				t.Errorf("a state of protocol %d was taken", c.state.Version)
			}
		default:
			if !reflect.DeepEqual(c.state, before) {
				t.Fatalf("a message of the unknown type %q changed the state", env.Type)
			}
		}

		// Command 7 is answered only by a reply or error naming it.
		select {
		case r := <-wait:
			if r.reply.ID != "7" || (r.reply.Type != TypeReply && r.reply.Type != TypeError) {
				t.Fatalf("command 7 was answered with %+v", r.reply)
			}
			if _, still := c.pending["7"]; still {
				t.Error("command 7 was answered but is still pending")
			}
		default:
			if _, still := c.pending["7"]; !still {
				t.Error("command 7 was forgotten without an answer")
			}
		}
	})
}

// checkWindows checks the windows after an update: each number once, and
// the client's own window the one in the list.
func checkWindows(t *testing.T, c *Client) {
	t.Helper()
	seen := map[int]bool{}
	for _, w := range c.state.Windows {
		if seen[w.Number] {
			t.Errorf("window %d is listed twice", w.Number)
		}
		seen[w.Number] = true
	}
	if c.state.Window == nil || c.state.Window.Number != c.window {
		t.Fatalf("the console's window is %+v, want window %d", c.state.Window, c.window)
	}
	for _, w := range c.state.Windows {
		if w.Number == c.window && !reflect.DeepEqual(w, *c.state.Window) {
			t.Errorf("window %d differs between the list and the console's own", c.window)
		}
	}
}
