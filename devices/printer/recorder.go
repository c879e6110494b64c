package printer

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// Recorder is the fake Transport for unit tests: it records every byte it is
// given and answers DLE EOT status queries as the test tells it, so the
// logic around a printer (refusing a job for want of paper, reconnecting)
// is tested without a cable. Tests of real cables use a pty or a socket.
type Recorder struct {
	mu       sync.Mutex
	open     bool
	opens    int
	written  []byte
	jobs     []Job
	answers  map[byte]byte
	silent   bool
	pending  []byte
	openErr  error
	writeErr error
}

var _ JobWriter = (*Recorder)(nil)

// NewRecorder returns a Recorder whose printer is ready: every status query
// is answered 0x12 (the fixed bits only: online, paper present, cover shut).
func NewRecorder() *Recorder {
	return &Recorder{answers: map[byte]byte{}}
}

// SetStatus makes the Recorder answer DLE EOT n with b.
func (r *Recorder) SetStatus(n, b byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[n] = b
}

// SetSilent makes the Recorder answer no status query, as a printer without
// status support, or a dead one, does.
func (r *Recorder) SetSilent(silent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.silent = silent
}

// FailOpen makes every Open fail with err, as an unplugged printer does;
// nil plugs it back.
func (r *Recorder) FailOpen(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.openErr = err
}

// FailWrite makes every Write fail with err and close the Recorder; nil
// heals it.
func (r *Recorder) FailWrite(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writeErr = err
}

// Bytes returns every byte written so far, status queries included, in order.
func (r *Recorder) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.written)
}

// Jobs returns the jobs written so far, without status queries.
func (r *Recorder) Jobs() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Job, len(r.jobs))
	for i, j := range r.jobs {
		out[i] = Job{Name: j.Name, Data: bytes.Clone(j.Data)}
	}
	return out
}

// Opens returns how many times Open succeeded.
func (r *Recorder) Opens() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opens
}

// IsOpen reports whether the Recorder is open.
func (r *Recorder) IsOpen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open
}

func (r *Recorder) fail(op string, err error) error {
	return &TransportError{Kind: "recorder", Addr: "test", Op: op, Err: err}
}

// Open opens the Recorder unless FailOpen says not to.
func (r *Recorder) Open(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.openErr != nil {
		return r.fail("open", r.openErr)
	}
	if !r.open {
		r.open, r.pending = true, nil
		r.opens++
	}
	return nil
}

// Write records p; a status query is answered, anything else is a job.
func (r *Recorder) Write(p []byte, timeout time.Duration) error {
	return r.WriteJob(Job{Data: p}, timeout)
}

// WriteJob records a job with its name.
func (r *Recorder) WriteJob(job Job, timeout time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.open {
		return r.fail("write", ErrClosed)
	}
	if r.writeErr != nil {
		r.open = false
		return r.fail("write", r.writeErr)
	}
	r.written = append(r.written, job.Data...)
	if n, ok := statusQuery(job.Data); ok {
		if !r.silent {
			b, ok := r.answers[n]
			if !ok {
				b = statusOK
			}
			r.pending = append(r.pending, b)
		}
		return nil
	}
	r.jobs = append(r.jobs, Job{Name: job.Name, Data: bytes.Clone(job.Data)})
	return nil
}

// Read returns the pending status answers, or waits timeout and fails with
// ErrTimeout when there are none, as a silent printer would.
func (r *Recorder) Read(p []byte, timeout time.Duration) (int, error) {
	r.mu.Lock()
	if !r.open {
		r.mu.Unlock()
		return 0, r.fail("read", ErrClosed)
	}
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		r.mu.Unlock()
		return n, nil
	}
	r.mu.Unlock()
	time.Sleep(timeout)
	return 0, r.fail("read", ErrTimeout)
}

// Close closes the Recorder.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.open, r.pending = false, nil
	return nil
}
