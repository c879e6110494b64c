package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"eq/internal/wsclient"
	"eq/queue"
)

// Client defaults. The server pings every 54 s and the client pings every
// third of its read timeout, so a live server is never silent that long.
const (
	defaultMinBackoff   = 250 * time.Millisecond
	defaultMaxBackoff   = 10 * time.Second
	defaultReadTimeout  = 45 * time.Second
	defaultWriteTimeout = 10 * time.Second
	defaultHandshake    = 15 * time.Second
	defaultCallBuffer   = 32
	// maxMessageSize bounds one server message: a full state of a large
	// office is tens of kilobytes.
	maxMessageSize = 4 << 20
	// maxErrorBody bounds how much of a refusal is read.
	maxErrorBody = 64 << 10
	// missedCallAge is how old a call made while the display was offline
	// may be and still be announced after the resync: a visitor still looks
	// for a call of a few seconds ago, not for one of an hour ago.
	missedCallAge = time.Minute
)

// Option configures a Client.
type Option func(*options)

type options struct {
	dialer       *websocket.Dialer
	log          *slog.Logger
	minBackoff   time.Duration
	maxBackoff   time.Duration
	readTimeout  time.Duration
	writeTimeout time.Duration
	callBuffer   int
	now          func() time.Time
}

// WithDialer opens WebSockets with d (TLS settings, proxies).
func WithDialer(d *websocket.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithLogger logs connection changes to log; the default logs nothing.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// WithBackoff sets the reconnection delays: the first retry waits about
// min, each failure doubles it up to max, with jitter so that the displays
// of an office do not return to a restarted server all at once.
func WithBackoff(min, max time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = min, max }
}

// WithReadTimeout sets how long the server may stay silent before the
// connection counts as dead; the client pings it every third of that.
func WithReadTimeout(d time.Duration) Option { return func(o *options) { o.readTimeout = d } }

// WithCallBuffer sets how many calls Calls holds for a slow reader.
func WithCallBuffer(n int) Option { return func(o *options) { o.callBuffer = n } }

// WithClock sets the clock that judges whether a call missed while offline
// is recent enough to announce.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Client follows one board's feed: it keeps the latest State current,
// reconnects with backoff when the connection drops and resyncs from the
// state the server sends on each connect. Its one goroutine reads the
// connection and never waits for the consumer: Snapshot, Updates and Calls
// let the consumer look when it can.
type Client struct {
	o      options
	board  Board
	url    string
	header http.Header

	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when the goroutine has ended
	updates chan struct{} // one pending signal at most; closed with done
	calls   chan queue.Call

	mu      sync.Mutex
	state   State
	synced  bool // a state has arrived once: later ones may hold missed calls
	online  bool
	version uint64
	err     error
}

// Dial starts following board at serverURL (http://host:port, https, or
// ws/wss, with any path prefix of a proxy), sending token as a bearer token
// when it is not empty. It returns at once: the client connects, and keeps
// reconnecting, in the background until ctx ends or Close is called. Only
// bad arguments are errors.
func Dial(ctx context.Context, serverURL string, board Board, token string, opts ...Option) (*Client, error) {
	o := options{minBackoff: defaultMinBackoff, maxBackoff: defaultMaxBackoff, readTimeout: defaultReadTimeout,
		writeTimeout: defaultWriteTimeout, callBuffer: defaultCallBuffer, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.dialer == nil {
		o.dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: defaultHandshake}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.minBackoff <= 0 || o.maxBackoff < o.minBackoff {
		return nil, fmt.Errorf("feed: backoff %v…%v: need 0 < min ≤ max", o.minBackoff, o.maxBackoff)
	}
	if o.readTimeout <= 0 || o.callBuffer <= 0 {
		return nil, fmt.Errorf("feed: read timeout %v and call buffer %d must be positive", o.readTimeout, o.callBuffer)
	}
	if board.Window < 0 {
		return nil, fmt.Errorf("feed: табло %s: номер окна должен быть положительным (the window number must be positive)", board)
	}
	wsURL, err := endpoint(serverURL, board)
	if err != nil {
		return nil, err
	}
	c := &Client{
		o: o, board: board, url: wsURL, header: http.Header{},
		done: make(chan struct{}), updates: make(chan struct{}, 1), calls: make(chan queue.Call, o.callBuffer),
	}
	if token != "" {
		c.header.Set("Authorization", "Bearer "+token)
	}
	c.o.log = c.o.log.With("board", board.String())
	c.ctx, c.cancel = context.WithCancel(ctx)
	go c.run()
	return c, nil
}

// endpoint is the feed's WebSocket address at serverURL.
func endpoint(serverURL string, board Board) (string, error) {
	ws, err := wsclient.URL(serverURL, "/ws/display", url.Values{"board": {board.String()}})
	if err != nil {
		return "", fmt.Errorf("feed: %w", err)
	}
	return ws, nil
}

// Board is the board the client follows.
func (c *Client) Board() Board { return c.board }

// Snapshot returns the latest state, whether the client is online
// (connected and resynced), and a version that grows with every change of
// either, so that a consumer can tell whether anything changed since it
// last looked. The state shares memory with the client: treat it as
// read-only (updates replace, never modify, what it holds). Before the
// first connection it is the zero State.
func (c *Client) Snapshot() (State, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.online, c.version
}

// Err is why the client is offline: the last failure to connect or the
// error that ended the last connection; nil while online.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Updates signals that the snapshot changed. Signals coalesce, so read
// Snapshot after each. It is closed when the client ends.
func (c *Client) Updates() <-chan struct{} { return c.updates }

// Calls delivers each call and recall as it happens, in order, for the
// announcer: every call for the hall, a window's own calls for its sign.
// After a reconnect it also delivers the calls made while the client was
// offline, if they are less than a minute old. It holds a few dozen calls
// (WithCallBuffer); when the reader falls further behind, the oldest are
// dropped — an announcement that late would only mislead. It is closed when
// the client ends.
func (c *Client) Calls() <-chan queue.Call { return c.calls }

// Close stops the client and waits until its goroutine has ended. It may
// be called more than once.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

// Done is closed when the client has ended: Close was called or its
// context ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// run connects, reads, and reconnects until the client ends. It is the
// client's only long-lived goroutine, and the only sender on its channels.
func (c *Client) run() {
	defer func() {
		c.mu.Lock()
		c.online = false
		c.version++
		c.mu.Unlock()
		close(c.updates)
		close(c.calls)
		close(c.done)
	}()
	backoff := wsclient.Backoff{Min: c.o.minBackoff, Max: c.o.maxBackoff}
	for {
		began := time.Now()
		err := c.session()
		if c.ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		wasOnline := c.online
		c.online, c.err = false, err
		c.version++
		c.mu.Unlock()
		c.notify()
		backoff.Lasted(time.Since(began))
		wait := backoff.Next()
		if wasOnline {
			c.o.log.Info("display feed lost", "err", err, "retry_in", wait)
		} else {
			c.o.log.Warn("display feed: cannot connect", "err", err, "retry_in", wait)
		}
		if !wsclient.Sleep(c.ctx, wait) {
			return
		}
	}
}

// session runs one connection from dialling to its end.
func (c *Client) session() error {
	conn, resp, err := c.o.dialer.DialContext(c.ctx, c.url, c.header)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("feed: connect to %s: %w", c.url, refusal(resp))
		}
		return fmt.Errorf("feed: connect to %s: %w", c.url, err)
	}
	defer conn.Close()
	conn.SetReadLimit(maxMessageSize)
	alive := func() { conn.SetReadDeadline(time.Now().Add(c.o.readTimeout)) }
	alive()
	conn.SetPongHandler(func(string) error { alive(); return nil })
	conn.SetPingHandler(func(data string) error {
		alive()
		// WriteControl may run beside the pinger; a failure shows up as a
		// read error soon enough.
		conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.o.writeTimeout))
		return nil
	})

	// Ending the client says goodbye, so the server forgets the display at
	// once, and closes the connection, which wakes the blocked read. The
	// pinger stops with the session. Leaving waits for both.
	var wg sync.WaitGroup
	stopPing := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.ping(conn, stopPing)
	}()
	closed := make(chan struct{})
	stop := context.AfterFunc(c.ctx, func() {
		defer close(closed)
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
	})
	defer func() {
		close(stopPing)
		if !stop() {
			<-closed
		}
		wg.Wait()
	}()

	first := true
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		alive()
		m, err := Decode(data)
		if err != nil {
			return err
		}
		if _, ok := m.(State); first && !ok {
			return errors.New("feed: the server's first message is not a state")
		}
		first = false
		c.apply(m)
	}
}

// ping pings the server every third of the read timeout until stop.
func (c *Client) ping(conn *websocket.Conn, stop <-chan struct{}) {
	t := time.NewTicker(c.o.readTimeout / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.o.writeTimeout)); err != nil {
				return // the reader hears of it
			}
		}
	}
}

// apply brings the state up to date with one decoded message.
func (c *Client) apply(m any) {
	var announce []queue.Call
	c.mu.Lock()
	changed := true
	switch m := m.(type) {
	case State:
		if c.synced {
			announce = missedCalls(c.state.Calls, m.Calls, c.board, c.o.now())
		}
		c.state, c.synced, c.online, c.err = m, true, true, nil
	case Call:
		if changed = c.state.ApplyCall(m); changed {
			announce = []queue.Call{m.Call}
		}
	case Window:
		changed = c.state.ApplyWindow(m)
	case Queue:
		changed = c.state.ApplyQueue(m)
	default:
		changed = false
	}
	if changed {
		c.version++
	}
	c.mu.Unlock()
	for _, call := range announce {
		c.announce(call)
	}
	if changed {
		c.notify()
	}
}

// missedCalls are the calls on board of a new state (newest first) made
// after every call of the old one and recent at now, oldest first. A window
// sign's state lists every window's calls, but it announces only its own.
func missedCalls(old, calls []queue.Call, board Board, now time.Time) []queue.Call {
	var last time.Time
	for _, c := range old {
		if c.At.After(last) {
			last = c.At
		}
	}
	var out []queue.Call
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if board.Window != 0 && c.Window != board.Window {
			continue
		}
		if c.At.After(last) && now.Sub(c.At) < missedCallAge {
			out = append(out, c)
		}
	}
	return out
}

// announce queues a call for Calls, dropping the oldest when it is full.
// Only the client's goroutine sends, so the loop ends.
func (c *Client) announce(call queue.Call) {
	for {
		select {
		case c.calls <- call:
			return
		default:
		}
		select {
		case <-c.calls:
		default:
		}
	}
}

// notify signals a change without waiting: a signal already pending says
// the same thing.
func (c *Client) notify() {
	select {
	case c.updates <- struct{}{}:
	default:
	}
}

// refusal is the server's answer to a refused WebSocket as a *queue.Error,
// from the API's error JSON when it sent one, else from the status alone.
func refusal(resp *http.Response) error {
	var body struct {
		Error *struct {
			Code      queue.Code `json:"code"`
			Message   string     `json:"message"`
			MessageEN string     `json:"message_en"`
		} `json:"error"`
	}
	if resp.Body != nil {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if json.Unmarshal(data, &body) == nil && body.Error != nil && body.Error.Message != "" {
			return &queue.Error{Code: body.Error.Code, Message: body.Error.Message, MessageEN: body.Error.MessageEN}
		}
	}
	code := map[int]queue.Code{
		http.StatusBadRequest: queue.EINVALID, http.StatusUnauthorized: queue.EUNAUTHORIZED,
		http.StatusForbidden: queue.EFORBIDDEN, http.StatusNotFound: queue.ENOTFOUND,
	}[resp.StatusCode]
	if code == "" {
		code = queue.EINTERNAL
	}
	return queue.Errorf(code, "сервер ответил HTTP %d", "the server answered HTTP %d", resp.StatusCode)
}
