package webhook

import (
	"strconv"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// Payload is the JSON body posted for one ticket event. docs/webhooks.md
// describes every field; this type is the source of truth for the names.
//
// It carries what the event says about the ticket and the work on it, and
// nothing about the visitor: no name, no phone, no booking code. Fields an
// event does not have are left out, never sent empty.
type Payload struct {
	ID     string    `json:"id"`   // EventID: stable across retries and restarts, never repeated after a restore
	Type   string    `json:"type"` // the event type, e.g. "TicketCalled"
	At     time.Time `json:"at"`   // when it happened, UTC
	Day    string    `json:"day"`  // the working day, YYYY-MM-DD in the office's zone
	Ticket Ticket    `json:"ticket"`

	// ServiceID is the service the ticket was in when the event happened;
	// for a forward, the one it left (ToService is the one it went to).
	ServiceID string    `json:"service_id,omitempty"`
	Window    int       `json:"window,omitempty"`
	Operator  string    `json:"operator,omitempty"` // login of who works at the window
	Actor     string    `json:"actor,omitempty"`    // login of who gave the command, when it was staff
	Auto      bool      `json:"auto,omitempty"`     // the window's auto-call made the call
	Reason    string    `json:"reason,omitempty"`
	Outcome   string    `json:"outcome,omitempty"`
	Deadline  time.Time `json:"deadline,omitzero"` // when the ticket's wait target runs out

	Minutes int       `json:"minutes,omitempty"` // postpone length
	Until   time.Time `json:"until,omitzero"`    // postponed until

	ToService  string `json:"to_service,omitempty"`
	ToWindow   int    `json:"to_window,omitempty"`
	ToOperator string `json:"to_operator,omitempty"`
	ReturnTo   int    `json:"return_to,omitempty"` // the window the visitor comes back to
	Returning  bool   `json:"returning,omitempty"` // this forward brings the visitor back

	Mark int `json:"mark,omitempty"` // a visitor's rating, 1 to 5
}

// Ticket is what every payload says of its ticket, taken from the event
// that issued it, so that a receiver that missed earlier events still
// knows the ticket.
type Ticket struct {
	ID        string    `json:"id"`
	Number    string    `json:"number,omitempty"`     // as printed, e.g. "А012"; unique within a day
	ServiceID string    `json:"service_id,omitempty"` // the service it was issued for
	Priority  string    `json:"priority,omitempty"`   // normal, appointment, privileged
	IssuedAt  time.Time `json:"issued_at,omitzero"`
	Slot      time.Time `json:"slot,omitzero"` // an appointment's slot start
}

// NewPayload makes the body for it. The ticket's number and issue time
// come from its TicketIssued in the history, read from the log at delivery
// time: the events after an issue do not all repeat them, and reading
// them then keeps the queue's own appends to the bare inserts.
func NewPayload(it store.OutboxItem) Payload {
	ev := it.Event
	issued, service := ticketFacts(ev, it.History)
	p := Payload{
		ID:   EventID(it.LogID, ev.Seq),
		Type: string(ev.Type),
		At:   ev.At.UTC(),
		Day:  ev.Day,
		Ticket: Ticket{
			ID:        ev.Ticket,
			Number:    issued.Number,
			ServiceID: issued.Service,
			Priority:  string(issued.Priority),
			IssuedAt:  issued.At.UTC(),
			Slot:      issued.Slot.UTC(),
		},
		ServiceID:  service,
		Window:     ev.Window,
		Operator:   ev.Operator,
		Actor:      ev.Actor,
		Auto:       ev.Auto,
		Reason:     ev.Reason,
		Outcome:    string(ev.Outcome),
		Deadline:   ev.Deadline.UTC(),
		Minutes:    ev.Minutes,
		Until:      ev.Until.UTC(),
		ToWindow:   ev.ToWindow,
		ToOperator: ev.ToOperator,
		ReturnTo:   ev.ReturnTo,
		Returning:  ev.Returning,
		Mark:       ev.Mark,
	}
	if p.Ticket.Number == "" {
		p.Ticket.Number = ev.Number // a log without the issue (trimmed by hand): better than nothing
	}
	if ev.Type == queue.EventTicketForwarded {
		p.ToService = ev.Service
	}
	return p
}

// EventID is the id of the event at seq of the log logID: "<logID>-<seq>",
// e.g. "3f9a0c1b7d2e4a65-42", or the bare seq for an outbox row written
// before logs had an identity (logID ""), which keeps the id it was first
// sent with. The log id changes with every restore from a backup, which
// hands out again the positions of the events it undid: the events logged
// after a restore get ids no receiver has seen.
func EventID(logID string, seq int64) string {
	if logID == "" {
		return strconv.FormatInt(seq, 10)
	}
	return logID + "-" + strconv.FormatInt(seq, 10)
}

// ticketFacts finds the ticket's TicketIssued (ev itself, or in history)
// and the service the ticket was in just before ev. A forward's Service
// is the service it moves the ticket to, so the current service is the
// Service of the latest event that names one; for any other event that
// is its own.
func ticketFacts(ev queue.Event, history []queue.Event) (issued queue.Event, service string) {
	if ev.Type == queue.EventTicketIssued {
		return ev, ev.Service
	}
	for _, h := range history {
		if h.Type == queue.EventTicketIssued {
			issued = h
		}
		if h.Service != "" {
			service = h.Service
		}
	}
	if ev.Type != queue.EventTicketForwarded && ev.Service != "" {
		service = ev.Service
	}
	return issued, service
}
