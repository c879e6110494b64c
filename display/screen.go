// Package display is the look of the hall display and the window signs: what
// a display knows (Screen, fed by the /ws/display messages) and where each
// thing goes on a screen of any size (Layouter, which fills a Frame). It is
// plain Go with no drawing in it; display/render draws a Frame with ebiten.
package display

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"eq/display/feed"
	"eq/queue"
)

// MaxCalls is how many calls a Screen remembers; the hall shows as many of
// them as fit.
const MaxCalls = 20

// DefaultBlink is how long a new call blinks when the office sets no time.
const DefaultBlink = 10 * time.Second

// Shown is a call on the board with the moment this display learned of it,
// by the display's own clock: blinking is timed from that, so a display whose
// clock differs from the server's still blinks for the full time.
type Shown struct {
	queue.Call
	Arrived time.Time // zero: known from the start, never blinks
}

// Screen is what a display knows. Apply changes it; Layouter reads it.
//
// Apply never writes into a slice it has handed out: it builds new slices,
// so a copy of a Screen (see Shared) stays valid while the original moves on.
type Screen struct {
	// State is the last state with every later change applied. Its Calls
	// are moved into Calls, which also knows when each call arrived.
	State feed.State
	// Calls are the calls to show, newest first, one per ticket, at most
	// MaxCalls.
	Calls []Shown
	// Online is false while the feed is not connected; the board then
	// carries a small "no connection" mark.
	Online bool

	synced  bool         // a state has been applied
	windows []windowSeen // when each window's called ticket was first seen
	version uint64       // counts changes, for Shared
}

// windowSeen remembers when a window began to show its current call, for
// window signs that get window messages but no call messages.
type windowSeen struct {
	window  int
	ticket  string
	stage   int // a forward starts a new stage under the same number
	recalls int
	arrived time.Time
}

// Apply applies one feed message: feed.State, feed.Call, feed.Window or
// feed.Queue, by value or by pointer. now is the display's clock. The
// message's slices belong to the Screen afterwards.
func (s *Screen) Apply(msg any, now time.Time) error {
	switch m := msg.(type) {
	case feed.State:
		s.applyState(&m, now)
	case *feed.State:
		s.applyState(m, now)
	case feed.Call:
		s.applyCall(m.Seq, m.Call, now)
	case *feed.Call:
		s.applyCall(m.Seq, m.Call, now)
	case feed.Window:
		s.applyWindow(m.Seq, m.Window, now)
	case *feed.Window:
		s.applyWindow(m.Seq, m.Window, now)
	case feed.Queue:
		s.applyQueue(&m, now)
	case *feed.Queue:
		s.applyQueue(m, now)
	default:
		return fmt.Errorf("display: apply: unknown message %T", msg)
	}
	s.version++
	return nil
}

// SetOnline records whether the feed is connected.
func (s *Screen) SetOnline(online bool) {
	if s.Online != online {
		s.Online = online
		s.version++
	}
}

// Blink is how long a new call blinks on this screen.
func (s *Screen) Blink() time.Duration {
	switch st := s.State.Settings; {
	case st.Blink > 0:
		return st.Blink
	case st.BlinkS > 0:
		return time.Duration(st.BlinkS) * time.Second
	}
	return DefaultBlink
}

// Window returns window n's state, if the screen knows it.
func (s *Screen) Window(n int) (queue.WindowView, bool) {
	for _, w := range s.State.Windows {
		if w.Number == n {
			return w, true
		}
	}
	return queue.WindowView{}, false
}

// CallArrived returns when window n's current call was first seen here,
// zero when it was known from the start or there is none.
func (s *Screen) CallArrived(n int) time.Time {
	w, ok := s.Window(n)
	if !ok || w.Current == nil {
		return time.Time{}
	}
	var at time.Time
	for _, ws := range s.windows {
		if ws.window == n && ws.ticket == w.Current.ID {
			at = ws.arrived
		}
	}
	// A call message for the ticket (a recall among them) may be newer than
	// what the window messages showed.
	for i := range s.Calls {
		if c := &s.Calls[i]; c.Ticket == w.Current.ID && c.Window == n && c.Arrived.After(at) {
			at = c.Arrived
		}
	}
	return at
}

// BlinkVisible reports whether something that began to blink at arrived is
// drawn at now: it blinks at 1 Hz, shown for the first half of each second,
// for blink, and is steady after that or when arrived is zero.
func BlinkVisible(arrived, now time.Time, blink time.Duration) bool {
	if arrived.IsZero() {
		return true
	}
	d := now.Sub(arrived)
	if d < 0 || d >= blink {
		return true
	}
	return d%time.Second < time.Second/2
}

func (s *Screen) applyState(st *feed.State, now time.Time) {
	first := !s.synced
	calls := mergeCalls(s.Calls, st.Calls, now, first)
	windows := s.seeWindows(st.Windows, now, first, true)
	s.State = *st
	s.State.Calls = nil
	s.Calls, s.windows, s.synced = calls, windows, true
}

func (s *Screen) applyQueue(q *feed.Queue, now time.Time) {
	s.State.Services = q.Services
	// A queue message without calls leaves them as they are; an empty list
	// clears them (the day closed).
	if q.Calls != nil {
		s.Calls = mergeCalls(s.Calls, q.Calls, now, !s.synced)
	}
	s.seq(q.Seq)
}

func (s *Screen) applyCall(seq int64, c queue.Call, now time.Time) {
	s.seq(seq)
	if len(s.Calls) > 0 && s.Calls[0].Ticket == c.Ticket && s.Calls[0].At.Equal(c.At) {
		return // already on top: a queue message brought it first
	}
	arrived := now
	out := make([]Shown, 0, min(len(s.Calls)+1, MaxCalls))
	for _, old := range s.Calls {
		if old.Ticket == c.Ticket && old.At.Equal(c.At) {
			arrived = old.Arrived
		}
	}
	out = append(out, Shown{Call: c, Arrived: arrived})
	for _, old := range s.Calls {
		if old.Ticket != c.Ticket && len(out) < MaxCalls {
			out = append(out, old)
		}
	}
	s.Calls = out
}

func (s *Screen) applyWindow(seq int64, w queue.WindowView, now time.Time) {
	s.seq(seq)
	ws := slices.Clone(s.State.Windows)
	i, found := slices.BinarySearchFunc(ws, w.Number, func(v queue.WindowView, n int) int { return v.Number - n })
	if found {
		ws[i] = w
	} else {
		ws = slices.Insert(ws, i, w)
	}
	s.State.Windows = ws
	s.windows = s.seeWindows([]queue.WindowView{w}, now, !s.synced, false)
}

func (s *Screen) seq(seq int64) {
	if seq > s.State.Seq {
		s.State.Seq = seq
	}
}

// mergeCalls takes the server's list of calls (newest first, a recalled
// ticket more than once) as the truth and keeps, for the calls already
// shown, when they arrived. A call this display has not seen arrives now,
// unless this is the first state: calls made before the display started
// do not blink.
func mergeCalls(old []Shown, calls []queue.Call, now time.Time, first bool) []Shown {
	out := make([]Shown, 0, min(len(calls), MaxCalls))
next:
	for _, c := range calls {
		if len(out) == MaxCalls {
			break
		}
		for _, o := range out {
			if o.Ticket == c.Ticket {
				continue next // an older call of a ticket already listed
			}
		}
		arrived := now
		if first {
			arrived = time.Time{}
		}
		for _, o := range old {
			if o.Ticket == c.Ticket && o.At.Equal(c.At) {
				arrived = o.Arrived
			}
		}
		out = append(out, Shown{Call: c, Arrived: arrived})
	}
	return out
}

// seeWindows updates when each window's called ticket was first seen. With
// all, windows not in views are forgotten.
func (s *Screen) seeWindows(views []queue.WindowView, now time.Time, first, all bool) []windowSeen {
	out := make([]windowSeen, 0, len(s.windows)+len(views))
	if !all {
		for _, ws := range s.windows {
			if ws.window != views[0].Number {
				out = append(out, ws)
			}
		}
	}
	for _, w := range views {
		t := w.Current
		if t == nil || t.Status != queue.StatusCalled {
			continue
		}
		seen := windowSeen{window: w.Number, ticket: t.ID, stage: len(t.History), arrived: now}
		if n := len(t.History); n > 0 {
			seen.recalls = t.History[n-1].Recalls
		}
		if first {
			seen.arrived = time.Time{}
		}
		for _, old := range s.windows {
			if old.window == seen.window && old.ticket == seen.ticket && old.stage == seen.stage && old.recalls == seen.recalls {
				seen.arrived = old.arrived
			}
		}
		out = append(out, seen)
	}
	return out
}

// Shared is a Screen shared between the feed client's goroutine, which
// applies messages, and the renderer's, which takes snapshots each frame.
// The zero value is ready to use.
type Shared struct {
	mu sync.Mutex
	s  Screen
}

// Apply applies one feed message; see Screen.Apply.
func (sh *Shared) Apply(msg any, now time.Time) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.s.Apply(msg, now)
}

// SetOnline records whether the feed is connected.
func (sh *Shared) SetOnline(online bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.s.SetOnline(online)
}

// Snapshot copies the screen into into when it changed since into was
// taken, and reports whether it did. The copy shares slices with the
// original, which is safe because Apply never writes into them.
func (sh *Shared) Snapshot(into *Screen) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if into.version == sh.s.version {
		return false
	}
	*into = sh.s
	return true
}
