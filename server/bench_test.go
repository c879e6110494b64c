package server_test

import (
	"bytes"
	"context"
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
// With few iterations p99 is close to the slowest one.
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

// BenchmarkCallNextRoundTrip serves one visitor per iteration at window 1:
// call-next, start, finish over the console WebSocket, each waiting for its
// reply. ns/op is the whole visit; p50-us and p99-us are the call-next round
// trip alone, which includes the SQLite commit (synchronous=FULL).
func BenchmarkCallNextRoundTrip(b *testing.B) {
	s := newBenchStack(b)
	c := s.dialConsole(b, sessionCookieFor(b, s.URL(), "op1"), "?window=1")
	id := 0
	roundTrip := func(action string) time.Duration {
		id++
		want := strconv.Itoa(id)
		start := time.Now()
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","id":"`+want+`","action":"`+action+`"}`)); err != nil {
			b.Fatal(err)
		}
		for {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m struct {
				Type  string         `json:"type"`
				ID    string         `json:"id"`
				OK    bool           `json:"ok"`
				Error *console.Error `json:"error"`
			}
			if err := c.ReadJSON(&m); err != nil {
				b.Fatalf("%s: %v", action, err)
			}
			if m.Type != console.TypeReply || m.ID != want {
				continue // a push from the fan-out
			}
			took := time.Since(start)
			if !m.OK {
				b.Fatalf("%s refused: %+v", action, m.Error)
			}
			return took
		}
	}
	roundTrip("open")
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
		lat = append(lat, roundTrip("call-next"))
		roundTrip("start")
		roundTrip("finish")
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkFanout500 connects 500 consoles and measures, per change, the
// time from the engine publishing a committed ticket issue to the moment
// the last of the 500 has read the queue update it causes. The consoles
// follow window 1 and the tickets are for a service window 1 does not
// serve, so each console gets exactly one message per change — the queue
// update — the same as in BenchmarkBareGorillaBroadcast500.
func BenchmarkFanout500(b *testing.B) {
	s := newBenchStack(b)
	cookie := sessionCookieFor(b, s.URL(), "op1")
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		conns[i] = s.dialConsole(b, cookie, "?window=1")
	}
	r := startArrivals(b, conns)
	ctx := context.Background()
	var lat, commit []time.Duration
	b.ResetTimer()
	for range b.N {
		var seq int64
		s.Engine.Read(func(qs *queue.State, _ time.Time) { seq = qs.LastSeq() + 1 })
		r.expect(seq)
		start := time.Now()
		if _, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: "criminal-record"}); err != nil {
			b.Fatal(err)
		}
		commit = append(commit, time.Since(start))
		last := r.wait(b)
		lat = append(lat, last.Sub(time.Unix(0, s.pub.at.Load())))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
	slices.Sort(commit)
	b.ReportMetric(float64(commit[len(commit)/2].Microseconds()), "commit-p50-us")
	b.ReportMetric(float64(r.size.Load()), "msg-bytes")
}

// BenchmarkBareGorillaBroadcast500 is the yardstick for BenchmarkFanout500:
// gorilla's chat example pared down — a hub goroutine, a buffered channel
// and a writer goroutine per connection — sending a queue update of the
// same bytes to 500 clients read by the same client code.
func BenchmarkBareGorillaBroadcast500(b *testing.B) {
	q := sampleQueue(b)
	h := &bareHub{broadcast: make(chan []byte), register: make(chan *bareConn), quit: make(chan struct{})}
	go h.run()
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &bareConn{conn: conn, send: make(chan []byte, server.SendBuffer)}
		h.register <- c
		go c.writeLoop()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				conn.Close()
				return
			}
		}
	}))
	b.Cleanup(func() {
		close(h.quit)
		ts.CloseClientConnections()
		ts.Close()
	})
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
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
		msg := server.MustJSON(console.QueueUpdate{Envelope: console.Envelope{Type: console.TypeQueue}, Seq: seq, Queue: q})
		r.expect(seq)
		start := time.Now()
		h.broadcast <- msg
		lat = append(lat, r.wait(b).Sub(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
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
	conns     map[*bareConn]bool
	n         atomic.Int64
	broadcast chan []byte
	register  chan *bareConn
	quit      chan struct{}
}

func (h *bareHub) count() int { return int(h.n.Load()) }

func (h *bareHub) run() {
	h.conns = map[*bareConn]bool{}
	for {
		select {
		case c := <-h.register:
			h.conns[c] = true
			h.n.Add(1)
		case msg := <-h.broadcast:
			for c := range h.conns {
				select {
				case c.send <- msg:
				default: // too slow: drop, as the chat example does
					close(c.send)
					delete(h.conns, c)
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
// queue update with the awaited seq. Clients recognise it by its first bytes
// (the encoder writes type, then seq), so reading costs the same in both
// fan-out benchmarks and no JSON is decoded on the way.
type arrivals struct {
	target  atomic.Int64
	pending atomic.Int64
	size    atomic.Int64
	done    chan time.Time
	errs    chan error
}

var queuePrefix = []byte(`{"type":"queue","seq":`)

func startArrivals(tb testing.TB, conns []*websocket.Conn) *arrivals {
	r := &arrivals{done: make(chan time.Time, 1), errs: make(chan error, len(conns))}
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
				if !bytes.HasPrefix(data, queuePrefix) {
					continue // the console's first state
				}
				rest := data[len(queuePrefix):]
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

// expect arms the readers for the update with seq.
func (r *arrivals) expect(seq int64) {
	r.pending.Store(fanoutClients)
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
		tb.Fatalf("after 20 s, %d of %d clients still wait for seq %d", r.pending.Load(), fanoutClients, r.target.Load())
	}
	return time.Time{}
}

// reportPercentiles reports the median and the 99th percentile of lat.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-us")
	b.ReportMetric(at(0.99), "p99-us")
}
