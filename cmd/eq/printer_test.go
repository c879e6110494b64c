package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/devices/escpos"
)

// fakeNetworkPrinter listens like a printer on port 9100: it answers every
// DLE EOT status query with status and keeps every other byte.
type fakeNetworkPrinter struct {
	ln     net.Listener
	status byte
	mu     sync.Mutex
	got    bytes.Buffer
	conns  sync.WaitGroup // connections being served
}

func startNetworkPrinter(t *testing.T, status byte) *fakeNetworkPrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeNetworkPrinter{ln: ln, status: status}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Go(func() { p.serve(c) })
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *fakeNetworkPrinter) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	var pending []byte
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, []byte{0x10, 0x04})
			if i < 0 || i+2 >= len(pending) {
				break
			}
			p.keep(pending[:i])
			pending = pending[i+3:]
			c.Write([]byte{p.status})
		}
		// Keep all but a status query that may be cut in two by the read.
		cut := len(pending)
		if cut > 0 && pending[cut-1] == 0x10 {
			cut--
		} else if cut > 1 && pending[cut-2] == 0x10 && pending[cut-1] == 0x04 {
			cut -= 2
		}
		p.keep(pending[:cut])
		pending = pending[cut:]
	}
}

func (p *fakeNetworkPrinter) keep(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got.Write(b)
}

// bytes is what the printer got once every connection so far has ended:
// the command closes its connection on exit, but the printer may still be
// reading the last bytes when the command returns.
func (p *fakeNetworkPrinter) bytes() []byte {
	done := make(chan struct{})
	go func() { p.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.got.Bytes())
}

func TestPrinterCommand(t *testing.T) {
	t.Run("a test ticket reaches a network printer", func(t *testing.T) {
		p := startNetworkPrinter(t, 0x12)
		var out, errOut bytes.Buffer
		if code := run([]string{"printer", "test", "--tcp", p.ln.Addr().String()}, nil, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
		}
		doc, err := escpos.Decode(p.bytes(), escpos.PC866)
		if err != nil {
			t.Fatalf("decode what the printer got: %v", err)
		}
		if !strings.Contains(doc.Text(), "А000") || !strings.Contains(out.String(), "напечатан") {
			t.Fatalf("printer got %q; output %q", doc.Text(), out.String())
		}
	})
	t.Run("a printer out of paper is reported and gets nothing", func(t *testing.T) {
		p := startNetworkPrinter(t, 0x12|0x60)
		var out, errOut bytes.Buffer
		code := run([]string{"printer", "test", "--tcp", p.ln.Addr().String()}, nil, &out, &errOut)
		if code == 0 || !strings.Contains(strings.ToLower(out.String()), "бумаг") || len(p.bytes()) != 0 {
			t.Fatalf("exit %d, output %q, printer got %d bytes", code, out.String(), len(p.bytes()))
		}
	})
	t.Run("status of a printer nobody listens for is offline", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		var out bytes.Buffer
		if code := run([]string{"printer", "status", "--tcp", addr}, nil, &out, io.Discard); code == 0 || !strings.Contains(out.String(), "не подключён") {
			t.Fatalf("exit %d, output %q", code, out.String())
		}
	})
	t.Run("the virtual printer writes the ticket and its picture", func(t *testing.T) {
		dir := t.TempDir()
		if code := run([]string{"printer", "test", "--dir", dir}, nil, io.Discard, io.Discard); code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, name := range []string{"test.bin", "test.png"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("two connections at once are refused", func(t *testing.T) {
		var errOut bytes.Buffer
		if code := run([]string{"printer", "test", "--dir", t.TempDir(), "--tcp", "127.0.0.1:9100"}, nil, io.Discard, &errOut); code == 0 || !strings.Contains(errOut.String(), "ровно одно") {
			t.Fatalf("exit %d, %q", code, errOut.String())
		}
	})
}
