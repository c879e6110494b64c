package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/devices/console"
	"eq/display/feed"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

// The benchmarks run the whole server — a real SQLite file, the engine, the
// fan-out, httptest — against real gorilla clients over loopback TCP. They
// run only with -bench:
//
//	go test -run '^$' -bench . -benchtime 20x ./server/
//
// Latencies are reported as p50-us and p99-us (microseconds) beside ns/op.
// With few iterations p99 is close to the slowest one. Each figure has its
// yardstick here too, measured by the same client code in the same run:
// BenchmarkFanout500 and BenchmarkCallToDisplays500 against
// BenchmarkBareGorillaBroadcast500, BenchmarkHold2000 against
// BenchmarkBareGorillaHold2000; `go run ./internal/benchtable` pairs them.
//
// The fan-out benchmarks hold 1000 sockets (both ends of 500 connections).
// Go raises the soft limit of open files to the hard one by itself (since
// Go 1.19), so only a hard limit below ~1100 (ulimit -Hn) can stop them,
// and the dial error then says so.

// fanoutClients is how many consoles the fan-out benchmarks connect.
const fanoutClients = 500

// benchStack is a whole office for benchmarks, with the engine's publisher
// wrapped so a benchmark learns when each committed batch reached the
// fan-out.
type benchStack struct {
	*officetest.Office
	pub *stampedFeed
}

// stampedFeed is the engine's publisher: it notes the moment of each
// committed batch, then hands it to the server's feed.
type stampedFeed struct {
	feed *server.Feed
	at   atomic.Int64 // UnixNano of the last Publish
}

func (p *stampedFeed) Publish(evs []queue.Event) {
	p.at.Store(time.Now().UnixNano())
	p.feed.Publish(evs)
}

func newBenchStack(tb testing.TB) *benchStack {
	tb.Helper()
	var pub *stampedFeed
	o := officetest.Start(tb, officetest.WithPublisher(func(feed *server.Feed) queue.Publisher {
		pub = &stampedFeed{feed: feed}
		return pub
	}))
	return &benchStack{Office: o, pub: pub}
}

func (s *benchStack) dialConsole(tb testing.TB, cookie, query string) *websocket.Conn {
	tb.Helper()
	h := http.Header{"Cookie": {server.SessionCookie + "=" + cookie}}
	c, _, err := websocket.DefaultDialer.Dial(consoleURL(s.URL(), query), h)
	if err != nil {
		tb.Fatalf("dial %s: %v (with %d clients each side needs a socket: is the hard limit of open files, ulimit -Hn, high enough?)", query, err, fanoutClients)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// waitConnected returns once the hub has n clients. A client's dial
// returns when the upgrade is answered, before the server registers it; a
// change committed in between reaches that client inside its first state,
// not as the update the benchmark waits for, and the wait would last until
// the next periodic refresh.
func (s *benchStack) waitConnected(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.Server.HubCount() != n {
		if time.Now().After(deadline) {
			tb.Fatalf("after 20 s the hub has %d clients, want %d", s.Server.HubCount(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// dialDisplay connects a hall display with the demo display token.
func (s *benchStack) dialDisplay(tb testing.TB) *websocket.Conn {
	tb.Helper()
	c, _, err := dialDisplay(s.URL(), "?board=hall", "Authorization", "Bearer "+displayToken)
	if err != nil {
		tb.Fatalf("dial display: %v (with %d clients each side needs a socket: is the hard limit of open files, ulimit -Hn, high enough?)", err, fanoutClients)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// commander is an operator's console: it sends commands over its
// connection and reads their replies, passing over the pushes in between.
type commander struct {
	tb   testing.TB
	conn *websocket.Conn
	id   int
}

// send sends action and returns the id its reply will carry.
func (k *commander) send(action string) string {
	k.id++
	id := strconv.Itoa(k.id)
	if err := k.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","id":"`+id+`","action":"`+action+`"}`)); err != nil {
		k.tb.Fatalf("%s: %v", action, err)
	}
	return id
}

// reply reads until the reply to the command id and fails unless the
// server did what action asked.
func (k *commander) reply(id, action string) {
	for {
		k.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m struct {
			Type  string         `json:"type"`
			ID    string         `json:"id"`
			OK    bool           `json:"ok"`
			Error *console.Error `json:"error"`
		}
		if err := k.conn.ReadJSON(&m); err != nil {
			k.tb.Fatalf("%s: %v", action, err)
		}
		if m.Type != console.TypeReply || m.ID != id {
			continue // a push from the fan-out
		}
		if !m.OK {
			k.tb.Fatalf("%s refused: %+v", action, m.Error)
		}
		return
	}
}

// do runs action and returns its round trip.
func (k *commander) do(action string) time.Duration {
	start := time.Now()
	k.reply(k.send(action), action)
	return time.Since(start)
}

// BenchmarkCallNextRoundTrip serves one visitor per iteration at window 1:
// call-next, start, finish over the console WebSocket, each waiting for its
// reply. ns/op is the whole visit; p50-us and p99-us are the call-next round
// trip alone, which includes the SQLite commit (synchronous=FULL).
func BenchmarkCallNextRoundTrip(b *testing.B) {
	s := newBenchStack(b)
	k := &commander{tb: b, conn: s.dialConsole(b, sessionCookieFor(b, s.URL(), "op1"), "?window=1")}
	k.do("open")
	// One waiting visitor per iteration, issued before the clock starts.
	ctx := context.Background()
	for range b.N {
		if _, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		lat = append(lat, k.do("call-next"))
		k.do("start")
		k.do("finish")
	}
	b.StopTimer()
	reportPercentiles(b, "", lat)
}

// BenchmarkFanout500 connects 500 consoles and measures, per change, the
// time from the engine publishing a committed ticket issue to the moment
// the last of the 500 has read the queue update it causes. The consoles
// follow window 1 and the tickets are for a service window 1 does not
// serve, so each console gets exactly one message per change — the queue
// update — the same as in BenchmarkBareGorillaBroadcast500/queue.
func BenchmarkFanout500(b *testing.B) {
	s := newBenchStack(b)
	cookie := sessionCookieFor(b, s.URL(), "op1")
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		conns[i] = s.dialConsole(b, cookie, "?window=1")
	}
	s.waitConnected(b, len(conns))
	r := startArrivals(b, conns)
	ctx := context.Background()
	var lat, commit []time.Duration
	b.ResetTimer()
	for range b.N {
		var seq int64
		s.Engine.Read(func(qs *queue.State, _ time.Time) { seq = qs.LastSeq() + 1 })
		r.expect(queuePrefix, seq)
		start := time.Now()
		if _, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: "criminal-record"}); err != nil {
			b.Fatal(err)
		}
		commit = append(commit, time.Since(start))
		last := r.wait(b)
		lat = append(lat, last.Sub(time.Unix(0, s.pub.at.Load())))
	}
	b.StopTimer()
	reportPercentiles(b, "", lat)
	slices.Sort(commit)
	b.ReportMetric(float64(commit[len(commit)/2].Microseconds()), "commit-p50-us")
	b.ReportMetric(float64(r.size.Load()), "msg-bytes")
}

// BenchmarkCallToDisplays500 connects 500 hall displays and measures the
// way of a call to the hall: from the operator's console sending call-next
// to the moment the last of the 500 displays has read the call message.
// That is the console's command over its WebSocket, the engine deciding
// who is next, the durable commit (synchronous=FULL) and the fan-out;
// fanout-p50-us and fanout-p99-us are the part after the commit. Each
// iteration issues one ticket first and serves it after, off the clock.
// Displays get three messages per call (the call, the window, the queues);
// the call goes first.
func BenchmarkCallToDisplays500(b *testing.B) {
	s := newBenchStack(b)
	k := &commander{tb: b, conn: s.dialConsole(b, sessionCookieFor(b, s.URL(), "op1"), "?window=1")}
	k.do("open")
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		conns[i] = s.dialDisplay(b)
	}
	s.waitConnected(b, len(conns)+1) // and the console
	r := startArrivals(b, conns)
	ctx := context.Background()
	var lat, fanout []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// The issue's queue update reaches every display before the call,
		// so the call does not queue behind it: the displays are as quiet
		// as the yardstick's clients.
		var seq int64
		s.Engine.Read(func(qs *queue.State, _ time.Time) { seq = qs.LastSeq() + 1 })
		r.expect(queuePrefix, seq)
		if _, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
			b.Fatal(err)
		}
		r.wait(b)
		r.expect(callPrefix, seq+1)
		b.StartTimer()
		start := time.Now()
		id := k.send("call-next")
		last := r.wait(b)
		b.StopTimer()
		lat = append(lat, last.Sub(start))
		fanout = append(fanout, last.Sub(time.Unix(0, s.pub.at.Load())))
		k.reply(id, "call-next")
		k.do("start")
		k.do("finish")
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, "", lat)
	reportPercentiles(b, "fanout-", fanout)
	b.ReportMetric(float64(r.size.Load()), "msg-bytes")
}

// BenchmarkBareGorillaBroadcast500 is the yardstick for the fan-out
// benchmarks: gorilla's chat example pared down — a hub goroutine, a
// buffered channel and a writer goroutine per connection — sending one
// message to 500 clients read by the same client code. "queue" sends the
// bytes of BenchmarkFanout500's queue update, "call" those of
// BenchmarkCallToDisplays500's call message. The clock runs from handing
// the message to the hub.
func BenchmarkBareGorillaBroadcast500(b *testing.B) {
	b.Run("queue", func(b *testing.B) {
		q := sampleQueue(b)
		bareBroadcast(b, queuePrefix, func(seq int64) []byte {
			return server.MustJSON(console.QueueUpdate{Envelope: console.Envelope{Type: console.TypeQueue}, Seq: seq, Queue: q})
		})
	})
	b.Run("call", func(b *testing.B) {
		call := sampleCall(b)
		bareBroadcast(b, callPrefix, func(seq int64) []byte {
			call.Seq = seq
			return server.MustJSON(call)
		})
	})
}

// bareBroadcast broadcasts message(seq) over a bare hub to 500 clients,
// seq counting from 1, and reports when the last client has it.
func bareBroadcast(b *testing.B, prefix []byte, message func(seq int64) []byte) {
	h, url := startBareHub(b)
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("dial: %v (is ulimit -Hn high enough?)", err)
		}
		b.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	for h.count() < fanoutClients {
		time.Sleep(time.Millisecond)
	}
	r := startArrivals(b, conns)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		seq := int64(i + 1)
		msg := message(seq)
		r.expect(prefix, seq)
		start := time.Now()
		h.broadcast <- msg
		lat = append(lat, r.wait(b).Sub(start))
	}
	b.StopTimer()
	reportPercentiles(b, "", lat)
	b.ReportMetric(float64(r.size.Load()), "msg-bytes")
}

// sampleQueue is the queue view BenchmarkFanout500 sends after its first
// change, so both fan-out benchmarks move the same bytes.
func sampleQueue(tb testing.TB) queue.QueueView {
	o := officetest.Start(tb)
	defer o.Close()
	if _, err := o.Engine.Issue(context.Background(), queue.IssueRequest{Service: "criminal-record"}); err != nil {
		tb.Fatal(err)
	}
	return o.Engine.Queue()
}

// sampleCall is a call message as a hall display reads it when window 1
// calls its first visitor of the day, as in BenchmarkCallToDisplays500.
func sampleCall(tb testing.TB) feed.Call {
	s := newBenchStack(tb)
	defer s.Close()
	display := s.dialDisplay(tb)
	k := &commander{tb: tb, conn: s.dialConsole(tb, sessionCookieFor(tb, s.URL(), "op1"), "?window=1")}
	k.do("open")
	if _, err := s.Engine.Issue(context.Background(), queue.IssueRequest{Service: "passport"}); err != nil {
		tb.Fatal(err)
	}
	k.do("call-next")
	for {
		display.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := display.ReadMessage()
		if err != nil {
			tb.Fatalf("read the call: %v", err)
		}
		if !bytes.HasPrefix(data, callPrefix) {
			continue
		}
		var call feed.Call
		if err := json.Unmarshal(data, &call); err != nil {
			tb.Fatal(err)
		}
		if got := server.MustJSON(call); !bytes.Equal(got, data) {
			tb.Fatalf("the call re-encodes as\n%s\nnot as the server sent it:\n%s", got, data)
		}
		return call
	}
}

type bareConn struct {
	conn *websocket.Conn
	send chan []byte
}

func (c *bareConn) writeLoop() {
	defer c.conn.Close()
	for msg := range c.send {
		c.conn.SetWriteDeadline(time.Now().Add(server.WriteWait))
		if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			return
		}
	}
}

// bareHub owns the connections; only its goroutine touches the map.
type bareHub struct {
	conns      map[*bareConn]bool
	n          atomic.Int64
	broadcast  chan []byte
	register   chan *bareConn
	unregister chan *bareConn
	quit       chan struct{}
}

// startBareHub serves a bare hub on a loopback port and returns it with
// its WebSocket URL; the test's cleanup stops both.
func startBareHub(tb testing.TB) (*bareHub, string) {
	h := &bareHub{broadcast: make(chan []byte), register: make(chan *bareConn), unregister: make(chan *bareConn), quit: make(chan struct{})}
	go h.run()
	// The server's buffer sizes, so a connection costs the same here.
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &bareConn{conn: conn, send: make(chan []byte, server.SendBuffer)}
		select {
		case h.register <- c:
		case <-h.quit:
			conn.Close()
			return
		}
		go c.writeLoop()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				select {
				case h.unregister <- c:
				case <-h.quit:
				}
				conn.Close()
				return
			}
		}
	}))
	tb.Cleanup(func() {
		close(h.quit)
		ts.CloseClientConnections()
		ts.Close()
	})
	return h, "ws" + strings.TrimPrefix(ts.URL, "http")
}

func (h *bareHub) count() int { return int(h.n.Load()) }

func (h *bareHub) run() {
	h.conns = map[*bareConn]bool{}
	forget := func(c *bareConn) {
		if h.conns[c] {
			close(c.send)
			delete(h.conns, c)
			h.n.Add(-1)
		}
	}
	for {
		select {
		case c := <-h.register:
			h.conns[c] = true
			h.n.Add(1)
		case c := <-h.unregister:
			forget(c)
		case msg := <-h.broadcast:
			for c := range h.conns {
				select {
				case c.send <- msg:
				default: // too slow: drop, as the chat example does
					forget(c)
				}
			}
		case <-h.quit:
			for c := range h.conns {
				close(c.send)
			}
			return
		}
	}
}

// arrivals reads every client and notes when the last of them has read the
// awaited message: one of the awaited type with the awaited seq or a later
// one. Clients recognise it by its first bytes (the encoder writes type,
// then seq), so reading costs the same in every fan-out benchmark and no
// JSON is decoded on the way.
type arrivals struct {
	clients int64
	prefix  atomic.Pointer[[]byte] // the awaited type's first bytes
	target  atomic.Int64
	pending atomic.Int64
	size    atomic.Int64
	done    chan time.Time
	errs    chan error
}

// The first bytes of the messages the fan-out benchmarks wait for: a
// console's queue update and a display's call.
var (
	queuePrefix = []byte(`{"type":"queue","seq":`)
	callPrefix  = []byte(`{"type":"` + feed.TypeCall + `","seq":`)
)

// startArrivals starts a reader on each of conns; expect arms them.
func startArrivals(tb testing.TB, conns []*websocket.Conn) *arrivals {
	r := &arrivals{clients: int64(len(conns)), done: make(chan time.Time, 1), errs: make(chan error, len(conns))}
	r.prefix.Store(&queuePrefix)
	r.target.Store(1 << 62)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seen int64
			for {
				_, data, err := c.ReadMessage()
				if err != nil {
					r.errs <- err
					return
				}
				prefix := *r.prefix.Load()
				if !bytes.HasPrefix(data, prefix) {
					continue // a first state, or a message of another type
				}
				rest := data[len(prefix):]
				end := bytes.IndexByte(rest, ',')
				seq, err := strconv.ParseInt(string(rest[:max(end, 0)]), 10, 64)
				if err != nil || seq <= seen || seq < r.target.Load() {
					continue
				}
				seen = seq
				if r.pending.Add(-1) == 0 {
					r.size.Store(int64(len(data)))
					r.done <- time.Now()
				}
			}
		}()
	}
	// The readers end when the benchmark's cleanup closes the connections.
	tb.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	return r
}

// expect arms the readers for the message that begins with prefix and
// has seq, or a later one.
func (r *arrivals) expect(prefix []byte, seq int64) {
	r.pending.Store(r.clients)
	r.prefix.Store(&prefix)
	r.target.Store(seq)
}

// wait returns when the last client read the awaited update.
func (r *arrivals) wait(tb testing.TB) time.Time {
	select {
	case t := <-r.done:
		return t
	case err := <-r.errs:
		tb.Fatalf("a client failed: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatalf("after 20 s, %d of %d clients still wait for seq %d", r.pending.Load(), r.clients, r.target.Load())
	}
	return time.Time{}
}

// reportPercentiles reports the median and the 99th percentile of lat as
// p50-us and p99-us, their units prefixed with prefix.
func reportPercentiles(b *testing.B, prefix string, lat []time.Duration) {
	slices.Sort(lat)
	at := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), prefix+"p50-us")
	b.ReportMetric(at(0.99), prefix+"p99-us")
}
