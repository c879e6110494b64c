package escpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors a DecodeError wraps; test for them with errors.Is.
var (
	ErrUnknownCommand = errors.New("escpos: unknown command")
	ErrTruncated      = errors.New("escpos: truncated command")
	ErrBadParameter   = errors.New("escpos: bad parameter")
)

// DecodeError says where Decode stopped and on which bytes.
type DecodeError struct {
	Offset int    // of the command's first byte
	Bytes  []byte // the command as far as it was read
	Err    error  // ErrUnknownCommand, ErrTruncated or ErrBadParameter
	Detail string // what was wrong with a parameter
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("%v at offset %d: % X", e.Err, e.Offset, e.Bytes)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }

// OpKind says what an Op is.
type OpKind int

// Kinds of Op.
const (
	OpInit          OpKind = iota + 1 // ESC @
	OpCodePage                        // ESC t n; CodePage
	OpText                            // a run of text; Text, Style
	OpNewline                         // LF: the line ends
	OpFeed                            // ESC d n: the line ends and Lines lines are fed
	OpQR                              // GS ( k fn 81; QR, Style (its alignment)
	OpCut                             // GS V; Cut, and Lines = n of GS V m n
	OpStatusRequest                   // DLE EOT n; Status = n
)

// Style is how a run of text is printed.
type Style struct {
	Align  Alignment
	Bold   bool
	Width  int // magnification, 1..8
	Height int
}

var plain = Style{Width: 1, Height: 1}

func (s Style) String() string {
	out := s.Align.String()
	if s.Bold {
		out += " bold"
	}
	if s.Width != 1 || s.Height != 1 {
		out += fmt.Sprintf(" %dx%d", s.Width, s.Height)
	}
	return out
}

// QRCode is a QR code as printed by GS ( k fn 81.
type QRCode struct {
	Data       string // the stored bytes, as they are
	Model      int    // 1, 2, or 3 for Micro QR
	ModuleSize int    // dots
	ECC        byte   // 'L', 'M', 'Q' or 'H'
}

// Op is one thing a printer does with a Document's bytes. Style changes are
// not ops: they are the Style of the text runs and QR codes after them.
type Op struct {
	Kind     OpKind
	Text     string // OpText, without LF
	Style    Style  // OpText, OpQR
	Lines    int    // OpFeed: lines fed; OpCut: the n of GS V m n
	Cut      CutMode
	QR       QRCode
	CodePage CodePage
	Status   byte // OpStatusRequest: n of DLE EOT n
}

func (o Op) String() string {
	switch o.Kind {
	case OpInit:
		return "init"
	case OpCodePage:
		return "codepage " + o.CodePage.String()
	case OpText:
		return "text " + strconv.Quote(o.Text) + " " + o.Style.String()
	case OpNewline:
		return "newline"
	case OpFeed:
		return "feed " + strconv.Itoa(o.Lines)
	case OpQR:
		return fmt.Sprintf("qr %q model %d size %d ecc %c %s", o.QR.Data, o.QR.Model, o.QR.ModuleSize, o.QR.ECC, o.Style.Align)
	case OpCut:
		return "cut " + o.Cut.String()
	case OpStatusRequest:
		return "status request " + strconv.Itoa(int(o.Status))
	}
	return fmt.Sprintf("OpKind(%d)", o.Kind)
}

// Document is ESC/POS bytes read back: what the printer would do, in order.
type Document struct {
	Ops []Op
}

// String lists the ops, one a line.
func (d Document) String() string {
	var sb strings.Builder
	for _, op := range d.Ops {
		sb.WriteString(op.String())
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Text is the document's text, a line per printed line, without styles, QR
// codes or cuts; a feed of n lines after a line adds n-1 empty ones. Unlike
// Render it keeps text at the end that no LF printed, so that a test sees
// it.
func (d Document) Text() string {
	var lines []string
	var cur strings.Builder
	pending := false
	end := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		pending = false
	}
	for _, op := range d.Ops {
		switch op.Kind {
		case OpText:
			cur.WriteString(op.Text)
			pending = true
		case OpNewline:
			end()
		case OpFeed:
			n := op.Lines
			if pending {
				end()
				n--
			}
			for ; n > 0; n-- {
				lines = append(lines, "")
			}
		case OpQR, OpCut:
			if pending {
				end()
			}
		}
	}
	if pending {
		end()
	}
	return strings.Join(lines, "\n")
}

// Decode reads ESC/POS bytes as the Encoder makes them, for a printer in code
// page cp at the start and after every ESC @. It knows every command the
// Encoder emits, and DLE EOT; any other command, a parameter out of range
// or a command cut short is a *DecodeError naming the offset and the bytes,
// returned with the ops decoded before it.
func Decode(b []byte, cp CodePage) (Document, error) {
	if cp.charmap() == nil {
		return Document{}, fmt.Errorf("escpos: decode: unsupported code page %d", byte(cp))
	}
	d := &decoder{b: b, def: cp}
	d.reset()
	for d.i < len(d.b) {
		if err := d.step(); err != nil {
			return d.doc, err
		}
	}
	return d.doc, nil
}

type decoder struct {
	b     []byte
	i     int
	def   CodePage
	cp    CodePage
	style Style
	qr    QRCode // settings and stored data of GS ( k
	doc   Document
}

// reset is ESC @: power-on modes.
func (d *decoder) reset() {
	d.cp, d.style = d.def, plain
	d.qr = QRCode{Model: 2, ModuleSize: 3, ECC: 'L'}
}

func (d *decoder) add(op Op) {
	if n := len(d.doc.Ops); op.Kind == OpText && n > 0 {
		if last := &d.doc.Ops[n-1]; last.Kind == OpText && last.Style == op.Style {
			last.Text += op.Text
			return
		}
	}
	d.doc.Ops = append(d.doc.Ops, op)
}

func (d *decoder) fail(n int, err error, detail string) error {
	end := min(d.i+n, d.i+16, len(d.b)) // a long QR store needs no more to be found
	return &DecodeError{Offset: d.i, Bytes: append([]byte(nil), d.b[d.i:end]...), Err: err, Detail: detail}
}

// need reports whether n bytes of the command at d.i are there.
func (d *decoder) need(n int) error {
	if d.i+n > len(d.b) {
		return d.fail(n, ErrTruncated, "")
	}
	return nil
}

func (d *decoder) step() error {
	c := d.b[d.i]
	switch {
	case c == lf:
		d.add(Op{Kind: OpNewline})
		d.i++
		return nil
	case c == esc:
		return d.esc()
	case c == gs:
		return d.gs()
	case c == dle:
		return d.dle()
	case c < 0x20 || c == 0x7f:
		return d.fail(1, ErrUnknownCommand, "control byte")
	}
	j := d.i
	for j < len(d.b) && d.b[j] >= 0x20 && d.b[j] != 0x7f {
		j++
	}
	d.add(Op{Kind: OpText, Text: decodeText(d.cp, d.b[d.i:j]), Style: d.style})
	d.i = j
	return nil
}

func (d *decoder) esc() error {
	if err := d.need(2); err != nil {
		return err
	}
	cmd := d.b[d.i+1]
	if cmd == '@' {
		d.reset()
		d.add(Op{Kind: OpInit})
		d.i += 2
		return nil
	}
	switch cmd {
	case 't', 'a', 'E', 'd':
	default:
		return d.fail(2, ErrUnknownCommand, "")
	}
	if err := d.need(3); err != nil {
		return err
	}
	n := d.b[d.i+2]
	switch cmd {
	case 't':
		cp := CodePage(n)
		if cp.charmap() == nil {
			return d.fail(3, ErrBadParameter, "code table "+strconv.Itoa(int(n))+" is not known")
		}
		d.cp = cp
		d.add(Op{Kind: OpCodePage, CodePage: cp})
	case 'a':
		switch n {
		case 0, 1, 2, 48, 49, 50:
			d.style.Align = Alignment(n % 48)
		default:
			return d.fail(3, ErrBadParameter, "alignment must be 0..2")
		}
	case 'E':
		d.style.Bold = n&1 == 1 // only the lowest bit counts
	case 'd':
		d.add(Op{Kind: OpFeed, Lines: int(n)})
	}
	d.i += 3
	return nil
}

func (d *decoder) gs() error {
	if err := d.need(2); err != nil {
		return err
	}
	switch d.b[d.i+1] {
	case '!':
		if err := d.need(3); err != nil {
			return err
		}
		n := d.b[d.i+2]
		w, h := int(n>>4)+1, int(n&0x0f)+1
		if w > 8 || h > 8 {
			return d.fail(3, ErrBadParameter, "size must be 1..8")
		}
		d.style.Width, d.style.Height = w, h
		d.i += 3
		return nil
	case 'V':
		return d.cut()
	case '(':
		if err := d.need(3); err != nil {
			return err
		}
		if d.b[d.i+2] == 'k' {
			return d.symbol()
		}
		return d.fail(3, ErrUnknownCommand, "")
	}
	return d.fail(2, ErrUnknownCommand, "")
}

// cut is GS V m, m = 0 or 48 (full) and 1 or 49 (partial), or GS V m n,
// m = 65 (full) and 66 (partial) after feeding.
func (d *decoder) cut() error {
	if err := d.need(3); err != nil {
		return err
	}
	switch m := d.b[d.i+2]; m {
	case 0, 48, 1, 49:
		mode := FullCut
		if m%48 == 1 {
			mode = PartialCut
		}
		d.add(Op{Kind: OpCut, Cut: mode})
		d.i += 3
	case 65, 66:
		if err := d.need(4); err != nil {
			return err
		}
		d.add(Op{Kind: OpCut, Cut: CutMode(m), Lines: int(d.b[d.i+3])})
		d.i += 4
	default:
		return d.fail(3, ErrBadParameter, "cut mode must be 0, 1, 48, 49, 65 or 66")
	}
	return nil
}

// symbol is GS ( k pL pH cn fn [params], of which QR codes (cn = 49) with
// the functions the Encoder uses.
func (d *decoder) symbol() error {
	if err := d.need(5); err != nil {
		return err
	}
	k := int(d.b[d.i+3]) | int(d.b[d.i+4])<<8
	size := 5 + k
	if err := d.need(size); err != nil {
		return err
	}
	bad := func(detail string) error { return d.fail(size, ErrBadParameter, detail) }
	if k < 2 {
		return bad("pL pH must count cn and fn")
	}
	p := d.b[d.i+5 : d.i+size] // cn fn params
	if p[0] != 49 {
		return d.fail(size, ErrUnknownCommand, "2D symbol "+strconv.Itoa(int(p[0]))+" is not QR (49)")
	}
	switch fn := p[1]; fn {
	case 65: // model
		if k != 4 || p[2] < 49 || p[2] > 51 {
			return bad("QR model must be 49..51")
		}
		d.qr.Model = int(p[2] - 48)
	case 67: // module size
		if k != 3 || p[2] < 1 || p[2] > 16 {
			return bad("QR module size must be 1..16")
		}
		d.qr.ModuleSize = int(p[2])
	case 69: // error correction
		if k != 3 || p[2] < 48 || p[2] > 51 {
			return bad("QR error correction must be 48..51")
		}
		d.qr.ECC = "LMQH"[p[2]-48]
	case 80: // store
		if k < 3 || p[2] != 48 {
			return bad("QR store needs m = 48")
		}
		d.qr.Data = string(p[3:])
	case 81: // print
		if k != 3 || p[2] != 48 {
			return bad("QR print needs m = 48")
		}
		if d.qr.Data != "" { // a printer prints nothing when nothing is stored
			d.add(Op{Kind: OpQR, QR: d.qr, Style: d.style})
		}
	default:
		return d.fail(size, ErrUnknownCommand, "QR function "+strconv.Itoa(int(fn)))
	}
	d.i += size
	return nil
}

func (d *decoder) dle() error {
	if err := d.need(2); err != nil {
		return err
	}
	if d.b[d.i+1] != eot {
		return d.fail(2, ErrUnknownCommand, "")
	}
	if err := d.need(3); err != nil {
		return err
	}
	n := d.b[d.i+2]
	if n < 1 || n > 4 {
		return d.fail(3, ErrBadParameter, "status request must be 1..4")
	}
	d.add(Op{Kind: OpStatusRequest, Status: n})
	d.i += 3
	return nil
}
