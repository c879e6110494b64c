package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"eq/internal/wsclient"
	"eq/queue"
)

// Client defaults. The server pings every 54 s, so a connection silent for
// readTimeout has lost its server.
const (
	defaultMinBackoff   = 250 * time.Millisecond
	defaultMaxBackoff   = 10 * time.Second
	defaultReadTimeout  = 75 * time.Second
	defaultWriteTimeout = 10 * time.Second
	defaultHTTPTimeout  = 15 * time.Second
	// maxStateSize bounds one server message: a full state of a large office
	// is tens of kilobytes.
	maxStateSize = 4 << 20
	// maxErrorBody bounds how much of an HTTP error answer is read.
	maxErrorBody  = 64 << 10
	sessionCookie = "eq_session"
)

// Errors a Client returns, wrapped; test them with errors.Is. A server's
// refusal of a command is a *queue.Error instead, found with errors.As.
var (
	// ErrOffline: the connection is down (or not yet resynced), so the
	// command was not sent. Commands are never queued for later: an operator
	// pressing "call next" must not call a visitor minutes afterwards.
	ErrOffline = errors.New("нет связи с сервером, команда не отправлена (offline: the command was not sent)")
	// ErrLost: the connection dropped after the command was sent and before
	// its reply; whether the server did it shows in the state after resync.
	ErrLost = errors.New("связь прервалась до ответа, выполнена ли команда — неизвестно (connection lost before the reply: the command may or may not have been done)")
	// ErrClosed: the client was closed or its context ended.
	ErrClosed = errors.New("клиент закрыт (client closed)")
)

// Option configures a Client.
type Option func(*options)

type options struct {
	httpClient   *http.Client
	dialer       *websocket.Dialer
	log          *slog.Logger
	minBackoff   time.Duration
	maxBackoff   time.Duration
	readTimeout  time.Duration
	writeTimeout time.Duration
}

// WithHTTPClient signs in with hc instead of a client of the package's own.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithDialer opens WebSockets with d (TLS settings, proxies).
func WithDialer(d *websocket.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithLogger logs connection changes to log; the default logs nothing.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// WithBackoff sets the reconnection delays: the first try waits about min,
// each failure doubles it up to max, with jitter so that a room of consoles
// does not return to a restarted server all at once.
func WithBackoff(min, max time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = min, max }
}

// WithReadTimeout sets how long the server may stay silent (no message, no
// ping) before the connection counts as dead.
func WithReadTimeout(d time.Duration) Option { return func(o *options) { o.readTimeout = d } }

// Snapshot is what a Client knows at one moment.
type Snapshot struct {
	// State is the latest full state with every update since applied;
	// State.Window is the client's window. The server pushes only this
	// window's changes, so the other entries of State.Windows are as of the
	// last full state. Treat it as read-only: it shares memory with the
	// client (updates replace, never modify, what it holds).
	State State
	// Online is true while connected and resynced: only then are commands sent.
	Online bool
	// Conns counts the connections that delivered a state: it grows by one
	// at each resync, so a drop and return between two looks still shows.
	Conns int
}

// Client is an operator console for one window: it signs in, follows the
// window and the queues over the console WebSocket, sends commands, and
// reconnects and resyncs by itself when the connection drops.
//
// One goroutine reads and reconnects; commands are written under a lock,
// since a WebSocket allows one writer at a time.
type Client struct {
	o          options
	window     int
	login      string
	password   string // kept to sign in again after a server restart forgets the session
	loginURL   string
	ticketsURL string
	wsURL      string

	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when the reading goroutine has ended
	updates chan struct{} // one pending signal at most; closed with done

	writeMu sync.Mutex

	mu      sync.Mutex
	cookie  string
	conn    *websocket.Conn // nil while offline
	online  bool
	conns   int
	state   State
	nextID  uint64
	pending map[string]chan result // command id → its reply
}

type result struct {
	reply Reply
	err   error
}

// Dial signs in at serverURL (http or https, the server's base address) as
// login, opens the console of window and waits for its first state. The
// client lives until ctx ends or Close is called.
func Dial(ctx context.Context, serverURL string, window int, login, password string, opts ...Option) (*Client, error) {
	o := options{
		minBackoff: defaultMinBackoff, maxBackoff: defaultMaxBackoff,
		readTimeout: defaultReadTimeout, writeTimeout: defaultWriteTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if o.dialer == nil {
		o.dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: defaultHTTPTimeout}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.minBackoff <= 0 || o.maxBackoff < o.minBackoff {
		return nil, fmt.Errorf("console: backoff %v…%v: need 0 < min ≤ max", o.minBackoff, o.maxBackoff)
	}
	if window <= 0 {
		return nil, fmt.Errorf("console: номер окна %d должен быть положительным (window number %d must be positive)", window, window)
	}
	base, wsURL, err := endpoints(serverURL, window)
	if err != nil {
		return nil, err
	}
	c := &Client{
		o: o, window: window, login: login, password: password,
		loginURL: base + "/api/v1/login", ticketsURL: base + "/api/v1/tickets", wsURL: wsURL,
		done: make(chan struct{}), updates: make(chan struct{}, 1), pending: map[string]chan result{},
	}
	c.o.log = c.o.log.With("window", window, "login", login)
	if err := c.signIn(ctx); err != nil {
		return nil, err
	}
	conn, st, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.adopt(conn, st)
	go c.run(conn)
	return c, nil
}

// endpoints derives the API base and the WebSocket address from the
// server's address, keeping any path prefix (a server behind a proxy).
func endpoints(serverURL string, window int) (api, ws string, err error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", "", fmt.Errorf("console: server address %q: %w", serverURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("console: адрес сервера %q: нужен http://хост:порт (server address: http://host:port expected)", serverURL)
	}
	l := url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimSuffix(u.Path, "/")}
	ws, err = wsclient.URL(serverURL, "/ws/console", url.Values{"window": {strconv.Itoa(window)}})
	if err != nil {
		return "", "", fmt.Errorf("console: %w", err)
	}
	return l.String(), ws, nil
}

// Updates signals that the snapshot changed: state, online or offline.
// Signals coalesce, so read Snapshot after each. It is closed when the
// client ends.
func (c *Client) Updates() <-chan struct{} { return c.updates }

// Snapshot returns the state, whether the client is online, and how many
// times it has connected.
func (c *Client) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{State: c.state, Online: c.online, Conns: c.conns}
}

// State returns the latest state; see Snapshot.State.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Online reports whether the client is connected and resynced.
func (c *Client) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// Do sends a window action (queue.Action values: "open", "call-next", …)
// and waits for its reply; state updates keep flowing meanwhile. A refusal
// returns the reply and an error wrapping a *queue.Error with the server's
// messages; a command that could not be sent or answered wraps ErrOffline,
// ErrLost or ErrClosed.
func (c *Client) Do(ctx context.Context, action string, p Params) (Reply, error) {
	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		return Reply{}, fmt.Errorf("console: %s: %w", action, ErrClosed)
	}
	conn := c.conn
	if conn == nil || !c.online {
		c.mu.Unlock()
		return Reply{}, fmt.Errorf("console: %s: %w", action, ErrOffline)
	}
	c.nextID++
	id := strconv.FormatUint(c.nextID, 10)
	wait := make(chan result, 1)
	c.pending[id] = wait
	c.mu.Unlock()

	msg, err := json.Marshal(Command{Envelope: Envelope{Type: TypeCommand, ID: id}, Action: action, Params: p})
	if err != nil {
		c.forget(id)
		return Reply{}, fmt.Errorf("console: %s: encode: %w", action, err)
	}
	if err := c.write(ctx, conn, msg); err != nil {
		c.forget(id)
		if c.ctx.Err() != nil {
			return Reply{}, fmt.Errorf("console: %s: %w", action, ErrClosed)
		}
		// A failed write leaves the connection unusable: close it so the
		// reader notices now and reconnects.
		conn.Close()
		return Reply{}, fmt.Errorf("console: %s: %w (%v)", action, ErrLost, err)
	}
	select {
	case r := <-wait:
		if r.err != nil {
			return Reply{}, fmt.Errorf("console: %s: %w", action, r.err)
		}
		if !r.reply.OK {
			return r.reply, fmt.Errorf("console: %s: %w", action, refusal(r.reply.Error))
		}
		return r.reply, nil
	case <-ctx.Done():
		c.forget(id)
		return Reply{}, fmt.Errorf("console: %s: %w", action, ctx.Err())
	}
}

// Tickets lists the day's tickets (GET /api/v1/tickets with the client's
// session), so that a console can turn the number a visitor shows (П004)
// into the ticket id an out-of-order call needs.
func (c *Client) Tickets(ctx context.Context) ([]queue.TicketView, error) {
	list, err := c.tickets(ctx)
	if queue.ErrorCode(err) == queue.EUNAUTHORIZED {
		// The server forgot the session (a restart): sign in once more.
		if err := c.signIn(ctx); err != nil {
			return nil, err
		}
		list, err = c.tickets(ctx)
	}
	return list, err
}

func (c *Client) tickets(ctx context.Context) ([]queue.TicketView, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.ticketsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("console: tickets: %w", err)
	}
	c.mu.Lock()
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
	c.mu.Unlock()
	req.Close = true
	resp, err := c.o.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("console: tickets: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("console: tickets: %w", responseError(resp))
	}
	var body struct {
		Tickets []queue.TicketView `json:"tickets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("console: tickets: decode: %w", err)
	}
	return body.Tickets, nil
}

// Close disconnects and waits for the client's goroutine to end. It may be
// called more than once.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// write sends one message; gorilla/websocket allows a single writer.
func (c *Client) write(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	deadline := time.Now().Add(c.o.writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetWriteDeadline(deadline)
	return conn.WriteMessage(websocket.TextMessage, msg)
}

// notify signals a change without waiting: a signal already pending says
// the same thing. Only the client's goroutine (or Dial, before it starts)
// calls it, so it never races with closing the channel.
func (c *Client) notify() {
	select {
	case c.updates <- struct{}{}:
	default:
	}
}

// signIn gets a session cookie.
func (c *Client) signIn(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"login": c.login, "password": c.password})
	if err != nil {
		return fmt.Errorf("console: sign in: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.loginURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("console: sign in: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	// One request now and then: no idle connection left behind.
	req.Close = true
	resp, err := c.o.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("console: sign in at %s: %w", c.loginURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("console: sign in as %s: %w", c.login, responseError(resp))
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			c.mu.Lock()
			c.cookie = ck.Value
			c.mu.Unlock()
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			return nil
		}
	}
	return fmt.Errorf("console: sign in as %s: the server set no %s cookie", c.login, sessionCookie)
}

// connect opens the WebSocket and reads the full state the server sends first.
func (c *Client) connect(ctx context.Context) (*websocket.Conn, State, error) {
	c.mu.Lock()
	h := http.Header{"Cookie": {sessionCookie + "=" + c.cookie}}
	c.mu.Unlock()
	conn, resp, err := c.o.dialer.DialContext(ctx, c.wsURL, h)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, State{}, fmt.Errorf("console: connect to %s: %w", c.wsURL, responseError(resp))
		}
		return nil, State{}, fmt.Errorf("console: connect to %s: %w", c.wsURL, err)
	}
	conn.SetReadLimit(maxStateSize)
	conn.SetReadDeadline(time.Now().Add(c.o.readTimeout))
	conn.SetPingHandler(func(data string) error {
		conn.SetReadDeadline(time.Now().Add(c.o.readTimeout))
		// WriteControl may run beside the one writer; a failure shows up
		// as a read error soon enough.
		conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.o.writeTimeout))
		return nil
	})
	_, data, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, State{}, fmt.Errorf("console: read the first state: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil || st.Type != TypeState {
		conn.Close()
		return nil, State{}, fmt.Errorf("console: the server's first message is not a state: %.100s", data)
	}
	if err := checkVersion(st.Version); err != nil {
		conn.Close()
		return nil, State{}, err
	}
	return conn, st, nil
}

// checkVersion refuses a server of a newer protocol, as protocol.go asks.
func checkVersion(v int) error {
	if v > Version {
		return fmt.Errorf("console: сервер говорит на версии протокола %d, клиент знает %d — обновите eq (the server speaks protocol %d, this client knows %d: update eq)", v, Version, v, Version)
	}
	return nil
}

// adopt makes conn the live connection with st as its fresh state.
func (c *Client) adopt(conn *websocket.Conn, st State) {
	c.mu.Lock()
	c.conn, c.state, c.online = conn, st, true
	c.conns++
	c.mu.Unlock()
	c.notify()
}

// run reads the connection and, when it drops, reconnects until the client
// ends. It is the client's only goroutine.
func (c *Client) run(conn *websocket.Conn) {
	defer func() {
		c.mu.Lock()
		c.conn, c.online = nil, false
		c.failPending(ErrClosed)
		c.mu.Unlock()
		close(c.updates)
		close(c.done)
	}()
	backoff := wsclient.Backoff{Min: c.o.minBackoff, Max: c.o.maxBackoff}
	for {
		began := time.Now()
		err := c.readLoop(conn)
		conn.Close()
		if c.ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		c.conn, c.online = nil, false
		c.failPending(ErrLost)
		c.mu.Unlock()
		c.notify()
		c.o.log.Info("console connection lost", "err", err)
		backoff.Lasted(time.Since(began))
		for {
			if !wsclient.Sleep(c.ctx, backoff.Next()) {
				return
			}
			var st State
			conn, st, err = c.reconnect()
			if err == nil {
				c.adopt(conn, st)
				c.o.log.Info("console connection restored")
				break
			}
			if c.ctx.Err() != nil {
				return
			}
			c.o.log.Info("console reconnect failed", "err", err)
		}
	}
}

// reconnect connects again, signing in again when the server has forgotten
// the session (it keeps sessions in memory: a restart drops them).
func (c *Client) reconnect() (*websocket.Conn, State, error) {
	conn, st, err := c.connect(c.ctx)
	if queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		return conn, st, err
	}
	if err := c.signIn(c.ctx); err != nil {
		return nil, State{}, err
	}
	return c.connect(c.ctx)
}

// readLoop applies messages until the connection fails or the client ends.
func (c *Client) readLoop(conn *websocket.Conn) error {
	// Ending the context says goodbye, so the server forgets this console
	// at once, and closes the connection, which wakes the blocked read.
	// Leaving waits for that to finish: nothing outlives the client.
	closed := make(chan struct{})
	stop := context.AfterFunc(c.ctx, func() {
		defer close(closed)
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
	})
	defer func() {
		if !stop() {
			<-closed
		}
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(c.o.readTimeout))
		if err := c.handle(data); err != nil {
			return err
		}
	}
}

// handle applies one server message. Unknown types are skipped, so that a
// newer server may add some.
func (c *Client) handle(data []byte) error {
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		c.o.log.Warn("console: unreadable message", "err", err)
		return nil
	}
	switch env.Type {
	case TypeState:
		var st State
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("console: decode state: %w", err)
		}
		if err := checkVersion(st.Version); err != nil {
			return err
		}
		c.mu.Lock()
		c.state = st
		c.mu.Unlock()
	case TypeWindow:
		var u WindowUpdate
		if err := json.Unmarshal(data, &u); err != nil {
			return fmt.Errorf("console: decode window update: %w", err)
		}
		if !c.applyWindow(u) {
			return nil
		}
	case TypeQueue:
		var u QueueUpdate
		if err := json.Unmarshal(data, &u); err != nil {
			return fmt.Errorf("console: decode queue update: %w", err)
		}
		c.mu.Lock()
		stale := u.Seq < c.state.Seq
		if !stale {
			c.state.Seq, c.state.Queue = u.Seq, u.Queue
		}
		c.mu.Unlock()
		if stale {
			return nil
		}
	case TypeReply, TypeError:
		var r Reply
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("console: decode reply: %w", err)
		}
		c.mu.Lock()
		wait, ok := c.pending[r.ID]
		delete(c.pending, r.ID)
		c.mu.Unlock()
		if ok {
			wait <- result{reply: r}
		} else if env.Type == TypeError {
			ru, en := "", ""
			if r.Error != nil {
				ru, en = r.Error.Message, r.Error.MessageEN
			}
			c.o.log.Warn("console: the server could not read a message", "message", ru, "message_en", en)
		}
		return nil
	default:
		return nil
	}
	c.notify()
	return nil
}

// applyWindow puts a window's new view into the state; it reports false for
// an update older than the state.
func (c *Client) applyWindow(u WindowUpdate) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u.Seq < c.state.Seq {
		return false
	}
	c.state.Seq = u.Seq
	// A new slice, not an edit: snapshots handed out share the old one.
	ws := make([]queue.WindowView, 0, len(c.state.Windows)+1)
	found := false
	for _, w := range c.state.Windows {
		if w.Number == u.Window.Number {
			w, found = u.Window, true
		}
		ws = append(ws, w)
	}
	if !found {
		ws = append(ws, u.Window)
	}
	c.state.Windows = ws
	if u.Window.Number == c.window {
		w := u.Window
		c.state.Window = &w
	}
	return true
}

// failPending ends every command waiting for a reply; call with c.mu held.
func (c *Client) failPending(err error) {
	for id, wait := range c.pending {
		wait <- result{err: err}
		delete(c.pending, id)
	}
}

// refusal turns a reply's error into a *queue.Error, so that callers test
// it the same way as the engine's own errors.
func refusal(e *Error) error {
	if e == nil {
		return &queue.Error{Code: queue.EINTERNAL, Message: "сервер отказал без объяснения", MessageEN: "the server refused without a reason"}
	}
	return &queue.Error{Code: e.Code, Message: e.Message, MessageEN: e.MessageEN}
}

// responseError reads the API's error JSON from a failed HTTP answer; an
// answer that is not the API's still gets a code from its status.
func responseError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error *Error `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil && body.Error.Message != "" {
		return refusal(body.Error)
	}
	code := map[int]queue.Code{
		http.StatusBadRequest: queue.EINVALID, http.StatusUnauthorized: queue.EUNAUTHORIZED,
		http.StatusForbidden: queue.EFORBIDDEN, http.StatusNotFound: queue.ENOTFOUND,
		http.StatusConflict: queue.ECONFLICT,
	}[resp.StatusCode]
	if code == "" {
		code = queue.EINTERNAL
	}
	return queue.Errorf(code, "сервер ответил HTTP %d", "the server answered HTTP %d", resp.StatusCode)
}
