package queue

import (
	"sort"
	"time"
)

// Views are copies of the state made under the engine's lock, safe to use
// and encode after it is released. Their JSON is the API's.

// ServiceView is one service as the kiosk and the hall see it.
type ServiceView struct {
	ID             string        `json:"id"`
	Prefix         string        `json:"prefix"`
	Name           Text          `json:"name"`
	Group          string        `json:"group"`
	TargetWait     time.Duration `json:"-"`
	TargetWaitS    int           `json:"target_wait_s"`
	Open           bool          `json:"open"`
	WindowsOpen    int           `json:"windows_open"`
	Waiting        int           `json:"waiting"`
	LongestWaitS   int           `json:"longest_wait_s"`
	PredictedWaitS int           `json:"predicted_wait_s"`
	// OverTarget is true when the longest or the predicted wait breaks the
	// target, or a booked visitor waits past the appointment wait target.
	OverTarget bool `json:"over_target"`
	// Bookable: the service takes appointments; AppointmentOnly: it takes
	// nothing else, so the kiosk offers check-in only.
	Bookable        bool `json:"bookable"`
	AppointmentOnly bool `json:"appointment_only,omitempty"`
}

// TicketView is a ticket with its place in the queue.
type TicketView struct {
	ID             string    `json:"id"`
	Number         string    `json:"number"`
	ServiceID      string    `json:"service_id"`
	Priority       Priority  `json:"priority"`
	Status         Status    `json:"status"`
	IssuedAt       time.Time `json:"issued_at"`
	Deadline       time.Time `json:"deadline"`
	Position       int       `json:"position,omitempty"` // 1 is next; only while waiting
	PredictedWaitS int       `json:"predicted_wait_s"`
	Window         int       `json:"window,omitempty"`
	PostponedUntil time.Time `json:"postponed_until,omitzero"`
	ToWindow       int       `json:"to_window,omitempty"`
	ToOperator     string    `json:"to_operator,omitempty"`
	ReturnTo       int       `json:"return_to,omitempty"`
	// AppointmentAt is the slot start of a ticket checked in by appointment.
	AppointmentAt time.Time `json:"appointment_at,omitzero"`
	// RecallsLeft is, for the ticket called at a window (WindowView.Current
	// only), how many recalls remain before a recall makes it a no-show.
	RecallsLeft *int    `json:"recalls_left,omitempty"`
	History     []Stage `json:"history"`
}

// WindowView is a window as its console and sign see it.
type WindowView struct {
	Number        int           `json:"number"`
	Open          bool          `json:"open"`
	Operator      string        `json:"operator,omitempty"`
	OperatorName  string        `json:"operator_name,omitempty"`
	Position      string        `json:"operator_position,omitempty"`
	Services      ServiceLevels `json:"services"`
	Current       *TicketView   `json:"current,omitempty"`
	OnBreak       bool          `json:"on_break"`
	BreakStarted  time.Time     `json:"break_started,omitzero"`
	BreakReason   string        `json:"break_reason,omitempty"`    // a listed reason's Russian name, else as given
	BreakReasonID string        `json:"break_reason_id,omitempty"` // the listed reason's id; none for free text
	BreakUsedS    int           `json:"break_used_s"`              // the operator's breaks today, finished ones
	BreakLeftS    int           `json:"break_left_s"`              // what is left of the daily limit
	ServedToday   int           `json:"served_today"`              // the operator's finished services today
	MeanServiceS  int           `json:"mean_service_s"`
	Waiting       int           `json:"waiting"` // tickets this window could call now
	// Ratio is the window's ratio rule, N others per privileged visitor
	// (0: none); OthersCalled how many others it has called since its last
	// privileged visitor; PrivilegedNext whether privileged visitors go
	// first again now.
	Ratio          int  `json:"ratio,omitempty"`
	OthersCalled   int  `json:"others_called,omitempty"`
	PrivilegedNext bool `json:"privileged_next,omitempty"`
	// AutoCall: the window calls its next visitor by itself AutoCallPauseS
	// after the last one left; AutoCallAt is when, while it is free.
	AutoCall       bool      `json:"auto_call,omitempty"`
	AutoCallPauseS int       `json:"auto_call_pause_s,omitempty"`
	AutoCallAt     time.Time `json:"auto_call_at,omitzero"`
	Warnings       []Text    `json:"warnings,omitempty"`
}

// QueueView summarises the whole office for displays.
type QueueView struct {
	Day      string        `json:"day"`
	DayOpen  bool          `json:"day_open"`
	Services []ServiceView `json:"services"`
	Calls    []Call        `json:"recent_calls"` // newest first
}

// Services returns every service in config order.
func (s *State) Services(now time.Time) []ServiceView {
	out := make([]ServiceView, 0, len(s.office.Services))
	issuing, _, _ := s.Issuing(now)
	f := s.forecast(now, nil, true)
	for i := range s.office.Services {
		out = append(out, s.serviceView(&s.office.Services[i], now, issuing, f))
	}
	return out
}

// serviceView is svc's queue at now; issuing tells whether the office
// issues tickets now and f what a ticket issued now waits (both worked out
// once for all services).
func (s *State) serviceView(svc *Service, now time.Time, issuing bool, f *forecast) ServiceView {
	v := ServiceView{ID: svc.ID, Prefix: svc.Prefix, Name: svc.Name, Group: svc.Group,
		TargetWait: svc.WaitTarget, TargetWaitS: seconds(svc.WaitTarget), Open: s.dayOpen && issuing,
		Bookable: svc.Booking != nil, AppointmentOnly: svc.Booking != nil && svc.Booking.Only}
	v.Open = v.Open && !v.AppointmentOnly
	for _, n := range s.serving[svc.ID] {
		if w := s.windows[n]; w.Open && !w.OnBreak {
			v.WindowsOpen++
		}
	}
	var longest, longestLive time.Duration
	late := false // a booked visitor past the appointment wait target
	s.eachWaiting(svc.ID, now, func(t *Ticket) {
		v.Waiting++
		w := t.stage().Wait(now)
		longest = max(longest, w)
		if t.Priority == PriorityAppointment {
			// Held to its own target: one who came early waits for the slot,
			// not past a target.
			late = late || now.After(t.Deadline)
		} else {
			longestLive = max(longestLive, w)
		}
	})
	predicted := f.fresh[svc.ID]
	v.LongestWaitS, v.PredictedWaitS = seconds(longest), seconds(predicted)
	v.OverTarget = longestLive > svc.WaitTarget || predicted > svc.WaitTarget || late
	return v
}

// Ticket returns one of this day's tickets.
func (s *State) Ticket(id string, now time.Time) (TicketView, error) {
	t, err := s.ticket(id)
	if err != nil {
		return TicketView{}, err
	}
	return s.ticketView(t, now, nil), nil
}

// ticketView is t at now; f, when not nil, is a replay that placed every
// ticket, so a list of views costs one replay, not one per ticket.
func (s *State) ticketView(t *Ticket, now time.Time, f *forecast) TicketView {
	v := TicketView{ID: t.ID, Number: t.Number, ServiceID: t.Service, Priority: t.Priority,
		Status: t.StatusAt(now), IssuedAt: t.IssuedAt, Deadline: t.Deadline, Window: t.Window,
		ToWindow: t.ToWindow, ToOperator: t.ToOperator, ReturnTo: t.ReturnTo,
		History: append([]Stage(nil), t.Stages...)}
	if t.Status == StatusPostponed {
		v.PostponedUntil = t.PostponedUntil
	}
	if a, ok := s.appts[t.Appointment]; ok {
		v.AppointmentAt = a.Start
	}
	switch v.Status {
	case StatusWaiting:
		v.Position = s.position(t, now, f)
		v.PredictedWaitS = seconds(s.predictedWait(t, now, f))
	case StatusPostponed:
		v.PredictedWaitS = seconds(s.predictedWait(t, now, f))
	}
	return v
}

// Window returns one window's state.
func (s *State) Window(n int, now time.Time) (WindowView, error) {
	w, ok := s.windows[n]
	if !ok {
		return WindowView{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", n)
	}
	v := WindowView{Number: n, Open: w.Open, Operator: w.Operator, Services: append(ServiceLevels(nil), w.Services...),
		OnBreak: w.OnBreak, BreakStarted: w.BreakStarted, BreakReason: w.BreakReason}
	if r, ok := s.office.BreakReasonOf(w.BreakReason); ok && w.OnBreak {
		v.BreakReason, v.BreakReasonID = r.Name.RU, r.ID
	}
	cfg := s.ix.windows[n]
	if cfg.Ratio > 0 {
		v.Ratio, v.OthersCalled, v.PrivilegedNext = cfg.Ratio, w.OthersCalled, !s.ratioHolds(w)
	}
	if cfg.AutoCall {
		v.AutoCall, v.AutoCallPauseS = true, seconds(cfg.AutoCallPause)
		v.AutoCallAt, _ = s.autoCallAt(w)
	}
	if op, ok := s.ix.operators[w.Operator]; ok {
		v.OperatorName, v.Position = op.Name, op.Position
		od := s.operators[op.Login]
		v.BreakUsedS = seconds(od.breakUsed)
		v.BreakLeftS = seconds(s.office.BreakLimit - od.breakUsed)
		v.ServedToday = od.served
		if od.served > 0 {
			v.MeanServiceS = seconds(od.serviceTime / time.Duration(od.served))
		}
	}
	if t, ok := s.tickets[w.Current]; ok {
		tv := s.ticketView(t, now, nil)
		if t.Status == StatusCalled {
			left := max(s.office.recallLimit()-t.stage().Recalls, 0)
			tv.RecallsLeft = &left
		}
		v.Current = &tv
	}
	for _, ws := range w.Services {
		s.eachWaiting(ws.Service, now, func(t *Ticket) {
			if !t.addressed() {
				v.Waiting++
			}
		})
	}
	s.eachAddressedTo(w, now, func(*Ticket) { v.Waiting++ })
	return v, nil
}

// Windows returns every window in number order.
func (s *State) Windows(now time.Time) []WindowView {
	out := make([]WindowView, 0, len(s.windows))
	for _, w := range s.windowsInOrder() {
		v, _ := s.Window(w.Number, now)
		out = append(out, v)
	}
	return out
}

// Queue summarises the office.
func (s *State) Queue(now time.Time) QueueView {
	v := QueueView{Day: s.day, DayOpen: s.dayOpen, Services: s.Services(now), Calls: make([]Call, 0, len(s.calls))}
	for i := len(s.calls) - 1; i >= 0; i-- {
		v.Calls = append(v.Calls, s.calls[i])
	}
	return v
}

// Tickets returns this day's tickets in issue order.
func (s *State) Tickets(now time.Time) []TicketView {
	ts := s.ticketsInOrder()
	out := make([]TicketView, 0, len(ts))
	f := s.forecast(now, nil, false)
	for _, t := range ts {
		out = append(out, s.ticketView(t, now, f))
	}
	return out
}

func (s *State) ticketsInOrder() []*Ticket {
	out := make([]*Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *State) windowsInOrder() []*WindowState {
	out := make([]*WindowState, 0, len(s.windows))
	for _, w := range s.windows {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

func seconds(d time.Duration) int {
	if d < 0 {
		return 0
	}
	return int(d / time.Second)
}

// HoursView is what a kiosk or a page says of the office's hours now.
type HoursView struct {
	Issuing bool      `json:"issuing"`           // tickets are issued now
	Message *Text     `json:"message,omitempty"` // why not, and when they will be
	OpensAt time.Time `json:"opens_at,omitzero"` // when they will be
	Today   []string  `json:"today"`             // today's hours, "08:00–20:00"; empty when closed
	Always  bool      `json:"always,omitempty"`  // no schedule: the office never closes
	Date    string    `json:"date"`              // today on the office's clock, YYYY-MM-DD
}

// Hours tells whether tickets are issued at now and today's hours.
func (s *State) Hours(now time.Time) HoursView {
	ok, why, resumes := s.Issuing(now)
	v := HoursView{Issuing: ok, OpensAt: resumes, Today: []string{}, Date: s.DayOf(now)}
	if !ok {
		v.Message = &why
	}
	sc := s.office.Schedule
	if sc == nil {
		v.Always = true
		return v
	}
	for _, iv := range sc.Hours(midnight(now, s.office.Location)) {
		v.Today = append(v.Today, clock(iv.From)+"–"+clock(iv.To))
	}
	return v
}
