package escpos

import (
	"errors"
	"strings"
	"testing"
)

// ops returns the ops of doc of one kind.
func ops(doc Document, k OpKind) []Op {
	var out []Op
	for _, op := range doc.Ops {
		if op.Kind == k {
			out = append(out, op)
		}
	}
	return out
}

// flat is the printed text with every run of spaces and line breaks made one
// space, so wrapped text can be looked for whole.
func flat(doc Document) string {
	return strings.Join(strings.Fields(doc.Text()), " ")
}

func TestDecodeTicketRoundTrip(t *testing.T) {
	wpc := Generic80
	wpc.CodePage = WPC1251
	for _, p := range []Profile{Generic80, wpc, Generic58} {
		t.Run(p.Name+" "+p.CodePage.String(), func(t *testing.T) {
			td := sampleTicket()
			doc, err := Decode(Ticket(p, td), PC866)
			if err != nil {
				t.Fatal(err)
			}
			var number []Op
			for _, op := range ops(doc, OpText) {
				if op.Text == td.Number {
					number = append(number, op)
				}
			}
			if len(number) != 1 {
				t.Fatalf("the number %q printed %d times, want once:\n%v", td.Number, len(number), doc)
			}
			if st := number[0].Style; st.Width < 4 || st.Height < 4 || !st.Bold || st.Align != AlignCenter {
				t.Errorf("the number is printed %v, want centred, bold, at least 4x4", st)
			}
			text := flat(doc)
			for _, want := range []string{td.Service, "05.03.2025 09:14", "Перед вами: 3", "Ожидание: около 18 мин", "Следите за табло"} {
				if !strings.Contains(text, want) {
					t.Errorf("no %q in the printed text:\n%s", want, doc.Text())
				}
			}
			if p.CodePage == WPC1251 && !strings.Contains(text, "«Мои документы» — Центральный") {
				t.Errorf("WPC1251 lost the office's «» or —: %s", text)
			}
			if p.CodePage == PC866 && !strings.Contains(text, `"Мои документы" - Центральный`) {
				t.Errorf("PC866 should print «» as \" and — as -: %s", text)
			}
			qr := ops(doc, OpQR)
			if len(qr) != 1 || qr[0].QR.Data != td.StatusURL || qr[0].QR.ECC != 'M' || qr[0].QR.Model != 2 {
				t.Errorf("QR codes: %+v, want one of %q at M", qr, td.StatusURL)
			}
			cuts := ops(doc, OpCut)
			if len(cuts) != 1 || cuts[0].Cut != PartialCut {
				t.Errorf("cuts: %+v, want one partial", cuts)
			}
			if last := doc.Ops[len(doc.Ops)-1]; last.Kind != OpCut {
				t.Errorf("the ticket ends with %v, not the cut", last)
			}
			for _, op := range ops(doc, OpText) {
				if n := len([]rune(op.Text)) * op.Style.Width; n > p.Columns {
					t.Errorf("%q is %d columns, wider than %d", op.Text, n, p.Columns)
				}
			}
		})
	}
}

func TestTicketWithoutQROrCutter(t *testing.T) {
	td := sampleTicket()
	doc, err := Decode(Ticket(Basic58, td), PC866)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ops(doc, OpQR)); n != 0 {
		t.Errorf("%d QR codes on a printer without them", n)
	}
	if n := len(ops(doc, OpCut)); n != 0 {
		t.Errorf("%d cuts on a printer without a cutter", n)
	}
	if !strings.Contains(flat(doc), td.StatusURL) {
		t.Errorf("the address is not printed as text:\n%s", doc.Text())
	}
	if feeds := ops(doc, OpFeed); feeds[len(feeds)-1].Lines < 4 {
		t.Errorf("the last feed is %d lines, too few to tear the ticket off", feeds[len(feeds)-1].Lines)
	}
}

func TestTicketLeavesOutWhatItDoesNotKnow(t *testing.T) {
	doc, err := Decode(Ticket(Generic80, TicketData{Number: "А1", Lang: "en"}), PC866)
	if err != nil {
		t.Fatal(err)
	}
	text := flat(doc)
	for _, absent := range []string{"ahead", "wait", "online"} {
		if strings.Contains(text, absent) {
			t.Errorf("%q printed without data: %s", absent, text)
		}
	}
	if !strings.Contains(text, "Your number А1") || !strings.Contains(text, "Please watch the display") {
		t.Errorf("English ticket: %s", text)
	}
	if n := len(ops(doc, OpQR)); n != 0 {
		t.Errorf("%d QR codes without an address", n)
	}
}

func TestDecodeReceiptRoundTrip(t *testing.T) {
	for _, p := range []Profile{Generic80, Generic58} {
		t.Run(p.Name, func(t *testing.T) {
			r := sampleReceipt()
			doc, err := Decode(Receipt(p, r), PC866)
			if err != nil {
				t.Fatal(err)
			}
			text := flat(doc)
			want := []string{"Расписка в приёме документов", "Дата: 05.03.2025 09:40", "Талон: П-042",
				"Заявитель: " + r.Applicant, "Контакты: " + r.Contacts, "Всего документов: 5",
				"Документы принял: Ведущий специалист Петрова Анна Сергеевна", "Подпись ___"}
			for i, d := range r.Documents {
				want = append(want, string(rune('1'+i))+". "+printable(PC866, d))
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in the receipt:\n%s", w, doc.Text())
				}
			}
			if cuts := ops(doc, OpCut); len(cuts) != 1 || cuts[0].Cut != PartialCut {
				t.Errorf("cuts: %+v, want one partial", cuts)
			}
			for _, line := range strings.Split(doc.Text(), "\n") {
				if n := len([]rune(line)); n > p.Columns {
					t.Errorf("line %q is %d wide, more than %d", line, n, p.Columns)
				}
			}
		})
	}
}

func TestDecodeStyles(t *testing.T) {
	e := NewEncoder(PC866)
	e.Init()
	e.Align(AlignRight)
	e.Bold(true)
	e.Text("Да")
	e.Bold(true) // no change: one run
	e.Text("нет")
	e.Bold(false)
	e.Size(2, 3)
	e.Line("!")
	e.Init()
	e.Line("x")
	e.Feed(2)
	doc, err := Decode(e.Bytes(), PC866)
	if err != nil {
		t.Fatal(err)
	}
	want := "init\n" +
		"text \"Данет\" right bold\n" +
		"text \"!\" right 2x3\n" +
		"newline\n" +
		"init\n" +
		"text \"x\" left\n" +
		"newline\n" +
		"feed 2\n"
	if got := doc.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got, want := doc.Text(), "Данет!\nx\n\n"; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}

func TestDecodeOtherForms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"GS V 0 is a full cut", "1D 56 00", "cut full"},
		{"GS V 49 is a partial cut", "1D 56 31", "cut partial"},
		{"ESC a 49 is centre", "1B 61 31 41 0A", "text \"A\" center\nnewline"},
		{"ESC E takes its lowest bit", "1B 45 FF 41", "text \"A\" left bold"},
		{"a status request", "10 04 04", "status request 4"},
		{"printing a QR code with none stored prints nothing", "1D 28 6B 03 00 31 51 30", ""},
		{"QR settings are kept for the print", "1D 28 6B 03 00 31 45 33 1D 28 6B 04 00 31 50 30 41 1D 28 6B 03 00 31 51 30",
			`qr "A" model 2 size 3 ecc H left`},
		{"text follows ESC t", "1B 74 2E C4 E0", "codepage WPC1251\ntext \"Да\" left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Decode(hx(tt.in), PC866)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(doc.String(), "\n"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		err    error
		offset int
		msg    string
	}{
		{"a truncated ESC t", "1B 40 1B 74", ErrTruncated, 2, "escpos: truncated command at offset 2: 1B 74"},
		{"a lone ESC", "41 1B", ErrTruncated, 1, ""},
		{"a truncated QR store", "1D 28 6B 0F 00 31 50 30 61 62", ErrTruncated, 0, ""},
		{"a truncated cut", "0A 1D 56 42", ErrTruncated, 1, ""},
		{"an unknown ESC command", "41 0A 1B 70 00 19 FA", ErrUnknownCommand, 2, "escpos: unknown command at offset 2: 1B 70"},
		{"an unknown GS command", "1D 4C 00 00", ErrUnknownCommand, 0, ""},
		{"an unknown control byte", "41 07", ErrUnknownCommand, 1, "escpos: unknown command at offset 1: 07 (control byte)"},
		{"DLE without EOT", "10 14 01", ErrUnknownCommand, 0, ""},
		{"a 2D code that is not QR", "1D 28 6B 03 00 30 41 00", ErrUnknownCommand, 0, ""},
		{"GS ( other than k", "1D 28 4C 02 00 30 30", ErrUnknownCommand, 0, ""},
		{"an alignment out of range", "1B 61 07", ErrBadParameter, 0, "escpos: bad parameter at offset 0: 1B 61 07 (alignment must be 0..2)"},
		{"a size out of range", "1D 21 88", ErrBadParameter, 0, ""},
		{"an unknown code table", "1B 74 63", ErrBadParameter, 0, ""},
		{"an unknown cut", "1D 56 07", ErrBadParameter, 0, ""},
		{"a QR module too large", "1D 28 6B 03 00 31 43 20", ErrBadParameter, 0, ""},
		{"a status request out of range", "10 04 09", ErrBadParameter, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(hx(tt.in), PC866)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset != tt.offset {
				t.Errorf("got %#v, want offset %d", err, tt.offset)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestDecodeReturnsWhatCameBeforeAnError(t *testing.T) {
	doc, err := Decode(hx("41 0A 1B 70"), PC866)
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := doc.String(), "text \"A\" left\nnewline\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeNeedsAKnownCodePage(t *testing.T) {
	if _, err := Decode(nil, CodePage(99)); err == nil {
		t.Error("code page 99 accepted")
	}
}
