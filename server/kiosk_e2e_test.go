package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eq/configs"
	"eq/devices/escpos"
	"eq/devices/printer"
	"eq/internal/officetest"
	"eq/kiosk"
	"eq/server"
)

// kioskOffice is the demo office whose kiosk prints through t's transport.
func kioskOffice(t *testing.T, tr printer.Transport) *officetest.Office {
	t.Helper()
	pr := printer.New(tr, escpos.Generic80, printer.WithPollInterval(0), printer.WithTimeouts(2*time.Second, 300*time.Millisecond))
	printing := kiosk.NewPrinting(configs.Demo().Office,
		[]*kiosk.Station{{ID: "kiosk-1", KioskToken: "demo-kiosk", Transport: "test", Printer: pr}},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- printing.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return officetest.Start(t, officetest.WithServerOptions(func(o *server.Options) { o.Printing = printing }))
}

// TestKioskInChromium: a visitor taps a life situation and a service, sees
// the number; the ticket is in the API and its paper in the virtual printer.
func TestKioskInChromium(t *testing.T) {
	dir := t.TempDir()
	o := kioskOffice(t, printer.NewVirtual(printer.VirtualConfig{Dir: dir, Profile: escpos.Generic80}))
	p := page(t)
	var number, note string
	err := chromedp.Run(p,
		chromedp.Navigate(o.URL()+"/kiosk?token=demo-kiosk"),
		chromedp.Poll(`document.querySelectorAll('#groups .tile').length > 0`, nil),
	)
	if err != nil {
		t.Fatalf("kiosk home: %v", err)
	}
	saveScreenshot(t, p, "kiosk-home.png")
	err = chromedp.Run(p,
		chromedp.Click(`#groups .tile`, chromedp.ByQuery), // the first life situation: documents
		chromedp.WaitVisible(`#services`, chromedp.ByID),
		chromedp.Click(`#serviceTiles .tile[data-service="passport"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#ticket`, chromedp.ByID),
		chromedp.Poll(`document.getElementById('ticketNumber').textContent !== ''`, nil),
		chromedp.Text(`#ticketNumber`, &number, chromedp.ByID),
		chromedp.Text(`#printNote`, &note, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("kiosk flow: %v", err)
	}
	saveScreenshot(t, p, "kiosk.png")
	if number != "П001" || !strings.Contains(note, "Возьмите талон") {
		t.Fatalf("kiosk shows %q with note %q, want П001 printed", number, note)
	}
	var tickets struct {
		Tickets []struct{ ID, Number string }
	}
	resp := staffGet(t, o, "/api/v1/tickets")
	if err := json.Unmarshal(resp, &tickets); err != nil || len(tickets.Tickets) != 1 || tickets.Tickets[0].Number != number {
		t.Fatalf("API tickets = %s (%v)", resp, err)
	}
	id := tickets.Tickets[0].ID
	for _, ext := range []string{".bin", ".png"} {
		if fi, err := os.Stat(filepath.Join(dir, number+"_"+id+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("virtual printer %s: %v", ext, err)
		}
	}
}

// TestKioskWithoutPaperInChromium: when the printer cannot print, the kiosk
// still shows the number large and asks the visitor to remember it.
func TestKioskWithoutPaperInChromium(t *testing.T) {
	rec := printer.NewRecorder()
	rec.SetStatus(4, 0x12|0x60) // paper end
	o := kioskOffice(t, rec)
	p := page(t)
	var number, note, codeErr string
	err := chromedp.Run(p,
		chromedp.Navigate(o.URL()+"/kiosk?token=demo-kiosk"),
		chromedp.Poll(`document.querySelectorAll('#groups .tile').length > 0`, nil),
		chromedp.Click(`#toAll`, chromedp.ByID),
		chromedp.Click(`#serviceTiles .tile[data-service="egrn-extract"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#ticket`, chromedp.ByID),
		chromedp.Text(`#ticketNumber`, &number, chromedp.ByID),
		chromedp.Text(`#printNote`, &note, chromedp.ByID),
		// The appointment code: the API answers, the kiosk shows its words.
		chromedp.Click(`#done`, chromedp.ByID),
		chromedp.Click(`#toCode`, chromedp.ByID),
		chromedp.Click(`#keypad button[data-key="1"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="2"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="3"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="4"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="5"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="6"]`, chromedp.ByQuery),
		chromedp.Click(`#keypad button[data-key="OK"]`, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('codeError').textContent !== ''`, nil),
		chromedp.Text(`#codeError`, &codeErr, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("kiosk flow: %v", err)
	}
	if number != "Е001" || !strings.Contains(note, "Запомните") || !strings.Contains(note, "бумаг") {
		t.Fatalf("kiosk shows %q with note %q, want Е001 and a note to remember it, naming the paper", number, note)
	}
	if !strings.Contains(codeErr, "123456 не найдена") {
		t.Fatalf("check-in shows %q, want the API's message", codeErr)
	}
	if len(rec.Jobs()) != 0 {
		t.Fatal("a printer without paper was sent the ticket")
	}
}

// staffGet reads path as the manager.
func staffGet(t *testing.T, o *officetest.Office, path string) []byte {
	t.Helper()
	resp, err := http.Post(o.URL()+"/api/v1/login", "application/json", strings.NewReader(`{"login":"manager","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, o.URL()+path, nil)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return body
}

// TestManagerSeesPrintersInChromium: the manager's view of all windows
// shows each kiosk printer's state.
func TestManagerSeesPrintersInChromium(t *testing.T) {
	rec := printer.NewRecorder()
	rec.SetStatus(2, 0x12|0x04) // cover open
	o := kioskOffice(t, rec)
	p := page(t)
	var state string
	err := chromedp.Run(p,
		typeSignIn(o.URL(), "manager", "demo"),
		chromedp.WaitVisible("#toManager", chromedp.ByID),
		chromedp.Click("#toManager", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#printers tbody tr').length === 1`, nil),
		chromedp.Text(`#printers tbody tr`, &state, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("manager view: %v", err)
	}
	saveScreenshot(t, p, "manager.png")
	if !strings.Contains(state, "kiosk-1") || !strings.Contains(strings.ToLower(state), "крышк") {
		t.Fatalf("printer row = %q, want kiosk-1 with its cover open", state)
	}
}

// typeCode enters a booking code on the kiosk's keypad and presses OK.
func typeCode(code string) chromedp.Tasks {
	tasks := chromedp.Tasks{chromedp.Click(`#toCode`, chromedp.ByID)}
	for _, d := range code {
		tasks = append(tasks, chromedp.Click(`#keypad button[data-key="`+string(d)+`"]`, chromedp.ByQuery))
	}
	return append(tasks, chromedp.Click(`#keypad button[data-key="OK"]`, chromedp.ByQuery))
}

// TestKioskCheckinInChromium: a visitor on time checks in by code and gets
// a ticket naming the appointment; one too late is offered the live queue
// at a touch; after hours the kiosk says when the centre opens.
func TestKioskCheckinInChromium(t *testing.T) {
	s := newStack(t)
	staff := s.signIn(t, "manager")
	onTime := staff.book(t, "passport", at(0, 9, 15), "")
	late := staff.book(t, "passport", at(0, 10, 0), "")
	p := page(t)
	var facts, codeErr, number, banner string
	err := chromedp.Run(p,
		chromedp.Navigate(s.URL()+"/kiosk?token=demo-kiosk"),
		chromedp.Poll(`document.querySelectorAll('#groups .tile').length > 0`, nil),
		typeCode(onTime.Code),
		chromedp.WaitVisible(`#ticket`, chromedp.ByID),
		chromedp.Text(`#ticketFacts`, &facts, chromedp.ByID),
		chromedp.Text(`#ticketNumber`, &number, chromedp.ByID),
		chromedp.Click(`#done`, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("check-in on time: %v", err)
	}
	if number != "П001" || !strings.Contains(facts, "Запись на 09:15") {
		t.Fatalf("kiosk shows %q, %q; want П001 for the 09:15 appointment", number, facts)
	}

	s.clock.Advance(at(0, 10, 11).Sub(s.clock.Now()))
	err = chromedp.Run(p,
		typeCode(late.Code),
		chromedp.WaitVisible(`#takeLive`, chromedp.ByID),
		chromedp.Text(`#codeError`, &codeErr, chromedp.ByID),
		chromedp.Click(`#takeLive`, chromedp.ByID),
		chromedp.WaitVisible(`#ticket`, chromedp.ByID),
		chromedp.Poll(`document.getElementById('ticketNumber').textContent === 'П002'`, nil),
		chromedp.Text(`#ticketFacts`, &facts, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("late check-in: %v (error shown: %q)", err, codeErr)
	}
	if !strings.Contains(codeErr, "опоздали") || strings.Contains(facts, "Запись") {
		t.Fatalf("late visitor saw %q and then %q; want the lateness and a live ticket", codeErr, facts)
	}
	var tk struct {
		Priority string `json:"priority"`
	}
	s.anon().get(t, "/api/v1/tickets/20261123-000002").decode(t, http.StatusOK, &tk)
	if tk.Priority != "normal" {
		t.Errorf("the live ticket is %q, want normal", tk.Priority)
	}

	s.clock.Advance(at(0, 19, 30).Sub(s.clock.Now()))
	err = chromedp.Run(p,
		chromedp.Reload(),
		chromedp.WaitVisible(`#hours`, chromedp.ByID),
		chromedp.Text(`#hours`, &banner, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("kiosk after hours: %v", err)
	}
	if !strings.Contains(banner, "Выдача талонов окончена в 19:00") || !strings.Contains(banner, "завтра в 08:00") {
		t.Fatalf("after hours the kiosk says %q, want the stop and tomorrow's opening", banner)
	}
}
