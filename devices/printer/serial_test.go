package printer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"eq/devices/escpos"
)

// cable is a pty pair standing for a serial cable: the printer opens the
// slave's path through go.bug.st/serial, the test's device reads and
// answers on the master.
type cable struct {
	master, slave *os.File
	dev           *device
}

func plugIn(t *testing.T) *cable {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	c := &cable{master: master, slave: slave, dev: newDevice(master)}
	t.Cleanup(c.unplug)
	return c
}

// unplug closes both ends: the printer's reads and writes fail as when a
// USB adapter is pulled out, and the slave's path disappears. The test
// keeps the slave open until then because a pty master reads EIO while no
// slave is open.
func (c *cable) unplug() {
	c.master.Close()
	c.slave.Close()
	<-c.dev.done
}

func (c *cable) path() string { return c.slave.Name() }

// start runs p until the test ends.
func start(t *testing.T, p *Printer) *Printer {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- p.Run(context.Background()) }()
	t.Cleanup(func() {
		p.Close()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return p
}

// fast are timeouts that keep the tests quick but the code paths real.
func fast(extra ...Option) []Option {
	return append([]Option{
		WithTimeouts(time.Second, 300*time.Millisecond),
		WithPollInterval(0),
		WithBackoff(20*time.Millisecond, 100*time.Millisecond),
	}, extra...)
}

func TestSerialSendsStatusQueriesThenTheJobExactly(t *testing.T) {
	c := plugIn(t)
	p := start(t, New(NewSerial(SerialConfig{Port: c.path()}), escpos.Generic80, fast()...))
	job := escpos.Ticket(escpos.Generic80, escpos.TicketData{Office: "МФЦ Центральный", Number: "А012", Service: "Паспорт", Position: 3})

	if err := p.Print(context.Background(), Job{Name: "А012", Data: job}); err != nil {
		t.Fatalf("Print: %v", err)
	}

	// The poll at start, then the check before the job, then the job.
	want := append(queries(1, 2, 4, 1, 2, 4), job...)
	got := c.dev.waitLen(t, len(want))
	if !bytes.Equal(got, want) {
		t.Fatalf("printer got\n% X\nwant\n% X", got, want)
	}
	if st := p.Status(); !st.Ready || !st.Online || !st.Known || st.Message != "Принтер готов" {
		t.Errorf("status = %+v, want ready", st)
	}
}

func TestSerialPaperOutRefusesTheJobUnsent(t *testing.T) {
	c := plugIn(t)
	c.dev.set(paperOut, false)
	p := start(t, New(NewSerial(SerialConfig{Port: c.path(), Baud: 9600, Parity: "even"}), escpos.Generic80, fast()...))
	job := []byte("TICKET A012\n")

	err := p.Print(context.Background(), Job{Name: "А012", Data: job})

	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Print = %v, want ErrNotReady", err)
	}
	var nr *NotReadyError
	if !errors.As(err, &nr) || !nr.Status.PaperOut || !strings.Contains(nr.Status.Message, "бумага") {
		t.Errorf("error %v: want a paper-out status with a Russian message", err)
	}
	if !strings.Contains(err.Error(), "Закончилась бумага") {
		t.Errorf("error text %q does not say so in Russian", err)
	}
	if st := p.Status(); st.Ready || !st.PaperOut || !st.Online {
		t.Errorf("status = %+v, want online with paper out", st)
	}
	if got := c.dev.bytes(); bytes.Contains(got, job) || len(withoutQueries(got)) != 0 {
		t.Fatalf("the printer got job bytes: % X", got)
	}

	t.Run("and prints once the paper is back", func(t *testing.T) {
		c.dev.set(escpos.StatusBits{}, false)
		if err := p.Print(context.Background(), Job{Name: "А012", Data: job}); err != nil {
			t.Fatalf("Print: %v", err)
		}
		eventually(t, "the job", func() bool { return bytes.HasSuffix(c.dev.bytes(), job) })
		if got := withoutQueries(c.dev.bytes()); !bytes.Equal(got, job) {
			t.Errorf("printer got %q, want the job once", got)
		}
	})
}

func TestSerialSilentPrinterIsOfflineWithinTheTimeout(t *testing.T) {
	c := plugIn(t)
	c.dev.set(escpos.StatusBits{}, true)
	const timeout = 300 * time.Millisecond
	p := start(t, New(NewSerial(SerialConfig{Port: c.path()}), escpos.Generic80, fast()...))
	eventually(t, "the first poll", func() bool { return !p.Status().CheckedAt.IsZero() })

	began := time.Now()
	err := p.Print(context.Background(), Job{Data: []byte("X\n")})
	took := time.Since(began)

	if !errors.Is(err, ErrNotReady) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Print = %v, want ErrNotReady with ErrTimeout", err)
	}
	// One status timeout: the first query goes unanswered and the others
	// are not asked.
	if took < timeout || took > timeout+300*time.Millisecond {
		t.Errorf("Print took %v, want about %v", took, timeout)
	}
	st := p.Status()
	if st.Online || st.Ready || !strings.Contains(st.Message, "не отвечает") {
		t.Errorf("status = %+v, want offline, not answering", st)
	}
	if got := withoutQueries(c.dev.bytes()); len(got) != 0 {
		t.Errorf("the printer got job bytes: %q", got)
	}
}

func TestSerialWithoutStatusPrintsBlind(t *testing.T) {
	c := plugIn(t)
	c.dev.set(escpos.StatusBits{}, true)
	p := start(t, New(NewSerial(SerialConfig{Port: c.path()}), escpos.Basic58, fast(WithoutStatus())...))
	job := []byte("TICKET B007\n")

	if err := p.Print(context.Background(), Job{Data: job}); err != nil {
		t.Fatalf("Print: %v", err)
	}
	if got := c.dev.waitLen(t, len(job)); !bytes.Equal(got, job) {
		t.Errorf("printer got % X, want only the job % X", got, job)
	}
	if st := p.Status(); !st.Online || st.Known || !st.Ready {
		t.Errorf("status = %+v, want online, unknown, ready", st)
	}
}

// replug is a serial Transport whose port can be swapped, as when an
// adapter comes back under another name (a pty's path dies with it).
type replug struct {
	mu   sync.Mutex
	path string
	*Serial
}

func (r *replug) plug(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.path = path
}

func (r *replug) Open(ctx context.Context) error {
	r.mu.Lock()
	path := r.path
	r.mu.Unlock()
	r.Serial = NewSerial(SerialConfig{Port: path})
	return r.Serial.Open(ctx)
}

func TestSerialReconnectsAfterUnplug(t *testing.T) {
	first := plugIn(t)
	tr := &replug{path: first.path(), Serial: NewSerial(SerialConfig{})}
	p := start(t, New(tr, escpos.Generic80, fast(WithPollInterval(30*time.Millisecond))...))
	if err := p.Print(context.Background(), Job{Data: []byte("ONE\n")}); err != nil {
		t.Fatalf("Print before unplug: %v", err)
	}

	first.unplug()

	err := p.Print(context.Background(), Job{Data: []byte("TWO\n")})
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Print while unplugged = %v, want ErrNotReady", err)
	}
	if st := p.Status(); st.Online || st.Ready || st.Detail == "" {
		t.Errorf("status while unplugged = %+v, want offline with a detail", st)
	}
	if !strings.Contains(err.Error(), "printer: serial "+first.path()) {
		t.Errorf("error %q does not name the port", err)
	}

	second := plugIn(t)
	tr.plug(second.path())

	t.Run("the poll finds it again", func(t *testing.T) {
		eventually(t, "online", func() bool { return p.Status().Ready })
	})
	t.Run("and it prints", func(t *testing.T) {
		if err := p.Print(context.Background(), Job{Data: []byte("THREE\n")}); err != nil {
			t.Fatalf("Print after replug: %v", err)
		}
		eventually(t, "the job", func() bool { return bytes.HasSuffix(second.dev.bytes(), []byte("THREE\n")) })
		if got := withoutQueries(second.dev.bytes()); string(got) != "THREE\n" {
			t.Errorf("new port got %q, want THREE only", got)
		}
	})
}

func TestSerialConfig(t *testing.T) {
	t.Run("fills the defaults", func(t *testing.T) {
		got := NewSerial(SerialConfig{Port: "/dev/ttyUSB0"}).Config()
		want := SerialConfig{Port: "/dev/ttyUSB0", Baud: 19200, Parity: "none", DataBits: 8, StopBits: 1}
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("refuses a bad parity at Open", func(t *testing.T) {
		err := NewSerial(SerialConfig{Port: "/dev/ttyUSB0", Parity: "mark"}).Open(context.Background())
		var te *TransportError
		if !errors.As(err, &te) || te.Op != "open" || !strings.HasPrefix(err.Error(), "printer: serial /dev/ttyUSB0: open: ") {
			t.Errorf("Open = %v, want a TransportError naming the port", err)
		}
	})
	t.Run("names the port of a missing one", func(t *testing.T) {
		err := NewSerial(SerialConfig{Port: "/dev/eq-no-such-port"}).Open(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "printer: serial /dev/eq-no-such-port: open: ") {
			t.Errorf("Open = %v", err)
		}
	})
	t.Run("fails closed writes and reads", func(t *testing.T) {
		s := NewSerial(SerialConfig{Port: "/dev/ttyUSB0"})
		if err := s.Write([]byte{1}, time.Second); !errors.Is(err, ErrClosed) {
			t.Errorf("Write = %v, want ErrClosed", err)
		}
		if _, err := s.Read(make([]byte, 1), time.Second); !errors.Is(err, ErrClosed) {
			t.Errorf("Read = %v, want ErrClosed", err)
		}
	})
}

func TestSerialWriteTimesOutWhenThePrinterTakesNothing(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer slave.Close()
	// Nobody reads the master: once the pty's buffer is full, write(2)
	// blocks, as with a USB printer out of paper.
	s := NewSerial(SerialConfig{Port: slave.Name()})
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	err = s.Write(make([]byte, 1<<20), 200*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Write = %v, want ErrTimeout", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Write took %v", took)
	}
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("error %v is not a timeout TransportError", err)
	}
	s.Close()
	// Closing the master hangs the pty up, which frees the stuck write and
	// lets Close finish closing the port.
	master.Close()
	select {
	case <-s.stuck:
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck write was never released")
	}
}
