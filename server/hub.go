package server

import (
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket timing and limits, after gorilla's chat example and gotify.
const (
	writeWait      = 10 * time.Second // a write that takes longer means a dead peer
	pingPeriod     = 54 * time.Second // a peer silent for 10/9 of this is dead
	maxMessageSize = 8 << 10          // commands are small; anything bigger is an error or an attack
	sendBuffer     = 64               // messages queued per client before it counts as slow
)

// clientKind says which protocol a client speaks: the hub never sends a
// console's message to a display or the other way round.
type clientKind int

const (
	consoleClient clientKind = iota // /ws/console, devices/console
	displayClient                   // /ws/display, display/feed
)

// client is one WebSocket connection: exactly one reader (the handler's
// goroutine) and one writer (writeLoop). Nothing else touches conn.
type client struct {
	conn   *websocket.Conn
	send   chan []byte
	kind   clientKind
	window int    // the window it follows; 0 follows all
	token  string // the staff session it belongs to; "" for a device
	// since is the log position of the last full state a display got: calls
	// up to it are in that state already. Guarded by hub.mu.
	since  int64
	quit   chan struct{}
	once   sync.Once
	code   int    // the close code to send when dropped
	reason string // why it was dropped, for the close frame
}

func newClient(conn *websocket.Conn, kind clientKind, window int) *client {
	return &client{conn: conn, send: make(chan []byte, sendBuffer), kind: kind, window: window, quit: make(chan struct{})}
}

// offer queues msg without waiting. A client whose buffer is full is too
// slow: it is dropped, reconnects and resyncs, and nobody else waits for it.
func (c *client) offer(msg []byte) bool {
	select {
	case <-c.quit:
		return false
	default:
	}
	select {
	case c.send <- msg:
		return true
	default:
		c.drop("slow client")
		return false
	}
}

// drop ends the connection with "try again later": the client reconnects
// with backoff and resyncs.
func (c *client) drop(reason string) { c.dropWith(websocket.CloseTryAgainLater, reason) }

func (c *client) dropWith(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.quit)
		if code == websocket.CloseTryAgainLater {
			// A writer stuck on a full socket would wait out writeWait:
			// fail its write now. (net.Conn deadlines are safe across goroutines.)
			c.conn.NetConn().SetWriteDeadline(time.Now())
		}
	})
}

// writeLoop writes queued messages and pings until the client is dropped
// or a write fails, then closes the connection, which ends the reader too.
func (c *client) writeLoop(ping time.Duration, log *slog.Logger) {
	t := time.NewTicker(ping)
	defer func() {
		t.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case <-c.quit:
			c.close(log)
			return
		default:
		}
		select {
		case msg := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				c.drop("write failed")
				return
			}
		case <-t.C:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.drop("ping failed")
				return
			}
		case <-c.quit:
			c.close(log)
			return
		}
	}
}

// close says why the connection ends, so the client knows to reconnect and
// resync; a client too slow to take even that just loses the connection.
func (c *client) close(log *slog.Logger) {
	msg := websocket.FormatCloseMessage(c.code, c.reason)
	c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	log.Debug("websocket dropped", "reason", c.reason)
}

// hub keeps the connected clients. Its lock also orders fan-out against
// registration: a client gets its full state and every delta after it,
// never a delta older than its state.
type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
}

func newHub() *hub { return &hub{clients: make(map[*client]struct{})} }

// register adds c with first as its first message; call with h.mu held.
func (h *hub) register(c *client, first []byte) {
	h.clients[c] = struct{}{}
	c.offer(first)
}

func (h *hub) unregister(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.drop("closed")
}

// broadcast offers msg to every client of kind following window (0: to
// all); call with h.mu held.
func (h *hub) broadcast(msg []byte, kind clientKind, window int) {
	h.offerEach(kind, func(c *client) []byte {
		if window == 0 || c.window == 0 || c.window == window {
			return msg
		}
		return nil
	})
}

// has reports whether a client of kind is connected; call with h.mu held.
func (h *hub) has(kind clientKind) bool {
	for c := range h.clients {
		if c.kind == kind {
			return true
		}
	}
	return false
}

// offerEach offers every client of kind what msg returns for it (nothing
// when nil) and forgets the clients too slow to take it; call with h.mu held.
func (h *hub) offerEach(kind clientKind, msg func(*client) []byte) {
	for c := range h.clients {
		if c.kind != kind {
			continue
		}
		if m := msg(c); m != nil && !c.offer(m) {
			delete(h.clients, c)
		}
	}
}

// count is the number of connected clients.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// counts is the number of connected clients of each kind, indexed by kind.
func (h *hub) counts() (n [displayClient + 1]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		n[c.kind]++
	}
	return n
}

// dropSession ends every connection of a signed-out session.
func (h *hub) dropSession(token string) {
	if token == "" {
		return // devices have no session
	}
	h.dropIf(func(c *client) bool { return c.token == token })
}

// closeAll ends every connection because the server is going away; http.Server's
// Shutdown does not reach hijacked connections.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		delete(h.clients, c)
		c.dropWith(websocket.CloseServiceRestart, "server shutting down")
	}
}

// dropIf ends every connection for which gone says so.
func (h *hub) dropIf(gone func(*client) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if gone(c) {
			delete(h.clients, c)
			c.drop("signed out")
		}
	}
}
