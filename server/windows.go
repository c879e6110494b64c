package server

import (
	"net/http"
	"strconv"
	"time"

	"eq/devices/console"
	"eq/queue"
)

func (s *Server) handleWindows(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"windows": s.engine.Windows()})
}

func windowNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return 0, queue.Errorf(queue.EINVALID, "номер окна %q должен быть целым положительным числом", "window number %q must be a positive integer", r.PathValue("n"))
	}
	return n, nil
}

func (s *Server) handleWindow(w http.ResponseWriter, r *http.Request) {
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.Window(n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func knownAction(a queue.Action) bool {
	for _, k := range queue.Actions {
		if k == a {
			return true
		}
	}
	return false
}

// windowCommand builds the domain command from the parameters shared by the
// HTTP API and the console protocol.
func windowCommand(n int, a queue.Action, actor queue.Actor, p console.Params) queue.WindowCommand {
	c := queue.WindowCommand{
		Window: n, Action: a, Actor: actor, Operator: p.Operator, Ticket: p.TicketID,
		Reason: p.Reason, Outcome: p.Outcome, Minutes: p.Minutes, ToService: p.ServiceID,
		ToWindow: p.Window, Return: p.Return, Override: p.Override,
	}
	if a == queue.ActionForward {
		// In a forward, "operator" names the colleague the visitor goes to.
		c.Operator, c.ToOperator = "", p.Operator
	}
	return c
}

func (s *Server) handleWindowAction(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	action := queue.Action(r.PathValue("action"))
	if !knownAction(action) {
		s.writeError(w, r, queue.Errorf(queue.ENOTFOUND, "неизвестное действие %q", "unknown action %q", action))
		return
	}
	var req console.Params
	if err := decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.WindowAction(r.Context(), windowCommand(n, action, actor, req))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("window action", "window", n, "action", action, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}

type servicesRequest struct {
	Services queue.ServiceLevels `json:"services"`
}

// handleWindowServices moves a window to other services for the day.
func (s *Server) handleWindowServices(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	n, err := windowNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req servicesRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.SetWindowServices(r.Context(), actor, n, req.Services)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("window services changed", "window", n, "actor", actor.Login, "services", req.Services)
	writeJSON(w, http.StatusOK, v)
}

type dayRequest struct {
	Date string `json:"date"`
}

func (s *Server) handleDayOpen(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	var req dayRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Date == "" {
		s.engine.Read(func(st *queue.State, now time.Time) { req.Date = st.DayOf(now) })
	}
	v, err := s.engine.OpenDay(r.Context(), actor, req.Date)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("day opened", "day", req.Date, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleDayClose(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	v, err := s.engine.CloseDay(r.Context(), actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("day closed", "day", v.Day, "actor", actor.Login)
	writeJSON(w, http.StatusOK, v)
}
