package display_test

import (
	"fmt"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

// benchLayout lays out board 60 times a second of display time, as the
// renderer does; after a warm-up it should allocate nothing but the clock's
// string once a minute.
func benchLayout(b *testing.B, board feed.Board, size display.Size) {
	var calls []queue.Call
	for i := 12; i > 0; i-- {
		calls = append(calls, call(fmt.Sprintf("П%03d", i), 1+i%8, t0.Add(time.Duration(i)*time.Second)))
	}
	st := state(calls...)
	st.Windows[0].Current = ticket("П012", queue.StatusCalled, 0)
	s := screen(st)
	apply(s, feed.Call{Seq: 2, Call: call("Т004", 3, t0)}, t0)
	l := display.NewLayouter(nil)
	at := t0
	for range 120 {
		at = at.Add(time.Second / 60)
		l.Layout(s, board, size, at, "ru")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		at = at.Add(time.Second / 60)
		l.Layout(s, board, size, at, "ru")
	}
}

func BenchmarkLayoutHall(b *testing.B) { benchLayout(b, feed.Hall, hd) }

func BenchmarkLayoutHallPortrait(b *testing.B) { benchLayout(b, feed.Hall, portrait) }

func BenchmarkLayoutSign(b *testing.B) { benchLayout(b, sign, display.Size{W: 1280, H: 720}) }

// The renderer lays out every frame: a Layout that allocated would feed the
// garbage collector sixty times a second.
func TestLayoutDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := screen(state(call("П012", 1, t0), call("Т004", 3, t0)))
	s.SetOnline(false)
	for _, board := range []feed.Board{feed.Hall, sign} {
		t.Run("the "+board.String()+" board after its first frame", func(t *testing.T) {
			l := display.NewLayouter(nil)
			at := t0
			l.Layout(s, board, hd, at, "ru")
			if got := testing.AllocsPerRun(100, func() {
				at = at.Add(time.Millisecond)
				l.Layout(s, board, hd, at, "ru")
			}); got != 0 {
				t.Errorf("got %v allocations a frame, want 0", got)
			}
		})
	}
}
