package printer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/devices/escpos"
)

func statusByte(t *testing.T, n byte, s escpos.StatusBits) byte {
	t.Helper()
	b, err := escpos.StatusResponse(n, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPrinterStatus(t *testing.T) {
	tests := []struct {
		name      string
		state     escpos.StatusBits
		ready     bool
		message   string
		wantQuery []byte
	}{
		{"is ready with nothing wrong", escpos.StatusBits{}, true, "Принтер готов", queries(1, 2, 4)},
		{"still prints with paper near end", nearEnd, true, "Бумага заканчивается: приготовьте новый рулон", queries(1, 2, 4)},
		{"refuses with paper out", paperOut, false, "Закончилась бумага: вставьте новый рулон", queries(1, 2, 4)},
		{"refuses with the cover open", coverOpen, false, "Открыта крышка принтера: закройте её", queries(1, 2, 4)},
		{"asks the error cause and names a cutter error", escpos.StatusBits{Offline: true, Error: true, CutterError: true}, false,
			"Ошибка отрезчика бумаги: проверьте, не застряла ли бумага", queries(1, 2, 4, 3)},
		{"refuses while the feed button is held", escpos.StatusBits{Offline: true, FeedButton: true}, false, "Нажата кнопка протяжки бумаги", queries(1, 2, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder()
			for _, n := range []byte{1, 2, 3, 4} {
				r.SetStatus(n, statusByte(t, n, tt.state))
			}
			p := start(t, New(r, escpos.Generic80, fast()...))
			eventually(t, "the first poll", func() bool { return !p.Status().CheckedAt.IsZero() })

			st := p.Status()
			if st.Ready != tt.ready || st.Message != tt.message || !st.Online || !st.Known {
				t.Errorf("status = %+v, want ready=%v %q", st, tt.ready, tt.message)
			}
			if got := r.Bytes(); !bytes.Equal(got, tt.wantQuery) {
				t.Errorf("queries % X, want % X", got, tt.wantQuery)
			}
			err := p.Print(context.Background(), Job{Data: []byte("JOB\n")})
			if tt.ready != (err == nil) || (!tt.ready && !errors.Is(err, ErrNotReady)) {
				t.Errorf("Print = %v, want ready=%v", err, tt.ready)
			}
		})
	}
}

func TestPrinterGarbledAnswerIsOffline(t *testing.T) {
	r := NewRecorder()
	r.SetStatus(1, 0xFF) // as at a wrong baud rate
	p := start(t, New(r, escpos.Generic80, fast()...))

	err := p.Print(context.Background(), Job{Data: []byte("JOB\n")})

	if !errors.Is(err, ErrNotReady) || !errors.Is(err, escpos.ErrBadStatus) {
		t.Fatalf("Print = %v, want ErrNotReady with escpos.ErrBadStatus", err)
	}
	if st := p.Status(); st.Online || !strings.Contains(st.Message, "скорость порта") {
		t.Errorf("status = %+v, want a hint at the baud rate", st)
	}
	if len(r.Jobs()) != 0 {
		t.Error("the job was sent")
	}
}

func TestPrinterWriteFailureIsReportedAndHealed(t *testing.T) {
	r := NewRecorder()
	p := start(t, New(r, escpos.Generic80, fast()...))
	eventually(t, "the first poll", func() bool { return p.Status().Ready })
	cut := errors.New("cable cut")
	r.FailWrite(cut)

	err := p.Print(context.Background(), Job{Name: "А1", Data: []byte("JOB\n")})

	// The status query is the first write to fail, so nothing was sent.
	if !errors.Is(err, ErrNotReady) || !errors.Is(err, cut) {
		t.Fatalf("Print = %v, want ErrNotReady wrapping the cause", err)
	}
	if st := p.Status(); st.Online || st.Ready {
		t.Errorf("status = %+v, want offline", st)
	}

	r.FailWrite(nil)
	if err := p.Print(context.Background(), Job{Name: "А2", Data: []byte("JOB\n")}); err != nil {
		t.Fatalf("Print after healing: %v", err)
	}
	if !r.IsOpen() || r.Opens() < 2 {
		t.Errorf("opened %d times and open=%v: did not reconnect", r.Opens(), r.IsOpen())
	}
	if jobs := r.Jobs(); len(jobs) != 1 || jobs[0].Name != "А2" {
		t.Errorf("jobs %+v, want А2 only", jobs)
	}
}

// gate is a Transport whose job writes wait for the test, so that jobs pile
// up in the queue behind one being printed.
type gate struct {
	*Recorder
	entered chan struct{}
	release chan struct{}
	fail    error
}

func newGate() *gate {
	return &gate{Recorder: NewRecorder(), entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (g *gate) Write(p []byte, timeout time.Duration) error {
	if _, ok := statusQuery(p); !ok {
		g.entered <- struct{}{}
		<-g.release
		if g.fail != nil {
			return g.fail
		}
	}
	return g.Recorder.Write(p, timeout)
}

func (g *gate) WriteJob(job Job, timeout time.Duration) error { return g.Write(job.Data, timeout) }

func TestPrinterQueue(t *testing.T) {
	t.Run("drops a job whose context ends while it waits", func(t *testing.T) {
		g := newGate()
		p := start(t, New(g, escpos.Generic80, fast()...))
		first := make(chan error, 1)
		go func() { first <- p.Print(context.Background(), Job{Data: []byte("FIRST\n")}) }()
		<-g.entered

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		err := p.Print(ctx, Job{Data: []byte("SECOND\n")})
		close(g.release)

		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Print = %v, want the context's error", err)
		}
		if err := <-first; err != nil {
			t.Errorf("first Print: %v", err)
		}
		p.Close()
		if got := withoutQueries(g.Bytes()); string(got) != "FIRST\n" {
			t.Errorf("printed %q, want FIRST only", got)
		}
	})

	t.Run("waits for room in a full queue only as long as the context", func(t *testing.T) {
		g := newGate()
		p := start(t, New(g, escpos.Generic80, fast(WithQueueSize(1))...))
		go p.Print(context.Background(), Job{Data: []byte("PRINTING\n")})
		<-g.entered
		go p.Print(context.Background(), Job{Data: []byte("QUEUED\n")})
		eventually(t, "a full queue", func() bool { return len(p.jobs) == 1 })

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		err := p.Print(ctx, Job{Data: []byte("NO ROOM\n")})

		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Print = %v, want the context's error", err)
		}
		close(g.release)
	})

	t.Run("fails the jobs still queued when it stops", func(t *testing.T) {
		g := newGate()
		p := New(g, escpos.Generic80, fast()...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		go p.Print(context.Background(), Job{Data: []byte("PRINTING\n")})
		<-g.entered
		queued := make(chan error, 1)
		go func() { queued <- p.Print(context.Background(), Job{Data: []byte("QUEUED\n")}) }()
		eventually(t, "a queued job", func() bool { return len(p.jobs) == 1 })

		cancel()
		closed := make(chan error, 1)
		go func() { closed <- p.Close() }()
		close(g.release) // the job being printed is finished, not cut

		if err := <-queued; !errors.Is(err, ErrClosed) {
			t.Errorf("queued Print = %v, want ErrClosed", err)
		}
		<-closed
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		if got := withoutQueries(g.Bytes()); string(got) != "PRINTING\n" {
			t.Errorf("printed %q, want the job that had started, whole", got)
		}
		if err := p.Print(context.Background(), Job{Data: []byte("LATE\n")}); !errors.Is(err, ErrClosed) {
			t.Errorf("Print after Close = %v, want ErrClosed", err)
		}
		if err := p.Run(context.Background()); !errors.Is(err, ErrClosed) {
			t.Errorf("Run after Close = %v, want ErrClosed", err)
		}
		if st := p.Status(); st.Online || st.Message != "Принтер остановлен" {
			t.Errorf("status after Close = %+v", st)
		}
		if g.IsOpen() {
			t.Error("the transport is still open")
		}
	})

	t.Run("reports a job cut short as not NotReady", func(t *testing.T) {
		g := newGate()
		g.fail = errors.New("unplugged mid-job")
		p := start(t, New(g, escpos.Generic80, fast()...))
		close(g.release)

		err := p.Print(context.Background(), Job{Name: "А7", Data: []byte("JOB\n")})

		if err == nil || errors.Is(err, ErrNotReady) || !errors.Is(err, g.fail) {
			t.Errorf("Print = %v, want the write error, not ErrNotReady: the job may be half printed", err)
		}
		if st := p.Status(); st.Online {
			t.Errorf("status = %+v, want offline", st)
		}
	})
}

func TestPrinterLifecycle(t *testing.T) {
	t.Run("closes before Run", func(t *testing.T) {
		p := New(NewRecorder(), escpos.Generic80)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Print(context.Background(), Job{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Print = %v, want ErrClosed", err)
		}
	})
	t.Run("runs once", func(t *testing.T) {
		p := start(t, New(NewRecorder(), escpos.Generic80, fast()...))
		eventually(t, "running", func() bool { return p.Status().Ready })
		if err := p.Run(context.Background()); err == nil {
			t.Error("a second Run was allowed")
		}
	})
	t.Run("stops with its context", func(t *testing.T) {
		r := NewRecorder()
		p := New(r, escpos.Generic80, fast()...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		eventually(t, "running", func() bool { return p.Status().Ready })
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if r.IsOpen() {
			t.Error("the transport is still open")
		}
		if err := p.Print(context.Background(), Job{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Print = %v, want ErrClosed", err)
		}
	})
}

func TestPrinterComesBackByPolling(t *testing.T) {
	r := NewRecorder()
	r.FailOpen(errors.New("no such device"))
	var mu sync.Mutex
	var changes []string
	p := start(t, New(r, escpos.Generic80, fast(
		WithPollInterval(10*time.Millisecond),
		OnChange(func(s Status) {
			mu.Lock()
			defer mu.Unlock()
			changes = append(changes, s.MessageEN)
		}),
	)...))
	eventually(t, "a failed open", func() bool { return !p.Status().CheckedAt.IsZero() })
	if st := p.Status(); st.Online || !strings.Contains(st.Detail, "no such device") {
		t.Errorf("status = %+v, want offline with the cause", st)
	}
	time.Sleep(100 * time.Millisecond) // several failed polls, one change

	r.FailOpen(nil)

	eventually(t, "ready", func() bool { return p.Status().Ready })
	mu.Lock()
	defer mu.Unlock()
	want := []string{"the printer is not connected: check its cable and power", "ready"}
	if strings.Join(changes, "|") != strings.Join(want, "|") {
		t.Errorf("changes %q, want %q", changes, want)
	}
}

func TestTransportErrorNamesTheCable(t *testing.T) {
	err := error(&TransportError{Kind: "serial", Addr: "/dev/ttyUSB0", Op: "write", Err: ErrTimeout})
	if got, want := err.Error(), "printer: serial /dev/ttyUSB0: write: принтер не отвечает (timeout)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Error("not a timeout")
	}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Error("no Timeout method")
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx := context.Background()

	np := listen(t)
	c := plugIn(t)
	printers := []*Printer{
		New(NewTCP(TCPConfig{Address: np.addr()}), escpos.Generic80, fast(WithPollInterval(5*time.Millisecond))...),
		New(NewSerial(SerialConfig{Port: c.path()}), escpos.Generic80, fast(WithPollInterval(5*time.Millisecond))...),
		New(NewVirtual(VirtualConfig{Dir: filepath.Join(t.TempDir(), "v"), Profile: escpos.Generic58}), escpos.Generic58, fast()...),
		New(NewRecorder(), escpos.Generic80, fast()...),
	}
	var wg sync.WaitGroup
	for _, p := range printers {
		wg.Go(func() { p.Run(ctx) })
	}
	job := escpos.Ticket(escpos.Generic58, escpos.TicketData{Number: "В3"})
	for _, p := range printers {
		for range 3 {
			if err := p.Print(ctx, Job{Name: "В3", Data: job}); err != nil {
				t.Fatalf("Print: %v", err)
			}
		}
	}
	for _, p := range printers {
		p.Close()
	}
	wg.Wait()
	np.close()
	c.unplug()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Closing a Printer cancels a dial in progress instead of waiting it out.
func TestCloseCancelsADial(t *testing.T) {
	// A listener with a full backlog makes connects hang on some systems
	// and fail on others; an address that drops packets is not portable
	// either, so a stuck dial is simulated by a transport that waits for ctx.
	p := New(dialer(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }), escpos.Generic80, fast()...)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	began := time.Now()
	p.Close()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("Close took %v", took)
	}
}

type dialer func(ctx context.Context) error

func (d dialer) Open(ctx context.Context) error                    { return d(ctx) }
func (d dialer) Write(p []byte, timeout time.Duration) error       { return net.ErrClosed }
func (d dialer) Read(p []byte, timeout time.Duration) (int, error) { return 0, net.ErrClosed }
func (d dialer) Close() error                                      { return nil }
