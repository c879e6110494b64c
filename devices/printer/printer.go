package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"eq/devices/escpos"
)

// Defaults of a Printer. A kiosk waits for its ticket, so every wait is
// bounded; polling every 10 s keeps the admin page and the kiosk's "printer
// out of paper" notice current without keeping the line busy.
const (
	defaultWriteTimeout  = 5 * time.Second
	defaultStatusTimeout = time.Second
	defaultPollInterval  = 10 * time.Second
	defaultQueueSize     = 16
	defaultMinBackoff    = time.Second
	defaultMaxBackoff    = 30 * time.Second
	// drainTimeout is how long a Printer listens for stale bytes before a
	// status query or a job; long enough to see a connection the printer
	// closed, short enough not to be felt.
	drainTimeout = 5 * time.Millisecond
	drainMax     = 64
)

// Option configures a Printer.
type Option func(*options)

type options struct {
	name          string
	status        bool
	writeTimeout  time.Duration
	statusTimeout time.Duration
	pollInterval  time.Duration
	queueSize     int
	minBackoff    time.Duration
	maxBackoff    time.Duration
	now           func() time.Time
	log           *slog.Logger
	onChange      func(Status)
}

// WithName names the printer in logs (the device attribute), e.g. kiosk-1;
// by default it is the transport's, e.g. "tcp 10.0.0.50:9100".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithoutStatus is for a printer that does not answer DLE EOT (cheap
// models, or a one-way converter in the cable): it is never asked, its
// status is Known=false, and it is printed to blind. Without this option a
// printer that does not answer is offline and gets no jobs.
func WithoutStatus() Option { return func(o *options) { o.status = false } }

// WithTimeouts sets how long a write may make no progress (default 5 s) and
// how long a status answer may take (default 1 s).
func WithTimeouts(write, status time.Duration) Option {
	return func(o *options) { o.writeTimeout, o.statusTimeout = write, status }
}

// WithPollInterval sets how often the status is checked between jobs
// (default 10 s); zero or less checks only before jobs.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.pollInterval = d } }

// WithQueueSize bounds how many jobs may wait for the printer (default 16).
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = n } }

// WithBackoff sets the delays between reconnection attempts after the
// printer is lost: min first, doubling up to max (default 1 s to 30 s). A
// job always tries at once: a visitor is waiting for it.
func WithBackoff(min, max time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = min, max }
}

// WithClock sets the clock of Status.CheckedAt.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs status changes to log; the default logs nothing.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// OnChange calls f with the new Status whenever it changes (not when a poll
// finds the same), from the Printer's goroutine: f must not block, and must
// not call Print.
func OnChange(f func(Status)) Option { return func(o *options) { o.onChange = f } }

// Printer drives one printer through one Transport. One goroutine (Run)
// owns the transport and takes jobs from a bounded queue one at a time, so
// two kiosks or two requests never interleave their bytes on the paper.
// Before each job and on a ticker it asks the printer its real-time status
// (DLE EOT 1, 2 and 4) and refuses a job it could not print, before sending
// any of it. After any transport error it closes the transport and reopens
// it on the next job or poll, so an unplugged printer comes back by itself.
type Printer struct {
	t       Transport
	profile escpos.Profile
	o       options

	jobs     chan request
	stopped  chan struct{} // closed when no more jobs will be taken
	finished chan struct{} // closed when the transport is closed too

	mu     sync.Mutex
	state  int // stateNew, stateRunning, stateStopped
	cancel context.CancelFunc
	status Status

	// Owned by the Run goroutine.
	open    bool
	backoff time.Duration
	retryAt time.Time
}

const (
	stateNew = iota
	stateRunning
	stateStopped
)

type request struct {
	ctx  context.Context
	job  Job
	done chan error // buffered: the worker never waits for a caller gone
}

// New returns a Printer on t for a printer of the given profile. Nothing is
// opened until Run.
func New(t Transport, profile escpos.Profile, opts ...Option) *Printer {
	o := options{
		status:        true,
		writeTimeout:  defaultWriteTimeout,
		statusTimeout: defaultStatusTimeout,
		pollInterval:  defaultPollInterval,
		queueSize:     defaultQueueSize,
		minBackoff:    defaultMinBackoff,
		maxBackoff:    defaultMaxBackoff,
		now:           time.Now,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.name == "" {
		o.name = profile.Name
		if s, ok := t.(fmt.Stringer); ok {
			o.name = s.String()
		}
	}
	if o.writeTimeout <= 0 {
		o.writeTimeout = defaultWriteTimeout
	}
	if o.statusTimeout <= 0 {
		o.statusTimeout = defaultStatusTimeout
	}
	if o.queueSize < 1 {
		o.queueSize = 1
	}
	if o.minBackoff <= 0 {
		o.minBackoff = defaultMinBackoff
	}
	o.maxBackoff = max(o.maxBackoff, o.minBackoff)
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	return &Printer{
		t:        t,
		profile:  profile,
		o:        o,
		jobs:     make(chan request, o.queueSize),
		stopped:  make(chan struct{}),
		finished: make(chan struct{}),
		status:   statusNotChecked(),
	}
}

// Profile returns the printer's profile, for laying out its tickets.
func (p *Printer) Profile() escpos.Profile { return p.profile }

// Status returns the latest known status.
func (p *Printer) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Print queues job and waits until it is printed, refused or failed, or ctx
// ends. A job whose ctx ends while it waits in the queue is dropped unsent;
// a job already being sent is sent whole, since half a ticket is worse than
// a late one, even though Print has returned ctx.Err().
//
// The error matches ErrNotReady when the printer refused or could not be
// reached and nothing was sent; any other error means the job may be
// partly printed. ErrClosed: the Printer is closed.
func (p *Printer) Print(ctx context.Context, job Job) error {
	r := request{ctx: ctx, job: job, done: make(chan error, 1)}
	select {
	case <-p.stopped:
		return ErrClosed
	default:
	}
	select {
	case p.jobs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.stopped:
		return ErrClosed
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-p.stopped:
		select {
		case err := <-r.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// Run drives the printer until ctx ends or Close is called, then closes the
// transport and fails the jobs still queued with ErrClosed. It checks the
// status at once, so the kiosk knows before the first visitor. Run returns
// nil when stopped; a Printer runs once.
func (p *Printer) Run(ctx context.Context) error {
	p.mu.Lock()
	switch p.state {
	case stateRunning:
		p.mu.Unlock()
		return errors.New("printer: Run called twice")
	case stateStopped:
		p.mu.Unlock()
		return ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.state, p.cancel = stateRunning, cancel
	p.mu.Unlock()
	defer p.shutdown()

	var tick <-chan time.Time
	var timer *time.Timer
	if p.o.pollInterval > 0 {
		timer = time.NewTimer(0)
		defer timer.Stop()
		tick = timer.C
	} else {
		p.poll(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-p.jobs:
			if ctx.Err() != nil {
				// Stopping: select picks at random among ready cases, and
				// a job must not start after Close has been called.
				r.done <- ErrClosed
				return nil
			}
			p.print(ctx, r)
		case <-tick:
			p.poll(ctx)
		}
		if timer != nil {
			// A job checked the status too, so the next poll waits again.
			timer.Reset(p.nextPoll())
		}
	}
}

// Close stops Run and waits until it has closed the transport, so that the
// port is free when Close returns. It may be called before Run, from any
// goroutine, more than once.
func (p *Printer) Close() error {
	p.mu.Lock()
	switch p.state {
	case stateNew:
		p.state = stateStopped
		p.mu.Unlock()
		p.shutdown()
		return nil
	case stateRunning:
		p.cancel()
	}
	p.mu.Unlock()
	<-p.finished
	return nil
}

// shutdown refuses new jobs, fails the queued ones and closes the transport.
func (p *Printer) shutdown() {
	defer close(p.finished)
	p.mu.Lock()
	p.state = stateStopped
	p.mu.Unlock()
	close(p.stopped)
	for drained := false; !drained; {
		select {
		case r := <-p.jobs:
			r.done <- ErrClosed
		default:
			drained = true
		}
	}
	p.t.Close()
	p.open = false
	p.setStatus(statusOffline(ErrClosed, p.o.now()))
}

// nextPoll is how long to wait for the next poll: the interval while
// connected, the backoff while not.
func (p *Printer) nextPoll() time.Duration {
	if p.open || p.retryAt.IsZero() {
		return p.o.pollInterval
	}
	return max(time.Until(p.retryAt), time.Millisecond)
}

// poll checks the status between jobs, respecting the backoff.
func (p *Printer) poll(ctx context.Context) {
	if !p.open && !p.retryAt.IsZero() && time.Now().Before(p.retryAt) {
		return
	}
	p.check(ctx)
}

// print checks the status, then sends the job or refuses it.
func (p *Printer) print(ctx context.Context, r request) {
	if err := r.ctx.Err(); err != nil {
		r.done <- err
		return
	}
	wasOpen := p.open
	st, err := p.check(ctx)
	if err != nil && wasOpen && ctx.Err() == nil && !errors.Is(err, ErrTimeout) {
		// The connection went bad while idle (the printer dropped it, the
		// cable was replugged): one fresh connection before giving up. Not
		// after a timeout: a printer that does not answer will not answer
		// a new connection either, and the visitor has waited enough.
		st, err = p.check(ctx)
	}
	if err != nil || !st.Ready {
		r.done <- &NotReadyError{Status: st, Err: err}
		return
	}
	if len(r.job.Data) == 0 {
		r.done <- nil
		return
	}
	if jw, ok := p.t.(JobWriter); ok {
		err = jw.WriteJob(r.job, p.o.writeTimeout)
	} else {
		err = p.t.Write(r.job.Data, p.o.writeTimeout)
	}
	if err != nil {
		p.lost(err)
		r.done <- fmt.Errorf("printer: print %q: %w", r.job.Name, err)
		return
	}
	r.done <- nil
}

// check opens the transport if needed and asks the status; on any transport
// error it closes the transport and returns the offline Status.
func (p *Printer) check(ctx context.Context) (Status, error) {
	if !p.open {
		// Bounded like a write: a dial to a dead address, or a serial port
		// still held by a stuck write, must not stop the queue.
		octx, cancel := context.WithTimeout(ctx, p.o.writeTimeout)
		err := p.t.Open(octx)
		cancel()
		if err != nil {
			return p.lost(err), err
		}
		p.open = true
	}
	if err := p.drain(); err != nil {
		return p.lost(err), err
	}
	var st Status
	if p.o.status {
		bits, err := p.query()
		if err != nil {
			return p.lost(err), err
		}
		st = statusFromBits(bits, p.o.now())
	} else {
		st = statusUnknown(p.o.now())
	}
	p.backoff, p.retryAt = 0, time.Time{}
	p.setStatus(st)
	return st, nil
}

// lost closes the transport after err and schedules the reconnection.
func (p *Printer) lost(err error) Status {
	p.t.Close()
	p.open = false
	if p.backoff == 0 {
		p.backoff = p.o.minBackoff
	} else {
		p.backoff = min(2*p.backoff, p.o.maxBackoff)
	}
	p.retryAt = time.Now().Add(p.backoff)
	st := statusOffline(err, p.o.now())
	p.setStatus(st)
	return st
}

// drain throws away bytes that arrived unasked (a late answer to a query
// that timed out, a printer's automatic status), so they are not taken for
// the next answer; reading also finds a connection the printer has closed.
func (p *Printer) drain() error {
	var buf [64]byte
	for range drainMax {
		if _, err := p.t.Read(buf[:], drainTimeout); err != nil {
			if errors.Is(err, ErrTimeout) {
				return nil
			}
			return err
		}
	}
	return nil
}

// query asks DLE EOT 1, 2 and 4, and 3 when 2 reports an error, and merges
// the answers. It stops at the first failure, so a silent printer costs one
// status timeout, not four.
func (p *Printer) query() (escpos.StatusBits, error) {
	var all escpos.StatusBits
	for _, n := range []byte{1, 2, 4, 3} {
		if n == 3 && !all.Error {
			continue
		}
		if err := p.t.Write(escpos.StatusRequest(n), p.o.writeTimeout); err != nil {
			return all, err
		}
		var b [1]byte
		if _, err := p.t.Read(b[:], p.o.statusTimeout); err != nil {
			return all, err
		}
		s, err := escpos.ParseStatus(n, b[0])
		if err != nil {
			return all, fmt.Errorf("printer: status %d: %w", n, err)
		}
		merge(&all, s)
	}
	return all, nil
}

func merge(all *escpos.StatusBits, s escpos.StatusBits) {
	all.Offline = all.Offline || s.Offline
	all.CoverOpen = all.CoverOpen || s.CoverOpen
	all.FeedButton = all.FeedButton || s.FeedButton
	all.PaperEndStop = all.PaperEndStop || s.PaperEndStop
	all.Error = all.Error || s.Error
	all.CutterError = all.CutterError || s.CutterError
	all.Unrecoverable = all.Unrecoverable || s.Unrecoverable
	all.AutoRecoverable = all.AutoRecoverable || s.AutoRecoverable
	all.PaperNearEnd = all.PaperNearEnd || s.PaperNearEnd
	all.PaperEnd = all.PaperEnd || s.PaperEnd
}

// setStatus stores st and, when it differs from the last, logs and
// announces it.
func (p *Printer) setStatus(st Status) {
	p.mu.Lock()
	changed := !sameState(p.status, st)
	p.status = st
	p.mu.Unlock()
	if !changed {
		return
	}
	level := slog.LevelInfo
	if !st.Ready && !st.stopped {
		// Our own stop is no trouble; anything else keeping a ticket from
		// printing is.
		level = slog.LevelWarn
	}
	p.o.log.Log(context.Background(), level, "printer status", "device", p.o.name, "ready", st.Ready, "status", st.MessageEN, "detail", st.Detail)
	if p.o.onChange != nil {
		p.o.onChange(st)
	}
}
