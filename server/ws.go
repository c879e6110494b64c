package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"eq/devices/console"
	"eq/display/feed"
	"eq/queue"
)

// refreshEvery is how often the fan-out re-sends changed state with no event
// behind it: waits grow by themselves, and consoles highlight a queue the
// moment it passes its target.
const refreshEvery = 10 * time.Second

// sameOrigin accepts a WebSocket from a page served by this server, or from
// a program that sends no Origin at all (keypads, `eq console`); a page on
// another site can never use a signed-in operator's cookie.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// handleConsoleWS serves /ws/console?window=n: the console protocol of
// devices/console. Without window the connection follows every window.
func (s *Server) handleConsoleWS(w http.ResponseWriter, r *http.Request) {
	who := callerOf(r)
	actor := who.actor
	window := 0
	if q := r.URL.Query().Get("window"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n <= 0 {
			s.writeError(w, r, queue.Errorf(queue.EINVALID, "номер окна %q должен быть целым положительным числом", "window number %q must be a positive integer", q))
			return
		}
		if _, err := s.engine.Window(n); err != nil {
			s.writeError(w, r, err)
			return
		}
		window = n
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered already
	}
	c := newClient(conn, consoleClient, window)
	c.token = who.session
	conn.SetReadLimit(maxMessageSize)
	// A peer is dead when it has answered no ping for a ping period and a bit.
	alive := func() error { return conn.SetReadDeadline(time.Now().Add(s.pingPeriod * 10 / 9)) }
	alive()
	conn.SetPongHandler(func(string) error { return alive() })

	s.hub.mu.Lock()
	// Bring the fan-out's memory up to date first, so that the next change
	// is compared with exactly the state this client starts from.
	s.fanoutLocked()
	s.hub.register(c, s.consoleState(actor, window))
	s.hub.mu.Unlock()
	go c.writeLoop(s.pingPeriod, s.log)
	defer s.hub.unregister(c)
	s.log.Info("console connected", "login", actor.Login, "window", window)

	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			s.log.Debug("console disconnected", "login", actor.Login, "window", window, "err", err)
			return
		}
		alive()
		// A session that signed out or expired ends its consoles.
		if _, ok := s.sessions.get(c.token); !ok {
			c.drop("signed out")
			return
		}
		s.consoleMessage(r.Context(), c, actor, data)
	}
}

// consoleMessage answers one message from a console.
func (s *Server) consoleMessage(ctx context.Context, c *client, actor queue.Actor, data []byte) {
	var env console.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		c.offer(mustJSON(console.Reply{Envelope: console.Envelope{Type: console.TypeError}, Error: replyError(jsonError(err))}))
		return
	}
	switch env.Type {
	case console.TypeResync:
		s.hub.mu.Lock()
		s.fanoutLocked()
		c.offer(s.consoleState(actor, c.window))
		s.hub.mu.Unlock()
	case console.TypeCommand:
		reply := console.Reply{Envelope: console.Envelope{Type: console.TypeReply, ID: env.ID}}
		v, err := s.consoleCommand(ctx, c, actor, data)
		if err != nil {
			reply.Error = replyError(err)
		} else {
			reply.OK, reply.Window, reply.Warnings = true, &v, v.Warnings
		}
		// Send the updates the command caused before its reply, so that a
		// console never sees a reply newer than the updates after it.
		s.hub.mu.Lock()
		reply.Seq = s.fanoutLocked()
		c.offer(mustJSON(reply))
		s.hub.mu.Unlock()
	default:
		err := queue.Errorf(queue.EINVALID, "неизвестный тип сообщения %q", "unknown message type %q", env.Type)
		c.offer(mustJSON(console.Reply{Envelope: console.Envelope{Type: console.TypeError, ID: env.ID}, Error: replyError(err)}))
	}
}

func (s *Server) consoleCommand(ctx context.Context, c *client, actor queue.Actor, data []byte) (queue.WindowView, error) {
	var cmd console.Command
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cmd); err != nil {
		return queue.WindowView{}, jsonError(err)
	}
	n := c.window
	switch {
	case n == 0 && cmd.AtWindow == 0:
		return queue.WindowView{}, queue.Errorf(queue.EINVALID, "укажите at_window: соединение не привязано к окну", "at_window is required: the connection follows no single window")
	case n == 0:
		n = cmd.AtWindow
	case cmd.AtWindow != 0 && cmd.AtWindow != n:
		return queue.WindowView{}, queue.Errorf(queue.EINVALID, "соединение открыто для окна %d, а не %d", "the connection is for window %d, not %d", n, cmd.AtWindow)
	}
	action := queue.Action(cmd.Action)
	if !knownAction(action) {
		return queue.WindowView{}, queue.Errorf(queue.ENOTFOUND, "неизвестное действие %q", "unknown action %q", cmd.Action)
	}
	v, err := s.engine.WindowAction(ctx, windowCommand(n, action, actor, cmd.Params))
	if err == nil {
		s.log.Info("window action", "window", n, "action", action, "actor", actor.Login, "via", "ws")
	}
	return v, err
}

func replyError(err error) *console.Error {
	ru, en := queue.ErrorMessages(err)
	return &console.Error{Code: queue.ErrorCode(err), Message: ru, MessageEN: en}
}

// consoleState is the full state message for a console; call with s.hub.mu
// held so that no delta can overtake it.
func (s *Server) consoleState(actor queue.Actor, window int) []byte {
	st := console.State{Envelope: console.Envelope{Type: console.TypeState}, Version: console.Version,
		Office: s.engine.Office().Name, Me: s.meOf(actor.Login), Outcomes: queue.Outcomes,
		BreakReasons: s.engine.Office().BreakReasons}
	if st.BreakReasons == nil {
		st.BreakReasons = []queue.BreakReason{} // an empty list: any reason is taken
	}
	for _, svc := range s.engine.Office().Services {
		st.Services = append(st.Services, console.ServiceInfo{ID: svc.ID, Prefix: svc.Prefix, Name: svc.Name, Group: svc.Group})
	}
	s.engine.Read(func(qs *queue.State, now time.Time) {
		st.Seq = qs.LastSeq()
		st.Windows = qs.Windows(now)
		st.Queue = qs.Queue(now)
	})
	for i := range st.Windows {
		if st.Windows[i].Number == window {
			st.Window = &st.Windows[i]
		}
	}
	return mustJSON(st)
}

// RunHub fans committed changes out to connected consoles and displays
// until ctx ends. Run starts it; tests that mount Handler on their own
// server start it too.
func (s *Server) RunHub(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.feed.wake:
			// One round serves every batch published so far: a burst
			// coalesces into one set of state updates.
			s.fanout()
		case <-t.C:
			s.fanout()
			// A console or display that only listens still ends with its
			// session; devices have none.
			s.hub.dropIf(func(c *client) bool {
				_, ok := s.sessions.get(c.token)
				return c.token != "" && !ok
			})
		}
	}
}

// fanout sends what changed; see fanoutLocked.
func (s *Server) fanout() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.fanoutLocked()
}

// fanoutLocked takes the events published since the last round and sends,
// in this order: a call message to displays for each call among them, then
// every window whose state changed and the queues if they changed, and
// returns the log position sent; call with s.hub.mu held. State messages
// are whole states, so a client that missed one is repaired by the next.
// After a feed overflow the events are lost: consoles get every window and
// the queues, displays a full state.
func (s *Server) fanoutLocked() int64 {
	var evs []queue.Event
	var lost bool
	var windows []queue.WindowView
	var q queue.QueueView
	var seq int64
	s.engine.Read(func(qs *queue.State, now time.Time) {
		evs, lost = s.feed.drain()
		windows, q, seq = qs.Windows(now), qs.Queue(now), qs.LastSeq()
	})
	// Displays get deltas unless the events are lost; with no display
	// connected nothing is encoded for them.
	displays := s.hub.has(displayClient)
	switch {
	case lost:
		s.log.Warn("the fan-out fell behind: every client gets its whole state again", "seq", seq)
		s.resyncDisplays(seq, windows, q)
		displays = false
	case displays:
		s.announceCalls(evs)
	}
	for _, w := range windows {
		body := mustJSON(w)
		if !lost && bytes.Equal(body, s.lastWindow[w.Number]) {
			continue
		}
		s.lastWindow[w.Number] = body
		s.hub.broadcast(mustJSON(console.WindowUpdate{Envelope: console.Envelope{Type: console.TypeWindow}, Seq: seq, Window: w}), consoleClient, w.Number)
		if displays {
			s.hub.broadcast(mustJSON(feed.Window{Type: feed.TypeWindow, Seq: seq, Window: w}), displayClient, w.Number)
		}
	}
	body := mustJSON(q)
	if lost || !bytes.Equal(body, s.lastQueue) {
		s.lastQueue = body
		s.hub.broadcast(mustJSON(console.QueueUpdate{Envelope: console.Envelope{Type: console.TypeQueue}, Seq: seq, Queue: q}), consoleClient, 0)
		if displays {
			s.hub.broadcast(mustJSON(feed.Queue{Type: feed.TypeQueue, Seq: seq, Services: q.Services, Calls: q.Calls}), displayClient, 0)
		}
	}
	return seq
}

// mustJSON encodes a value made of plain data, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("server: encode " + err.Error())
	}
	return b
}

func (s *Server) newUpgrader() websocket.Upgrader {
	return websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, CheckOrigin: sameOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			code := queue.EINVALID
			if status == http.StatusForbidden {
				code = queue.EFORBIDDEN
			}
			ru := "не удалось открыть WebSocket: " + reason.Error()
			if code == queue.EFORBIDDEN {
				ru = "WebSocket со страницы другого сайта отклонён"
			}
			writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: ru, MessageEN: "websocket refused: " + reason.Error()}})
		}}
}
