package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/devices/escpos"
)

// netPrinter is a network printer's raw port on 127.0.0.1: each connection
// is served by a device, all answering alike.
type netPrinter struct {
	ln net.Listener

	mu      sync.Mutex
	devices []*device
	conns   []net.Conn
	state   escpos.StatusBits
	silent  bool
	done    chan struct{}
}

func listen(t *testing.T) *netPrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	np := &netPrinter{ln: ln, done: make(chan struct{})}
	go np.accept()
	t.Cleanup(np.close)
	return np
}

func (np *netPrinter) accept() {
	defer close(np.done)
	for {
		c, err := np.ln.Accept()
		if err != nil {
			return
		}
		np.mu.Lock()
		d := newDevice(c)
		d.set(np.state, np.silent)
		np.devices = append(np.devices, d)
		np.conns = append(np.conns, c)
		np.mu.Unlock()
	}
}

// set changes what new connections answer.
func (np *netPrinter) set(state escpos.StatusBits, silent bool) {
	np.mu.Lock()
	defer np.mu.Unlock()
	np.state, np.silent = state, silent
}

func (np *netPrinter) addr() string { return np.ln.Addr().String() }

// dropAll closes every connection from the printer's side, as a printer
// that drops idle connections does.
func (np *netPrinter) dropAll() {
	np.mu.Lock()
	defer np.mu.Unlock()
	for i, c := range np.conns {
		c.Close()
		<-np.devices[i].done
	}
}

func (np *netPrinter) close() {
	np.ln.Close()
	<-np.done
	np.dropAll()
}

// received is every byte of every connection, in the order of connections.
func (np *netPrinter) received() []byte {
	np.mu.Lock()
	defer np.mu.Unlock()
	var all []byte
	for _, d := range np.devices {
		all = append(all, d.bytes()...)
	}
	return all
}

func (np *netPrinter) connections() int {
	np.mu.Lock()
	defer np.mu.Unlock()
	return len(np.devices)
}

func TestTCPSendsStatusQueriesThenTheJobExactly(t *testing.T) {
	np := listen(t)
	p := start(t, New(NewTCP(TCPConfig{Address: np.addr()}), escpos.Generic80, fast()...))
	job := escpos.Ticket(escpos.Generic80, escpos.TicketData{Number: "Б101", Service: "СНИЛС"})

	if err := p.Print(context.Background(), Job{Data: job}); err != nil {
		t.Fatalf("Print: %v", err)
	}

	want := append(queries(1, 2, 4, 1, 2, 4), job...)
	eventually(t, "the job", func() bool { return len(np.received()) >= len(want) })
	if got := np.received(); !bytes.Equal(got, want) {
		t.Fatalf("printer got\n% X\nwant\n% X", got, want)
	}
	if n := np.connections(); n != 1 {
		t.Errorf("%d connections, want 1 kept between poll and job", n)
	}
}

func TestTCPCoverOpenRefusesTheJob(t *testing.T) {
	np := listen(t)
	np.set(coverOpen, false)
	p := start(t, New(NewTCP(TCPConfig{Address: np.addr()}), escpos.Generic80, fast()...))

	err := p.Print(context.Background(), Job{Data: []byte("JOB\n")})

	var nr *NotReadyError
	if !errors.As(err, &nr) || !nr.Status.CoverOpen || nr.Status.Message != "Открыта крышка принтера: закройте её" {
		t.Fatalf("Print = %v, want cover open", err)
	}
	if got := withoutQueries(np.received()); len(got) != 0 {
		t.Errorf("the printer got job bytes: %q", got)
	}
}

func TestTCPReconnectsWhenThePrinterDropsAnIdleConnection(t *testing.T) {
	np := listen(t)
	p := start(t, New(NewTCP(TCPConfig{Address: np.addr()}), escpos.Generic80, fast()...))
	if err := p.Print(context.Background(), Job{Data: []byte("ONE\n")}); err != nil {
		t.Fatalf("first Print: %v", err)
	}

	np.dropAll()

	// Written blind into the dropped connection, the job would be lost with
	// no error; the check before it finds the connection closed and dials
	// again.
	if err := p.Print(context.Background(), Job{Data: []byte("TWO\n")}); err != nil {
		t.Fatalf("Print after the drop: %v", err)
	}
	eventually(t, "the job", func() bool { return bytes.HasSuffix(np.received(), []byte("TWO\n")) })
	if n := np.connections(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestTCPUnreachablePrinterIsNotReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now: connection refused

	p := start(t, New(NewTCP(TCPConfig{Address: addr, DialTimeout: 500 * time.Millisecond}), escpos.Generic80, fast()...))
	err = p.Print(context.Background(), Job{Data: []byte("JOB\n")})

	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "printer: tcp "+addr+": dial: ") {
		t.Fatalf("Print = %v, want ErrNotReady naming the address", err)
	}
	if st := p.Status(); st.Online || !strings.Contains(st.Message, "не подключён") {
		t.Errorf("status = %+v, want not connected", st)
	}
}

func TestTCPConcurrentJobsNeverInterleave(t *testing.T) {
	np := listen(t)
	p := start(t, New(NewTCP(TCPConfig{Address: np.addr()}), escpos.Generic80, fast()...))

	// Each job is several chunks long and made of its own letter, so any
	// interleaving shows.
	const kiosks = 10
	jobs := make([][]byte, kiosks)
	for i := range jobs {
		jobs[i] = fmt.Appendf(nil, "<job %d>%s</job %d>", i, bytes.Repeat([]byte{byte('a' + i)}, 3*chunkSize+i), i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, kiosks)
	for i := range kiosks {
		wg.Go(func() {
			errs <- p.Print(context.Background(), Job{Data: jobs[i]})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Print: %v", err)
		}
	}

	total := 0
	for _, j := range jobs {
		total += len(j)
	}
	eventually(t, "every job", func() bool { return len(withoutQueries(np.received())) >= total })
	rest := withoutQueries(np.received())
	seen := map[int]bool{}
	for len(rest) > 0 {
		found := false
		for i, j := range jobs {
			if !seen[i] && bytes.HasPrefix(rest, j) {
				seen[i], found, rest = true, true, rest[len(j):]
				break
			}
		}
		if !found {
			t.Fatalf("the stream is not whole jobs one after another; stuck at %.60q", rest)
		}
	}
	if len(seen) != kiosks {
		t.Errorf("%d jobs printed, want %d", len(seen), kiosks)
	}
}
