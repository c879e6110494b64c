package printer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.bug.st/serial"
)

// SerialConfig is a printer on a serial port: a COM port, a USB-serial
// adapter or a USB printer that shows up as a virtual COM port.
type SerialConfig struct {
	Port     string // /dev/ttyUSB0, /dev/ttyACM0, COM3
	Baud     int    // default 19200, the factory setting of most kiosk printers
	Parity   string // none (default), even or odd
	DataBits int    // default 8
	StopBits int    // 1 (default) or 2
}

// Serial is a Transport over a serial port, through go.bug.st/serial.
type Serial struct {
	cfg  SerialConfig
	mode serial.Mode
	err  error // a bad config, reported by Open

	port serial.Port
	// stuck is the result of a write that outlived its timeout: the
	// goroutine in write(2) still owns the port until it returns (a USB
	// printer out of paper stops taking bytes), so the port is neither
	// written nor closed under it.
	stuck chan error
}

var _ Transport = (*Serial)(nil)

// NewSerial returns a serial Transport; nothing is opened until Open.
func NewSerial(cfg SerialConfig) *Serial {
	s := &Serial{cfg: cfg}
	if s.cfg.Baud == 0 {
		s.cfg.Baud = 19200
	}
	if s.cfg.DataBits == 0 {
		s.cfg.DataBits = 8
	}
	if s.cfg.StopBits == 0 {
		s.cfg.StopBits = 1
	}
	if s.cfg.Parity == "" {
		s.cfg.Parity = "none"
	}
	s.mode = serial.Mode{BaudRate: s.cfg.Baud, DataBits: s.cfg.DataBits}
	switch s.cfg.Parity {
	case "none":
		s.mode.Parity = serial.NoParity
	case "even":
		s.mode.Parity = serial.EvenParity
	case "odd":
		s.mode.Parity = serial.OddParity
	default:
		s.err = fmt.Errorf("чётность %q: none, even или odd (bad parity)", s.cfg.Parity)
	}
	switch s.cfg.StopBits {
	case 1:
		s.mode.StopBits = serial.OneStopBit
	case 2:
		s.mode.StopBits = serial.TwoStopBits
	default:
		s.err = fmt.Errorf("стоп-биты %d: 1 или 2 (bad stop bits)", s.cfg.StopBits)
	}
	return s
}

// Config returns the configuration with its defaults filled in.
func (s *Serial) Config() SerialConfig { return s.cfg }

func (s *Serial) String() string { return "serial " + s.cfg.Port }

func (s *Serial) fail(op string, err error) error {
	return &TransportError{Kind: "serial", Addr: s.cfg.Port, Op: op, Err: err}
}

// Open opens the port and throws away whatever the printer sent before, so
// that a stale byte is not taken for the answer to a status query.
func (s *Serial) Open(ctx context.Context) error {
	if s.err != nil {
		return s.fail("open", s.err)
	}
	if s.port != nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return s.fail("open", err)
	}
	if s.stuck != nil {
		// The old port is still held by a blocked write; a serial port is
		// opened exclusively, so wait for it (briefly: Close flushed it).
		select {
		case <-s.stuck:
			s.stuck = nil
		case <-ctx.Done():
			return s.fail("open", errors.New("порт занят незавершённой записью (port busy with a stuck write)"))
		}
	}
	mode := s.mode
	p, err := serial.Open(s.cfg.Port, &mode)
	if err != nil {
		return s.fail("open", err)
	}
	if err := p.ResetInputBuffer(); err != nil {
		p.Close()
		return s.fail("open", err)
	}
	s.port = p
	return nil
}

// Write sends p a chunk at a time, each chunk within timeout. go.bug.st/serial
// has no write deadline, so a chunk is written by a goroutine that the caller
// stops waiting for; see stuck.
func (s *Serial) Write(p []byte, timeout time.Duration) error {
	if s.port == nil {
		return s.fail("write", ErrClosed)
	}
	if s.stuck != nil {
		select {
		case <-s.stuck:
			s.stuck = nil
		default:
			return s.fail("write", ErrTimeout)
		}
	}
	port := s.port
	for len(p) > 0 {
		chunk := p[:min(len(p), chunkSize)]
		done := make(chan error, 1)
		go func(b []byte) {
			// go.bug.st/serial writes once; loop over short writes.
			for len(b) > 0 {
				n, err := port.Write(b)
				if err != nil {
					done <- err
					return
				}
				if n == 0 {
					done <- errors.New("порт не принял данные (short write)")
					return
				}
				b = b[n:]
			}
			done <- nil
		}(chunk)
		t := time.NewTimer(timeout)
		select {
		case err := <-done:
			t.Stop()
			if err != nil {
				return s.fail("write", err)
			}
		case <-t.C:
			s.stuck = done
			return s.fail("write", ErrTimeout)
		}
		p = p[len(chunk):]
	}
	return nil
}

// Read waits up to timeout for bytes.
func (s *Serial) Read(p []byte, timeout time.Duration) (int, error) {
	if s.port == nil {
		return 0, s.fail("read", ErrClosed)
	}
	if err := s.port.SetReadTimeout(timeout); err != nil {
		return 0, s.fail("read", err)
	}
	n, err := s.port.Read(p)
	if err != nil {
		// An unplugged USB adapter reads as a closed port.
		return n, s.fail("read", err)
	}
	if n == 0 {
		return 0, s.fail("read", ErrTimeout)
	}
	return n, nil
}

// Close closes the port. If a write is stuck in the kernel, the port's output
// is flushed (which usually frees it) and the port is closed once that write
// returns, never under it: closing a descriptor that another goroutine is
// about to write could send a ticket into whatever file reuses the number.
func (s *Serial) Close() error {
	port := s.port
	if port == nil {
		return nil
	}
	s.port = nil
	if s.stuck != nil {
		port.ResetOutputBuffer()
		stuck, released := s.stuck, make(chan error, 1)
		s.stuck = released
		go func() {
			<-stuck
			port.Close()
			released <- nil
		}()
		return nil
	}
	if err := port.Close(); err != nil {
		return s.fail("close", err)
	}
	return nil
}
