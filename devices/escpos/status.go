package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadStatus is returned for a byte that is no real-time status: a status
// byte always has bit 1 and bit 4 set and bit 0 and bit 7 clear (0x12 under
// the mask 0x93), so line noise or another device's answer is told apart.
var ErrBadStatus = errors.New("escpos: принтер прислал не статус (bad status byte)")

// StatusRequest asks for the printer's real-time status n: DLE EOT n
// (10 04 n). The printer answers one byte at once, even while printing:
//
//	n = 1  printer status (online or not)
//	n = 2  offline cause (cover, feed button, paper end, error)
//	n = 3  error cause (cutter, unrecoverable, auto-recoverable)
//	n = 4  paper roll sensor (near end, end)
func StatusRequest(n byte) []byte {
	return []byte{dle, eot, n}
}

// StatusBits is what the answers to DLE EOT say. ParseStatus fills the
// fields of the one request answered; the others stay false.
type StatusBits struct {
	Offline         bool // n=1 bit 3
	CoverOpen       bool // n=2 bit 2
	FeedButton      bool // n=2 bit 3: paper is being fed by the button
	PaperEndStop    bool // n=2 bit 5: printing stopped for want of paper
	Error           bool // n=2 bit 6
	CutterError     bool // n=3 bit 3
	Unrecoverable   bool // n=3 bit 5
	AutoRecoverable bool // n=3 bit 6: e.g. the head overheated
	PaperNearEnd    bool // n=4 bits 2 and 3
	PaperEnd        bool // n=4 bits 5 and 6
}

// statusFixed is the mask of the fixed bits and what they must be.
const (
	statusMask  = 0x93
	statusFixed = 0x12
)

// statusFlags says which bits of which answer mean which field. Near end and
// paper end are two bits each (two sensors, or one reported twice); either
// set means the condition.
var statusFlags = []struct {
	n    byte
	bits byte
	get  func(*StatusBits) *bool
	name string
}{
	{1, 1 << 3, func(s *StatusBits) *bool { return &s.Offline }, "принтер не в сети (offline)"},
	{2, 1 << 2, func(s *StatusBits) *bool { return &s.CoverOpen }, "открыта крышка (cover open)"},
	{2, 1 << 3, func(s *StatusBits) *bool { return &s.FeedButton }, "нажата кнопка протяжки (feed button)"},
	{2, 1 << 5, func(s *StatusBits) *bool { return &s.PaperEndStop }, "печать остановлена: нет бумаги (stopped by paper end)"},
	{2, 1 << 6, func(s *StatusBits) *bool { return &s.Error }, "ошибка принтера (error)"},
	{3, 1 << 3, func(s *StatusBits) *bool { return &s.CutterError }, "ошибка отрезчика (auto-cutter error)"},
	{3, 1 << 5, func(s *StatusBits) *bool { return &s.Unrecoverable }, "неустранимая ошибка (unrecoverable error)"},
	{3, 1 << 6, func(s *StatusBits) *bool { return &s.AutoRecoverable }, "временная ошибка, например перегрев (auto-recoverable error)"},
	{4, 3 << 2, func(s *StatusBits) *bool { return &s.PaperNearEnd }, "бумага заканчивается (paper near end)"},
	{4, 3 << 5, func(s *StatusBits) *bool { return &s.PaperEnd }, "нет бумаги (paper end)"},
}

// ParseStatus decodes b, the printer's answer to StatusRequest(n), n = 1..4.
// A byte whose fixed bits are wrong is ErrBadStatus.
func ParseStatus(n, b byte) (StatusBits, error) {
	var s StatusBits
	if n < 1 || n > 4 {
		return s, fmt.Errorf("escpos: status: unknown request DLE EOT %d (1..4)", n)
	}
	if b&statusMask != statusFixed {
		return s, fmt.Errorf("%w: %02X for DLE EOT %d", ErrBadStatus, b, n)
	}
	for _, f := range statusFlags {
		if f.n == n && b&f.bits != 0 {
			*f.get(&s) = true
		}
	}
	return s, nil
}

// StatusResponse is the byte a printer in state s answers to
// StatusRequest(n), n = 1..4: the inverse of ParseStatus, for fakes and the
// virtual printer. A multi-bit condition sets all its bits.
func StatusResponse(n byte, s StatusBits) (byte, error) {
	if n < 1 || n > 4 {
		return 0, fmt.Errorf("escpos: status: unknown request DLE EOT %d (1..4)", n)
	}
	b := byte(statusFixed)
	for _, f := range statusFlags {
		if f.n == n && *f.get(&s) {
			b |= f.bits
		}
	}
	return b, nil
}

// OK reports whether nothing in s keeps the printer from printing; a paper
// near end or the feed button does not.
func (s StatusBits) OK() bool {
	return !s.Offline && !s.CoverOpen && !s.PaperEndStop && !s.Error && !s.CutterError &&
		!s.Unrecoverable && !s.AutoRecoverable && !s.PaperEnd
}

// String lists the conditions set in s, Russian first for the staff who read
// it, or "в порядке (ok)".
func (s StatusBits) String() string {
	var out []string
	for _, f := range statusFlags {
		if *f.get(&s) {
			out = append(out, f.name)
		}
	}
	if len(out) == 0 {
		return "в порядке (ok)"
	}
	return strings.Join(out, "; ")
}
