package kiosk_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eq/configs"
	"eq/devices/escpos"
	"eq/devices/printer"
	"eq/kiosk"
	"eq/queue"
)

var ticket = queue.TicketView{
	ID: "20261123-000007", Number: "П007", ServiceID: "passport", Status: queue.StatusWaiting,
	IssuedAt: time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), Position: 3, PredictedWaitS: 600,
}

// run starts printing on stations and stops it when the test ends.
func run(t *testing.T, stations ...*kiosk.Station) *kiosk.Printing {
	t.Helper()
	p := kiosk.NewPrinting(configs.Demo().Office, stations, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return p
}

func recorded(t *testing.T, token string) (*kiosk.Station, *printer.Recorder) {
	rec := printer.NewRecorder()
	p := printer.New(rec, escpos.Generic80, printer.WithPollInterval(0), printer.WithTimeouts(time.Second, 200*time.Millisecond))
	return &kiosk.Station{ID: "k-" + token, KioskToken: token, Transport: "test", Target: "recorder", Printer: p}, rec
}

func TestPrintTicket(t *testing.T) {
	ready, readyRec := recorded(t, "kiosk-a")
	empty, emptyRec := recorded(t, "kiosk-b")
	emptyRec.SetStatus(4, 0x12|0x60) // paper end
	p := run(t, ready, empty)

	t.Run("a ready printer prints the ticket's number, service and QR", func(t *testing.T) {
		res := p.PrintTicket(context.Background(), "kiosk-a", ticket, "http://mfc.local/t/20261123-000007")
		if !res.Printed || res.Printer != "k-kiosk-a" {
			t.Fatalf("result %+v", res)
		}
		jobs := readyRec.Jobs()
		if len(jobs) != 1 {
			t.Fatalf("printer got %d jobs, want 1", len(jobs))
		}
		doc, err := escpos.Decode(jobs[0].Data, escpos.PC866)
		if err != nil {
			t.Fatal(err)
		}
		text := doc.Text()
		for _, want := range []string{"П007", "Паспорт гражданина РФ", "23.11.2026 10:30", "Перед вами: 2", "около 10 мин"} {
			if !strings.Contains(text, want) {
				t.Errorf("the ticket lacks %q:\n%s", want, text)
			}
		}
		qr := false
		for _, op := range doc.Ops {
			qr = qr || (op.Kind == escpos.OpQR && op.QR.Data == "http://mfc.local/t/20261123-000007")
		}
		if !qr {
			t.Error("the ticket has no QR code of its status page")
		}
	})
	t.Run("a printer out of paper says so and sends nothing", func(t *testing.T) {
		res := p.PrintTicket(context.Background(), "kiosk-b", ticket, "http://mfc.local/t/x")
		if res.Printed || !strings.Contains(strings.ToLower(res.Message), "бумаг") || res.MessageEN == "" {
			t.Fatalf("result %+v, want a refusal about paper", res)
		}
		if n := len(emptyRec.Jobs()); n != 0 {
			t.Fatalf("%d jobs reached a printer without paper", n)
		}
	})
	t.Run("a kiosk without a printer is told so", func(t *testing.T) {
		res := p.PrintTicket(context.Background(), "kiosk-c", ticket, "")
		if res.Printed || res.Message == "" {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("the admin sees each printer's state and counts", func(t *testing.T) {
		states := p.Printers()
		if len(states) != 2 {
			t.Fatalf("%d printers", len(states))
		}
		a, b := states[0], states[1]
		if !a.Online || a.PaperOut || a.Printed != 1 || a.Failed != 0 {
			t.Errorf("ready printer: %+v", a)
		}
		if !b.PaperOut || b.Printed != 0 || b.Failed != 1 || b.Message == "" {
			t.Errorf("empty printer: %+v", b)
		}
	})
}

func TestVirtualPrinterKeepsTheTicket(t *testing.T) {
	dir := t.TempDir()
	vp := printer.New(printer.NewVirtual(printer.VirtualConfig{Dir: dir, Profile: escpos.Generic80}), escpos.Generic80)
	p := run(t, &kiosk.Station{ID: "demo", KioskToken: "demo-kiosk", Transport: "virtual", Target: dir, Printer: vp})
	if res := p.PrintTicket(context.Background(), "demo-kiosk", ticket, "http://mfc.local/t/1"); !res.Printed {
		t.Fatalf("result %+v", res)
	}
	data, err := os.ReadFile(filepath.Join(dir, "П007_20261123-000007.bin"))
	if err != nil || !bytes.Contains(data, []byte{0x1d, 0x56, 0x42, 0x00}) {
		t.Fatalf("bytes: %v, partial cut present: %v", err, bytes.Contains(data, []byte{0x1d, 0x56, 0x42, 0x00}))
	}
	f, err := os.Open(filepath.Join(dir, "П007_20261123-000007.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if b.Dx() != escpos.Generic80.Dots() || b.Dy() < 400 || dark < 2000 {
		t.Fatalf("picture %dx%d with %d dark pixels: not a ticket", b.Dx(), b.Dy(), dark)
	}
}

func TestTicketDataOfAnAppointment(t *testing.T) {
	p := kiosk.NewPrinting(configs.Demo().Office, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := p.TicketData(ticket, "").Footer; strings.Contains(got, "записи") {
		t.Errorf("a live ticket's footer %q speaks of an appointment", got)
	}
	appt := ticket
	appt.Priority, appt.AppointmentAt = queue.PriorityAppointment, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	if got := p.TicketData(appt, "").Footer; !strings.HasPrefix(got, "По записи на 11:00.") {
		t.Errorf("an appointment ticket's footer = %q, want it to name the slot in Moscow time, 11:00", got)
	}
}
