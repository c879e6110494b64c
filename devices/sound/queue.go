package sound

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"eq/queue"
)

// Defaults of a Queue. A visitor who was called a minute ago has either
// come or looked at the display; a backlog of 16 is minutes of speech,
// more than a hall's busiest moment makes.
const (
	defaultQueueSize = 16
	defaultMaxAge    = 60 * time.Second
	// playSlack is how much longer than its sound an announcement may
	// take to play before the player is given up on: a stuck audio
	// device must not silence the hall for good.
	playSlack = 10 * time.Second
)

// PlayFunc plays one WAV file and returns when it has been heard, or when
// ctx is done.
type PlayFunc func(ctx context.Context, wav []byte) error

// QueueOption configures a Queue.
type QueueOption func(*queueOptions)

type queueOptions struct {
	size   int
	maxAge time.Duration
	gap    time.Duration
	now    func() time.Time
	log    *slog.Logger
}

// WithQueueSize bounds the calls waiting to be announced (default 16); when
// one more comes, the oldest is dropped.
func WithQueueSize(n int) QueueOption { return func(o *queueOptions) { o.size = n } }

// WithMaxAge drops a call whose turn comes more than d after it was added
// (default 60 s).
func WithMaxAge(d time.Duration) QueueOption { return func(o *queueOptions) { o.maxAge = d } }

// WithGap sets the silence between words (default DefaultGap).
func WithGap(d time.Duration) QueueOption { return func(o *queueOptions) { o.gap = d } }

// WithClock sets the clock Run reads (default time.Now).
func WithClock(now func() time.Time) QueueOption { return func(o *queueOptions) { o.now = now } }

// WithLogger logs dropped and failed announcements (default: none).
func WithLogger(log *slog.Logger) QueueOption { return func(o *queueOptions) { o.log = log } }

// Queue is the hall's announcements waiting to be played, one at a time.
//
// Its core is Add, Next and Done, which need no goroutine and take the time
// from the caller; Run is the loop that plays them. The rules:
//
//   - One announcement at a time: Next gives nothing while one is playing,
//     until Done.
//   - A call of a ticket that is still waiting for its turn is merged into
//     it: the ticket is announced once, in its first place in the line, to
//     the window of the latest call. It is announced as a recall only if
//     every merged call was one: a visitor who has not yet heard the first
//     call must not hear "повторно".
//   - A call of the ticket being played waits for its own turn after it: a
//     recall made while the first call is heard is heard once more.
//   - A call whose turn comes more than the max age after it was added is
//     dropped: the visitor has come to the window, or has been called again.
//   - At most size calls wait; one more drops the oldest.
//
// Its methods may be called from any goroutine.
type Queue struct {
	bank *Bank
	o    queueOptions

	mu      sync.Mutex
	waiting []pending
	playing bool
	running bool
	wake    chan struct{} // has a value when Next may have something new
}

type pending struct {
	call  queue.Call
	added time.Time
}

// NewQueue returns a Queue that announces in bank's language.
func NewQueue(bank *Bank, opts ...QueueOption) *Queue {
	o := queueOptions{size: defaultQueueSize, maxAge: defaultMaxAge, gap: DefaultGap, now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if o.size < 1 {
		o.size = 1
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	return &Queue{bank: bank, o: o, wake: make(chan struct{}, 1)}
}

// Add puts a call in line at now, the time its age counts from: give the
// call's own At to count from when the operator pressed the button.
func (q *Queue) Add(call queue.Call, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	defer q.signal()
	for i := range q.waiting {
		p := &q.waiting[i]
		if !sameTicket(p.call, call) {
			continue
		}
		call.Recall = p.call.Recall && call.Recall
		p.call, p.added = call, now
		return
	}
	if len(q.waiting) == q.o.size {
		q.logDrop("dropped: too many announcements waiting", q.waiting[0].call)
		q.waiting = append(q.waiting[:0], q.waiting[1:]...)
	}
	q.waiting = append(q.waiting, pending{call: call, added: now})
}

// sameTicket says whether two calls are of one ticket; a call without a
// ticket id (a test, an old client) is known by its number.
func sameTicket(a, b queue.Call) bool {
	if a.Ticket != "" || b.Ticket != "" {
		return a.Ticket == b.Ticket
	}
	return a.Number == b.Number
}

// Next takes the call to announce now, dropping the stale ones before it,
// and marks it playing until Done. It returns false while another is
// playing or when none waits.
func (q *Queue) Next(now time.Time) (queue.Call, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.playing {
		return queue.Call{}, false
	}
	for len(q.waiting) > 0 {
		p := q.waiting[0]
		q.waiting = append(q.waiting[:0], q.waiting[1:]...)
		if now.Sub(p.added) > q.o.maxAge {
			q.logDrop("dropped: stale announcement", p.call)
			continue
		}
		q.playing = true
		return p.call, true
	}
	return queue.Call{}, false
}

// Done ends the announcement Next gave.
func (q *Queue) Done() {
	q.mu.Lock()
	q.playing = false
	q.signal()
	q.mu.Unlock()
}

// Len returns how many calls wait, the one playing not counted.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting)
}

// signal wakes Run; q.mu is held.
func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run announces the calls as they come, through play, until ctx is done;
// then it returns nil. A call that cannot be rendered or played is logged
// and skipped. A Queue has one Run at a time.
func (q *Queue) Run(ctx context.Context, play PlayFunc) error {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return errors.New("sound: Queue.Run called twice")
	}
	q.running = true
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.running = false
		q.mu.Unlock()
	}()
	for ctx.Err() == nil {
		call, ok := q.Next(q.o.now())
		if !ok {
			select {
			case <-ctx.Done():
			case <-q.wake:
			}
			continue
		}
		q.play(ctx, call, play)
		q.Done()
	}
	return nil
}

func (q *Queue) play(ctx context.Context, call queue.Call, play PlayFunc) {
	frags, err := Compose(q.bank.lang, call.Number, call.Window, call.Recall)
	var wav []byte
	if err == nil {
		wav, err = Render(q.bank, frags, q.o.gap)
	}
	if err != nil {
		q.o.log.Error("sound: cannot announce", "ticket", call.Number, "window", call.Window, "err", err)
		return
	}
	d, _ := Duration(wav)
	pctx, cancel := context.WithTimeout(ctx, d+playSlack)
	defer cancel()
	if err := play(pctx, wav); err != nil && ctx.Err() == nil {
		q.o.log.Error("sound: announcement not played", "ticket", call.Number, "window", call.Window, "err", err)
	}
}

func (q *Queue) logDrop(msg string, call queue.Call) {
	q.o.log.Warn("sound: "+msg, "ticket", call.Number, "window", call.Window)
}
