package kiosk

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"eq/devices/escpos"
	"eq/devices/printer"
	"eq/queue"
)

// printTimeout bounds one ticket's print: the visitor stands at the kiosk,
// and after this long the number on the screen is the better ticket.
const printTimeout = 8 * time.Second

// Station is one kiosk's printer.
type Station struct {
	ID         string
	KioskToken string
	Transport  string // virtual, serial or tcp, for the admin page
	Target     string // its folder, port or address
	Printer    *printer.Printer

	printed, failed atomic.Int64
}

// Printing prints the tickets of every kiosk on that kiosk's printer.
type Printing struct {
	office   *queue.Office
	services map[string]queue.Text
	stations []*Station
	byToken  map[string]*Station
	log      *slog.Logger
}

// NewPrinting prints for office on stations; Run drives their printers.
func NewPrinting(office *queue.Office, stations []*Station, log *slog.Logger) *Printing {
	p := &Printing{office: office, services: map[string]queue.Text{}, stations: stations, byToken: map[string]*Station{}, log: log}
	for _, svc := range office.Services {
		p.services[svc.ID] = svc.Name
	}
	for _, st := range stations {
		p.byToken[st.KioskToken] = st
	}
	return p
}

// Run runs every printer until ctx ends, then closes them.
func (p *Printing) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(p.stations))
	for i, st := range p.stations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Printer.Run(ctx)
		}()
	}
	wg.Wait()
	for _, st := range p.stations {
		st.Printer.Close()
	}
	return errors.Join(errs...)
}

// TicketData lays out t for paper; statusURL goes into the QR code.
func (p *Printing) TicketData(t queue.TicketView, statusURL string) escpos.TicketData {
	footer := "Следите за табло и объявлениями"
	if !t.AppointmentAt.IsZero() {
		// The visitor checked in for an appointment: the paper says so, and
		// that the slot time is when the call comes.
		footer = "По записи на " + t.AppointmentAt.In(p.office.Location).Format("15:04") + ". " + footer
	}
	return escpos.TicketData{
		Office:        p.office.Name.RU,
		Number:        t.Number,
		Service:       p.services[t.ServiceID].RU,
		IssuedAt:      t.IssuedAt.In(p.office.Location),
		Position:      t.Position,
		PredictedWait: time.Duration(t.PredictedWaitS) * time.Second,
		StatusURL:     statusURL,
		Lang:          "ru",
		Footer:        footer,
	}
}

// PrintTicket prints t on the printer of the kiosk holding kioskToken.
func (p *Printing) PrintTicket(ctx context.Context, kioskToken string, t queue.TicketView, statusURL string) PrintResult {
	st, ok := p.byToken[kioskToken]
	if !ok {
		return PrintResult{Message: "у этого терминала нет принтера", MessageEN: "this kiosk has no printer"}
	}
	ctx, cancel := context.WithTimeout(ctx, printTimeout)
	defer cancel()
	data := escpos.Ticket(st.Printer.Profile(), p.TicketData(t, statusURL))
	err := st.Printer.Print(ctx, printer.Job{Name: t.Number + "_" + t.ID, Data: data})
	if err == nil {
		st.printed.Add(1)
		return PrintResult{Printed: true, Printer: st.ID}
	}
	st.failed.Add(1)
	res := PrintResult{Printer: st.ID, Message: "принтер не ответил", MessageEN: "the printer did not answer"}
	var notReady *printer.NotReadyError
	switch {
	case errors.As(err, &notReady):
		res.Message, res.MessageEN = notReady.Status.Message, notReady.Status.MessageEN
	case errors.Is(err, context.DeadlineExceeded):
		res.Message, res.MessageEN = "принтер не успел напечатать", "the printer took too long"
	}
	p.log.Warn("ticket not printed", "ticket", t.ID, "number", t.Number, "printer", st.ID, "err", err)
	return res
}

// Printers reports every printer's state for the admin.
func (p *Printing) Printers() []PrinterState {
	out := make([]PrinterState, 0, len(p.stations))
	for _, st := range p.stations {
		s := st.Printer.Status()
		out = append(out, PrinterState{
			ID: st.ID, Transport: st.Transport, Target: st.Target,
			Online: s.Online, PaperOut: s.PaperOut, PaperNearEnd: s.PaperNearEnd, CoverOpen: s.CoverOpen, Error: s.Error,
			Message: s.Message, MessageEN: s.MessageEN, CheckedAt: s.CheckedAt,
			Printed: int(st.printed.Load()), Failed: int(st.failed.Load()),
		})
	}
	return out
}
