package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"eq/kiosk"
	"eq/queue"
)

type groupView struct {
	ID   string     `json:"id"`
	Name queue.Text `json:"name"`
}

// handleServices lists the services with their queues, and the office and
// its life situations, which is all a kiosk's home screen needs.
func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	o := s.engine.Office()
	groups := make([]groupView, 0, len(o.Groups))
	for _, g := range o.Groups {
		groups = append(groups, groupView{ID: g.ID, Name: g.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"office": o.Name, "address": o.Address, "timezone": o.Location.String(), "groups": groups,
		"services": s.engine.Services(), "hours": s.engine.Hours()})
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.engine.Queue())
}

type issueRequest struct {
	ServiceID string         `json:"service_id"`
	Priority  queue.Priority `json:"priority"`
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	var req issueRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ServiceID == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите service_id", "service_id is required"))
		return
	}
	t, err := s.engine.Issue(r.Context(), queue.IssueRequest{Service: req.ServiceID, Priority: req.Priority,
		Actor: callerOf(r).actor})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("ticket issued", "ticket", t.ID, "number", t.Number, "service", t.ServiceID)
	writeJSON(w, http.StatusCreated, issuedTicket{TicketView: t, Print: s.print(r, t)})
}

// issuedTicket is a new ticket and, for a kiosk, whether its paper came out.
type issuedTicket struct {
	queue.TicketView
	Print *kiosk.PrintResult `json:"print,omitempty"`
}

// print prints t on the printer of the kiosk that asked, if any. It runs
// after the ticket is durable: whatever happens here, the ticket exists.
func (s *Server) print(r *http.Request, t queue.TicketView) *kiosk.PrintResult {
	token := callerOf(r).kiosk
	if token == "" || s.printing == nil {
		return nil
	}
	res := s.printing.PrintTicket(r.Context(), token, t, s.statusURL(r, t.ID))
	if !res.Printed {
		s.log.Warn("ticket not printed", "ticket", t.ID, "number", t.Number, "printer", res.Printer, "reason", res.MessageEN)
	}
	return &res
}

// statusURL is the ticket's live page, for the QR code on the paper.
func (s *Server) statusURL(r *http.Request, id string) string {
	base := s.publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/t/" + url.PathEscape(id)
}

type checkinRequest struct {
	Code string `json:"code"`
}

// handleCheckin takes a visitor with an appointment into the queue by the
// code of the booking. On an open LAN, where anyone may check in, trying
// codes counts against the address's code lookups as well.
func (s *Server) handleCheckin(w http.ResponseWriter, r *http.Request) {
	if c := callerOf(r); c.kiosk == "" && !c.isStaff() && !s.codeLookup(w, r) {
		return
	}
	var req checkinRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.engine.CheckIn(r.Context(), callerOf(r).actor, strings.TrimSpace(req.Code))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("checked in", "ticket", t.ID, "number", t.Number, "service", t.ServiceID, "slot", t.AppointmentAt)
	writeJSON(w, http.StatusCreated, issuedTicket{TicketView: t, Print: s.print(r, t)})
}

// handlePrinters shows the kiosks' printers to managers and admins.
func (s *Server) handlePrinters(w http.ResponseWriter, r *http.Request) {
	printers := []kiosk.PrinterState{}
	if s.printing != nil {
		printers = s.printing.Printers()
	}
	writeJSON(w, http.StatusOK, map[string]any{"printers": printers})
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.engine.Ticket(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleTickets lists the day's tickets for staff.
func (s *Server) handleTickets(w http.ResponseWriter, r *http.Request) {
	var out []queue.TicketView
	s.engine.Read(func(st *queue.State, now time.Time) { out = st.Tickets(now) })
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
}

// handleCancel withdraws a waiting ticket. Ticket ids are sequential, so
// unlike issuing it is never open to the LAN: a kiosk or staff only (see
// tokenKiosks).
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	t, err := s.engine.Cancel(r.Context(), callerOf(r).actor, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("ticket cancelled", "ticket", t.ID)
	writeJSON(w, http.StatusOK, t)
}
