package escpos

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The decoder reads whatever reaches a virtual printer, and the encoder
// writes text typed by people (service names, visitors' names on receipts)
// in code pages that lack most of Unicode. The seed corpus in testdata/fuzz
// runs with every `go test`; `make fuzz` (scripts/fuzz.sh) searches further.

// goldens are the golden files' bytes: real tickets and receipts, the best
// seeds there are.
func goldens(f *testing.F) map[string][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.bin"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no golden files in testdata: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// hangAfter is how long one decode may take before the target calls it an
// endless loop: microseconds of work, so even a loaded machine under -race
// is far inside it. It catches a loop; it is no speed target.
const hangAfter = 20 * time.Second

// FuzzDecode checks that Decode ends on any bytes, in any code page, with
// ops in range, and stops at a bad command with a *DecodeError that points
// at it and the ops before it.
func FuzzDecode(f *testing.F) {
	for _, b := range goldens(f) {
		f.Add(b, byte(PC866))
		f.Add(b[:len(b)/2], byte(WPC1251))
	}
	f.Add([]byte{}, byte(PC437))
	f.Add([]byte{gs, '(', 'k', 0xff, 0xff, 49, 80, 48}, byte(PC866))
	f.Add([]byte{esc, 't', 0xff}, byte(PC866))
	f.Add([]byte{dle, eot, 5}, byte(PC866))
	f.Add([]byte("text"), byte(3))
	f.Fuzz(func(t *testing.T, b []byte, page byte) {
		cp := CodePage(page)
		var doc Document
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			doc, err = Decode(b, cp)
		}()
		select {
		case <-done:
		case <-time.After(hangAfter):
			t.Fatalf("Decode of %d bytes has not returned after %v", len(b), hangAfter)
		}
		if cp.charmap() == nil {
			if err == nil || len(doc.Ops) != 0 {
				t.Fatalf("Decode in the unknown code page %d: %d ops, error %v; want no ops and an error", page, len(doc.Ops), err)
			}
			return
		}
		// Every op takes at least one byte: a decoder that makes ops of
		// nothing could make them for ever.
		if len(doc.Ops) > len(b) {
			t.Errorf("%d ops from %d bytes", len(doc.Ops), len(b))
		}
		for i, op := range doc.Ops {
			if msg := checkOp(op); msg != "" {
				t.Errorf("op %d, %v: %s", i, op, msg)
			}
		}
		if err == nil {
			return
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("got %T %v, want a *DecodeError", err, err)
		}
		if !errors.Is(err, ErrUnknownCommand) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadParameter) {
			t.Errorf("%v wraps none of the three decode errors", err)
		}
		if de.Offset < 0 || de.Offset >= len(b) || len(de.Bytes) == 0 || len(de.Bytes) > 16 || !bytes.HasPrefix(b[de.Offset:], de.Bytes) {
			t.Fatalf("error at offset %d with bytes % X: not a piece of the %d bytes decoded", de.Offset, de.Bytes, len(b))
		}
		// "Returned with the ops decoded before it": the bytes before the
		// bad command decode to exactly those ops, without an error.
		before, berr := Decode(b[:de.Offset], cp)
		if berr != nil || !reflect.DeepEqual(before.Ops, doc.Ops) {
			t.Errorf("the %d bytes before the error decode to %v (error %v), not to the ops returned with it:\n%v", de.Offset, before, berr, doc)
		}
	})
}

// checkOp says what is wrong with an op Decode returned, or "".
func checkOp(op Op) string {
	switch op.Kind {
	case OpText:
		if op.Text == "" {
			return "empty text"
		}
		for _, r := range op.Text {
			if r < 0x20 || r == 0x7f {
				return "a control character in text"
			}
		}
		return checkStyle(op.Style)
	case OpQR:
		q := op.QR
		if q.Data == "" || q.Model < 1 || q.Model > 3 || q.ModuleSize < 1 || q.ModuleSize > 16 || !strings.ContainsRune("LMQH", rune(q.ECC)) {
			return "QR settings out of range"
		}
		return checkStyle(op.Style)
	case OpCodePage:
		if op.CodePage.charmap() == nil {
			return "an unknown code page"
		}
	case OpFeed:
		if op.Lines < 0 || op.Lines > 255 {
			return "a feed out of range"
		}
	case OpCut:
		switch op.Cut {
		case FullCut, PartialCut:
		default:
			return "an unknown cut"
		}
	case OpStatusRequest:
		if op.Status < 1 || op.Status > 4 {
			return "a status request out of range"
		}
	case OpInit, OpNewline:
	default:
		return "an unknown kind of op"
	}
	return ""
}

func checkStyle(s Style) string {
	if s.Align > AlignRight || s.Width < 1 || s.Width > 8 || s.Height < 1 || s.Height > 8 {
		return "style out of range: " + s.String()
	}
	return ""
}

// A program for FuzzEncodeDecode is pairs of bytes: an instruction and its
// parameter. Text, lines and QR data take the next of the pieces of text,
// which are separated by NUL (a control character the encoder prints as
// '?' anyway).
const (
	insInit = iota
	insCodePage
	insAlign
	insBold
	insSize
	insText
	insLine
	insFeed
	insQR
	insCut
	instructions
)

var fuzzPages = []CodePage{PC437, PC866, WPC1251}

// sizeParam and feedParam turn a parameter byte into an argument, reaching
// past the valid range on both sides, where the encoder clamps.
func sizeParam(p byte) (w, h int) { return int(p>>4) - 3, int(p&0x0f) - 3 }

func feedParam(p byte) int {
	if p >= 0xf0 {
		return 255*int(p-0xef) + 1 // 256 to 4081 lines: several ESC d commands
	}
	return int(p) - 16
}

// model is what Decode must read from the program's bytes: the encoder's
// documentation, written as ops.
type model struct {
	doc   Document
	def   CodePage
	cp    CodePage
	style Style
}

func (m *model) add(op Op) {
	if n := len(m.doc.Ops); op.Kind == OpText && n > 0 {
		if last := &m.doc.Ops[n-1]; last.Kind == OpText && last.Style == op.Style {
			last.Text += op.Text
			return
		}
	}
	m.doc.Ops = append(m.doc.Ops, op)
}

// text adds what s prints as: printable text runs, LF as a newline.
func (m *model) text(s string) {
	for i, run := range strings.Split(printable(m.cp, s), "\n") {
		if i > 0 {
			m.add(Op{Kind: OpNewline})
		}
		if run != "" {
			m.add(Op{Kind: OpText, Text: run, Style: m.style})
		}
	}
}

// run encodes prog with an Encoder and builds the model of it alongside.
func run(prog []byte, text string) (enc *Encoder, m *model) {
	pieces := strings.Split(text, "\x00")
	next := func() string {
		s := pieces[0]
		if len(pieces) > 1 {
			pieces = pieces[1:]
		}
		return s
	}
	def := PC866
	if len(prog) > 0 {
		def = fuzzPages[int(prog[0])%len(fuzzPages)]
	}
	enc = NewEncoder(def)
	m = &model{def: def, cp: def, style: plain}
	for i := 0; i < len(prog); i += 2 {
		var p byte
		if i+1 < len(prog) {
			p = prog[i+1]
		}
		switch prog[i] % instructions {
		case insInit:
			enc.Init()
			m.cp, m.style = m.def, plain
			m.add(Op{Kind: OpInit})
		case insCodePage:
			cp := fuzzPages[int(p)%len(fuzzPages)]
			enc.SetCodePage(cp)
			m.cp = cp
			m.add(Op{Kind: OpCodePage, CodePage: cp})
		case insAlign:
			a := Alignment(p % 4)
			enc.Align(a)
			if a > AlignRight {
				a = AlignLeft
			}
			m.style.Align = a
		case insBold:
			enc.Bold(p&1 == 1)
			m.style.Bold = p&1 == 1
		case insSize:
			w, h := sizeParam(p)
			enc.Size(w, h)
			m.style.Width, m.style.Height = clamp(w, 1, 8), clamp(h, 1, 8)
		case insText:
			s := next()
			enc.Text(s)
			m.text(s)
		case insLine:
			s := next()
			enc.Line(s)
			m.text(s + "\n")
		case insFeed:
			n := feedParam(p)
			enc.Feed(n)
			for ; n > 0; n -= 255 {
				m.add(Op{Kind: OpFeed, Lines: min(n, 255)})
			}
		case insQR:
			data := next()
			if p&0x80 != 0 {
				data = strings.Repeat(data, 64) // past what a QR code holds, for long pieces
			}
			size := int(p&0x1f) - 4
			enc.QR(data, size)
			if data != "" && len(data) <= qrMaxBytes {
				m.add(Op{Kind: OpQR, Style: m.style, QR: QRCode{Data: data, Model: 2, ModuleSize: clamp(size, 1, 16), ECC: 'M'}})
			}
		case insCut:
			mode := CutMode(p)
			enc.Cut(mode)
			if mode != FullCut {
				mode = PartialCut
			}
			m.add(Op{Kind: OpCut, Cut: mode})
		}
	}
	return enc, m
}

// program writes doc as a program for run: the golden tickets as seeds.
func program(doc Document, def CodePage) (prog []byte, text string) {
	var pieces []string
	ins := func(i, p byte) { prog = append(prog, i, p) }
	page := func(cp CodePage) byte {
		for i, p := range fuzzPages {
			if p == cp {
				return byte(i)
			}
		}
		panic("no program for code page " + cp.String())
	}
	// The first byte is both an instruction and the default page: an
	// alignment to the left, which changes nothing, that picks def.
	first := byte(insAlign)
	for int(first)%len(fuzzPages) != int(page(def)) {
		first += instructions
	}
	ins(first, 0)
	style := plain
	setStyle := func(s Style) {
		if s.Align != style.Align {
			ins(insAlign, byte(s.Align))
		}
		if s.Bold != style.Bold {
			ins(insBold, map[bool]byte{false: 0, true: 1}[s.Bold])
		}
		if s.Width != style.Width || s.Height != style.Height {
			ins(insSize, byte(s.Width+3)<<4|byte(s.Height+3))
		}
		style = s
	}
	for _, op := range doc.Ops {
		switch op.Kind {
		case OpInit:
			ins(insInit, 0)
			style = plain
		case OpCodePage:
			ins(insCodePage, page(op.CodePage))
		case OpText:
			setStyle(op.Style)
			ins(insText, 0)
			pieces = append(pieces, op.Text)
		case OpNewline:
			ins(insLine, 0)
			pieces = append(pieces, "")
		case OpFeed:
			ins(insFeed, byte(op.Lines+16))
		case OpQR:
			setStyle(op.Style)
			ins(insQR, byte(op.QR.ModuleSize+4))
			pieces = append(pieces, op.QR.Data)
		case OpCut:
			ins(insCut, byte(op.Cut))
		default:
			panic("no program for " + op.String())
		}
	}
	return prog, strings.Join(pieces, "\x00")
}

// FuzzEncodeDecode checks that Decode reads back exactly what the Encoder
// was asked to print: every command, every style, and text as the code
// page prints it. It starts from the golden tickets and receipts.
func FuzzEncodeDecode(f *testing.F) {
	for name, b := range goldens(f) {
		doc, err := Decode(b, PC866)
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		prog, text := program(doc, PC866)
		if _, m := run(prog, text); !reflect.DeepEqual(m.doc, doc) {
			f.Fatalf("%s: the seed program does not make the golden document:\n%v\nwant:\n%v", name, m.doc, doc)
		}
		f.Add(prog, text)
	}
	f.Add([]byte{insText, 0, insCodePage, 2, insLine, 0, insCodePage, 0, insText, 0}, "«Ёлки» — №1\x00Ёлки\tи\u00adпалки\r\n\x00☺ \u0301")
	f.Add([]byte{insFeed, 0xff, insQR, 0x85, insCut, 65, insCut, 0}, "https://mfc.local/t/1")
	f.Fuzz(func(t *testing.T, prog []byte, text string) {
		enc, m := run(prog, text)
		b := enc.Bytes()
		doc, err := Decode(b, m.def)
		if err != nil {
			t.Fatalf("Decode of the encoder's own bytes: %v\n% X", err, b)
		}
		if !reflect.DeepEqual(doc, m.doc) {
			t.Fatalf("decoded:\n%v\nencoded:\n%v", doc, m.doc)
		}
		for _, piece := range strings.Split(text, "\x00") {
			checkPrintable(t, piece)
		}
	})
}

// checkPrintable checks text as each code page prints it: never a control
// character but LF, and exactly the text (in NFC) when the page has every
// one of its characters.
func checkPrintable(t *testing.T, s string) {
	t.Helper()
	want := norm.NFC.String(s)
	for _, cp := range fuzzPages {
		got := printable(cp, s)
		for _, r := range got {
			if (r < 0x20 && r != '\n') || r == 0x7f {
				t.Fatalf("%v prints %q as %q, with the control character %U", cp, s, got, r)
			}
		}
		if utf8.ValidString(s) && pageHas(cp, want) && got != want {
			t.Errorf("%v has every character of %q but prints %q", cp, want, got)
		}
	}
}

// pageHas reports whether cp has a code for every character of s that the
// encoder prints as it is.
func pageHas(cp CodePage, s string) bool {
	for _, r := range s {
		switch {
		case r == '\n', r >= 0x20 && r < 0x7f:
		case r < 0xa0 || invisible(r):
			return false
		default:
			if _, ok := cp.charmap().EncodeRune(r); !ok {
				return false
			}
		}
	}
	return true
}

// FuzzParseStatus checks that ParseStatus refuses bytes no printer sends
// and reads the rest so that StatusResponse gives them back.
func FuzzParseStatus(f *testing.F) {
	for n := byte(0); n <= 5; n++ {
		f.Add(n, byte(0x12))
		f.Add(n, byte(0x7e))
	}
	f.Add(byte(4), byte(0xff))
	f.Fuzz(func(t *testing.T, n, b byte) {
		s, err := ParseStatus(n, b)
		if n < 1 || n > 4 || b&statusMask != statusFixed {
			if err == nil {
				t.Fatalf("ParseStatus(%d, %#02x) = %v, want an error", n, b, s)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseStatus(%d, %#02x): %v", n, b, err)
		}
		// What a fake printer answers for s reads back as s.
		r, err := StatusResponse(n, s)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := ParseStatus(n, r); err != nil || back != s {
			t.Errorf("ParseStatus(%d, StatusResponse(%v) = %#02x) = %v, %v", n, s, r, back, err)
		}
		if s.String() == "" {
			t.Error("a status that says nothing")
		}
	})
}

// FuzzParseCodePage checks that a code page name a config may hold reads
// as a page the encoder has, under its own name too.
func FuzzParseCodePage(f *testing.F) {
	for _, s := range []string{"pc866", " CP866 ", "ibm866", "wpc1251", "Windows-1251", "437", "", "866\x00", "рс866"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cp, err := ParseCodePage(s)
		if err != nil {
			return
		}
		if cp.charmap() == nil {
			t.Fatalf("ParseCodePage(%q) = %v, a page the encoder cannot use", s, cp)
		}
		// The name the page goes by reads back as the page.
		if back, err := ParseCodePage(cp.String()); err != nil || back != cp {
			t.Errorf("ParseCodePage(%q) = %v, %v; want %v", cp.String(), back, err, cp)
		}
	})
}
