package printer

import (
	"context"
	"errors"
	"time"
)

// Transport moves bytes to a printer and back, and nothing else: it knows no
// ESC/POS and no status (escpos makes the bytes, Printer decides what to send).
// Serial, TCP, the virtual printer and the Recorder fake are Transports, so a
// Printer behaves the same whatever the cable.
//
// Every Write and Read takes its own timeout because a printer that stops
// answering must never hang a kiosk: a call gives up and returns an error
// wrapping ErrTimeout instead.
//
// A Transport is used by one goroutine at a time (the Printer's); Close may
// be followed by Open to reconnect after an unplug.
type Transport interface {
	// Open connects to the printer. It is called again after Close to
	// reconnect; ctx bounds how long a connection may take.
	Open(ctx context.Context) error
	// Write sends all of p. It fails with ErrTimeout when the printer takes
	// nothing for timeout: a long job on a slow line may take longer in
	// total, a stalled printer is noticed within timeout.
	Write(p []byte, timeout time.Duration) error
	// Read waits at most timeout for bytes from the printer and returns at
	// least one, or an error (ErrTimeout when nothing came).
	Read(p []byte, timeout time.Duration) (int, error)
	// Close disconnects. Closing a closed Transport does nothing.
	Close() error
}

// JobWriter is a Transport that keeps jobs apart rather than seeing one byte
// stream: the virtual printer names its files after the job. A Printer hands
// such a transport whole jobs through WriteJob instead of Write.
type JobWriter interface {
	Transport
	WriteJob(job Job, timeout time.Duration) error
}

// Job is one thing to print: the ESC/POS bytes escpos made, and a name that
// only the virtual printer uses (its file names), e.g. the ticket number and
// id "А012-7f3c".
type Job struct {
	Name string
	Data []byte
}

// Errors of this package, wrapped; test them with errors.Is. Like the rest of
// eq, the messages are Russian first for the people in the office, then
// English.
var (
	// ErrTimeout: the printer neither took nor sent a byte in time.
	ErrTimeout = errors.New("принтер не отвечает (timeout)")
	// ErrClosed: the transport is not open, or the Printer was closed.
	ErrClosed = errors.New("принтер отключён программой (closed)")
	// ErrNotReady: the printer said it cannot print (no paper, cover open,
	// offline) or could not be reached, so nothing of the job was sent.
	// The error is a *NotReadyError carrying the Status that said so.
	ErrNotReady = errors.New("принтер не готов, билет не напечатан (printer not ready: nothing was sent)")
)

// TransportError is a failed operation of a Transport, naming the cable so
// that a log line says which printer: "printer: serial /dev/ttyUSB0: write:
// принтер не отвечает (timeout)".
type TransportError struct {
	Kind string // serial, tcp, virtual, recorder
	Addr string // /dev/ttyUSB0, 10.0.0.50:9100, a folder
	Op   string // open, write, read, close
	Err  error
}

func (e *TransportError) Error() string {
	return "printer: " + e.Kind + " " + e.Addr + ": " + e.Op + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the operation timed out, as net.Error does.
func (e *TransportError) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// chunkSize bounds one write, so that the write timeout measures progress: at
// 9600 baud a kilobyte leaves the port in about a second, while a ticket
// with a logo may take ten.
const chunkSize = 1024
