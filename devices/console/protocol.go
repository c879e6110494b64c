// Package console is the operator console protocol: JSON messages over a
// WebSocket at /ws/console, spoken by the web console, `eq console` and
// hardware call keypads. docs/console-protocol.md describes it for people
// building devices; the types here are its definition.
package console

import "eq/queue"

// Version is the protocol version sent in every state message. A client that
// sees a higher major version than it knows should refuse to act.
const Version = 1

// Message types.
const (
	TypeCommand = "command" // client → server: a window action
	TypeResync  = "resync"  // client → server: send me the full state again
	TypeReply   = "reply"   // server → client: the answer to one command, same id
	TypeState   = "state"   // server → client: full state, on connect and on resync
	TypeWindow  = "window"  // server → client: one window changed
	TypeQueue   = "queue"   // server → client: the queues changed
	TypeError   = "error"   // server → client: a message that could not be read
)

// Envelope is what every message has: its type and, for commands and their
// replies, the client's id.
type Envelope struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// Params holds the parameters of a window action. The same fields are the
// JSON body of POST /api/v1/windows/{n}/{action}; each action reads the ones
// it needs.
type Params struct {
	TicketID  string        `json:"ticket_id,omitempty"`  // call: the ticket called out of order
	Reason    string        `json:"reason,omitempty"`     // call, break, forward
	Outcome   queue.Outcome `json:"outcome,omitempty"`    // finish
	Minutes   int           `json:"minutes,omitempty"`    // postpone; break (planned)
	ServiceID string        `json:"service_id,omitempty"` // forward to a service
	Window    int           `json:"window,omitempty"`     // forward to a window
	Operator  string        `json:"operator,omitempty"`   // open: for whom (managers); forward: to whom
	Return    bool          `json:"return,omitempty"`     // forward: come back to me afterwards
	Override  bool          `json:"override,omitempty"`   // break: a manager allows what the rules refuse
}

// Command is a window action sent by a console, flat in JSON:
// {"type":"command","id":"7","action":"forward","service_id":"passport"}.
// It acts at the connection's window; a connection opened for all windows
// (a manager's) names the window in AtWindow.
type Command struct {
	Envelope
	Action   string `json:"action"`
	AtWindow int    `json:"at_window,omitempty"`
	Params
}

// Error is a refusal, as in the HTTP API.
type Error struct {
	Code      queue.Code `json:"code"`
	Message   string     `json:"message"`
	MessageEN string     `json:"message_en"`
}

// Reply answers one command.
type Reply struct {
	Envelope
	Seq      int64             `json:"seq"` // the log position after the command; updates it caused came before
	OK       bool              `json:"ok"`
	Window   *queue.WindowView `json:"window,omitempty"`
	Warnings []queue.Text      `json:"warnings,omitempty"`
	Error    *Error            `json:"error,omitempty"`
}

// Me is who the connection belongs to.
type Me struct {
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Position string     `json:"position"`
	Role     queue.Role `json:"role"`
}

// ServiceInfo is what a console needs to offer a service as a forward target.
type ServiceInfo struct {
	ID     string     `json:"id"`
	Prefix string     `json:"prefix"`
	Name   queue.Text `json:"name"`
	Group  string     `json:"group"`
}

// State is everything a console shows; sent on connect and on resync.
// Window is set when the connection is for one window; Windows holds every
// window (managers use it, operators pick their window from it).
type State struct {
	Envelope
	Version  int                `json:"version"`
	Seq      int64              `json:"seq"` // the event log position the state reflects
	Office   queue.Text         `json:"office"`
	Me       Me                 `json:"me"`
	Window   *queue.WindowView  `json:"window,omitempty"`
	Windows  []queue.WindowView `json:"windows"`
	Queue    queue.QueueView    `json:"queue"`
	Services []ServiceInfo      `json:"services"`
	Outcomes []queue.Outcome    `json:"outcomes"`
	// BreakReasons are what a break may be taken for; empty means any
	// reason is taken.
	BreakReasons []queue.BreakReason `json:"break_reasons"`
}

// WindowUpdate carries one window's new state.
type WindowUpdate struct {
	Envelope
	Seq    int64            `json:"seq"`
	Window queue.WindowView `json:"window"`
}

// QueueUpdate carries the queues' new state.
type QueueUpdate struct {
	Envelope
	Seq   int64           `json:"seq"`
	Queue queue.QueueView `json:"queue"`
}
