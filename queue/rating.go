package queue

import (
	"context"
	"fmt"
	"time"
)

// RatingWindow is how long after a service ends its visitor may still rate
// it on the tablet at the window: long enough to pick up papers and turn to
// the tablet. The offer ends sooner when the next visitor's service starts
// at the window: whoever sits there then must not be shown a stranger's
// ticket, nor have their tap taken as the stranger's mark.
const RatingWindow = 10 * time.Minute

// Marks a visitor gives: 1 is bad, 5 excellent, as school marks.
const (
	MinMark = 1
	MaxMark = 5
)

// served is the last service ended at a window, which its tablet offers to rate.
type served struct {
	ticket string
	at     time.Time
	rated  bool
	mark   int // the mark given, once rated
}

// RateView is what a window's rating tablet shows: the ticket just served
// there, if it may still be rated, and the reasons a visitor may add.
// It names no visitor; a ticket number is all the tablet knows.
type RateView struct {
	Window    int       `json:"window"`
	Ticket    string    `json:"ticket_id,omitempty"` // empty: nothing to rate now
	Number    string    `json:"number,omitempty"`
	Service   string    `json:"service_id,omitempty"`
	Name      Text      `json:"service_name,omitzero"`
	ServedAt  time.Time `json:"served_at,omitzero"`
	Until     time.Time `json:"until,omitzero"` // after this the ticket can no longer be rated
	Rated     bool      `json:"rated"`          // rated already: the tablet thanks and waits
	RatedMark int       `json:"mark,omitempty"`
	Reasons   []Reason  `json:"reasons"`
}

// RateRequest is a visitor's mark for the service at Window that served Ticket.
type RateRequest struct {
	Window int
	Ticket string // the ticket the tablet showed: if another has been served since, the mark is refused
	Mark   int
	Reason string // a listed reason's id or name; may be empty
}

// RateTarget is what window n's tablet shows at now.
func (s *State) RateTarget(n int, now time.Time) (RateView, error) {
	if _, ok := s.windows[n]; !ok {
		return RateView{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", n)
	}
	v := RateView{Window: n, Reasons: append([]Reason{}, s.office.RatingReasons...)}
	last, ok := s.lastServed[n]
	if !ok || now.Sub(last.at) >= RatingWindow {
		return v, nil
	}
	t := s.tickets[last.ticket]
	st := t.servedStage(n)
	v.Ticket, v.Number, v.Service, v.Name = t.ID, t.Number, st.Service, s.office.ServiceName(st.Service)
	v.ServedAt, v.Until, v.Rated, v.RatedMark = last.at, last.at.Add(RatingWindow), last.rated, last.mark
	return v, nil
}

// Rate records a visitor's mark for the service that just ended at a window.
func (s *State) Rate(now time.Time, r RateRequest) (Decision, error) {
	if _, ok := s.windows[r.Window]; !ok {
		return Decision{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", r.Window)
	}
	if r.Mark < MinMark || r.Mark > MaxMark {
		return Decision{}, Errorf(EINVALID, "оценка должна быть от %d до %d", "the mark must be from %d to %d", MinMark, MaxMark)
	}
	reason := ""
	if r.Reason != "" {
		listed, ok := s.office.RatingReasonOf(r.Reason)
		if !ok {
			return Decision{}, Errorf(EINVALID, "неизвестная причина оценки %q", "unknown rating reason %q", r.Reason)
		}
		reason = listed.ID
	}
	last, ok := s.lastServed[r.Window]
	switch {
	case !ok || now.Sub(last.at) >= RatingWindow:
		return Decision{}, Errorf(ECONFLICT, "в окне %d сейчас нечего оценить", "there is nothing to rate at window %d now", r.Window)
	case last.ticket != r.Ticket:
		// The tablet showed one visitor while the window finished the next:
		// a mark must never land on someone else's service.
		return Decision{}, Errorf(ECONFLICT, "в окне %d уже обслужен следующий посетитель: оценка не принята", "window %d has served the next visitor since: the mark was not taken", r.Window)
	case last.rated:
		return Decision{}, Errorf(ECONFLICT, "это обслуживание уже оценено", "this service has been rated already")
	}
	t := s.tickets[last.ticket]
	st := t.servedStage(r.Window)
	ev := s.event(EventTicketRated, now)
	ev.Ticket, ev.Number, ev.Service, ev.Window, ev.Operator = t.ID, t.Number, st.Service, r.Window, st.Operator
	ev.Mark, ev.Reason = r.Mark, reason
	return Decision{Events: []Event{ev}}, nil
}

// servedStage is t's last stage at window n, the one a rating there is about.
// t has one: it was served there.
func (t *Ticket) servedStage(n int) *Stage {
	for i := len(t.Stages) - 1; i >= 0; i-- {
		if t.Stages[i].Window == n {
			return &t.Stages[i]
		}
	}
	return t.stage()
}

// applyRated notes that the window's last service has its mark.
func (s *State) applyRated(ev Event) error {
	last, ok := s.lastServed[ev.Window]
	if !ok || last.ticket != ev.Ticket {
		return fmt.Errorf("a rating of ticket %q, not the last served at window %d", ev.Ticket, ev.Window)
	}
	last.rated, last.mark = true, ev.Mark
	s.lastServed[ev.Window] = last
	return nil
}

// RateTarget is what window n's rating tablet shows now.
func (e *Engine) RateTarget(n int) (v RateView, err error) {
	e.Read(func(s *State, now time.Time) { v, err = s.RateTarget(n, now) })
	return v, err
}

// Rate records a visitor's mark and returns what the tablet shows after it.
func (e *Engine) Rate(ctx context.Context, r RateRequest) (RateView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) { return s.Rate(now, r) })
	if err != nil {
		return RateView{}, err
	}
	return e.state.RateTarget(r.Window, now)
}
