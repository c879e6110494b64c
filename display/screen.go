// Package display is the look of the hall display and the window signs: what
// a display knows (Screen, synced with the feed's states) and where each
// thing goes on a screen of any size (Layouter, which fills a Frame). It is
// plain Go with no drawing in it; display/render draws a Frame with ebiten.
package display

import (
	"sync"
	"time"

	"eq/display/feed"
	"eq/queue"
)

// Shown is a call on the board with the moment this display learned of it,
// by the display's own clock: blinking is timed from that, so a display whose
// clock differs from the server's still blinks for the full time.
type Shown struct {
	queue.Call
	Arrived time.Time // zero: known from the start, never blinks
}

// Screen is what a display knows: the feed's state, which the feed client
// keeps up to date (feed.State's Apply methods), and when each call arrived
// here, which only the display knows. Sync changes it; Layouter reads it.
//
// Sync never writes into a slice it has handed out: it builds new slices,
// so a copy of a Screen (see Shared) stays valid while the original moves on.
type Screen struct {
	// State is the last state synced. Its Calls are moved into Calls, which
	// also knows when each call arrived.
	State feed.State
	// Calls are the calls to show, newest first, one per ticket, at most
	// feed.MaxCalls.
	Calls []Shown
	// Online is false while the feed is not connected; the board then
	// carries a small "no connection" mark.
	Online bool

	synced  bool         // a state has been synced
	windows []windowSeen // when each window's called ticket was first seen
	version uint64       // counts changes, for Shared
}

// windowSeen remembers when a window began to show its current call, for
// window signs, whose states carry their window but no calls.
type windowSeen struct {
	window  int
	ticket  string
	stage   int // a forward starts a new stage under the same number
	recalls int
	arrived time.Time
}

// Sync takes the feed's state, as the feed client keeps it, by the
// display's clock now: a call or a window's call this display had not seen
// arrives now and blinks, one it had keeps its time. The state's slices
// belong to the Screen afterwards. A State that is not one (the zero State
// a client has before it first connects) changes nothing: were it taken as
// the first state, every call of the real first one would blink.
func (s *Screen) Sync(st feed.State, now time.Time) {
	if st.Type != feed.TypeState {
		return
	}
	first := !s.synced
	s.Calls = mergeCalls(s.Calls, st.Calls, now, first)
	s.windows = s.seeWindows(st.Windows, now, first)
	s.State = st
	s.State.Calls = nil
	s.synced = true
	s.version++
}

// SetOnline records whether the feed is connected.
func (s *Screen) SetOnline(online bool) {
	if s.Online != online {
		s.Online = online
		s.version++
	}
}

// Blink is how long a new call blinks on this screen: the office's setting.
func (s *Screen) Blink() time.Duration { return s.State.Settings.BlinkTime() }

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
	// The ticket's entry in the calls (a recall among them) may be newer
	// than what the window showed.
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

// mergeCalls takes the server's list of calls (newest first, a recalled
// ticket more than once) as the truth and keeps, for the calls already
// shown, when they arrived. A call this display has not seen arrives now,
// unless this is the first state: calls made before the display started
// do not blink.
func mergeCalls(old []Shown, calls []queue.Call, now time.Time, first bool) []Shown {
	out := make([]Shown, 0, min(len(calls), feed.MaxCalls))
next:
	for _, c := range calls {
		if len(out) == feed.MaxCalls {
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

// seeWindows updates when each window's called ticket was first seen;
// windows not in views are forgotten.
func (s *Screen) seeWindows(views []queue.WindowView, now time.Time, first bool) []windowSeen {
	out := make([]windowSeen, 0, len(views))
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

// Shared is a Screen shared between the feed's goroutine, which syncs it,
// and the renderer's, which takes snapshots each frame. The zero value is
// ready to use.
type Shared struct {
	mu sync.Mutex
	s  Screen
}

// Sync takes the feed's state; see Screen.Sync.
func (sh *Shared) Sync(st feed.State, now time.Time) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.s.Sync(st, now)
}

// SetOnline records whether the feed is connected.
func (sh *Shared) SetOnline(online bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.s.SetOnline(online)
}

// Snapshot copies the screen into into when it changed since into was
// taken, and reports whether it did. The copy shares slices with the
// original, which is safe because Sync never writes into them.
func (sh *Shared) Snapshot(into *Screen) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if into.version == sh.s.version {
		return false
	}
	*into = sh.s
	return true
}
