package reports

import (
	"container/heap"
	"slices"
	"time"

	"eq/queue"
)

// Stage is one pass of a visit through a queue and, if it got that far, a
// window: the fact most figures are made of. A visit has one stage per
// queue it stood in: the one its ticket was issued for, one more after each
// forward and after each postponement.
type Stage struct {
	Day      string         `json:"day"`
	Ticket   string         `json:"ticket"`
	Number   string         `json:"number"`
	Service  string         `json:"service"`
	Priority queue.Priority `json:"priority"` // normal (live), privileged (live, served first) or appointment
	First    bool           `json:"first"`    // the visit's first stage, begun by the ticket's issue
	// Slot is the start of the appointment of a first stage checked in by
	// appointment: its wait counts from there, an early visitor is not kept
	// waiting by the office.
	Slot      time.Time `json:"slot,omitzero"`
	QueuedAt  time.Time `json:"queued_at"`
	CalledAt  time.Time `json:"called_at,omitzero"`
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"` // zero while the stage is open
	// End is how the stage ended: an outcome (served, documents_accepted,
	// result_issued, consultation, refused) or no_show, forwarded,
	// postponed, cancelled, not_served; while open, the ticket's status
	// (waiting, called, serving, postponed).
	End      string `json:"end"`
	Window   int    `json:"window,omitempty"`
	Operator string `json:"operator,omitempty"`
	Recalls  int    `json:"recalls,omitempty"`

	// Wait runs from QueuedAt (or Slot, if later) to the call; for a stage
	// never called, to its end, or to the day's last event while open.
	Wait time.Duration `json:"wait_ns"`
	// ServiceTime runs from StartedAt to the end (to the day's last event
	// while open); 0 when service never started.
	ServiceTime time.Duration `json:"service_time_ns"`
	// Target is the stage's wait target: the office's appointment wait
	// target for a first stage checked in by appointment (Slot set), the
	// service's otherwise.
	Target time.Duration `json:"target_ns"`
}

// Called reports whether the stage was called to a window.
func (s *Stage) Called() bool { return !s.CalledAt.IsZero() }

// Ended reports whether the stage is over.
func (s *Stage) Ended() bool { return !s.EndedAt.IsZero() }

// Served reports whether the stage ended with an outcome at a window.
func (s *Stage) Served() bool { return queue.Outcome(s.End).Valid() }

// Judged reports whether the stage counts for the wait target: it was
// called, so its wait is known; or it left the queue uncalled (cancelled,
// not served) after the target had passed, so it broke the target whatever
// would have come. A stage that left uncalled within the target, or is
// still waiting, is not judged: nobody knows how long it would have waited.
func (s *Stage) Judged() bool { return s.Called() || (s.Ended() && s.Wait > s.Target) }

// Booked reports whether the stage is a visit's first, checked in by
// appointment, and so held to the appointment wait target.
func (s *Stage) Booked() bool { return !s.Slot.IsZero() }

// Within reports whether the stage was called within its wait target.
func (s *Stage) Within() bool { return s.Called() && s.Wait <= s.Target }

// WorkKind names what a Work interval is.
type WorkKind string

// Work kinds.
const (
	WorkSignedIn WorkKind = "signed_in" // WindowOpened to WindowClosed; breaks are inside it
	WorkBreak    WorkKind = "break"     // BreakStarted to BreakEnded
	// WorkIdle is time an operator waited for work: the window open, not
	// on a break, and no ticket called to it or served at it. It runs
	// from the moment the window became free (WindowOpened, BreakEnded, or
	// the end of the stage at the window: finished, no-show, postponed,
	// forwarded, not served) to the next TicketCalled, BreakStarted or
	// WindowClosed, or to the day's last event. Idle intervals are inside
	// signed-in time and never overlap a break or a called stage's
	// call-to-end; empty ones are not told.
	WorkIdle WorkKind = "idle"
)

// Work is an interval an operator spent at a window: signed in, on a
// break, or idle.
type Work struct {
	Kind     WorkKind  `json:"kind"`
	Day      string    `json:"day"`
	Window   int       `json:"window"`
	Operator string    `json:"operator"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Reason is a break's reason as its BreakStarted recorded it: the id of
	// one of the office's listed reasons, or older free text.
	Reason string `json:"reason,omitempty"`
}

// AppointmentFact is one event of an appointment whose slot is in the
// scanned days, dated by the slot: a booking made last month for today
// counts today.
type AppointmentFact struct {
	Type    queue.EventType `json:"type"` // AppointmentBooked, …Cancelled, …CheckedIn, …Missed
	Day     string          `json:"day"`  // the slot's date
	Code    string          `json:"code"`
	Service string          `json:"service"`
	Slot    time.Time       `json:"slot,omitzero"` // slot start; zero if the booking was not among the events
	At      time.Time       `json:"at"`
}

// QueueLevel says that Waiting visitors were waiting from From to To: one
// step of the queue's length over the day, for one service or, with Service
// empty, for the whole office. The steps of a day and service follow each
// other without gaps from the day's first event to its last.
//
// The length is an approximation read from the events: a visitor counts
// from TicketIssued, from a forward into a queue and from the moment a
// postponement runs out, until called, cancelled or not served. A visitor
// forwarded to one window or operator counts as waiting too, though only
// that window may call them.
type QueueLevel struct {
	Day     string    `json:"day"`
	Service string    `json:"service,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Waiting int       `json:"waiting"`
}

// RatingFact is a visitor's mark of a service, given on the tablet at the
// window within queue.RatingWindow of the service's end. It names the
// service, the window and the operator who served, never the visitor.
type RatingFact struct {
	Day      string    `json:"day"`
	At       time.Time `json:"at"` // when the mark was given
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Operator string    `json:"operator"`
	Mark     int       `json:"mark"` // queue.MinMark to queue.MaxMark
	// Reason is the id of the office's listed reason the visitor added, as
	// the event recorded it; "" for a mark alone.
	Reason string `json:"reason,omitempty"`
}

// Facts takes what a Scan finds, in the order it finds it. Values are
// copies: a Facts may keep them.
type Facts interface {
	// Issued is a visit's first stage as its ticket was issued.
	Issued(st Stage)
	// StageEnded is a stage that ended, or one still open when its day's
	// events ran out (End is then the ticket's status, EndedAt zero).
	StageEnded(st Stage)
	Work(w Work)
	Appointment(a AppointmentFact)
	QueueLevel(q QueueLevel)
	Rating(r RatingFact)
}

// NoFacts ignores every fact; embed it to take only some.
type NoFacts struct{}

func (NoFacts) Issued(Stage)                {}
func (NoFacts) StageEnded(Stage)            {}
func (NoFacts) Work(Work)                   {}
func (NoFacts) Appointment(AppointmentFact) {}
func (NoFacts) QueueLevel(QueueLevel)       {}
func (NoFacts) Rating(RatingFact)           {}

// Scan turns events into facts, streaming: it keeps only the day's open
// visits, open windows and postponements, and the appointments of the
// period not yet resolved, so a year of log passes through in bounded
// memory. It follows queue.State's apply: the stages it reports are the
// ones a ticket's history shows.
//
// Scan is told the days it reports on: queue events of other days are
// skipped, appointment events count when their slot's date is in the range.
// Events of a ticket it has not seen issued (a log starting mid-day) are
// skipped. A Scan is not safe for concurrent use.
type Scan struct {
	facts    Facts
	targets  map[string]time.Duration
	booked   time.Duration // the appointment wait target
	from, to string

	day         string // the day being scanned, "" before the first
	first, last time.Time
	visits      map[string]*visit
	posts       map[int]*post
	returns     returnHeap
	waiting     map[string]int       // visitors waiting per service
	since       map[string]time.Time // when each service's (and "", the office's) level last changed
	total       int
	slots       map[string]time.Time // appointment code → slot start, until resolved
}

// visit is an open ticket.
type visit struct {
	st        Stage
	status    queue.Status
	counted   bool      // in the queue's length now
	until     time.Time // postponed until
	window    int       // the window that called it, until its stage ends (the ticket's Window)
	returning bool      // a "return to me" forward awaits this visit's finish
}

// post is an open window.
type post struct {
	operator string
	from     time.Time
	breakAt  time.Time // zero unless on a break
	reason   string    // the running break's
	busy     int       // tickets called to the window whose stage has not ended: 0 or 1 in a sound log
	idleAt   time.Time // when the running idle interval began; zero unless idle
}

// free reports whether the window waits for work: open, not on a break,
// nobody called to it.
func (p *post) free() bool { return p.busy == 0 && p.breakAt.IsZero() }

// NewScan returns a scan of the days from to to (YYYY-MM-DD, both included)
// of office, telling facts what it finds.
func NewScan(office *queue.Office, from, to string, facts Facts) *Scan {
	s := &Scan{
		facts: facts, from: from, to: to,
		targets: make(map[string]time.Duration, len(office.Services)),
		booked:  office.ApptWaitTarget(),
		visits:  map[string]*visit{},
		posts:   map[int]*post{},
		waiting: map[string]int{},
		since:   map[string]time.Time{},
		slots:   map[string]time.Time{},
	}
	for _, svc := range office.Services {
		s.targets[svc.ID] = svc.WaitTarget
	}
	return s
}

// target is service's wait target; a service since removed from the
// config is held to the default.
func (s *Scan) target(service string) time.Duration {
	if t, ok := s.targets[service]; ok {
		return t
	}
	return queue.DefaultWaitTarget
}

// Apply takes the next event, in log order.
func (s *Scan) Apply(ev queue.Event) {
	if ev.Type.IsAppointment() {
		s.appointment(ev)
		return
	}
	if ev.Day < s.from || ev.Day > s.to {
		return
	}
	if ev.Day != s.day {
		if s.day != "" {
			s.endDay()
		}
		s.startDay(ev.Day, ev.At)
	}
	s.returnsDue(ev.At)
	if ev.At.After(s.last) {
		s.last = ev.At
	}

	switch ev.Type {
	case queue.EventTicketIssued:
		s.issued(ev)
		return
	case queue.EventWindowOpened, queue.EventWindowClosed, queue.EventBreakStarted, queue.EventBreakEnded:
		s.window(ev)
		return
	case queue.EventTicketRated:
		// The event says all a mark needs: it counts even when the
		// ticket's issue is not among the events scanned.
		s.facts.Rating(RatingFact{Day: ev.Day, At: ev.At, Service: ev.Service, Window: ev.Window, Operator: ev.Operator,
			Mark: ev.Mark, Reason: ev.Reason})
		return
	case queue.EventTicketCalled, queue.EventTicketRecalled, queue.EventServiceStarted, queue.EventServiceFinished,
		queue.EventTicketNoShow, queue.EventTicketPostponed, queue.EventTicketForwarded, queue.EventTicketCancelled,
		queue.EventTicketNotServed:
	default: // the day opening and closing, window services: nothing to count
		return
	}

	v, ok := s.visits[ev.Ticket]
	if !ok {
		return
	}
	st := &v.st
	switch ev.Type {
	case queue.EventTicketCalled:
		s.uncount(v, ev.At)
		if ev.At.Before(st.QueuedAt) {
			st.QueuedAt = ev.At // called before a postponement ran out: no wait at all
		}
		v.status = queue.StatusCalled
		st.CalledAt, st.Window, st.Operator = ev.At, ev.Window, ev.Operator
		v.window = ev.Window
		if p := s.posts[ev.Window]; p != nil {
			s.endIdle(ev.Window, p, ev.At)
			p.busy++
		}
	case queue.EventTicketRecalled:
		st.Recalls++
	case queue.EventServiceStarted:
		v.status = queue.StatusServing
		st.StartedAt = ev.At
	case queue.EventServiceFinished:
		s.endStage(v, ev.At, string(ev.Outcome))
		v.status = queue.StatusDone
		if !v.returning {
			delete(s.visits, ev.Ticket)
		}
	case queue.EventTicketNoShow:
		s.endStage(v, ev.At, string(queue.StatusNoShow))
		delete(s.visits, ev.Ticket)
	case queue.EventTicketPostponed:
		// Only a called visitor is postponed: the stage ends and another
		// begins when the postponement runs out.
		s.uncount(v, ev.At)
		s.endStage(v, ev.At, string(queue.StatusPostponed))
		s.newStage(v, st.Service, ev.Until)
		v.status, v.until = queue.StatusPostponed, ev.Until
		heap.Push(&s.returns, due{ticket: ev.Ticket, at: ev.Until})
	case queue.EventTicketForwarded:
		s.forwarded(v, ev)
	case queue.EventTicketCancelled:
		s.uncount(v, ev.At)
		s.endStage(v, ev.At, string(queue.StatusCancelled))
		delete(s.visits, ev.Ticket)
	case queue.EventTicketNotServed:
		s.uncount(v, ev.At)
		s.endStage(v, ev.At, string(queue.StatusNotServed))
		delete(s.visits, ev.Ticket)
	}
}

// Finish ends the last day: what is still open is reported as open.
func (s *Scan) Finish() {
	if s.day != "" {
		s.endDay()
		s.day = ""
	}
}

func (s *Scan) startDay(day string, at time.Time) {
	s.day, s.first, s.last = day, at, at
	s.since[""] = at
	for svc := range s.targets {
		s.since[svc] = at
	}
}

// endDay closes what the day left open at its last event.
func (s *Scan) endDay() {
	s.returnsDue(s.last)
	for _, n := range sortedKeys(s.posts) {
		p := s.posts[n]
		s.endIdle(n, p, s.last)
		if !p.breakAt.IsZero() {
			s.facts.Work(Work{Kind: WorkBreak, Day: s.day, Window: n, Operator: p.operator, From: p.breakAt, To: s.last, Reason: p.reason})
		}
		s.facts.Work(Work{Kind: WorkSignedIn, Day: s.day, Window: n, Operator: p.operator, From: p.from, To: s.last})
	}
	for _, id := range sortedKeys(s.visits) {
		v := s.visits[id]
		if v.status != queue.StatusDone {
			s.report(v, string(v.status))
		}
	}
	for _, svc := range sortedKeys(s.since) {
		s.facts.QueueLevel(QueueLevel{Day: s.day, Service: svc, From: s.since[svc], To: s.last, Waiting: s.level(svc)})
	}
	clear(s.posts)
	clear(s.visits)
	clear(s.waiting)
	clear(s.since)
	s.returns = s.returns[:0]
	s.total = 0
}

func (s *Scan) level(service string) int {
	if service == "" {
		return s.total
	}
	return s.waiting[service]
}

// step changes the number waiting for service by delta at at, ending the
// step of the level before.
func (s *Scan) step(service string, delta int, at time.Time) {
	for _, svc := range []string{service, ""} {
		from, ok := s.since[svc]
		if !ok {
			from = s.first // a service unknown to the config: nobody waited before
		}
		if at.Before(from) {
			at = from // a clock set back: never a step backwards
		}
		s.facts.QueueLevel(QueueLevel{Day: s.day, Service: svc, From: from, To: at, Waiting: s.level(svc)})
		s.since[svc] = at
	}
	s.waiting[service] += delta
	s.total += delta
}

func (s *Scan) count(v *visit, at time.Time) {
	if !v.counted {
		s.step(v.st.Service, +1, at)
		v.counted = true
	}
}

func (s *Scan) uncount(v *visit, at time.Time) {
	if v.counted {
		s.step(v.st.Service, -1, at)
		v.counted = false
	}
}

// returnsDue counts the postponed visitors whose time ran out by now: no
// event says so, the queue simply lets them be called again.
func (s *Scan) returnsDue(now time.Time) {
	for len(s.returns) > 0 && !s.returns[0].at.After(now) {
		d := heap.Pop(&s.returns).(due)
		if v, ok := s.visits[d.ticket]; ok && v.status == queue.StatusPostponed && v.until.Equal(d.at) {
			s.count(v, d.at)
		}
	}
}

func (s *Scan) issued(ev queue.Event) {
	p := ev.Priority
	if p == "" {
		p = queue.PriorityNormal
	}
	v := &visit{status: queue.StatusWaiting, st: Stage{
		Day: ev.Day, Ticket: ev.Ticket, Number: ev.Number, Service: ev.Service, Priority: p, First: true,
		QueuedAt: ev.At, Target: s.target(ev.Service),
	}}
	if p == queue.PriorityAppointment {
		v.st.Slot, v.st.Target = ev.Slot, s.booked
		if v.st.Slot.IsZero() {
			// Logged before check-ins carried the slot: the deadline was it.
			v.st.Slot = ev.Deadline
		}
	}
	s.visits[ev.Ticket] = v
	s.count(v, ev.At)
	s.facts.Issued(v.st)
}

func (s *Scan) forwarded(v *visit, ev queue.Event) {
	if v.window == 0 && (v.status == queue.StatusWaiting || v.status == queue.StatusPostponed) {
		// Sent back to its service's queue as a window closed: the same
		// stage goes on, perhaps counted in another queue.
		if ev.Service != v.st.Service {
			counted := v.counted
			s.uncount(v, ev.At)
			v.st.Service = ev.Service
			if !v.st.Booked() {
				// A booked visitor keeps the deadline of the check-in.
				v.st.Target = s.target(ev.Service)
			}
			if counted {
				s.count(v, ev.At)
			}
		}
		return
	}
	if v.window != 0 {
		s.endStage(v, ev.At, "forwarded")
	}
	if ev.ReturnTo != 0 {
		v.returning = true
	} else if ev.Returning {
		v.returning = false
	}
	s.newStage(v, ev.Service, ev.At)
	v.status = queue.StatusWaiting
	s.count(v, ev.At)
}

// newStage starts v's next stage in service's queue at at.
func (s *Scan) newStage(v *visit, service string, at time.Time) {
	v.st = Stage{Day: v.st.Day, Ticket: v.st.Ticket, Number: v.st.Number, Service: service, Priority: v.st.Priority,
		QueuedAt: at, Target: s.target(service)}
	v.counted = false
}

// endStage ends v's stage at at and reports it.
func (s *Scan) endStage(v *visit, at time.Time, end string) {
	if p := s.posts[v.window]; v.window != 0 && p != nil && p.busy > 0 {
		p.busy--
		s.startIdle(p, at)
	}
	v.st.EndedAt, v.window = at, 0
	s.report(v, end)
}

// report tells facts of v's stage, ended or still open, as end.
func (s *Scan) report(v *visit, end string) {
	st := v.st
	st.End = end
	from := st.QueuedAt
	if st.Slot.After(from) {
		from = st.Slot
	}
	until := st.EndedAt
	switch {
	case st.Called():
		until = st.CalledAt
	case until.IsZero():
		until = s.last
	}
	st.Wait = max(until.Sub(from), 0)
	if !st.StartedAt.IsZero() {
		end := st.EndedAt
		if end.IsZero() {
			end = s.last
		}
		st.ServiceTime = max(end.Sub(st.StartedAt), 0)
	}
	s.facts.StageEnded(st)
}

func (s *Scan) window(ev queue.Event) {
	p := s.posts[ev.Window]
	switch ev.Type {
	case queue.EventWindowOpened:
		if p != nil { // opened twice without a close: the log is damaged, end the first at the second
			s.closePost(ev.Window, p, ev.At)
		}
		s.posts[ev.Window] = &post{operator: ev.Operator, from: ev.At, idleAt: ev.At}
	case queue.EventWindowClosed:
		if p != nil {
			s.closePost(ev.Window, p, ev.At)
			delete(s.posts, ev.Window)
		}
	case queue.EventBreakStarted:
		if p != nil {
			s.endIdle(ev.Window, p, ev.At)
			p.breakAt, p.reason = ev.At, ev.Reason
		}
	case queue.EventBreakEnded:
		if p != nil {
			from := p.breakAt
			if from.IsZero() {
				from = ev.At.Add(-ev.Duration)
			}
			s.facts.Work(Work{Kind: WorkBreak, Day: s.day, Window: ev.Window, Operator: p.operator, From: from, To: ev.At, Reason: p.reason})
			p.breakAt, p.reason = time.Time{}, ""
			s.startIdle(p, ev.At)
		}
	}
}

func (s *Scan) closePost(n int, p *post, at time.Time) {
	s.endIdle(n, p, at)
	if !p.breakAt.IsZero() {
		s.facts.Work(Work{Kind: WorkBreak, Day: s.day, Window: n, Operator: p.operator, From: p.breakAt, To: at, Reason: p.reason})
	}
	s.facts.Work(Work{Kind: WorkSignedIn, Day: s.day, Window: n, Operator: p.operator, From: p.from, To: at})
}

// startIdle begins window p's idle time at at, if it is free and not
// idle already.
func (s *Scan) startIdle(p *post, at time.Time) {
	if p.free() && p.idleAt.IsZero() {
		p.idleAt = at
	}
}

// endIdle ends window n's idle time, if running, at at and tells it.
func (s *Scan) endIdle(n int, p *post, at time.Time) {
	if p.idleAt.IsZero() {
		return
	}
	if at.After(p.idleAt) {
		s.facts.Work(Work{Kind: WorkIdle, Day: s.day, Window: n, Operator: p.operator, From: p.idleAt, To: at})
	}
	p.idleAt = time.Time{}
}

func (s *Scan) appointment(ev queue.Event) {
	if ev.ApptDay < s.from || ev.ApptDay > s.to {
		return
	}
	f := AppointmentFact{Type: ev.Type, Day: ev.ApptDay, Code: ev.Code, Service: ev.Service, At: ev.At}
	if ev.Type == queue.EventAppointmentBooked {
		s.slots[ev.Code] = ev.Start
		f.Slot = ev.Start
	} else {
		// Codes are given again once an appointment is resolved and past,
		// so the slot is forgotten at its resolution.
		f.Slot = s.slots[ev.Code]
		delete(s.slots, ev.Code)
	}
	s.facts.Appointment(f)
}

// due is a postponed visit's return to the queue.
type due struct {
	ticket string
	at     time.Time
}

// returnHeap orders returns by time.
type returnHeap []due

func (h returnHeap) Len() int           { return len(h) }
func (h returnHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h returnHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *returnHeap) Push(x any)        { *h = append(*h, x.(due)) }
func (h *returnHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

// sortedKeys returns m's keys in order, so that facts come out the same
// on every run.
func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
