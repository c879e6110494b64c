package sound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eq/internal/syncbuf"
	"eq/queue"
)

var t0 = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)

func testBank(t *testing.T) *Bank {
	t.Helper()
	b, err := LoadBank(synthBank("ru", 8000), "ru")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// next takes the next call and ends it at once, as a player that takes no
// time would.
func next(q *Queue, now time.Time) (queue.Call, bool) {
	c, ok := q.Next(now)
	if ok {
		q.Done()
	}
	return c, ok
}

// drain returns what q announces at now, one by one: "П001→3",
// "П002→4 again".
func drain(q *Queue, now time.Time) []string {
	var out []string
	for {
		c, ok := next(q, now)
		if !ok {
			return out
		}
		s := fmt.Sprintf("%s→%d", c.Number, c.Window)
		if c.Recall {
			s += " again"
		}
		out = append(out, s)
	}
}

func recallOf(number string, window int) queue.Call {
	c := callOf(number, window)
	c.Recall = true
	return c
}

func TestQueueAnnouncesInOrderOneAtATime(t *testing.T) {
	q := NewQueue(testBank(t))
	q.Add(callOf("П001", 3), t0)
	q.Add(callOf("Т001", 4), t0)

	c, ok := q.Next(t0)
	if !ok || c.Number != "П001" {
		t.Fatalf("first Next = %v, %v; want П001", c.Number, ok)
	}
	if c, ok := q.Next(t0); ok {
		t.Fatalf("Next while П001 plays = %v, want nothing", c.Number)
	}
	q.Done()
	if got, want := drain(q, t0), []string{"Т001→4"}; !equal(got, want) {
		t.Errorf("then %v, want %v", got, want)
	}
}

func TestQueueMergesCallsOfAWaitingTicket(t *testing.T) {
	tests := []struct {
		name  string
		calls []queue.Call
		want  []string
	}{
		{"a recall before the first call is heard: announced once, not as a recall",
			[]queue.Call{callOf("П001", 3), callOf("Т001", 4), recallOf("П001", 3)},
			[]string{"П001→3", "Т001→4"}},
		{"two recalls waiting: announced once, as a recall",
			[]queue.Call{recallOf("П001", 3), callOf("Т001", 4), recallOf("П001", 3)},
			[]string{"П001→3 again", "Т001→4"}},
		{"called to another window before its turn: announced once, to the latest window",
			[]queue.Call{callOf("П001", 3), callOf("Т001", 4), callOf("П001", 7)},
			[]string{"П001→7", "Т001→4"}},
		{"different tickets are never merged",
			[]queue.Call{callOf("П001", 3), callOf("П002", 3), callOf("П003", 3)},
			[]string{"П001→3", "П002→3", "П003→3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(testBank(t))
			for _, c := range tt.calls {
				q.Add(c, t0)
			}
			if got := drain(q, t0); !equal(got, tt.want) {
				t.Errorf("announced %v, want %v", got, tt.want)
			}
		})
	}
}

func TestQueueRepeatsARecallMadeWhileTheTicketPlays(t *testing.T) {
	q := NewQueue(testBank(t))
	q.Add(callOf("П001", 3), t0)
	q.Add(callOf("Т001", 4), t0)
	if c, _ := q.Next(t0); c.Number != "П001" {
		t.Fatalf("first %s, want П001", c.Number)
	}
	// The operator presses "recall" twice while the hall hears П001.
	q.Add(recallOf("П001", 3), t0)
	q.Add(recallOf("П001", 3), t0)
	q.Done()
	if got, want := drain(q, t0), []string{"Т001→4", "П001→3 again"}; !equal(got, want) {
		t.Errorf("then %v, want %v", got, want)
	}
}

func TestQueueDropsStaleCalls(t *testing.T) {
	q := NewQueue(testBank(t), WithMaxAge(time.Minute))
	q.Add(callOf("П001", 3), t0)
	q.Add(callOf("П002", 3), t0.Add(30*time.Second))
	q.Add(callOf("П003", 3), t0)
	q.Add(recallOf("П003", 3), t0.Add(45*time.Second)) // a recall makes it fresh

	got := drain(q, t0.Add(time.Minute+time.Second))
	if want := []string{"П002→3", "П003→3"}; !equal(got, want) {
		t.Errorf("a minute later announced %v, want %v", got, want)
	}

	q.Add(callOf("П004", 3), t0)
	if got, want := drain(q, t0.Add(time.Minute)), []string{"П004→3"}; !equal(got, want) {
		t.Errorf("exactly a minute old: announced %v, want %v", got, want)
	}
}

func TestQueueIsBounded(t *testing.T) {
	var logs bytes.Buffer
	q := NewQueue(testBank(t), WithQueueSize(3), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	for i := 1; i <= 5; i++ {
		q.Add(callOf(fmt.Sprintf("П%03d", i), i), t0)
	}
	if got := q.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	if got, want := drain(q, t0), []string{"П003→3", "П004→4", "П005→5"}; !equal(got, want) {
		t.Errorf("announced %v, want the newest three %v", got, want)
	}
	if n := strings.Count(logs.String(), "too many"); n != 2 {
		t.Errorf("logged %d drops, want 2:\n%s", n, logs.String())
	}
}

func equal(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// fakeClock is the time Run reads.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// fakePlayer plays nothing: it records what it is given, by the ticket
// number the WAV announces, checks that it is never entered twice at once,
// and holds each announcement until the test releases it.
type fakePlayer struct {
	numbers map[string]string // WAV bytes → ticket number
	release chan struct{}
	fail    atomic.Bool

	inside  atomic.Int32
	overlap atomic.Bool
	mu      sync.Mutex
	played  []string
	started chan string
}

func newFakePlayer(t *testing.T, b *Bank, calls ...queue.Call) *fakePlayer {
	p := &fakePlayer{numbers: map[string]string{}, release: make(chan struct{}), started: make(chan string, 100)}
	for _, c := range calls {
		wav, err := Announce(b, c)
		if err != nil {
			t.Fatal(err)
		}
		p.numbers[string(wav)] = c.Number
		if c.Recall {
			p.numbers[string(wav)] += " again"
		}
	}
	return p
}

func (p *fakePlayer) play(ctx context.Context, wav []byte) error {
	if p.inside.Add(1) > 1 {
		p.overlap.Store(true)
	}
	defer p.inside.Add(-1)
	fail := p.fail.Load()
	n, ok := p.numbers[string(wav)]
	if !ok {
		n = "?"
	}
	p.mu.Lock()
	p.played = append(p.played, n)
	p.mu.Unlock()
	p.started <- n
	select {
	case <-p.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if fail {
		return errors.New("no sound card")
	}
	return nil
}

func (p *fakePlayer) Played() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.played...)
}

// waitStarted waits for the player to start the next announcement.
func (p *fakePlayer) waitStarted(t *testing.T) string {
	t.Helper()
	select {
	case n := <-p.started:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was played")
		return ""
	}
}

// runQueue runs q until the test ends, and checks that Run returns.
func runQueue(t *testing.T, q *Queue, play PlayFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, play) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
}

func TestRunNeverPlaysTwoAtOnce(t *testing.T) {
	b := testBank(t)
	var calls []queue.Call
	for i := 1; i <= 8; i++ {
		calls = append(calls, callOf(fmt.Sprintf("П%03d", i), i))
	}
	clock := &fakeClock{now: t0}
	q := NewQueue(b, WithClock(clock.Now))
	p := newFakePlayer(t, b, calls...)
	runQueue(t, q, p.play)

	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() { defer wg.Done(); q.Add(c, t0) }()
	}
	wg.Wait()
	for range calls {
		p.waitStarted(t)
		p.release <- struct{}{}
	}
	if p.overlap.Load() {
		t.Error("the player was entered while it was playing")
	}
	if got := p.Played(); len(got) != len(calls) {
		t.Errorf("played %v, want all %d calls once", got, len(calls))
	}
}

func TestRunRepeatsARecallAfterThePlayingCall(t *testing.T) {
	b := testBank(t)
	clock := &fakeClock{now: t0}
	q := NewQueue(b, WithClock(clock.Now))
	p := newFakePlayer(t, b, callOf("П001", 3), recallOf("П001", 3))
	runQueue(t, q, p.play)

	q.Add(callOf("П001", 3), t0)
	if got := p.waitStarted(t); got != "П001" {
		t.Fatalf("first played %s, want П001", got)
	}
	q.Add(recallOf("П001", 3), t0)
	q.Add(recallOf("П001", 3), t0)
	p.release <- struct{}{}
	if got := p.waitStarted(t); got != "П001 again" {
		t.Fatalf("then played %s, want П001 again", got)
	}
	p.release <- struct{}{}
	q.Add(callOf("П001", 3), t0) // a marker: played only after the recall
	p.waitStarted(t)
	if got, want := p.Played(), []string{"П001", "П001 again", "П001"}; !equal(got, want) {
		t.Errorf("played %v, want %v", got, want)
	}
	p.release <- struct{}{}
}

func TestRunDropsCallsThatWaitedTooLong(t *testing.T) {
	b := testBank(t)
	clock := &fakeClock{now: t0}
	q := NewQueue(b, WithClock(clock.Now), WithMaxAge(time.Minute))
	p := newFakePlayer(t, b, callOf("П001", 1), callOf("П002", 2), callOf("П003", 3))
	runQueue(t, q, p.play)

	q.Add(callOf("П001", 1), t0)
	p.waitStarted(t)
	// П001 plays for two minutes: the hall's speakers are slow today.
	q.Add(callOf("П002", 2), t0)
	q.Add(callOf("П003", 3), t0.Add(90*time.Second))
	clock.Set(t0.Add(2 * time.Minute))
	p.release <- struct{}{}
	if got := p.waitStarted(t); got != "П003" {
		t.Errorf("after П001 played %s, want П003: П002 is two minutes old", got)
	}
	p.release <- struct{}{}
}

func TestRunGoesOnAfterAFailure(t *testing.T) {
	b := testBank(t)
	var logs syncbuf.Buffer
	clock := &fakeClock{now: t0}
	q := NewQueue(b, WithClock(clock.Now), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	p := newFakePlayer(t, b, callOf("П001", 1), callOf("П002", 2))
	runQueue(t, q, p.play)

	p.fail.Store(true)
	q.Add(callOf("П001", 1), t0)
	q.Add(callOf("П999", 0), t0) // window 0 cannot be announced
	q.Add(callOf("П002", 2), t0)
	p.waitStarted(t)
	p.fail.Store(false)
	p.release <- struct{}{}
	if got := p.waitStarted(t); got != "П002" {
		t.Errorf("after a failed play and an unreadable call played %s, want П002", got)
	}
	p.release <- struct{}{}
	for _, want := range []string{"announcement not played", "no sound card", "cannot announce", "ticket=П999"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, logs.String())
		}
	}
}

func TestRunStopsAPlayWhenCancelled(t *testing.T) {
	b := testBank(t)
	q := NewQueue(b)
	p := newFakePlayer(t, b, callOf("П001", 1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, p.play) }()
	q.Add(callOf("П001", 1), time.Now())
	p.waitStarted(t)
	cancel() // the player is never released: only the context ends it
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRunTwiceIsAnError(t *testing.T) {
	b := testBank(t)
	q := NewQueue(b)
	p := newFakePlayer(t, b, callOf("П001", 1))
	runQueue(t, q, p.play)
	q.Add(callOf("П001", 1), time.Now())
	p.waitStarted(t) // the first Run is surely running
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := q.Run(ctx, p.play); err == nil {
		t.Error("a second Run returned nil, want an error")
	}
	p.release <- struct{}{}
}
