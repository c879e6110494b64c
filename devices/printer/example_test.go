package printer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"eq/devices/escpos"
	"eq/devices/printer"
)

// A kiosk's network printer: run it, print a ticket, tell the visitor when
// it cannot. (Not run as a test: it needs a printer at 10.0.0.50.)
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	p := printer.New(
		printer.NewTCP(printer.TCPConfig{Address: "10.0.0.50:9100"}),
		escpos.Generic80,
		printer.WithName("kiosk-1"),
	)
	defer p.Close()
	go p.Run(ctx)

	ticket := escpos.Ticket(escpos.Generic80, escpos.TicketData{
		Office:   "МФЦ «Мои документы»",
		Number:   "А012",
		Service:  "Паспорт гражданина РФ",
		IssuedAt: time.Now(),
	})
	// A visitor will not wait long at a kiosk.
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err := p.Print(pctx, printer.Job{Name: "А012", Data: ticket})

	var notReady *printer.NotReadyError
	switch {
	case errors.As(err, &notReady):
		fmt.Println("Талон не напечатан:", notReady.Status.Message)
	case err != nil:
		log.Printf("print: %v", err)
	}
}

// The demo office's printer: each ticket becomes printed/А012-7f3c.bin and
// printed/А012-7f3c.png.
func ExampleNewVirtual() {
	v := printer.NewVirtual(printer.VirtualConfig{Dir: "eq-data/printed", Profile: escpos.Generic80})
	p := printer.New(v, escpos.Generic80, printer.WithName("demo"))
	go p.Run(context.Background())
	defer p.Close()

	_ = p.Print(context.Background(), printer.Job{
		Name: "А012-7f3c",
		Data: escpos.Ticket(escpos.Generic80, escpos.TicketData{Number: "А012"}),
	})
}

// A USB printer that shows up as a virtual COM port, at the factory speed.
func ExampleNewSerial() {
	p := printer.New(
		printer.NewSerial(printer.SerialConfig{Port: "/dev/ttyACM0", Baud: 19200, Parity: "none"}),
		escpos.Generic58,
		printer.WithPollInterval(10*time.Second),
		printer.OnChange(func(s printer.Status) { log.Printf("printer: %s", s.MessageEN) }),
	)
	go p.Run(context.Background())
	defer p.Close()
	fmt.Println(p.Status().Ready)
}
