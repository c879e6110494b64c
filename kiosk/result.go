package kiosk

import "time"

// PrintResult says whether a kiosk's ticket came out of its printer. The
// ticket itself is issued and durable whatever this says: the kiosk then
// shows the number large and asks the visitor to remember it.
type PrintResult struct {
	Printed   bool   `json:"printed"`
	Printer   string `json:"printer,omitempty"`
	Message   string `json:"message,omitempty"` // why not, in Russian
	MessageEN string `json:"message_en,omitempty"`
}

// PrinterState is a printer as the administrator sees it.
type PrinterState struct {
	ID           string    `json:"id"`
	Transport    string    `json:"transport"` // virtual, serial, tcp
	Target       string    `json:"target"`    // folder, port or address
	Online       bool      `json:"online"`
	PaperOut     bool      `json:"paper_out"`
	PaperNearEnd bool      `json:"paper_near_end"`
	CoverOpen    bool      `json:"cover_open"`
	Error        bool      `json:"error"`
	Message      string    `json:"message"` // the state in words, Russian
	MessageEN    string    `json:"message_en"`
	CheckedAt    time.Time `json:"checked_at,omitzero"`
	Printed      int       `json:"printed"` // tickets printed since start
	Failed       int       `json:"failed"`  // tickets that did not print since start
}
