package display_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

type shown struct {
	Number  string
	Arrived time.Duration // since t0; -1 for never blinks
}

func calls(s *display.Screen) []shown {
	var out []shown
	for _, c := range s.Calls {
		d := time.Duration(-1)
		if !c.Arrived.IsZero() {
			d = c.Arrived.Sub(t0)
		}
		out = append(out, shown{c.Number, d})
	}
	return out
}

func TestScreenCalls(t *testing.T) {
	sec := time.Second
	a, b, c := call("П001", 1, t0.Add(-3*time.Minute)), call("Т002", 2, t0.Add(-2*time.Minute)), call("Р003", 3, t0.Add(-time.Minute))
	tests := []struct {
		name string
		msgs func(s *display.Screen)
		want []shown
	}{
		{
			name: "the first state's calls are shown newest first and do not blink",
			msgs: func(s *display.Screen) { apply(s, state(c, b, a), t0) },
			want: []shown{{"Р003", -1}, {"Т002", -1}, {"П001", -1}},
		},
		{
			name: "a new call goes on top and blinks from when it arrived here",
			msgs: func(s *display.Screen) {
				apply(s, state(b, a), t0)
				apply(s, feed.Call{Type: feed.TypeCall, Seq: 2, Call: c}, t0.Add(5*sec))
			},
			want: []shown{{"Р003", 5 * sec}, {"Т002", -1}, {"П001", -1}},
		},
		{
			name: "a recall moves the ticket to the top and restarts its blink",
			msgs: func(s *display.Screen) {
				apply(s, state(b, a), t0)
				apply(s, feed.Call{Seq: 2, Call: c}, t0.Add(5*sec))
				recall := a
				recall.At, recall.Recall = t0.Add(30*sec), true
				apply(s, feed.Call{Seq: 3, Call: recall}, t0.Add(31*sec))
			},
			want: []shown{{"П001", 31 * sec}, {"Р003", 5 * sec}, {"Т002", -1}},
		},
		{
			name: "the same call twice does not restart the blink",
			msgs: func(s *display.Screen) {
				apply(s, state(a), t0)
				apply(s, feed.Call{Seq: 2, Call: b}, t0.Add(sec))
				apply(s, feed.Call{Seq: 2, Call: b}, t0.Add(3*sec))
			},
			want: []shown{{"Т002", sec}, {"П001", -1}},
		},
		{
			name: "a call a queue message brought first keeps the queue message's arrival",
			msgs: func(s *display.Screen) {
				apply(s, state(a), t0)
				apply(s, feed.Queue{Seq: 2, Services: services(), Calls: []queue.Call{b, a}}, t0.Add(sec))
				apply(s, feed.Call{Seq: 2, Call: b}, t0.Add(2*sec))
			},
			want: []shown{{"Т002", sec}, {"П001", -1}},
		},
		{
			name: "a queue message with the calls already shown keeps their arrival",
			msgs: func(s *display.Screen) {
				apply(s, state(b, a), t0)
				apply(s, feed.Queue{Seq: 2, Services: services(), Calls: []queue.Call{b, a}}, t0.Add(sec))
			},
			want: []shown{{"Т002", -1}, {"П001", -1}},
		},
		{
			name: "a queue message with an empty list clears the calls",
			msgs: func(s *display.Screen) {
				apply(s, state(b, a), t0)
				apply(s, feed.Queue{Seq: 2, Calls: []queue.Call{}}, t0.Add(sec))
			},
			want: nil,
		},
		{
			name: "a state after a gap keeps known calls' arrival and blinks the missed ones",
			msgs: func(s *display.Screen) {
				apply(s, state(a), t0)
				apply(s, feed.Call{Seq: 2, Call: b}, t0.Add(sec))
				apply(s, state(c, b, a), t0.Add(9*sec))
			},
			want: []shown{{"Р003", 9 * sec}, {"Т002", sec}, {"П001", -1}},
		},
		{
			name: "a ticket called and recalled is listed once, at its last call",
			msgs: func(s *display.Screen) {
				recall := a
				recall.At, recall.Recall = t0, true
				apply(s, state(recall, b, a), t0)
			},
			want: []shown{{"П001", -1}, {"Т002", -1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &display.Screen{}
			tt.msgs(s)
			if got := calls(s); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScreenKeepsAtMostMaxCalls(t *testing.T) {
	s := screen(state())
	for i := range 25 {
		apply(s, feed.Call{Seq: int64(i + 2), Call: call(fmt.Sprintf("П%03d", i+1), 1+i%8, t0.Add(time.Duration(i)*time.Second))}, t0.Add(time.Duration(i)*time.Second))
	}
	if got, want := len(s.Calls), feed.MaxCalls; got != want {
		t.Fatalf("got %d calls, want %d", got, want)
	}
	if got, want := s.Calls[0].Number, "П025"; got != want {
		t.Errorf("newest: got %s, want %s", got, want)
	}
	if got, want := s.Calls[feed.MaxCalls-1].Number, "П006"; got != want {
		t.Errorf("oldest kept: got %s, want %s", got, want)
	}
}

func TestScreenWindows(t *testing.T) {
	s := screen(state())
	onBreak := queue.WindowView{Number: 2, Open: true, OnBreak: true}
	apply(s, feed.Window{Type: feed.TypeWindow, Seq: 5, Window: onBreak}, t0)
	apply(s, feed.Window{Seq: 6, Window: queue.WindowView{Number: 5}}, t0)
	apply(s, feed.Window{Seq: 7, Window: queue.WindowView{Number: 3, Open: true}}, t0)

	t.Run("a window message replaces that window", func(t *testing.T) {
		if w, _ := s.Window(2); !w.OnBreak {
			t.Errorf("window 2: got %+v, want on break", w)
		}
	})
	t.Run("other windows stay", func(t *testing.T) {
		if w, _ := s.Window(1); w.OperatorName != "Иванова Мария Сергеевна" {
			t.Errorf("window 1: got %+v", w)
		}
	})
	t.Run("new windows are added in number order", func(t *testing.T) {
		var got []int
		for _, w := range s.State.Windows {
			got = append(got, w.Number)
		}
		if want := []int{1, 2, 3, 5}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("the sequence number follows the messages", func(t *testing.T) {
		if got, want := s.State.Seq, int64(7); got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})
	t.Run("an unknown window is not known", func(t *testing.T) {
		if _, ok := s.Window(9); ok {
			t.Error("got window 9")
		}
	})
}

func TestScreenSyncIgnoresTheZeroState(t *testing.T) {
	var s display.Screen
	s.Sync(feed.State{}, t0)
	s.Sync(state(call("П001", 1, t0)), t0.Add(time.Second))
	if got, want := calls(&s), []shown{{"П001", -1}}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v: the first real state's calls do not blink", got, want)
	}
}

func TestScreenBlink(t *testing.T) {
	tests := []struct {
		name     string
		settings feed.Settings
		want     time.Duration
	}{
		{"the office's seconds from the feed", feed.Settings{BlinkS: 5}, 5 * time.Second},
		{"a duration set in Go wins", feed.Settings{Blink: 3 * time.Second, BlinkS: 5}, 3 * time.Second},
		{"no setting blinks for the default time", feed.Settings{}, feed.DefaultBlink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := display.Screen{State: feed.State{Settings: tt.settings}}
			if got := s.Blink(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBlinkVisible(t *testing.T) {
	blink := 10 * time.Second
	tests := []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"it is lit as it arrives", 0, true},
		{"it is lit in the first half of the first second", 250 * time.Millisecond, true},
		{"it is dark in the second half", 750 * time.Millisecond, false},
		{"it is lit again in the next second", 1250 * time.Millisecond, true},
		{"it is dark again half a second later", 1750 * time.Millisecond, false},
		{"it is dark late in the last second of blinking", blink - 250*time.Millisecond, false},
		{"it is steady once the blink time is over", blink + 750*time.Millisecond, true},
		{"it is steady when the clock went back", -750 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.BlinkVisible(t0, t0.Add(tt.after), blink); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("what was there from the start never blinks", func(t *testing.T) {
		if !display.BlinkVisible(time.Time{}, t0.Add(750*time.Millisecond), blink) {
			t.Error("got dark")
		}
	})
}

func TestShared(t *testing.T) {
	var sh display.Shared
	var snap display.Screen

	t.Run("nothing changed, nothing to copy", func(t *testing.T) {
		if sh.Snapshot(&snap) {
			t.Error("got a change")
		}
	})
	st := state(call("П001", 1, t0))
	sh.Sync(st, t0)
	t.Run("a change is copied", func(t *testing.T) {
		if !sh.Snapshot(&snap) || len(snap.Calls) != 1 {
			t.Errorf("got %+v", snap.Calls)
		}
	})
	t.Run("a copy is taken once", func(t *testing.T) {
		if sh.Snapshot(&snap) {
			t.Error("got a change again")
		}
	})
	t.Run("the connection state is a change", func(t *testing.T) {
		sh.SetOnline(true)
		if !sh.Snapshot(&snap) || !snap.Online {
			t.Errorf("got online %v", snap.Online)
		}
	})
	t.Run("a snapshot stays as it was while the screen moves on", func(t *testing.T) {
		old := snap
		st.ApplyCall(feed.Call{Seq: 2, Call: call("Т002", 2, t0)})
		st.ApplyWindow(feed.Window{Seq: 3, Window: queue.WindowView{Number: 1}})
		sh.Sync(st, t0)
		if got := calls(&old); len(got) != 1 || got[0].Number != "П001" {
			t.Errorf("old snapshot's calls: got %v", got)
		}
		if w, _ := old.Window(1); w.OperatorName == "" {
			t.Errorf("old snapshot's window 1: got %+v", w)
		}
	})
}

// The feed syncs the screen while the renderer takes snapshots: run with
// -race.
func TestSharedIsSafeForConcurrentUse(t *testing.T) {
	var sh display.Shared
	st := state()
	sh.Sync(st, t0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			st.ApplyCall(feed.Call{Seq: int64(2*i + 2), Call: call(fmt.Sprintf("П%03d", i), 1, t0)})
			sh.Sync(st, t0)
			st.ApplyWindow(feed.Window{Seq: int64(2*i + 3), Window: queue.WindowView{Number: 1 + i%3, Open: true}})
			sh.Sync(st, t0)
			sh.SetOnline(i%2 == 0)
		}
	}()
	var snap display.Screen
	l := display.NewLayouter(nil)
	for range 200 {
		sh.Snapshot(&snap)
		l.Layout(&snap, feed.Hall, hd, t0, "ru")
		l.Layout(&snap, sign, hd, t0, "ru")
	}
	<-done
}
