package printer

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// TCPConfig is a network printer on its raw port ("JetDirect", usually 9100):
// whatever is sent is printed, and the printer answers DLE EOT on the same
// connection.
type TCPConfig struct {
	Address     string        // host:port, e.g. 10.0.0.50:9100
	DialTimeout time.Duration // default 3 s
}

// TCP is a Transport over a TCP connection. It keeps one connection open
// between jobs; a printer that drops idle connections is noticed before the
// next job (Printer reads the connection first) and reconnected.
type TCP struct {
	cfg  TCPConfig
	conn net.Conn
}

var _ Transport = (*TCP)(nil)

// NewTCP returns a TCP Transport; nothing is dialled until Open.
func NewTCP(cfg TCPConfig) *TCP {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 3 * time.Second
	}
	return &TCP{cfg: cfg}
}

func (t *TCP) String() string { return "tcp " + t.cfg.Address }

func (t *TCP) fail(op string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = ErrTimeout
	} else if errors.Is(err, io.EOF) {
		err = errors.New("принтер закрыл соединение (connection closed by the printer)")
	}
	return &TransportError{Kind: "tcp", Addr: t.cfg.Address, Op: op, Err: err}
}

// Open dials the printer within DialTimeout.
func (t *TCP) Open(ctx context.Context) error {
	if t.conn != nil {
		return nil
	}
	d := net.Dialer{Timeout: t.cfg.DialTimeout}
	c, err := d.DialContext(ctx, "tcp", t.cfg.Address)
	if err != nil {
		return t.fail("dial", err)
	}
	t.conn = c
	return nil
}

// Write sends p a chunk at a time, each chunk within timeout.
func (t *TCP) Write(p []byte, timeout time.Duration) error {
	if t.conn == nil {
		return t.fail("write", ErrClosed)
	}
	for len(p) > 0 {
		chunk := p[:min(len(p), chunkSize)]
		if err := t.conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return t.fail("write", err)
		}
		n, err := t.conn.Write(chunk)
		if err != nil {
			return t.fail("write", err)
		}
		p = p[n:]
	}
	return nil
}

// Read waits up to timeout for bytes.
func (t *TCP) Read(p []byte, timeout time.Duration) (int, error) {
	if t.conn == nil {
		return 0, t.fail("read", ErrClosed)
	}
	if err := t.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, t.fail("read", err)
	}
	n, err := t.conn.Read(p)
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, t.fail("read", err)
}

// Close closes the connection.
func (t *TCP) Close() error {
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	if err != nil {
		return t.fail("close", err)
	}
	return nil
}
