package queue

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Clock tells the time; tests fix it.
type Clock interface{ Now() time.Time }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// EventLog is where events become durable. Append must write all events or
// none, give each its Seq, and return only once they survive a power cut.
type EventLog interface {
	Append(ctx context.Context, evs []Event) error
}

// Publisher hears every committed event, in order. It must not block: the
// engine calls it while holding its lock.
type Publisher interface {
	Publish(evs []Event)
}

// Engine runs commands against the office state one at a time: decide,
// append to the log, apply, publish. Nothing is acknowledged before the log
// has it, and a failed append leaves the state untouched.
type Engine struct {
	mu     sync.Mutex
	state  *State
	log    EventLog
	clock  Clock
	pub    Publisher
	codes  CodeSource
	broken error // set when applying a committed event failed: state is unsafe
}

// CodeSource draws booking codes. Codes must not follow from one another:
// a visitor who knows one code must not be able to guess another's.
type CodeSource func() string

// RandomCodes draws 6-digit codes from the system's secure random source.
// They start at 100000: a code read aloud or typed never loses a leading zero.
func RandomCodes() string {
	n, err := rand.Int(rand.Reader, big.NewInt(900000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return fmt.Sprintf("%06d", 100000+n.Int64())
}

// maxCodeDraws bounds the search for a free code; with a million codes and
// at most thousands in use, needing more than a few draws means the source
// is broken.
const maxCodeDraws = 100

// NewEngine serves state, which must already hold every event in log.
// pub may be nil.
func NewEngine(state *State, log EventLog, clock Clock, pub Publisher) *Engine {
	return &Engine{state: state, log: log, clock: clock, pub: pub, codes: RandomCodes}
}

// SetCodes replaces the booking-code source (tests draw predictable codes).
func (e *Engine) SetCodes(src CodeSource) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.codes = src
}

// freeCode draws a code no appointment has. Called under the lock.
func (e *Engine) freeCode(taken map[string]bool) (string, error) {
	for range maxCodeDraws {
		if c := e.codes(); e.state.CodeFree(c) && !taken[c] {
			return c, nil
		}
	}
	return "", fmt.Errorf("no free booking code after %d draws", maxCodeDraws)
}

// Now is the engine's clock reading.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Office returns the static office description.
func (e *Engine) Office() *Office { return e.state.office }

// commit runs one command. roll opens today's working day first when the
// date has changed, in its own commit: it is a fact on its own.
func (e *Engine) commit(ctx context.Context, roll bool, decide func(s *State, now time.Time) (Decision, error)) (Decision, time.Time, error) {
	if e.broken != nil {
		return Decision{}, time.Time{}, fmt.Errorf("engine stopped after an earlier failure: %w", e.broken)
	}
	now := e.clock.Now()
	if roll {
		if today := e.state.DayOf(now); today > e.state.day {
			d, err := e.state.OpenDay(now, today)
			if err != nil {
				return Decision{}, now, err
			}
			if err := e.append(ctx, d.Events); err != nil {
				return Decision{}, now, err
			}
		}
	}
	d, err := decide(e.state, now)
	if err != nil {
		return Decision{}, now, err
	}
	return d, now, e.append(ctx, d.Events)
}

func (e *Engine) append(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	if err := e.log.Append(ctx, evs); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	for _, ev := range evs {
		if err := e.state.Apply(ev); err != nil {
			e.broken = err
			return fmt.Errorf("apply committed event: %w", err)
		}
	}
	if e.pub != nil {
		e.pub.Publish(evs)
	}
	return nil
}

// Roll opens today's working day if the date has changed since the last
// one, closing the old day, and releases appointments whose late window
// has passed. The server calls it at start and every 30 s.
// It reports a clock that is behind the last working day: the office goes
// on working in that day, but numbering cannot restart until the clock is right.
func (e *Engine) Roll(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) { return s.ReleaseMissed(now), nil })
	if err == nil && e.state.day > e.state.DayOf(now) {
		err = Errorf(ECONFLICT, "часы компьютера (%s) отстают от последнего рабочего дня %s: проверьте дату и время",
			"the computer's clock (%s) is behind the last working day %s: check the date and time", e.state.DayOf(now), e.state.day)
	}
	return err
}

// Err reports why the engine stopped taking commands, if it did.
func (e *Engine) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.broken
}

// Issue gives a visitor a ticket.
func (e *Engine) Issue(ctx context.Context, req IssueRequest) (TicketView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, now, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) {
		d, err := s.Issue(now, req)
		return d.by(req.Actor), err
	})
	if err != nil {
		return TicketView{}, err
	}
	return e.state.Ticket(d.Events[len(d.Events)-1].Ticket, now)
}

// Cancel withdraws a waiting ticket. actor is the member of staff who
// cancelled it, or zero for a kiosk.
func (e *Engine) Cancel(ctx context.Context, actor Actor, id string) (TicketView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) {
		d, err := s.Cancel(now, id)
		return d.by(actor), err
	})
	if err != nil {
		return TicketView{}, err
	}
	return e.state.Ticket(id, now)
}

// WindowAction runs one action at a window and returns the window after it,
// with any warnings the rules gave.
func (e *Engine) WindowAction(ctx context.Context, c WindowCommand) (WindowView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, now, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) { return s.WindowAction(now, c) })
	if err != nil {
		return WindowView{}, err
	}
	v, err := e.state.Window(c.Window, now)
	v.Warnings = d.Warnings
	return v, err
}

// SetWindowServices moves a window to other services for the day.
func (e *Engine) SetWindowServices(ctx context.Context, actor Actor, n int, services ServiceLevels) (WindowView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) {
		return s.SetWindowServices(now, actor, n, services)
	})
	if err != nil {
		return WindowView{}, err
	}
	return e.state.Window(n, now)
}

// OpenDay opens a working day by hand (a manager reopening after a close).
func (e *Engine) OpenDay(ctx context.Context, actor Actor, day string) (QueueView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) {
		d, err := s.OpenDay(now, day)
		return d.by(actor), err
	})
	if err != nil {
		return QueueView{}, err
	}
	return e.state.Queue(now), nil
}

// CloseDay ends the working day: what is open ends as not served. actor
// is the manager who closed it.
func (e *Engine) CloseDay(ctx context.Context, actor Actor) (QueueView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, now, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) {
		d, err := s.CloseDay(now)
		return d.by(actor), err
	})
	if err != nil {
		return QueueView{}, err
	}
	return e.state.Queue(now), nil
}

// Read runs fn with the state under the lock; fn must not keep references
// into the state.
func (e *Engine) Read(fn func(s *State, now time.Time)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(e.state, e.clock.Now())
}

// Services returns every service with its queue.
func (e *Engine) Services() (out []ServiceView) {
	e.Read(func(s *State, now time.Time) { out = s.Services(now) })
	return out
}

// Ticket returns one ticket.
func (e *Engine) Ticket(id string) (v TicketView, err error) {
	e.Read(func(s *State, now time.Time) { v, err = s.Ticket(id, now) })
	return v, err
}

// Queue returns the office summary.
func (e *Engine) Queue() (v QueueView) {
	e.Read(func(s *State, now time.Time) { v = s.Queue(now) })
	return v
}

// Window returns one window.
func (e *Engine) Window(n int) (v WindowView, err error) {
	e.Read(func(s *State, now time.Time) { v, err = s.Window(n, now) })
	return v, err
}

// Windows returns all windows.
func (e *Engine) Windows() (out []WindowView) {
	e.Read(func(s *State, now time.Time) { out = s.Windows(now) })
	return out
}

// Book books an appointment with a fresh code; req.Code is ignored unless
// req.Source is SourceImport.
func (e *Engine) Book(ctx context.Context, req BookRequest) (AppointmentView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if req.Source != SourceImport || req.Code == "" {
		code, err := e.freeCode(nil)
		if err != nil {
			return AppointmentView{}, err
		}
		req.Code = code
	}
	_, _, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) { return s.Book(now, req) })
	if err != nil {
		return AppointmentView{}, err
	}
	return e.state.appointmentView(e.state.appts[req.Code], true), nil
}

// CancelAppointment cancels a booked appointment.
func (e *Engine) CancelAppointment(ctx context.Context, code string, actor Actor) (AppointmentView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) { return s.CancelAppointment(now, code, actor) })
	if err != nil {
		return AppointmentView{}, err
	}
	return e.state.Appointment(code)
}

// CheckIn issues the ticket of a visitor arriving for an appointment.
// actor is the member of staff who checked them in, or zero for a kiosk.
func (e *Engine) CheckIn(ctx context.Context, actor Actor, code string) (TicketView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, now, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) {
		d, err := s.CheckIn(now, code)
		return d.by(actor), err
	})
	if err != nil {
		return TicketView{}, err
	}
	return e.state.Ticket(d.Events[0].Ticket, now)
}

// Import books appointments made in another system, all or none. Rows
// without a code get a fresh one. On bad rows the error is an *ImportError.
func (e *Engine) Import(ctx context.Context, rows []ImportRow) ([]AppointmentView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	given := map[string]bool{}
	for _, r := range rows {
		given[r.Code] = true
	}
	rows = append([]ImportRow(nil), rows...)
	for i := range rows {
		if rows[i].Code == "" {
			code, err := e.freeCode(given)
			if err != nil {
				return nil, err
			}
			rows[i].Code, given[code] = code, true
		}
	}
	d, _, err := e.commit(ctx, false, func(s *State, now time.Time) (Decision, error) { return s.Import(now, rows) })
	if err != nil {
		return nil, err
	}
	out := make([]AppointmentView, 0, len(d.Events))
	for _, ev := range d.Events {
		out = append(out, e.state.appointmentView(e.state.appts[ev.Code], false))
	}
	return out, nil
}

// Slots lists a service's slots on a date.
func (e *Engine) Slots(service, date string) (out []Slot, err error) {
	e.Read(func(s *State, now time.Time) { out, err = s.Slots(service, date, now) })
	return out, err
}

// BookingDays lists the dates a service can be booked on.
func (e *Engine) BookingDays(service string) (out []BookingDay, err error) {
	e.Read(func(s *State, now time.Time) { out, err = s.BookingDays(service, now) })
	return out, err
}

// Appointments lists a date's appointments, contacts masked.
func (e *Engine) Appointments(date string) (out []AppointmentView, err error) {
	e.Read(func(s *State, now time.Time) { out, err = s.Appointments(date) })
	return out, err
}

// Appointment returns one appointment, contacts masked.
func (e *Engine) Appointment(code string) (v AppointmentView, err error) {
	e.Read(func(s *State, now time.Time) { v, err = s.Appointment(code) })
	return v, err
}

// Hours tells whether tickets are issued now and today's hours.
func (e *Engine) Hours() (v HoursView) {
	e.Read(func(s *State, now time.Time) { v = s.Hours(now) })
	return v
}
