package server

import (
	"net/http"
	"time"

	"eq/display/feed"
	"eq/queue"
)

// handleDisplayWS serves /ws/display?board=hall|window:N: the display feed
// of display/feed. Displays authenticate with a display token (a bearer
// token, or ?token= from a browser); signed-in staff may watch too. Without
// board the connection follows the hall.
//
// A hall board gets every window and every call; a window:N board gets only
// window N and the calls to it. Both get the queues.
func (s *Server) handleDisplayWS(w http.ResponseWriter, r *http.Request) {
	session := ""
	if c := callerOf(r); !c.display {
		// Staff watch as long as their session lasts.
		session = c.session
	}
	board := feed.Hall
	if q := r.URL.Query().Get("board"); q != "" {
		b, err := feed.ParseBoard(q)
		if err != nil {
			s.writeError(w, r, queue.Errorf(queue.EINVALID, "табло %q: ожидается hall или window:N", "board %q: hall or window:N expected", q))
			return
		}
		board = b
	}
	if board.Window != 0 {
		if _, err := s.engine.Window(board.Window); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered already
	}
	c := newClient(conn, displayClient, board.Window)
	c.token = session
	// A display sends nothing but pongs and its close frame.
	conn.SetReadLimit(maxMessageSize)
	alive := func() error { return conn.SetReadDeadline(time.Now().Add(s.pingPeriod * 10 / 9)) }
	alive()
	conn.SetPongHandler(func(string) error { return alive() })

	s.hub.mu.Lock()
	// As for consoles: bring the fan-out up to date first, so that every
	// change after this state reaches the display and none before it does.
	s.fanoutLocked()
	var seq int64
	var windows []queue.WindowView
	var q queue.QueueView
	s.engine.Read(func(qs *queue.State, now time.Time) {
		windows, q, seq = qs.Windows(now), qs.Queue(now), qs.LastSeq()
	})
	// Calls committed between the two reads are in this state already;
	// since keeps the next round from announcing them again.
	c.since = seq
	s.hub.register(c, s.displayState(board, seq, windows, q))
	s.hub.mu.Unlock()
	go c.writeLoop(s.pingPeriod, s.log)
	defer s.hub.unregister(c)
	s.log.Info("display connected", "board", board.String(), "addr", clientIP(r))

	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			s.log.Debug("display disconnected", "board", board.String(), "err", err)
			return
		}
		alive()
	}
}

// displayState is the full state message for board, from views read
// together under the engine's lock.
func (s *Server) displayState(board feed.Board, seq int64, windows []queue.WindowView, q queue.QueueView) []byte {
	o := s.engine.Office()
	st := feed.State{Type: feed.TypeState, Version: feed.Version, Seq: seq, Board: board.String(),
		Office: o.Name, Timezone: o.Location.String(), Settings: s.display,
		Services: q.Services, Calls: q.Calls, Windows: make([]queue.WindowView, 0, len(windows))}
	for _, w := range windows {
		if board.Window == 0 || w.Number == board.Window {
			st.Windows = append(st.Windows, w)
		}
	}
	return mustJSON(st)
}

// announceCalls sends displays a call message for each call and recall
// among evs, in log order; call with s.hub.mu held.
func (s *Server) announceCalls(evs []queue.Event) {
	for _, ev := range evs {
		if ev.Type != queue.EventTicketCalled && ev.Type != queue.EventTicketRecalled {
			continue
		}
		msg := mustJSON(feed.Call{Type: feed.TypeCall, Seq: ev.Seq, Call: queue.Call{
			Ticket: ev.Ticket, Number: ev.Number, Service: ev.Service, Window: ev.Window, At: ev.At,
			Recall: ev.Type == queue.EventTicketRecalled}})
		s.hub.offerEach(displayClient, func(c *client) []byte {
			if ev.Seq <= c.since || (c.window != 0 && c.window != ev.Window) {
				return nil
			}
			return msg
		})
	}
}

// resyncDisplays sends every display a full state, when the events since
// the last round are lost; call with s.hub.mu held.
func (s *Server) resyncDisplays(seq int64, windows []queue.WindowView, q queue.QueueView) {
	states := map[int][]byte{} // per board, built once
	s.hub.offerEach(displayClient, func(c *client) []byte {
		msg, ok := states[c.window]
		if !ok {
			msg = s.displayState(feed.Board{Window: c.window}, seq, windows, q)
			states[c.window] = msg
		}
		c.since = seq
		return msg
	})
}
