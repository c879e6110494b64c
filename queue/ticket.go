package queue

import "time"

// Status is where a ticket is in its life.
type Status string

// Ticket statuses. Waiting, called, serving and postponed are open; the rest are final.
const (
	StatusWaiting   Status = "waiting"
	StatusCalled    Status = "called"
	StatusServing   Status = "serving"
	StatusPostponed Status = "postponed"
	StatusDone      Status = "done"
	StatusNoShow    Status = "no_show"
	StatusCancelled Status = "cancelled"
	StatusNotServed Status = "not_served" // the day closed before it was served
)

// Open reports whether a ticket in status s still needs something to happen.
func (s Status) Open() bool {
	return s == StatusWaiting || s == StatusCalled || s == StatusServing || s == StatusPostponed
}

// Ticket is one visitor's visit: one number, one or more stages (a forward
// starts a new stage in another queue under the same number).
type Ticket struct {
	ID       string
	Number   string
	Day      string
	Service  string // the service of the current stage
	Priority Priority
	Status   Status
	IssuedAt time.Time
	Deadline time.Time // the current stage should be called by then
	// Slot is when an appointment ticket is due, its slot start: it waits
	// as a live ticket before, and its Deadline is the appointment wait
	// target after this or after the check-in, whichever is later.
	Slot time.Time

	PostponedUntil time.Time
	Window         int    // the window that called or serves it
	Operator       string // who called or serves it
	ToWindow       int    // addressed to this window only (forwarded to a window)
	ToOperator     string // addressed to this operator only
	ReturnTo       int    // after this stage, come back to this window
	ReturnService  string // ... for this service
	Appointment    string // the booking code it was checked in with

	Stages []Stage

	pos int // index in its waiting heap, -1 when in none
}

// Stage is one pass through a queue and a window.
type Stage struct {
	Service    string    `json:"service_id"`
	QueuedAt   time.Time `json:"queued_at"`
	CalledAt   time.Time `json:"called_at,omitzero"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	Window     int       `json:"window,omitempty"`
	Operator   string    `json:"operator,omitempty"`
	Recalls    int       `json:"recalls,omitempty"`
	CallReason string    `json:"call_reason,omitempty"`
	// End says how the stage ended: an Outcome, or a status such as no_show,
	// forwarded, postponed, cancelled, not_served.
	End string `json:"end,omitempty"`
}

// Wait is how long the stage waited to be called (so far, if not yet called).
func (s *Stage) Wait(now time.Time) time.Duration {
	end := s.CalledAt
	if end.IsZero() {
		end = now
	}
	return nonNegative(end.Sub(s.QueuedAt))
}

// ServiceTime is how long the visitor was at the window in this stage.
func (s *Stage) ServiceTime(now time.Time) time.Duration {
	if s.StartedAt.IsZero() {
		return 0
	}
	end := s.EndedAt
	if end.IsZero() {
		end = now
	}
	return nonNegative(end.Sub(s.StartedAt))
}

func nonNegative(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// stage returns the current (last) stage.
func (t *Ticket) stage() *Stage { return &t.Stages[len(t.Stages)-1] }

// StatusAt is the status a visitor should see: a postponed ticket whose time
// has come is waiting again, without needing an event to say so.
func (t *Ticket) StatusAt(now time.Time) Status {
	if t.Status == StatusPostponed && !now.Before(t.PostponedUntil) {
		return StatusWaiting
	}
	return t.Status
}

// callable reports whether the dispatcher may pick t at now.
func (t *Ticket) callable(now time.Time) bool { return t.StatusAt(now) == StatusWaiting }

// addressed reports whether t waits for one window or operator only.
func (t *Ticket) addressed() bool { return t.ToWindow != 0 || t.ToOperator != "" }

// addressedTo reports whether t waits for window w or the operator at it.
func (t *Ticket) addressedTo(w *WindowState) bool {
	return (t.ToWindow != 0 && t.ToWindow == w.Number) || (t.ToOperator != "" && t.ToOperator == w.Operator)
}

// rank orders priority classes at now: privileged first, then appointments
// whose time has come, then everyone else. An appointment checked in early
// competes as normal until its slot starts.
func (t *Ticket) rank(now time.Time) int {
	switch {
	case t.Priority == PriorityPrivileged:
		return 0
	case t.Priority == PriorityAppointment && !now.Before(t.Slot):
		return 1
	default:
		return 2
	}
}
