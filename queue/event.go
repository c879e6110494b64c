package queue

import "time"

// EventType names a change. The names are stored in the log: never rename one.
type EventType string

// Event types.
const (
	EventDayOpened       EventType = "DayOpened"
	EventDayClosed       EventType = "DayClosed"
	EventTicketIssued    EventType = "TicketIssued"
	EventTicketCalled    EventType = "TicketCalled"
	EventTicketRecalled  EventType = "TicketRecalled"
	EventServiceStarted  EventType = "ServiceStarted"
	EventServiceFinished EventType = "ServiceFinished"
	EventTicketNoShow    EventType = "TicketNoShow"
	EventTicketPostponed EventType = "TicketPostponed"
	EventTicketForwarded EventType = "TicketForwarded"
	EventTicketCancelled EventType = "TicketCancelled"
	EventTicketNotServed EventType = "TicketNotServed" // still open when the day closed
	// EventTicketRated: the visitor marked the service on the tablet at the
	// window after it finished. It names no visitor: a ticket, a mark, a reason.
	EventTicketRated  EventType = "TicketRated"
	EventWindowOpened EventType = "WindowOpened"
	EventWindowClosed EventType = "WindowClosed"
	EventBreakStarted EventType = "BreakStarted"
	EventBreakEnded   EventType = "BreakEnded"
	// EventWindowServicesChanged: a manager moved a window to other services for the day.
	EventWindowServicesChanged EventType = "WindowServicesChanged"

	EventAppointmentBooked    EventType = "AppointmentBooked"
	EventAppointmentCancelled EventType = "AppointmentCancelled"
	EventAppointmentCheckedIn EventType = "AppointmentCheckedIn" // follows the TicketIssued it led to
	EventAppointmentMissed    EventType = "AppointmentMissed"    // released after the late window: a no-show
)

// IsAppointment reports whether t is about an appointment rather than the
// day's queue: such events matter beyond the working day they happen in.
func (t EventType) IsAppointment() bool {
	switch t {
	case EventAppointmentBooked, EventAppointmentCancelled, EventAppointmentCheckedIn, EventAppointmentMissed:
		return true
	}
	return false
}

// Event is one change of the office's state. It is a flat record rather than
// one type per kind: the log stores it as JSON, reports scan millions of them,
// and a flat record keeps both simple and fast. Which fields matter depends on Type.
type Event struct {
	Seq  int64     `json:"-"` // position in the log, given by the store
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	Day  string    `json:"day"` // working day, YYYY-MM-DD in the office's zone

	Ticket   string    `json:"ticket,omitempty"`
	Number   string    `json:"number,omitempty"`
	Service  string    `json:"service,omitempty"`
	Priority Priority  `json:"priority,omitempty"`
	Deadline time.Time `json:"deadline,omitzero"` // when the ticket's wait target runs out
	// Slot is the slot start of a ticket checked in by appointment: it is
	// due then. Logs written before it existed have it zero, and their
	// appointment tickets' Deadline is the slot start.
	Slot time.Time `json:"slot,omitzero"`

	Window   int    `json:"window,omitempty"`
	Operator string `json:"operator,omitempty"` // who works at the window
	Actor    string `json:"actor,omitempty"`    // who gave the command, if staff

	Outcome Outcome   `json:"outcome,omitempty"`
	Minutes int       `json:"minutes,omitempty"` // postpone length, planned break length
	Until   time.Time `json:"until,omitzero"`    // postponed until

	ToWindow   int    `json:"to_window,omitempty"`
	ToOperator string `json:"to_operator,omitempty"`
	ReturnTo   int    `json:"return_to,omitempty"` // forward with "return to me": the window to come back to

	Reason   string        `json:"reason,omitempty"`   // why: an out-of-order call, a break, a forward, a no-show past the recall limit, a mark
	Override bool          `json:"override,omitempty"` // a manager overrode a break rule
	Duration time.Duration `json:"duration,omitempty"` // a finished break's length

	Services ServiceLevels `json:"services,omitempty"` // a window's new services

	// Recent carries, on the DayOpened of a new date, the recent service
	// times predictions use: the state of a new day is otherwise empty, so
	// the log can be replayed from that event on.
	Recent map[string][]time.Duration `json:"recent,omitempty"`
	// Returning marks the forward that brings a visitor back to the window
	// that asked for "return to me".
	Returning bool `json:"returning,omitempty"`
	// Auto marks a call the window's auto-call made, not its operator.
	Auto bool `json:"auto,omitempty"`
	// Mark is a visitor's rating of a service, 1 (bad) to 5 (excellent).
	Mark int `json:"mark,omitempty"`

	// Appointments. Code is the booking code (also on the TicketIssued of a
	// check-in); ApptDay the date of the slot, by which the store finds the
	// events of appointments still ahead.
	Code     string    `json:"code,omitempty"`
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	ApptDay  string    `json:"appointment_day,omitempty"`
	Source   string    `json:"source,omitempty"`
	External string    `json:"external,omitempty"`
	// Name and Phone are personal data. They are never part of the event's
	// JSON: the store keeps them apart, where the retention purge deletes
	// them, and gives them back on replay while they are kept.
	Name  string `json:"-"`
	Phone string `json:"-"`
}

// Outcome is how a service at a window ended.
type Outcome string

// Outcomes an operator can record when finishing.
const (
	OutcomeServed            Outcome = "served"
	OutcomeDocumentsAccepted Outcome = "documents_accepted"
	OutcomeResultIssued      Outcome = "result_issued"
	OutcomeConsultation      Outcome = "consultation"
	OutcomeRefused           Outcome = "refused" // documents incomplete, visitor sent away
)

// Outcomes lists the valid outcomes, for clients that offer a choice.
var Outcomes = []Outcome{OutcomeServed, OutcomeDocumentsAccepted, OutcomeResultIssued, OutcomeConsultation, OutcomeRefused}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	for _, v := range Outcomes {
		if o == v {
			return true
		}
	}
	return false
}
