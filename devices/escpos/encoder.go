package escpos

import (
	"bytes"
	"fmt"
)

// Bytes of the command prefixes.
const (
	lf  = 0x0a
	esc = 0x1b
	gs  = 0x1d
	dle = 0x10
	eot = 0x04
)

// Alignment is the justification of ESC a.
type Alignment byte

// Alignments, valued as ESC a n takes them.
const (
	AlignLeft   Alignment = 0
	AlignCenter Alignment = 1
	AlignRight  Alignment = 2
)

func (a Alignment) String() string {
	switch a {
	case AlignLeft:
		return "left"
	case AlignCenter:
		return "center"
	case AlignRight:
		return "right"
	}
	return fmt.Sprintf("Alignment(%d)", byte(a))
}

// CutMode is the kind of cut of GS V, valued as its m.
type CutMode byte

// Cuts, valued as GS V m takes them in function B (cut after feeding the
// last printed line past the cutter).
const (
	FullCut    CutMode = 65
	PartialCut CutMode = 66
)

func (m CutMode) String() string {
	if m == FullCut {
		return "full"
	}
	return "partial"
}

// QR codes of the byte mode at error correction M hold at most this many
// bytes (version 40); a printer prints nothing for more.
const qrMaxBytes = 2331

// Encoder accumulates ESC/POS commands. Every method appends through one raw
// write; nothing is sent anywhere. The zero Encoder is ready and assumes a
// printer in PC437, as an Epson is after ESC @.
type Encoder struct {
	buf []byte
	def CodePage // the table ESC @ returns to
	cp  CodePage // the table Text encodes into
}

// NewEncoder returns an Encoder for a printer whose code table is def at the
// start and after every ESC @ (the table its memory switches select).
func NewEncoder(def CodePage) *Encoder {
	return &Encoder{def: def, cp: def}
}

// raw is the one place bytes enter the buffer.
func (e *Encoder) raw(b ...byte) {
	e.buf = append(e.buf, b...)
}

// Bytes returns a copy of everything encoded so far.
func (e *Encoder) Bytes() []byte {
	return bytes.Clone(e.buf)
}

// Init resets the printer to its power-on modes, discarding what is buffered
// and returning to the default code table: ESC @ (1B 40).
func (e *Encoder) Init() {
	e.raw(esc, '@')
	e.cp = e.def
}

// SetCodePage selects the code table later text is encoded in: ESC t n
// (1B 74 n), e.g. 1B 74 11 for PC866 and 1B 74 2E for WPC1251.
func (e *Encoder) SetCodePage(cp CodePage) {
	e.raw(esc, 't', byte(cp))
	e.cp = cp
}

// Align justifies the lines that start after it: ESC a n (1B 61 n), n = 0
// left, 1 center, 2 right. Printers apply it at the start of a line only.
func (e *Encoder) Align(a Alignment) {
	if a > AlignRight {
		a = AlignLeft
	}
	e.raw(esc, 'a', byte(a))
}

// Bold turns emphasis on or off: ESC E n (1B 45 01 on, 1B 45 00 off).
func (e *Encoder) Bold(on bool) {
	var n byte
	if on {
		n = 1
	}
	e.raw(esc, 'E', n)
}

// Size enlarges characters w times in width and h times in height, each
// 1..8 (clamped): GS ! n (1D 21 n) with n = (w-1)<<4 | (h-1), so 1D 21 00
// is normal and 1D 21 33 is 4×4.
func (e *Encoder) Size(w, h int) {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	e.raw(gs, '!', byte(w-1)<<4|byte(h-1))
}

// Text appends s in the current code table. Characters the table lacks are
// spelled with ones it has (« as ") or printed as '?'; control characters
// never reach the printer, except '\n', which ends the line (LF).
func (e *Encoder) Text(s string) {
	e.raw(encodeText(e.cp, s)...)
}

// Line appends s and ends the line: the text, then LF (0A), which prints
// the line and feeds one line.
func (e *Encoder) Line(s string) {
	e.raw(append(encodeText(e.cp, s), lf)...)
}

// Feed prints what is buffered and feeds n lines: ESC d n (1B 64 n), in
// commands of at most 255 lines. Nothing is appended for n <= 0.
func (e *Encoder) Feed(n int) {
	for ; n > 0; n -= 255 {
		e.raw(esc, 'd', byte(min(n, 255)))
	}
}

// QR prints data as a QR code, model 2, error correction M, modules of
// moduleSize dots (1..16, clamped), justified as Align says. It is five
// GS ( k commands (1D 28 6B pL pH cn fn ...), with cn = 49 (31) for QR and
// pL pH the little-endian length of what follows them:
//
//	1D 28 6B 04 00 31 41 32 00     fn 65: model 2
//	1D 28 6B 03 00 31 43 n         fn 67: module size n dots
//	1D 28 6B 03 00 31 45 31        fn 69: error correction M
//	1D 28 6B pL pH 31 50 30 d...   fn 80: store the k bytes of data, pL pH = k+3
//	1D 28 6B 03 00 31 51 30        fn 81: print the stored symbol
//
// Nothing is appended when data is empty or longer than a QR code holds
// (2331 bytes), which a printer would not print anyway.
func (e *Encoder) QR(data string, moduleSize int) {
	if data == "" || len(data) > qrMaxBytes {
		return
	}
	e.raw(gs, '(', 'k', 4, 0, 49, 65, 50, 0)
	e.raw(gs, '(', 'k', 3, 0, 49, 67, byte(clamp(moduleSize, 1, 16)))
	e.raw(gs, '(', 'k', 3, 0, 49, 69, 49)
	k := len(data) + 3
	e.raw(append([]byte{gs, '(', 'k', byte(k), byte(k >> 8), 49, 80, 48}, data...)...)
	e.raw(gs, '(', 'k', 3, 0, 49, 81, 48)
}

// Cut feeds the last printed line past the cutter and cuts: GS V m 0, a
// partial cut (one point left uncut) being 1D 56 42 00 and a full cut
// 1D 56 41 00.
func (e *Encoder) Cut(m CutMode) {
	if m != FullCut {
		m = PartialCut
	}
	e.raw(gs, 'V', byte(m), 0)
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
