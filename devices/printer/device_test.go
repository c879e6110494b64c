package printer

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"eq/devices/escpos"
)

// device is the far end of a real cable in tests: a pty master or an
// accepted TCP connection. Like a printer, it keeps every byte it gets and
// answers each DLE EOT n in the stream at once with the byte its state
// says.
type device struct {
	rw io.ReadWriter

	mu      sync.Mutex
	got     []byte
	scanned int
	state   escpos.StatusBits
	silent  bool
	changed chan struct{} // closed and replaced on every new byte
	done    chan struct{} // closed when the reader stops
	err     error
}

func newDevice(rw io.ReadWriter) *device {
	d := &device{rw: rw, changed: make(chan struct{}), done: make(chan struct{})}
	go d.serve()
	return d
}

func (d *device) serve() {
	defer close(d.done)
	buf := make([]byte, 4096)
	for {
		n, err := d.rw.Read(buf)
		d.mu.Lock()
		d.got = append(d.got, buf[:n]...)
		var answers []byte
		for ; d.scanned+3 <= len(d.got); d.scanned++ {
			if q, ok := statusQuery(d.got[d.scanned : d.scanned+3]); ok && !d.silent {
				b, _ := escpos.StatusResponse(q, d.state)
				answers = append(answers, b)
			}
		}
		if n > 0 {
			close(d.changed)
			d.changed = make(chan struct{})
		}
		if err != nil {
			d.err = err
		}
		d.mu.Unlock()
		if len(answers) > 0 {
			d.rw.Write(answers)
		}
		if err != nil {
			return
		}
	}
}

// set changes what the device answers.
func (d *device) set(state escpos.StatusBits, silent bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.state, d.silent = state, silent
}

func (d *device) bytes() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.got)
}

// waitLen waits until the device has at least n bytes and returns them all.
func (d *device) waitLen(t *testing.T, n int) []byte {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		d.mu.Lock()
		got, ch := bytes.Clone(d.got), d.changed
		d.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("device got %d bytes, want %d: % X", len(got), n, got)
		}
	}
}

// queries is the bytes of DLE EOT n for each n in order.
func queries(ns ...byte) []byte {
	var b []byte
	for _, n := range ns {
		b = append(b, escpos.StatusRequest(n)...)
	}
	return b
}

// withoutQueries removes the status queries from a stream whose jobs have
// no DLE byte, leaving the jobs' bytes.
func withoutQueries(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if i+3 <= len(b) {
			if _, ok := statusQuery(b[i : i+3]); ok {
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return out
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var (
	paperOut  = escpos.StatusBits{Offline: true, PaperEndStop: true, PaperEnd: true}
	coverOpen = escpos.StatusBits{Offline: true, CoverOpen: true}
	nearEnd   = escpos.StatusBits{PaperNearEnd: true}
)
