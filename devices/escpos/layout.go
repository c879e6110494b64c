package escpos

import (
	"strconv"
	"strings"
	"time"
)

// TicketData is what a queue ticket says. It is filled from a
// queue.TicketView, the office's name and the ticket's status page address.
type TicketData struct {
	Office   string
	Number   string // "А-042"
	Service  string // the service's name in Lang
	IssuedAt time.Time
	// Position is the ticket's place in the queue, 1 being next, as
	// TicketView has it; the ticket prints how many are ahead (Position-1).
	// 0 leaves the line out.
	Position int
	// PredictedWait is printed in whole minutes, rounded up; 0 leaves the
	// line out.
	PredictedWait time.Duration
	StatusURL     string // printed as a QR code, or as text without one
	Lang          string // "ru" (the default) or "en"
	Footer        string // the last words; "Следите за табло" when empty
}

// ReceiptData is the receipt for documents accepted from an applicant
// (001 cl. 4.2.5 "ж"): date, applicant's name, contacts, the documents, the
// worker's name and position.
type ReceiptData struct {
	Office         string
	Number         string // the ticket the applicant was served by
	Date           time.Time
	Applicant      string
	Contacts       string // phone, e-mail
	Service        string // optional
	Documents      []string
	Worker         string
	WorkerPosition string
	Lang           string // "ru" (the default) or "en"
}

type words struct {
	yourNumber, ahead, wait, minutes, scan, online, footer string
	receipt, date, ticket, applicant, contacts, service    string
	documents, total, acceptedBy, signature, signatureHint string
}

var dictionary = map[string]words{
	"ru": {
		yourNumber: "Ваш номер", ahead: "Перед вами", wait: "Ожидание: около", minutes: "мин",
		scan: "Отсканируйте, чтобы следить за очередью", online: "Очередь онлайн:",
		footer:  "Следите за табло",
		receipt: "Расписка в приёме документов", date: "Дата", ticket: "Талон",
		applicant: "Заявитель", contacts: "Контакты", service: "Услуга",
		documents: "Приняты документы:", total: "Всего документов", acceptedBy: "Документы принял:",
		signature: "Подпись", signatureHint: "(подпись сотрудника)",
	},
	"en": {
		yourNumber: "Your number", ahead: "People ahead", wait: "Expected wait: about", minutes: "min",
		scan: "Scan to follow the queue", online: "The queue online:",
		footer:  "Please watch the display",
		receipt: "Receipt for accepted documents", date: "Date", ticket: "Ticket",
		applicant: "Applicant", contacts: "Contacts", service: "Service",
		documents: "Documents accepted:", total: "Documents in total", acceptedBy: "Accepted by:",
		signature: "Signature", signatureHint: "(worker's signature)",
	},
}

func lookup(lang string) words {
	if w, ok := dictionary[lang]; ok {
		return w
	}
	return dictionary["ru"]
}

const stamp = "02.01.2006 15:04"

// Ticket lays out a queue ticket: the office, the number as large as the
// paper allows, the service, when it was issued, how many are ahead and the
// expected wait, a QR code of the status page, a footer, and a partial cut
// (or a feed past the tear bar on a printer without a cutter).
func Ticket(p Profile, t TicketData) []byte {
	w := lookup(t.Lang)
	cols := p.columns()
	e := NewEncoder(p.CodePage)
	e.Init()
	e.SetCodePage(p.CodePage)
	e.Align(AlignCenter)
	if t.Office != "" {
		e.Bold(true)
		lines(e, wrap(printable(p.CodePage, t.Office), cols))
		e.Bold(false)
		e.Feed(1)
	}
	e.Line(w.yourNumber)
	number := printable(p.CodePage, t.Number)
	n := numberSize(len([]rune(number)), cols)
	e.Size(n, n)
	e.Bold(true)
	e.Line(number)
	e.Size(1, 1)
	if t.Service != "" {
		lines(e, wrap(printable(p.CodePage, t.Service), cols))
	}
	e.Bold(false)
	e.Feed(1)
	if !t.IssuedAt.IsZero() {
		e.Line(t.IssuedAt.Format(stamp))
	}
	if t.Position > 0 {
		e.Line(w.ahead + ": " + strconv.Itoa(t.Position-1))
	}
	if t.PredictedWait > 0 {
		m := (t.PredictedWait + time.Minute - 1) / time.Minute
		e.Line(w.wait + " " + strconv.Itoa(int(m)) + " " + w.minutes)
	}
	if t.StatusURL != "" {
		e.Feed(1)
		if p.QR && len(t.StatusURL) <= qrMaxBytes {
			e.QR(t.StatusURL, qrModule(cols))
			lines(e, wrap(printable(p.CodePage, w.scan), cols))
		} else {
			e.Line(w.online)
			lines(e, wrap(printable(p.CodePage, t.StatusURL), cols))
		}
	}
	e.Feed(1)
	footer := t.Footer
	if footer == "" {
		footer = w.footer
	}
	lines(e, wrap(printable(p.CodePage, footer), cols))
	end(e, p)
	return e.Bytes()
}

// Receipt lays out the receipt for accepted documents, titled «Расписка в
// приёме документов»: date, ticket, applicant and contacts, the numbered
// list of documents, who accepted them and a line for the signature.
func Receipt(p Profile, r ReceiptData) []byte {
	w := lookup(r.Lang)
	cols := p.columns()
	cp := p.CodePage
	e := NewEncoder(cp)
	e.Init()
	e.SetCodePage(cp)
	e.Align(AlignCenter)
	if r.Office != "" {
		e.Bold(true)
		lines(e, wrap(printable(cp, r.Office), cols))
		e.Bold(false)
		e.Feed(1)
	}
	e.Bold(true)
	e.Size(1, 2)
	lines(e, wrap(printable(cp, w.receipt), cols))
	e.Size(1, 1)
	e.Bold(false)
	e.Feed(1)
	e.Align(AlignLeft)
	field := func(label, value string) {
		if value != "" {
			lines(e, hanging(printable(cp, label+": "+value), cols, len([]rune(label))+2))
		}
	}
	if !r.Date.IsZero() {
		field(w.date, r.Date.Format(stamp))
	}
	field(w.ticket, r.Number)
	field(w.applicant, r.Applicant)
	field(w.contacts, r.Contacts)
	field(w.service, r.Service)
	rule := strings.Repeat("-", cols)
	e.Line(rule)
	e.Line(w.documents)
	for i, d := range r.Documents {
		mark := strconv.Itoa(i+1) + ". "
		lines(e, hanging(printable(cp, mark+d), cols, len(mark)))
	}
	field(w.total, strconv.Itoa(len(r.Documents)))
	e.Line(rule)
	e.Line(w.acceptedBy)
	if r.WorkerPosition != "" {
		lines(e, wrap(printable(cp, r.WorkerPosition), cols))
	}
	if r.Worker != "" {
		lines(e, wrap(printable(cp, r.Worker), cols))
	}
	e.Feed(2)
	sign := w.signature + " "
	e.Line(sign + strings.Repeat("_", max(cols-len([]rune(sign)), 1)))
	e.Align(AlignRight)
	e.Line(w.signatureHint)
	end(e, p)
	return e.Bytes()
}

// end finishes a document: a partial cut leaving a margin under the last
// line, or, without a cutter, enough paper to tear the last line off.
func end(e *Encoder, p Profile) {
	if p.Cut {
		e.Feed(2)
		e.Cut(PartialCut)
		return
	}
	e.Feed(5)
}

// numberSize is the magnification of the ticket number: as large as fits a
// line, at most 6 (72×144 dots, 9×18 mm), at least 1.
func numberSize(runes, cols int) int {
	if runes < 1 {
		runes = 1
	}
	return clamp(cols/runes, 1, 6)
}

// qrModule is the module size of the status QR code: a 33-module symbol
// (version 4, a 60-byte address) is 25 mm wide on 80 mm paper and 21 mm on
// 58 mm paper, easy for a phone.
func qrModule(cols int) int {
	if cols >= 48 {
		return 6
	}
	return 5
}

func lines(e *Encoder, ls []string) {
	for _, l := range ls {
		e.Line(l)
	}
}

// wrap breaks s into lines of at most width characters at spaces, splitting
// only words longer than a line.
func wrap(s string, width int) []string {
	return hanging(s, width, 0)
}

// hanging wraps s like wrap, indenting the lines after the first by indent
// spaces (a list item's text under its own start, not its number). An indent
// of half the width or more is cut to 2. Only spaces and newlines break: a
// no-break space keeps its words together.
func hanging(s string, width, indent int) []string {
	width = max(width, 1)
	if indent*2 >= width {
		indent = min(2, width-1)
	}
	pad := strings.Repeat(" ", indent)
	var out []string
	var cur []rune
	avail := width
	flush := func() {
		prefix := ""
		if len(out) > 0 {
			prefix = pad
		}
		out = append(out, prefix+string(cur))
		cur, avail = cur[:0], width-indent
	}
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' }) {
		wr := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(wr) <= avail {
			cur = append(append(cur, ' '), wr...)
			continue
		}
		if len(cur) > 0 {
			flush()
		}
		for len(wr) > avail { // a word longer than a line
			cur = append(cur, wr[:avail]...)
			wr = wr[avail:]
			flush()
		}
		cur = append(cur, wr...)
	}
	if len(cur) > 0 {
		flush()
	}
	return out
}
