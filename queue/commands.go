package queue

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what staff may ask for.
const (
	MaxPostponeMinutes = 240
	MaxBreakMinutes    = 60
	DefaultBreakPlan   = 15 // minutes, when an operator does not say how long
	maxReasonRunes     = 200
)

// Actor is who gives a command. Devices (kiosks) have an empty Login.
type Actor struct {
	Login string
	Role  Role
}

// Decision is what a command decided: the events to append and any warnings
// for the person who gave it (the command is still accepted).
type Decision struct {
	Events   []Event
	Warnings []Text
}

// by names who gave the command on every event it made that does not name
// someone already: the event log is the audit trail of staff actions.
func (d Decision) by(a Actor) Decision {
	for i := range d.Events {
		if d.Events[i].Actor == "" {
			d.Events[i].Actor = a.Login
		}
	}
	return d
}

func (s *State) event(typ EventType, now time.Time) Event {
	return Event{Type: typ, At: now, Day: s.day}
}

// DayOf returns the working day (a date in the office's zone) of t.
func (s *State) DayOf(t time.Time) string { return t.In(s.office.Location).Format(time.DateOnly) }

// OpenDay opens day for tickets. Opening a new date while another is open
// closes that one first, so no ticket survives into the next day.
func (s *State) OpenDay(now time.Time, day string) (Decision, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return Decision{}, Errorf(EINVALID, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", day)
	}
	if day < s.day {
		return Decision{}, Errorf(ECONFLICT, "нельзя открыть день %s: уже был день %s", "cannot open %s: day %s came already", day, s.day)
	}
	if today := s.DayOf(now); day != today {
		// A day opened ahead of the calendar would hold the office in the
		// future: numbering would never reset and today could not be opened.
		return Decision{}, Errorf(EINVALID, "открыть можно только сегодняшний день, %s", "only today, %s, can be opened", today)
	}
	if s.dayOpen && day == s.day {
		return Decision{}, Errorf(ECONFLICT, "день %s уже открыт", "day %s is already open", day)
	}
	var d Decision
	if s.dayOpen {
		d = s.closeDay(now)
	}
	// Appointments of earlier dates never checked in are no-shows; the
	// tick releases them during the day, this catches a server that was off.
	d.Events = append(d.Events, s.missed(now, s.day, func(a *Appointment) bool { return a.Day < day })...)
	ev := s.event(EventDayOpened, now)
	ev.Day = day
	if day != s.day {
		// The new day starts from nothing but what predictions learnt, which
		// the event carries so that a replay may start right here.
		ev.Recent = s.recentCopy()
	}
	d.Events = append(d.Events, ev)
	return d, nil
}

// CloseDay ends the working day: every open ticket ends as not served,
// breaks end and windows close.
func (s *State) CloseDay(now time.Time) (Decision, error) {
	if !s.dayOpen {
		return Decision{}, Errorf(ECONFLICT, "рабочий день не открыт", "the working day is not open")
	}
	return s.closeDay(now), nil
}

func (s *State) closeDay(now time.Time) Decision {
	var d Decision
	for _, t := range s.ticketsInOrder() {
		if t.Status.Open() {
			ev := s.event(EventTicketNotServed, now)
			ev.Ticket, ev.Service = t.ID, t.Service
			d.Events = append(d.Events, ev)
		}
	}
	for _, w := range s.windowsInOrder() {
		if !w.Open {
			continue
		}
		if w.OnBreak {
			d.Events = append(d.Events, s.breakEnded(w, now))
		}
		ev := s.event(EventWindowClosed, now)
		ev.Window, ev.Operator = w.Number, w.Operator
		d.Events = append(d.Events, ev)
	}
	d.Events = append(d.Events, s.event(EventDayClosed, now))
	return d
}

// IssueRequest asks for a ticket.
type IssueRequest struct {
	Service  string
	Priority Priority // "" means normal
	Actor    Actor    // staff registering a visitor; zero for a kiosk
}

// Issue gives a visitor a number in the service's queue.
func (s *State) Issue(now time.Time, req IssueRequest) (Decision, error) {
	svc, ok := s.ix.services[req.Service]
	if !ok {
		return Decision{}, Errorf(ENOTFOUND, "услуга %q не найдена", "service %q not found", req.Service)
	}
	p := req.Priority
	if p == "" {
		p = PriorityNormal
	}
	switch {
	case p == PriorityAppointment:
		return Decision{}, Errorf(EINVALID, "талон по записи выдаётся только при регистрации по коду записи", "appointment tickets are issued only by check-in with the booking code")
	case !p.Valid():
		return Decision{}, Errorf(EINVALID, "неизвестная категория %q (normal, privileged)", "unknown priority %q (normal, privileged)", p)
	}
	if svc.Booking != nil && svc.Booking.Only {
		return Decision{}, textError(ECONFLICT, "услуга «%s» — только по предварительной записи: запишитесь на сайте центра или по телефону",
			"%q is by appointment only: book a time on the centre's website or by phone", svc.Name)
	}
	if ok, why, resumes := s.office.Schedule.issuing(now, s.office.Location); !ok {
		e := &Error{Code: ECONFLICT, Message: why.RU, MessageEN: why.EN}
		if !resumes.IsZero() {
			e.Details = map[string]string{"opens_at": resumes.Format(time.RFC3339)}
		}
		return Decision{}, e
	}
	if !s.dayOpen {
		return Decision{}, Errorf(ECONFLICT, "выдача талонов закрыта: рабочий день не открыт", "tickets are not issued: the working day is not open")
	}
	return Decision{Events: []Event{s.newTicket(now, svc, p, now.Add(svc.WaitTarget))}}, nil
}

// newTicket is the event of a new ticket in svc's queue with the next number.
func (s *State) newTicket(now time.Time, svc *Service, p Priority, deadline time.Time) Event {
	ev := s.event(EventTicketIssued, now)
	ev.Ticket = fmt.Sprintf("%s-%06d", strings.ReplaceAll(s.day, "-", ""), s.issued+1)
	ev.Number = fmt.Sprintf("%s%03d", svc.Prefix, s.numbers[svc.Prefix]+1)
	ev.Service, ev.Priority = svc.ID, p
	ev.Deadline = deadline
	return ev
}

// Issuing reports whether tickets are issued at now and, when not, why and
// when they will be again (zero if never within a year).
func (s *State) Issuing(now time.Time) (ok bool, why Text, resumes time.Time) {
	ok, why, resumes = s.office.Schedule.issuing(now, s.office.Location)
	if ok && !s.dayOpen && s.day == s.DayOf(now) {
		return false, Text{RU: "Выдача талонов закрыта: рабочий день закрыт администратором.",
			EN: "Tickets are not issued: the working day was closed by a manager."}, time.Time{}
	}
	return ok, why, resumes
}

// Cancel withdraws a ticket that is waiting (the visitor left).
func (s *State) Cancel(now time.Time, id string) (Decision, error) {
	t, err := s.ticket(id)
	if err != nil {
		return Decision{}, err
	}
	if t.Status != StatusWaiting && t.Status != StatusPostponed {
		return Decision{}, statusError(t, "талон %s нельзя отменить: он %s", "ticket %s cannot be cancelled: it is %s")
	}
	ev := s.event(EventTicketCancelled, now)
	ev.Ticket, ev.Service = t.ID, t.Service
	return Decision{Events: []Event{ev}}, nil
}

func (s *State) ticket(id string) (*Ticket, error) {
	t, ok := s.tickets[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "талон %q не найден", "ticket %q not found", id)
	}
	return t, nil
}

// WindowCommand is an action at a window.
type WindowCommand struct {
	Window int
	Action Action
	Actor  Actor

	Operator   string  // open: who opens the window (managers may name someone else)
	Ticket     string  // call: the ticket called out of order
	Reason     string  // call, break, forward: why
	Outcome    Outcome // finish
	Minutes    int     // postpone: how long; break: planned length
	ToService  string  // forward
	ToWindow   int     // forward
	ToOperator string  // forward
	Return     bool    // forward: come back to this window afterwards
	Override   bool    // break: a manager allows what the rules refuse
}

// Action names a window action, as in the API path.
type Action string

// Window actions.
const (
	ActionOpen     Action = "open"
	ActionClose    Action = "close"
	ActionCallNext Action = "call-next"
	ActionCall     Action = "call"
	ActionRecall   Action = "recall"
	ActionStart    Action = "start"
	ActionFinish   Action = "finish"
	ActionNoShow   Action = "no-show"
	ActionPostpone Action = "postpone"
	ActionForward  Action = "forward"
	ActionBreak    Action = "break"
	ActionResume   Action = "resume"
)

// Actions lists every window action.
var Actions = []Action{ActionOpen, ActionClose, ActionCallNext, ActionCall, ActionRecall, ActionStart,
	ActionFinish, ActionNoShow, ActionPostpone, ActionForward, ActionBreak, ActionResume}

// WindowAction decides one action at a window. Every event it makes names
// who gave the command: the audit trail tells a manager acting at an
// operator's window from the operator.
func (s *State) WindowAction(now time.Time, c WindowCommand) (Decision, error) {
	d, err := s.windowAction(now, c)
	return d.by(c.Actor), err
}

func (s *State) windowAction(now time.Time, c WindowCommand) (Decision, error) {
	w, ok := s.windows[c.Window]
	if !ok {
		return Decision{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", c.Window)
	}
	if c.Action == ActionOpen {
		return s.openWindow(now, w, c)
	}
	if !w.Open {
		return Decision{}, Errorf(ECONFLICT, "окно %d закрыто", "window %d is closed", w.Number)
	}
	if c.Actor.Login != w.Operator && !c.Actor.Role.Supervises() {
		return Decision{}, Errorf(EFORBIDDEN, "за окном %d работает другой сотрудник", "window %d is worked by someone else", w.Number)
	}
	var cur *Ticket
	if w.Current != "" {
		cur = s.tickets[w.Current]
	}
	switch c.Action {
	case ActionClose:
		return s.closeWindow(now, w, cur)
	case ActionCallNext, ActionCall:
		return s.call(now, w, cur, c)
	case ActionRecall, ActionStart, ActionNoShow:
		return s.onCalled(now, w, cur, c.Action)
	case ActionFinish:
		return s.finish(now, w, cur, c.Outcome)
	case ActionPostpone:
		return s.postpone(now, w, cur, c.Minutes)
	case ActionForward:
		return s.forward(now, w, cur, c)
	case ActionBreak:
		return s.startBreak(now, w, cur, c)
	case ActionResume:
		if !w.OnBreak {
			return Decision{}, Errorf(ECONFLICT, "окно %d не на перерыве", "window %d is not on a break", w.Number)
		}
		ev := s.breakEnded(w, now)
		d := Decision{Events: []Event{ev}}
		limit := s.office.BreakLimit
		if used := s.operators[w.Operator].breakUsed + ev.Duration; used > limit {
			d.Warnings = append(d.Warnings, Text{
				RU: fmt.Sprintf("перерывы за день: %d мин — больше %d мин", minutes(used), minutes(limit)),
				EN: fmt.Sprintf("breaks today: %d min, more than %d min", minutes(used), minutes(limit)),
			})
		}
		return d, nil
	}
	return Decision{}, Errorf(EINVALID, "неизвестное действие %q", "unknown action %q", c.Action)
}

func (s *State) openWindow(now time.Time, w *WindowState, c WindowCommand) (Decision, error) {
	login := c.Operator
	if login == "" {
		login = c.Actor.Login
	}
	if login != c.Actor.Login && !c.Actor.Role.Supervises() {
		return Decision{}, Errorf(EFORBIDDEN, "открыть окно за другого сотрудника может только руководитель", "only a manager may open a window for someone else")
	}
	od, ok := s.operators[login]
	if !ok {
		return Decision{}, Errorf(ENOTFOUND, "сотрудник %q не найден", "staff member %q not found", login)
	}
	if !s.dayOpen {
		return Decision{}, Errorf(ECONFLICT, "рабочий день не открыт", "the working day is not open")
	}
	if w.Open {
		if w.Operator == login {
			return Decision{}, Errorf(ECONFLICT, "окно %d уже открыто вами", "window %d is already open by you", w.Number)
		}
		return Decision{}, Errorf(ECONFLICT, "окно %d уже открыто сотрудником %s", "window %d is already open by %s", w.Number, w.Operator)
	}
	if od.window != 0 {
		return Decision{}, Errorf(ECONFLICT, "сотрудник %s уже работает в окне %d", "%s already works at window %d", login, od.window)
	}
	ev := s.event(EventWindowOpened, now)
	ev.Window, ev.Operator, ev.Actor = w.Number, login, c.Actor.Login
	return Decision{Events: []Event{ev}}, nil
}

func (s *State) closeWindow(now time.Time, w *WindowState, cur *Ticket) (Decision, error) {
	if cur != nil {
		return Decision{}, Errorf(ECONFLICT, "сначала завершите талон %s", "finish ticket %s first", cur.Number)
	}
	var d Decision
	if w.OnBreak {
		d.Events = append(d.Events, s.breakEnded(w, now))
	}
	// Visitors sent to this window or its operator go back to their
	// service's queue, keeping their deadline, rather than wait for a
	// window that has closed.
	for _, t := range s.ticketsInOrder() {
		if (t.Status == StatusWaiting || t.Status == StatusPostponed) && t.addressedTo(w) {
			back := s.event(EventTicketForwarded, now)
			back.Ticket, back.Number, back.Service, back.Deadline = t.ID, t.Number, t.Service, t.Deadline
			back.Reason = fmt.Sprintf("окно %d закрылось", w.Number)
			d.Events = append(d.Events, back)
		}
	}
	ev := s.event(EventWindowClosed, now)
	ev.Window, ev.Operator = w.Number, w.Operator
	d.Events = append(d.Events, ev)
	return d, nil
}

func (s *State) call(now time.Time, w *WindowState, cur *Ticket, c WindowCommand) (Decision, error) {
	if cur != nil {
		return Decision{}, Errorf(ECONFLICT, "талон %s ещё не завершён", "ticket %s is not finished yet", cur.Number)
	}
	if w.OnBreak {
		return Decision{}, Errorf(ECONFLICT, "окно %d на перерыве", "window %d is on a break", w.Number)
	}
	var t *Ticket
	var reason string
	if c.Action == ActionCall {
		var err error
		if t, err = s.ticket(c.Ticket); err != nil {
			return Decision{}, err
		}
		if !t.callable(now) && t.Status != StatusPostponed {
			return Decision{}, statusError(t, "талон %s не ожидает: он %s", "ticket %s is not waiting: it is %s")
		}
		if !s.mayCall(w, t) {
			return Decision{}, Errorf(ECONFLICT, "окно %d не обслуживает услугу талона %s", "window %d does not serve the service of ticket %s", w.Number, t.Number)
		}
		reason = strings.TrimSpace(c.Reason)
		if reason == "" {
			return Decision{}, Errorf(EINVALID, "укажите причину вызова вне очереди", "give the reason for calling out of order")
		}
		if err := checkReason(reason); err != nil {
			return Decision{}, err
		}
	} else {
		pick := s.Next(w.Number, now)
		if pick.Ticket == nil {
			return Decision{}, Errorf(ECONFLICT, "нет ожидающих талонов для окна %d", "no tickets are waiting for window %d", w.Number)
		}
		t, reason = pick.Ticket, pick.Reason.RU
	}
	ev := s.event(EventTicketCalled, now)
	ev.Ticket, ev.Number, ev.Service = t.ID, t.Number, t.Service
	ev.Window, ev.Operator, ev.Reason = w.Number, w.Operator, reason
	return Decision{Events: []Event{ev}}, nil
}

// mayCall reports whether window w may call t out of order: a ticket
// waiting for it, or for any window serving the ticket's service, so that a
// visitor sent to a colleague can still be served when the colleague cannot.
func (s *State) mayCall(w *WindowState, t *Ticket) bool {
	return t.addressedTo(w) || w.Services.Level(t.Service) > 0
}

func (s *State) onCalled(now time.Time, w *WindowState, cur *Ticket, a Action) (Decision, error) {
	if cur == nil || cur.Status != StatusCalled {
		return Decision{}, Errorf(ECONFLICT, "в окне %d нет вызванного талона", "window %d has no called ticket", w.Number)
	}
	typ := map[Action]EventType{ActionRecall: EventTicketRecalled, ActionStart: EventServiceStarted, ActionNoShow: EventTicketNoShow}[a]
	limit := s.office.recallLimit()
	// A visitor who did not come after the allowed recalls is not coming:
	// calling on would only hold the window (and the hall's attention), so
	// the recall past the limit ends the call as a no-show.
	over := a == ActionRecall && cur.stage().Recalls >= limit
	if over {
		typ = EventTicketNoShow
	}
	ev := s.event(typ, now)
	ev.Ticket, ev.Number, ev.Service, ev.Window, ev.Operator = cur.ID, cur.Number, cur.Service, w.Number, w.Operator
	var d Decision
	if over {
		ev.Reason = fmt.Sprintf("превышено число повторных вызовов (%d)", limit)
		d.Warnings = append(d.Warnings, Text{
			RU: fmt.Sprintf("талон %s: превышено число повторных вызовов (%d) — посетитель не явился", cur.Number, limit),
			EN: fmt.Sprintf("ticket %s: recalled %d times already — marked as a no-show", cur.Number, limit),
		})
	}
	d.Events = append(d.Events, ev)
	return d, nil
}

func (s *State) finish(now time.Time, w *WindowState, cur *Ticket, o Outcome) (Decision, error) {
	if cur == nil || cur.Status != StatusServing {
		return Decision{}, Errorf(ECONFLICT, "в окне %d никто не обслуживается", "nobody is being served at window %d", w.Number)
	}
	if o == "" {
		o = OutcomeServed
	}
	if !o.Valid() {
		return Decision{}, Errorf(EINVALID, "неизвестный результат %q", "unknown outcome %q", o)
	}
	ev := s.event(EventServiceFinished, now)
	ev.Ticket, ev.Number, ev.Service, ev.Window, ev.Operator, ev.Outcome = cur.ID, cur.Number, cur.Service, w.Number, w.Operator, o
	d := Decision{Events: []Event{ev}}
	if cur.ReturnTo != 0 {
		// "Return to me": the visitor goes back to the window that sent
		// them, ahead of that window's queue, for the same service; if that
		// window has closed meanwhile, to the front of the service's queue.
		back := s.event(EventTicketForwarded, now)
		back.Ticket, back.Number, back.Service = cur.ID, cur.Number, cur.ReturnService
		back.Returning, back.Deadline = true, now
		if s.windows[cur.ReturnTo].Open {
			back.ToWindow = cur.ReturnTo
		}
		d.Events = append(d.Events, back)
	}
	return d, nil
}

func (s *State) postpone(now time.Time, w *WindowState, cur *Ticket, mins int) (Decision, error) {
	if cur == nil || cur.Status != StatusCalled {
		// Once service has started, the visitor is finished or forwarded,
		// so the service time is counted (DESIGN: waiting/called → postponed).
		return Decision{}, Errorf(ECONFLICT, "отложить можно только вызванного посетителя", "only a called visitor can be postponed")
	}
	if mins < 1 || mins > MaxPostponeMinutes {
		return Decision{}, Errorf(EINVALID, "отложить можно на 1–%d минут", "postpone for 1 to %d minutes", MaxPostponeMinutes)
	}
	until := now.Add(time.Duration(mins) * time.Minute)
	ev := s.event(EventTicketPostponed, now)
	ev.Ticket, ev.Number, ev.Service, ev.Window, ev.Operator = cur.ID, cur.Number, cur.Service, w.Number, w.Operator
	// Back from a postponement the visitor has waited already: the ticket
	// is due the moment it returns.
	ev.Minutes, ev.Until, ev.Deadline = mins, until, until
	return Decision{Events: []Event{ev}}, nil
}

func (s *State) forward(now time.Time, w *WindowState, cur *Ticket, c WindowCommand) (Decision, error) {
	if cur == nil || cur.Status != StatusServing {
		return Decision{}, Errorf(ECONFLICT, "перенаправить можно только обслуживаемого посетителя", "only a visitor being served can be forwarded")
	}
	targets := 0
	for _, set := range []bool{c.ToService != "", c.ToWindow != 0, c.ToOperator != ""} {
		if set {
			targets++
		}
	}
	if targets == 0 {
		return Decision{}, Errorf(EINVALID, "укажите услугу, окно или сотрудника", "name a service, a window or a staff member")
	}
	svcID := cur.Service
	if c.ToService != "" {
		if _, ok := s.ix.services[c.ToService]; !ok {
			return Decision{}, Errorf(ENOTFOUND, "услуга %q не найдена", "service %q not found", c.ToService)
		}
		svcID = c.ToService
	}
	if c.ToWindow != 0 {
		if _, ok := s.windows[c.ToWindow]; !ok {
			return Decision{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", c.ToWindow)
		}
		if c.ToWindow == w.Number {
			return Decision{}, Errorf(EINVALID, "нельзя перенаправить в своё же окно", "cannot forward to your own window")
		}
		if !s.windows[c.ToWindow].Open {
			return Decision{}, Errorf(ECONFLICT, "окно %d закрыто: перенаправьте в открытое окно или в очередь услуги", "window %d is closed: forward to an open window or to the service's queue", c.ToWindow)
		}
	}
	if c.ToOperator != "" {
		if _, ok := s.operators[c.ToOperator]; !ok {
			return Decision{}, Errorf(ENOTFOUND, "сотрудник %q не найден", "staff member %q not found", c.ToOperator)
		}
		if c.ToOperator == w.Operator {
			return Decision{}, Errorf(EINVALID, "нельзя перенаправить самому себе", "cannot forward to yourself")
		}
		if s.operators[c.ToOperator].window == 0 {
			return Decision{}, Errorf(ECONFLICT, "сотрудник %s сейчас не работает в окне", "%s is not at a window now", c.ToOperator)
		}
	}
	if c.ToWindow == 0 && c.ToOperator == "" && svcID == cur.Service {
		return Decision{}, Errorf(EINVALID, "талон уже в очереди этой услуги", "the ticket is already in this service's queue")
	}
	if c.ToWindow == 0 && c.ToOperator == "" && len(s.serving[svcID]) == 0 {
		return Decision{}, Errorf(ECONFLICT, "услугу %q не обслуживает ни одно окно", "no window serves %q", svcID)
	}
	if err := checkReason(c.Reason); err != nil {
		return Decision{}, err
	}
	ev := s.event(EventTicketForwarded, now)
	ev.Ticket, ev.Number, ev.Service = cur.ID, cur.Number, svcID
	ev.Window, ev.Operator, ev.Reason = w.Number, w.Operator, strings.TrimSpace(c.Reason)
	ev.ToWindow, ev.ToOperator = c.ToWindow, c.ToOperator
	if c.Return {
		ev.ReturnTo = w.Number
	}
	// The 15-minute promise counts from arrival, not from the forward: a
	// visitor sent on has waited already and should not queue from scratch.
	ev.Deadline = cur.IssuedAt.Add(s.ix.services[svcID].WaitTarget)
	return Decision{Events: []Event{ev}}, nil
}

func (s *State) startBreak(now time.Time, w *WindowState, cur *Ticket, c WindowCommand) (Decision, error) {
	if cur != nil {
		return Decision{}, Errorf(ECONFLICT, "сначала завершите талон %s", "finish ticket %s first", cur.Number)
	}
	if w.OnBreak {
		return Decision{}, Errorf(ECONFLICT, "окно %d уже на перерыве", "window %d is already on a break", w.Number)
	}
	reason, err := s.breakReason(c.Reason)
	if err != nil {
		return Decision{}, err
	}
	mins := c.Minutes
	if mins == 0 {
		mins = DefaultBreakPlan
	}
	if mins < 1 || mins > MaxBreakMinutes {
		return Decision{}, Errorf(EINVALID, "перерыв может длиться 1–%d минут", "a break lasts 1 to %d minutes", MaxBreakMinutes)
	}
	if c.Override && !c.Actor.Role.Supervises() {
		return Decision{}, Errorf(EFORBIDDEN, "разрешить перерыв сверх правил может только руководитель", "only a manager may allow a break the rules refuse")
	}
	limit := s.office.BreakLimit
	used := s.operators[w.Operator].breakUsed
	var d Decision
	if used+time.Duration(mins)*time.Minute > limit {
		if !c.Override {
			return Decision{}, Errorf(ECONFLICT, "перерыв превысит %d мин за день (использовано %d мин); нужен руководитель",
				"the break would pass %d min a day (%d min used); a manager must allow it", minutes(limit), minutes(used))
		}
		d.Warnings = append(d.Warnings, Text{
			RU: fmt.Sprintf("перерывы за день превысят %d мин", minutes(limit)),
			EN: fmt.Sprintf("breaks today will pass %d min", minutes(limit)),
		})
	}
	if orphans := s.uncoveredBy(w.Number); len(orphans) > 0 {
		var ru, en []string
		for _, svc := range orphans {
			ru, en = append(ru, svc.Name.RU), append(en, svc.Name.EN)
		}
		if !c.Override {
			return Decision{}, &Error{Code: ECONFLICT,
				Message:   "перерыв оставит без открытого окна: " + strings.Join(ru, ", ") + "; нужен руководитель",
				MessageEN: "the break would leave no open window for: " + strings.Join(en, ", ") + "; a manager must allow it"}
		}
		d.Warnings = append(d.Warnings, Text{
			RU: "без открытого окна: " + strings.Join(ru, ", "),
			EN: "no open window for: " + strings.Join(en, ", "),
		})
	}
	ev := s.event(EventBreakStarted, now)
	ev.Window, ev.Operator, ev.Actor = w.Number, w.Operator, c.Actor.Login
	ev.Reason, ev.Minutes, ev.Override = reason, mins, c.Override
	d.Events = append(d.Events, ev)
	return d, nil
}

// breakReason checks the reason given for a break and returns what the
// event records: the id of the office's listed reason it names or, for an
// office with no list, the text as given.
func (s *State) breakReason(given string) (string, error) {
	list := s.office.BreakReasons
	if len(list) == 0 {
		reason := strings.TrimSpace(given)
		if reason == "" {
			return "", Errorf(EINVALID, "укажите причину перерыва", "give the reason for the break")
		}
		return reason, checkReason(reason)
	}
	if r, ok := s.office.BreakReasonOf(given); ok {
		return r.ID, nil
	}
	ru := make([]string, len(list))
	en := make([]string, len(list))
	for i, r := range list {
		ru[i] = fmt.Sprintf("%s (%s)", r.Name.RU, r.ID)
		en[i] = fmt.Sprintf("%s (%s)", r.Name.EN, r.ID)
	}
	return "", &Error{Code: EINVALID,
		Message:   "укажите причину перерыва из списка: " + strings.Join(ru, ", "),
		MessageEN: "give a break reason from the list: " + strings.Join(en, ", ")}
}

// uncoveredBy lists the services that no other open, working window serves,
// so window n going on a break would leave them with nobody (001 cl. 3.11.5).
func (s *State) uncoveredBy(n int) []*Service {
	var out []*Service
	for _, ws := range s.windows[n].Services {
		covered := false
		for _, other := range s.serving[ws.Service] {
			if o := s.windows[other]; other != n && o.Open && !o.OnBreak {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, s.ix.services[ws.Service])
		}
	}
	return out
}

func (s *State) breakEnded(w *WindowState, now time.Time) Event {
	ev := s.event(EventBreakEnded, now)
	ev.Window, ev.Operator = w.Number, w.Operator
	ev.Duration = nonNegative(now.Sub(w.BreakStarted))
	return ev
}

func checkReason(r string) error {
	if utf8.RuneCountInString(r) > maxReasonRunes {
		return Errorf(EINVALID, "причина длиннее %d символов", "the reason is longer than %d characters", maxReasonRunes)
	}
	return nil
}

func minutes(d time.Duration) int { return int(d / time.Minute) }

// statusError refuses an action on t because of its status; ru and en take
// the number and the status.
func statusError(t *Ticket, ru, en string) *Error {
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf(ru, t.Number, statusRU(t.Status)), MessageEN: fmt.Sprintf(en, t.Number, t.Status)}
}

// statusRU names a status in Russian for messages.
func statusRU(st Status) string {
	switch st {
	case StatusWaiting:
		return "ожидает"
	case StatusCalled:
		return "вызван"
	case StatusServing:
		return "обслуживается"
	case StatusPostponed:
		return "отложен"
	case StatusDone:
		return "обслужен"
	case StatusNoShow:
		return "не явился"
	case StatusCancelled:
		return "отменён"
	case StatusNotServed:
		return "не обслужен"
	}
	return string(st)
}

// SetWindowServices moves window n to other services for the rest of the day
// (001 cl. 3.11.6: the manager may move specialists between services).
func (s *State) SetWindowServices(now time.Time, actor Actor, n int, services ServiceLevels) (Decision, error) {
	if !actor.Role.Supervises() {
		return Decision{}, Errorf(EFORBIDDEN, "менять услуги окна может только руководитель", "only a manager may change a window's services")
	}
	if _, ok := s.windows[n]; !ok {
		return Decision{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", n)
	}
	if len(services) == 0 {
		return Decision{}, Errorf(EINVALID, "окно должно обслуживать хотя бы одну услугу", "a window must serve at least one service")
	}
	if err := s.ix.checkLevels(n, services); err != nil {
		return Decision{}, err
	}
	ev := s.event(EventWindowServicesChanged, now)
	ev.Window, ev.Actor, ev.Services = n, actor.Login, append(ServiceLevels(nil), services...)
	return Decision{Events: []Event{ev}}, nil
}
