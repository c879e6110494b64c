package printer

import (
	"errors"
	"time"

	"eq/devices/escpos"
)

// Status is what the office knows about a printer: whether a ticket can be
// printed now, and a sentence for the kiosk screen and the admin page.
type Status struct {
	// Online: the printer is connected and answers (or, for a printer
	// without status support, the connection is open).
	Online bool `json:"online"`
	// Known: the flags below come from the printer. A printer without
	// status support prints blind, so only a failed write tells it is gone.
	Known bool `json:"known"`
	// Ready: a job sent now would print. Paper near end still prints.
	Ready        bool `json:"ready"`
	PaperOut     bool `json:"paper_out"`
	PaperNearEnd bool `json:"paper_near_end"`
	CoverOpen    bool `json:"cover_open"`
	Error        bool `json:"error"`
	// Message says what is wrong, or that all is well, in Russian for the
	// people in the office; MessageEN is the same in English for logs.
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
	// Detail is the technical reason behind an offline printer: the
	// transport error, for the administrator.
	Detail    string    `json:"detail,omitempty"`
	CheckedAt time.Time `json:"checked_at"`

	stopped bool // stopped by us, not by trouble
}

// NotReadyError is why a job was refused before any of it was sent. It
// matches ErrNotReady with errors.Is; Status.Message is the sentence for the
// visitor at the kiosk.
type NotReadyError struct {
	Status Status
	Err    error // the transport error when the printer could not be reached
}

func (e *NotReadyError) Error() string {
	s := "принтер не готов: " + e.Status.Message + " (printer not ready: " + e.Status.MessageEN + ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrNotReady) true.
func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

func (e *NotReadyError) Unwrap() error { return e.Err }

// statusFromBits turns the printer's answers into a Status. When several
// things are wrong the message names the one a person fixes first: paper
// and cover before errors a technician handles.
func statusFromBits(b escpos.StatusBits, now time.Time) Status {
	s := Status{
		Online:       true,
		Known:        true,
		PaperOut:     b.PaperEnd || b.PaperEndStop,
		PaperNearEnd: b.PaperNearEnd,
		CoverOpen:    b.CoverOpen,
		Error:        b.Error || b.CutterError || b.Unrecoverable || b.AutoRecoverable,
		Ready:        b.OK(),
		CheckedAt:    now,
	}
	switch {
	case s.PaperOut:
		s.Message, s.MessageEN = "Закончилась бумага: вставьте новый рулон", "paper out: load a new roll"
	case s.CoverOpen:
		s.Message, s.MessageEN = "Открыта крышка принтера: закройте её", "cover open: close it"
	case b.CutterError:
		s.Message, s.MessageEN = "Ошибка отрезчика бумаги: проверьте, не застряла ли бумага", "auto-cutter error: check for a paper jam"
	case b.AutoRecoverable:
		s.Message, s.MessageEN = "Принтер перегрелся или временно неисправен: подождите", "recoverable error (e.g. the head overheated): wait"
	case b.Unrecoverable:
		s.Message, s.MessageEN = "Неисправность принтера: выключите и включите его, при повторе вызовите мастера", "unrecoverable error: power-cycle the printer, call a technician if it persists"
	case b.Error:
		s.Message, s.MessageEN = "Ошибка принтера", "printer error"
	case b.FeedButton:
		s.Message, s.MessageEN = "Нажата кнопка протяжки бумаги", "the paper feed button is pressed"
	case b.Offline:
		s.Message, s.MessageEN = "Принтер не в сети", "the printer reports it is offline"
	case s.PaperNearEnd:
		s.Message, s.MessageEN = "Бумага заканчивается: приготовьте новый рулон", "paper near end: have a new roll ready"
	default:
		s.Message, s.MessageEN = "Принтер готов", "ready"
	}
	return s
}

// statusUnknown is the Status of a connected printer that does not report
// its state: it is printed to, and trusted until a write fails.
func statusUnknown(now time.Time) Status {
	return Status{
		Online:    true,
		Ready:     true,
		Message:   "Принтер подключён, его состояние неизвестно (не поддерживает запрос состояния)",
		MessageEN: "connected; state unknown (the printer does not report status)",
		CheckedAt: now,
	}
}

// statusOffline is the Status of a printer that cannot be reached or did not
// answer, saying which from err.
func statusOffline(err error, now time.Time) Status {
	s := Status{CheckedAt: now}
	switch {
	case errors.Is(err, ErrTimeout):
		s.Message, s.MessageEN = "Принтер не отвечает: проверьте питание и кабель", "the printer does not answer: check its power and cable"
	case errors.Is(err, escpos.ErrBadStatus):
		s.Message, s.MessageEN = "Принтер отвечает неразборчиво: проверьте скорость порта в настройках", "garbled answer from the printer: check the baud rate"
	case errors.Is(err, ErrClosed):
		s.Message, s.MessageEN = "Принтер остановлен", "the printer driver is stopped"
		s.stopped = true
	default:
		s.Message, s.MessageEN = "Принтер не подключён: проверьте кабель и питание", "the printer is not connected: check its cable and power"
	}
	if err != nil {
		s.Detail = err.Error()
	}
	return s
}

// statusNotChecked is the Status before the first check.
func statusNotChecked() Status {
	return Status{Message: "Состояние принтера ещё не проверено", MessageEN: "not checked yet"}
}

// sameState reports whether a and b differ only in when they were checked,
// so that a poll that finds nothing new is not logged or announced.
func sameState(a, b Status) bool {
	a.CheckedAt, b.CheckedAt = time.Time{}, time.Time{}
	return a == b
}

// statusQuery reports whether p is exactly a DLE EOT n query, as the
// Printer writes them (each on its own), and which n.
func statusQuery(p []byte) (byte, bool) {
	if len(p) != 3 || p[0] != 0x10 || p[1] != 0x04 || p[2] < 1 || p[2] > 4 {
		return 0, false
	}
	return p[2], true
}

// statusOK is the answer of a printer with nothing to report, to any n.
var statusOK, _ = escpos.StatusResponse(1, escpos.StatusBits{})
