package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"eq/kiosk"
	"eq/queue"
	"eq/server"
)

func TestServicesCarryOfficeAndGroups(t *testing.T) {
	s := newStack(t)
	var got struct {
		Office queue.Text `json:"office"`
		Groups []struct {
			ID   string     `json:"id"`
			Name queue.Text `json:"name"`
		} `json:"groups"`
	}
	s.anon().get(t, "/api/v1/services").decode(t, http.StatusOK, &got)
	if got.Office.RU != s.Config.Office.Name.RU || len(got.Groups) != len(s.Config.Office.Groups) {
		t.Fatalf("got office %q and %d groups, want %q and %d", got.Office.RU, len(got.Groups), s.Config.Office.Name.RU, len(s.Config.Office.Groups))
	}
	for i, g := range got.Groups {
		if g.ID != s.Config.Office.Groups[i].ID || g.Name.RU == "" {
			t.Errorf("group %d = %+v", i, g)
		}
	}
}

func TestCheckin(t *testing.T) {
	s := newStack(t)
	seq := s.lastSeq(t)
	tests := []struct {
		name   string
		c      *client
		body   string
		status int
		code   queue.Code
		says   string
	}{
		{"an unknown code is not found and says what to do", s.kiosk(), `{"code":"123456"}`, http.StatusNotFound, queue.ENOTFOUND, "живую очередь"},
		{"a code of five digits is invalid", s.kiosk(), `{"code":"12345"}`, http.StatusBadRequest, queue.EINVALID, "6 цифр"},
		{"a code with letters is invalid", s.kiosk(), `{"code":"12a456"}`, http.StatusBadRequest, queue.EINVALID, "6 цифр"},
		{"a number instead of a string is invalid", s.kiosk(), `{"code":123456}`, http.StatusBadRequest, queue.EINVALID, "code"},
		{"a caller without a kiosk token is refused", s.anon(), `{"code":"123456"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED, "токен"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.refused(t, tt.c.post(t, "/api/v1/checkin", tt.body), tt.status, tt.code, seq)
			if !strings.Contains(e.Error.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Error.Message, tt.says)
			}
		})
	}
}

// fakePrinting records what the server asked to print; the real printing is
// tested in package kiosk and end to end.
type fakePrinting struct {
	token, url string
	ticket     queue.TicketView
	result     kiosk.PrintResult
}

func (f *fakePrinting) PrintTicket(_ context.Context, token string, t queue.TicketView, url string) kiosk.PrintResult {
	f.token, f.ticket, f.url = token, t, url
	return f.result
}

func (f *fakePrinting) Printers() []kiosk.PrinterState {
	return []kiosk.PrinterState{{ID: "kiosk-1", Transport: "virtual", Online: true, Message: "готов"}}
}

func TestKioskTicketPrints(t *testing.T) {
	for _, printed := range []bool{true, false} {
		f := &fakePrinting{result: kiosk.PrintResult{Printed: printed, Printer: "kiosk-1"}}
		if !printed {
			f.result.Message, f.result.MessageEN = "нет бумаги", "paper out"
		}
		s := newStack(t, func(o *server.Options) { o.Printing = f })
		var got struct {
			ID, Number string
			Print      *kiosk.PrintResult `json:"print"`
		}
		s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`).decode(t, http.StatusCreated, &got)
		if got.Print == nil || got.Print.Printed != printed || f.token != "demo-kiosk" || f.ticket.ID != got.ID {
			t.Fatalf("printed=%v: response print %+v, printer asked for %q with %s", printed, got.Print, f.token, f.ticket.ID)
		}
		if !strings.HasSuffix(f.url, "/t/"+got.ID) || !strings.HasPrefix(f.url, "http://127.0.0.1:") {
			t.Errorf("QR url = %q, want this server's /t/%s", f.url, got.ID)
		}
		// Whether or not the paper came out, the ticket exists.
		if v := s.ticket(t, got.ID); v.Number != got.Number {
			t.Errorf("ticket %s not found after issue", got.ID)
		}
	}
	t.Run("a ticket issued by staff does not print", func(t *testing.T) {
		f := &fakePrinting{result: kiosk.PrintResult{Printed: true}}
		s := newStack(t, func(o *server.Options) { o.Printing = f })
		r := s.signIn(t, "op1").post(t, "/api/v1/tickets", `{"service_id":"passport"}`)
		if r.Status != http.StatusCreated || strings.Contains(string(r.Body), `"print"`) || f.token != "" {
			t.Fatalf("staff issue: %d %s, printer asked for %q", r.Status, r.Body, f.token)
		}
	})
	t.Run("a public URL from the config goes on the QR code", func(t *testing.T) {
		f := &fakePrinting{result: kiosk.PrintResult{Printed: true}}
		s := newStack(t, func(o *server.Options) { o.Printing, o.PublicURL = f, "https://mfc.example/" })
		s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`)
		if !strings.HasPrefix(f.url, "https://mfc.example/t/") {
			t.Fatalf("QR url = %q", f.url)
		}
	})
}

func TestPrintersForManagers(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.Printing = &fakePrinting{} })
	seq := s.lastSeq(t)
	s.refused(t, s.signIn(t, "op1").get(t, "/api/v1/printers"), http.StatusForbidden, queue.EFORBIDDEN, seq)
	s.refused(t, s.kiosk().get(t, "/api/v1/printers"), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
	var got struct{ Printers []kiosk.PrinterState }
	s.signIn(t, "manager").get(t, "/api/v1/printers").decode(t, http.StatusOK, &got)
	if len(got.Printers) != 1 || got.Printers[0].ID != "kiosk-1" || !got.Printers[0].Online {
		t.Fatalf("printers = %+v", got.Printers)
	}
}

func TestPages(t *testing.T) {
	s := newStack(t)
	ticket := s.issue(t, "passport")
	tests := []struct {
		path, contentType string
		status            int
		contains          string
	}{
		{"/", "text/html", http.StatusOK, "/console"},
		{"/console", "text/html", http.StatusOK, "console.js"},
		{"/static/console.js", "text/javascript", http.StatusOK, "/ws/console"},
		{"/kiosk", "text/html", http.StatusOK, "kiosk.js"},
		{"/kiosk/kiosk.js", "text/javascript", http.StatusOK, "/api/v1/tickets"},
		{"/kiosk/kiosk.css", "text/css", http.StatusOK, "body.access"},
		{"/t/" + ticket.ID, "text/html", http.StatusOK, ticket.Number},
		{"/t/20200101-000001", "text/html", http.StatusNotFound, "не найден"},
		{"/kiosk/nothing.js", "text/plain", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run("GET "+tt.path, func(t *testing.T) {
			r := s.anon().get(t, tt.path)
			if r.Status != tt.status || !strings.HasPrefix(r.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(string(r.Body), tt.contains) {
				t.Fatalf("status %d, type %q, want %d %q containing %q; body %.200s", r.Status, r.Header.Get("Content-Type"), tt.status, tt.contentType, tt.contains, r.Body)
			}
		})
	}
}
