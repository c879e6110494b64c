package queue

import (
	"fmt"
	"time"
)

// recentServiceTimes is how many finished services per service feed the
// mean used for prediction: enough to smooth one odd visitor, few enough to
// follow a change during the day.
const recentServiceTimes = 20

// recentCallsKept is how many calls the state remembers for displays.
const recentCallsKept = 20

// WindowState is a window during the day.
type WindowState struct {
	Number        int
	Services      ServiceLevels // what it serves today
	Open          bool
	Operator      string
	OpenedAt      time.Time
	Current       string // ticket id called or served here
	OnBreak       bool
	BreakStarted  time.Time
	BreakReason   string
	BreakMinutes  int // planned
	BreakOverride bool
	// Ratio rule (Window.Ratio): how many others the window has called since
	// it last called a privileged visitor, and whether it has called one
	// since it opened. Until it has, privileged visitors go first.
	OthersCalled     int
	PrivilegedCalled bool
	// FreeSince is when the window's last visitor left it (finished,
	// no-show, postponed, forwarded): auto-call counts its pause from
	// then. Zero when someone is at the window, or the window has served
	// nobody since it opened or came back from a break: then the operator
	// makes the first call.
	FreeSince time.Time
}

// operatorDay is what the rules need to know of an operator's day.
type operatorDay struct {
	window      int // where the operator works now, 0 when nowhere
	breakUsed   time.Duration
	served      int           // services finished today
	serviceTime time.Duration // their total time at the window
}

// Call is one call shown on the hall display.
type Call struct {
	Ticket  string    `json:"ticket_id"`
	Number  string    `json:"number"`
	Service string    `json:"service_id"`
	Window  int       `json:"window"`
	At      time.Time `json:"at"`
	Recall  bool      `json:"recall,omitempty"`
}

// State is the whole live state of one office, rebuilt from events by Apply.
// It is not safe for concurrent use: the Engine serialises access.
type State struct {
	office *Office
	ix     officeIndex

	day     string // working day, YYYY-MM-DD; "" before the first
	dayOpen bool
	issued  int            // tickets issued this day, for ids
	numbers map[string]int // last number per prefix this day
	lastSeq int64          // last applied event's log position

	tickets   map[string]*Ticket // this day's tickets
	queues    map[string]*serviceQueue
	addressed map[string]*Ticket // waiting for one window or operator
	postponed map[string]*Ticket

	windows   map[int]*WindowState
	serving   map[string][]int // per service, the windows serving it today, in number order
	operators map[string]*operatorDay
	recent    map[string][]time.Duration // last service times per service, oldest first
	calls     []Call                     // newest last
	// lastServed is, per window, the last service that ended there: its
	// rating tablet offers it to the visitor.
	lastServed map[int]served

	// Appointments of today and later, kept across days.
	appts      map[string]*Appointment // by code
	slotBooked map[slotKey]int         // places taken per slot
	externals  map[string]string       // imported id → code
}

// NewState returns the state of an office before any event.
func NewState(o *Office) (*State, error) {
	ix, err := indexOffice(o)
	if err != nil {
		return nil, err
	}
	s := &State{
		office:    o,
		ix:        ix,
		windows:   make(map[int]*WindowState, len(o.Windows)),
		operators: make(map[string]*operatorDay, len(o.Operators)),
		recent:    make(map[string][]time.Duration, len(o.Services)),

		appts:      map[string]*Appointment{},
		slotBooked: map[slotKey]int{},
		externals:  map[string]string{},
	}
	for _, w := range o.Windows {
		s.windows[w.Number] = &WindowState{Number: w.Number, Services: w.Services}
	}
	for _, op := range o.Operators {
		s.operators[op.Login] = &operatorDay{}
	}
	s.resetDay()
	return s, nil
}

// Office returns the office the state describes.
func (s *State) Office() *Office { return s.office }

// Day returns the working day and whether it is open for tickets.
func (s *State) Day() (string, bool) { return s.day, s.dayOpen }

// LastSeq is the log position of the last event applied.
func (s *State) LastSeq() int64 { return s.lastSeq }

func (s *State) resetDay() {
	s.issued = 0
	s.numbers = make(map[string]int)
	s.tickets = make(map[string]*Ticket)
	s.queues = make(map[string]*serviceQueue, len(s.office.Services))
	for _, svc := range s.office.Services {
		s.queues[svc.ID] = &serviceQueue{}
	}
	s.addressed = make(map[string]*Ticket)
	s.postponed = make(map[string]*Ticket)
	s.calls = nil
	s.lastServed = make(map[int]served)
	for _, od := range s.operators {
		od.breakUsed, od.served, od.serviceTime = 0, 0, 0
	}
	// A manager's moves last one day: each day starts as configured.
	for _, w := range s.office.Windows {
		s.windows[w.Number].Services = append(ServiceLevels(nil), w.Services...)
	}
	s.indexServing()
}

// indexServing rebuilds which windows serve each service.
func (s *State) indexServing() {
	s.serving = make(map[string][]int, len(s.office.Services))
	for _, w := range s.windowsInOrder() {
		for _, ws := range w.Services {
			s.serving[ws.Service] = append(s.serving[ws.Service], w.Number)
		}
	}
}

// Apply changes the state by one event. Events come from the decisions of
// this package, so an error means the log does not fit the office (a log
// from another config, or corruption) and the state must not be trusted.
func (s *State) Apply(ev Event) error {
	if err := s.apply(ev); err != nil {
		return fmt.Errorf("apply event %d %s: %w", ev.Seq, ev.Type, err)
	}
	if ev.Seq != 0 {
		s.lastSeq = ev.Seq
	}
	return nil
}

func (s *State) apply(ev Event) error {
	switch ev.Type {
	case EventDayOpened:
		if ev.Day != s.day {
			// A new date: numbering restarts. Reopening the same date keeps
			// it, so no number is issued twice in a day.
			s.resetDay()
			s.day = ev.Day
			s.dropPastAppointments(ev.Day)
			if ev.Recent != nil {
				s.recent = make(map[string][]time.Duration, len(ev.Recent))
				for svc, r := range ev.Recent {
					if _, ok := s.ix.services[svc]; ok { // a service since removed from the config is forgotten
						s.recent[svc] = append([]time.Duration(nil), r...)
					}
				}
			}
		}
		s.dayOpen = true
		return nil
	case EventDayClosed:
		s.dayOpen = false
		return nil
	case EventTicketIssued:
		return s.applyIssued(ev)
	case EventWindowOpened, EventWindowClosed, EventBreakStarted, EventBreakEnded:
		return s.applyWindow(ev)
	case EventAppointmentBooked, EventAppointmentCancelled, EventAppointmentCheckedIn, EventAppointmentMissed:
		return s.applyAppointment(ev)
	case EventWindowServicesChanged:
		w, ok := s.windows[ev.Window]
		if !ok {
			return fmt.Errorf("unknown window %d", ev.Window)
		}
		if err := s.ix.checkLevels(ev.Window, ev.Services); err != nil {
			return err
		}
		w.Services = append(ServiceLevels(nil), ev.Services...)
		s.indexServing()
		return nil
	}

	t, ok := s.tickets[ev.Ticket]
	if !ok {
		return fmt.Errorf("unknown ticket %q", ev.Ticket)
	}
	st := t.stage()
	switch ev.Type {
	case EventTicketCalled:
		w, ok := s.windows[ev.Window]
		if !ok {
			return fmt.Errorf("unknown window %d", ev.Window)
		}
		s.dequeue(t)
		if ev.At.Before(st.QueuedAt) {
			// Called out of order before a postponement ran out: the
			// stage waited no time at all, never a negative time.
			st.QueuedAt = ev.At
		}
		t.Status = StatusCalled
		t.Window, t.Operator = ev.Window, ev.Operator
		t.ToWindow, t.ToOperator = 0, ""
		st.CalledAt, st.Window, st.Operator, st.CallReason = ev.At, ev.Window, ev.Operator, ev.Reason
		w.Current, w.FreeSince = t.ID, time.Time{}
		if t.Priority == PriorityPrivileged {
			w.OthersCalled, w.PrivilegedCalled = 0, true
		} else {
			w.OthersCalled++
		}
		s.addCall(Call{Ticket: t.ID, Number: t.Number, Service: t.Service, Window: ev.Window, At: ev.At})
	case EventTicketRecalled:
		st.Recalls++
		s.addCall(Call{Ticket: t.ID, Number: t.Number, Service: t.Service, Window: t.Window, At: ev.At, Recall: true})
	case EventServiceStarted:
		t.Status = StatusServing
		st.StartedAt = ev.At
		// The visitor before has left the window: its tablet no longer
		// offers their service to whoever sits there now.
		if last, ok := s.lastServed[t.Window]; ok && last.ticket != t.ID {
			delete(s.lastServed, t.Window)
		}
	case EventServiceFinished:
		t.Status = StatusDone
		s.lastServed[st.Window] = served{ticket: t.ID, at: ev.At}
		s.endStage(t, ev.At, string(ev.Outcome))
		d := st.ServiceTime(ev.At)
		s.addServiceTime(st.Service, d)
		if od, ok := s.operators[st.Operator]; ok {
			od.served++
			od.serviceTime += d
		}
	case EventTicketNoShow:
		t.Status = StatusNoShow
		s.endStage(t, ev.At, string(StatusNoShow))
	case EventTicketPostponed:
		s.dequeue(t)
		if t.Window != 0 {
			s.endStage(t, ev.At, string(StatusPostponed))
			t.Stages = append(t.Stages, Stage{Service: t.Service, QueuedAt: ev.Until})
		}
		t.Status = StatusPostponed
		t.PostponedUntil = ev.Until
		t.Deadline = ev.Deadline
		s.postponed[t.ID] = t
	case EventTicketForwarded:
		svc := ev.Service
		if _, ok := s.ix.services[svc]; !ok {
			return fmt.Errorf("unknown service %q", svc)
		}
		if t.Window == 0 && (t.Status == StatusWaiting || t.Status == StatusPostponed) {
			// Still waiting, only re-addressed (its window closed): the same
			// stage, another place in the queues.
			s.dequeue(t)
			t.Service, t.Deadline, t.ToWindow, t.ToOperator = svc, ev.Deadline, ev.ToWindow, ev.ToOperator
			if t.Status == StatusPostponed {
				s.postponed[t.ID] = t
			} else {
				s.enqueue(t)
			}
			return nil
		}
		if t.Window != 0 {
			s.endStage(t, ev.At, "forwarded")
		}
		if ev.ReturnTo != 0 {
			t.ReturnTo, t.ReturnService = ev.ReturnTo, t.Service
		} else if ev.Returning {
			t.ReturnTo, t.ReturnService = 0, ""
		}
		t.Service = svc
		t.Status = StatusWaiting
		t.Deadline = ev.Deadline
		t.ToWindow, t.ToOperator = ev.ToWindow, ev.ToOperator
		t.Stages = append(t.Stages, Stage{Service: svc, QueuedAt: ev.At})
		s.enqueue(t)
	case EventTicketCancelled:
		s.dequeue(t)
		t.Status = StatusCancelled
		st.EndedAt, st.End = ev.At, string(StatusCancelled)
	case EventTicketRated:
		return s.applyRated(ev)
	case EventTicketNotServed:
		s.dequeue(t)
		if t.Window != 0 {
			s.endStage(t, ev.At, string(StatusNotServed))
		} else {
			st.EndedAt, st.End = ev.At, string(StatusNotServed)
		}
		t.Status = StatusNotServed
	default:
		return fmt.Errorf("unknown event type")
	}
	return nil
}

func (s *State) applyIssued(ev Event) error {
	svc, ok := s.ix.services[ev.Service]
	if !ok {
		return fmt.Errorf("unknown service %q", ev.Service)
	}
	if _, dup := s.tickets[ev.Ticket]; dup {
		return fmt.Errorf("ticket %q issued twice", ev.Ticket)
	}
	s.issued++
	s.numbers[svc.Prefix]++
	t := &Ticket{
		ID: ev.Ticket, Number: ev.Number, Day: s.day, Service: svc.ID, Priority: ev.Priority,
		Status: StatusWaiting, IssuedAt: ev.At, Deadline: ev.Deadline, Slot: ev.Slot, pos: -1, Appointment: ev.Code,
		Stages: []Stage{{Service: svc.ID, QueuedAt: ev.At}},
	}
	if t.Priority == PriorityAppointment && t.Slot.IsZero() {
		// Logged before check-ins carried the slot: the deadline was it.
		t.Slot = t.Deadline
	}
	s.tickets[t.ID] = t
	s.enqueue(t)
	return nil
}

func (s *State) applyWindow(ev Event) error {
	w, ok := s.windows[ev.Window]
	if !ok {
		return fmt.Errorf("unknown window %d", ev.Window)
	}
	od, ok := s.operators[ev.Operator]
	if !ok {
		return fmt.Errorf("unknown operator %q", ev.Operator)
	}
	switch ev.Type {
	case EventWindowOpened:
		*w = WindowState{Number: w.Number, Services: w.Services, Open: true, Operator: ev.Operator, OpenedAt: ev.At}
		od.window = w.Number
	case EventWindowClosed:
		*w = WindowState{Number: w.Number, Services: w.Services}
		od.window = 0
	case EventBreakStarted:
		w.OnBreak, w.BreakStarted, w.BreakReason, w.FreeSince = true, ev.At, ev.Reason, time.Time{}
		w.BreakMinutes, w.BreakOverride = ev.Minutes, ev.Override
	case EventBreakEnded:
		w.OnBreak, w.BreakStarted, w.BreakReason, w.BreakMinutes, w.BreakOverride = false, time.Time{}, "", 0, false
		od.breakUsed += ev.Duration
	}
	return nil
}

// endStage closes the current stage at a window and frees the window.
func (s *State) endStage(t *Ticket, at time.Time, end string) {
	st := t.stage()
	st.EndedAt, st.End = at, end
	if w, ok := s.windows[t.Window]; ok && w.Current == t.ID {
		w.Current, w.FreeSince = "", at
	}
	t.Window, t.Operator = 0, ""
}

// enqueue puts a waiting ticket where the dispatcher looks for it.
func (s *State) enqueue(t *Ticket) {
	if t.addressed() {
		s.addressed[t.ID] = t
		return
	}
	s.queues[t.Service].heapFor(t.Priority).add(t)
}

// dequeue takes a ticket out of whatever waiting structure holds it.
func (s *State) dequeue(t *Ticket) {
	switch {
	case t.Status == StatusPostponed:
		delete(s.postponed, t.ID)
	case t.Status != StatusWaiting:
	case t.addressed():
		delete(s.addressed, t.ID)
	case t.pos >= 0:
		s.queues[t.Service].heapFor(t.Priority).remove(t)
	}
}

func (s *State) addServiceTime(service string, d time.Duration) {
	r := append(s.recent[service], d)
	if len(r) > recentServiceTimes {
		r = r[len(r)-recentServiceTimes:]
	}
	s.recent[service] = r
}

// recentCopy is the recent service times, for a DayOpened event.
func (s *State) recentCopy() map[string][]time.Duration {
	out := make(map[string][]time.Duration, len(s.recent))
	for svc, r := range s.recent {
		if len(r) > 0 {
			out[svc] = append([]time.Duration(nil), r...)
		}
	}
	return out
}

func (s *State) addCall(c Call) {
	s.calls = append(s.calls, c)
	if len(s.calls) > recentCallsKept {
		s.calls = append(s.calls[:0], s.calls[len(s.calls)-recentCallsKept:]...)
	}
}
