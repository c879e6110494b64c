package server

import (
	_ "embed"
	"net/http"
	"strings"

	"eq/queue"
)

//go:embed web/rate.html
var rateHTML []byte

// handleRatePage serves the rating tablet's page, /rate?window=N&token=…:
// it shows the ticket just served at window N and takes the visitor's
// mark through the API below, sending the token from its address.
func (s *Server) handleRatePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(rateHTML)
}

// handleRateTarget answers GET /api/v1/windows/{n}/rating: what window n's
// tablet shows now. Tablets ask every few seconds; an answer is a read of
// the state, so it is not limited.
func (s *Server) handleRateTarget(w http.ResponseWriter, r *http.Request) {
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.RateTarget(n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// rateRequest is a visitor's mark as the tablet sends it: the ticket it
// showed, so that a mark never lands on the next visitor's service.
type rateRequest struct {
	TicketID string `json:"ticket_id"`
	Mark     int    `json:"mark"`
	Reason   string `json:"reason"`
}

// What one rating tablet may send: marks, at most one per service at its
// window. A service takes minutes, so a tablet marks a few times an hour;
// the burst covers retries after a network blip, and a token that loops or
// was copied is held to a mark every 5 s — which writes nothing anyway past
// the one mark each service may have.
const (
	ratingPerMinute = 12
	ratingBurst     = 10
)

// handleRate answers POST /api/v1/windows/{n}/rating with 201 and what the
// tablet shows after the mark.
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	if token := callerOf(r).rating; token != "" {
		if ok, wait := s.ratingLimit.allow(token); !ok {
			s.refuseTooMany(w, r, wait, "этот планшет отправляет оценки слишком часто, подождите", "this tablet sends marks too often, wait")
			return
		}
	}
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req rateRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.TicketID = strings.TrimSpace(req.TicketID); req.TicketID == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите ticket_id: талон, который показал планшет", "ticket_id is required: the ticket the tablet showed"))
		return
	}
	v, err := s.engine.Rate(r.Context(), queue.RateRequest{Window: n, Ticket: req.TicketID, Mark: req.Mark, Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("ticket rated", "window", n, "ticket", req.TicketID, "mark", req.Mark)
	writeJSON(w, http.StatusCreated, v)
}
