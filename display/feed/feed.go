// Package feed is the display feed: the JSON messages of /ws/display that
// hall displays and window signs follow, and a Go client of it. It has no
// drawing in it, so the server can speak it without linking a renderer.
package feed

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"eq/queue"
)

// Version is sent in every state message.
const Version = 1

// Message types, server → display. A display sends nothing but pongs.
const (
	TypeState  = "state"  // everything, on connect and after any gap
	TypeCall   = "call"   // a ticket was called or called again, as it happens
	TypeWindow = "window" // one window changed (opened, closed, break, its ticket)
	TypeQueue  = "queue"  // the queues changed
)

// Board is what a display shows: the hall, or the sign over one window.
type Board struct {
	Window int // 0 for the hall
}

// Hall is the hall display's board.
var Hall = Board{}

// ParseBoard reads "hall" or "window:N".
func ParseBoard(s string) (Board, error) {
	if s == "hall" {
		return Hall, nil
	}
	if rest, ok := strings.CutPrefix(s, "window:"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n > 0 {
			return Board{Window: n}, nil
		}
	}
	return Board{}, fmt.Errorf("табло %q: ожидается hall или window:N (board %q: hall or window:N expected)", s, s)
}

func (b Board) String() string {
	if b.Window == 0 {
		return "hall"
	}
	return "window:" + strconv.Itoa(b.Window)
}

// Settings are the office's display settings, from its config.
type Settings struct {
	RunningText queue.Text    `json:"running_text"` // the line that scrolls along the bottom
	Blink       time.Duration `json:"-"`            // how long the newest call blinks
	BlinkS      int           `json:"blink_s"`
}

// DefaultBlink is how long a new call blinks when the office sets no time.
const DefaultBlink = 10 * time.Second

// BlinkTime is how long a new call blinks: Blink when it is set (in Go, or
// by Decode), else the office's seconds from the feed, else DefaultBlink.
func (s Settings) BlinkTime() time.Duration {
	switch {
	case s.Blink > 0:
		return s.Blink
	case s.BlinkS > 0:
		return time.Duration(s.BlinkS) * time.Second
	}
	return DefaultBlink
}

// State is the whole picture; a display replaces what it has with it.
type State struct {
	Type     string              `json:"type"`
	Version  int                 `json:"version"`
	Seq      int64               `json:"seq"` // event log position; never decreases on a connection
	Board    string              `json:"board"`
	Office   queue.Text          `json:"office"`
	Timezone string              `json:"timezone"` // the office's clock, e.g. Europe/Moscow
	Settings Settings            `json:"settings"`
	Services []queue.ServiceView `json:"services"`
	Calls    []queue.Call        `json:"calls"` // newest first
	Windows  []queue.WindowView  `json:"windows"`
}

// Call announces one call, in the order calls happen.
type Call struct {
	Type string     `json:"type"`
	Seq  int64      `json:"seq"`
	Call queue.Call `json:"call"`
}

// Window carries one window's new state.
type Window struct {
	Type   string           `json:"type"`
	Seq    int64            `json:"seq"`
	Window queue.WindowView `json:"window"`
}

// Queue carries the queues' new state.
type Queue struct {
	Type     string              `json:"type"`
	Seq      int64               `json:"seq"`
	Services []queue.ServiceView `json:"services"`
	Calls    []queue.Call        `json:"calls"` // newest first
}
