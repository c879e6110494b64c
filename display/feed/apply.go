package feed

import (
	"encoding/json"
	"fmt"

	"eq/queue"
)

// MaxCalls is how many calls a State keeps: what a hall display can show.
const MaxCalls = 20

// Decode reads one server message: a State, Call, Window or Queue. A
// message of a type this package does not know decodes to nil with no
// error, so that a newer server may add types. Calls in a State or Queue
// come back as the display shows them: newest first, each ticket once at its
// latest call, at most MaxCalls; a State's Settings.Blink is filled in.
func Decode(data []byte) (any, error) {
	var env struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("feed: decode: %w", err)
	}
	switch env.Type {
	case TypeState:
		var m State
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("feed: decode state: %w", err)
		}
		if m.Version > Version {
			return nil, fmt.Errorf("feed: сервер говорит на версии %d, табло знает %d — обновите eq (the server speaks version %d, this display knows %d: update eq)", m.Version, Version, m.Version, Version)
		}
		m.Settings.Blink = m.Settings.BlinkTime()
		m.Calls = latestCalls(m.Calls)
		return m, nil
	case TypeCall:
		var m Call
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("feed: decode call: %w", err)
		}
		return m, nil
	case TypeWindow:
		var m Window
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("feed: decode window: %w", err)
		}
		return m, nil
	case TypeQueue:
		var m Queue
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("feed: decode queue: %w", err)
		}
		m.Calls = latestCalls(m.Calls)
		return m, nil
	}
	return nil, nil
}

// The Apply methods bring a state up to date with one message. They report
// false, changing nothing, for a message older than the state (its seq is
// lower) or not meant for its board. They replace st's slices rather than
// edit them, so a copy of st taken earlier stays as it was.

// ApplyCall puts the call at the top of st's calls, removing the ticket's
// earlier call: a recalled ticket moves up. Calls up to st's seq are in
// the state already and change nothing.
func (st *State) ApplyCall(m Call) bool {
	if m.Seq <= st.Seq {
		return false
	}
	st.Seq = m.Seq
	calls := make([]queue.Call, 0, min(len(st.Calls)+1, MaxCalls))
	calls = append(calls, m.Call)
	for _, c := range st.Calls {
		if len(calls) == MaxCalls {
			break
		}
		if c.Ticket != m.Call.Ticket {
			calls = append(calls, c)
		}
	}
	st.Calls = calls
	return true
}

// ApplyWindow replaces the window's state, or adds the window in number
// order. A window sign's state holds its own window only.
func (st *State) ApplyWindow(m Window) bool {
	if m.Seq < st.Seq {
		return false
	}
	if b, err := ParseBoard(st.Board); err == nil && b.Window != 0 && b.Window != m.Window.Number {
		return false
	}
	st.Seq = m.Seq
	ws := make([]queue.WindowView, 0, len(st.Windows)+1)
	added := false
	for _, w := range st.Windows {
		switch {
		case w.Number == m.Window.Number:
			w, added = m.Window, true
		case !added && w.Number > m.Window.Number:
			ws, added = append(ws, m.Window), true
		}
		ws = append(ws, w)
	}
	if !added {
		ws = append(ws, m.Window)
	}
	st.Windows = ws
	return true
}

// ApplyQueue takes the queues' new state and the calls with it.
func (st *State) ApplyQueue(m Queue) bool {
	if m.Seq < st.Seq {
		return false
	}
	st.Seq, st.Services, st.Calls = m.Seq, m.Services, latestCalls(m.Calls)
	return true
}

// latestCalls keeps each ticket's newest call of calls (newest first), at
// most MaxCalls of them, in a new slice.
func latestCalls(calls []queue.Call) []queue.Call {
	out := make([]queue.Call, 0, min(len(calls), MaxCalls))
	seen := make(map[string]bool, len(calls))
	for _, c := range calls {
		if len(out) == MaxCalls {
			break
		}
		if !seen[c.Ticket] {
			seen[c.Ticket] = true
			out = append(out, c)
		}
	}
	return out
}
