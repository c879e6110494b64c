package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/devices/console"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

// wsStack is a whole office with the fan-out running and a fast ping, and
// the session cookies of whoever signed in.
type wsStack struct {
	*officetest.Office
	cookie map[string]string // login → session cookie
}

// newWSStack starts the office; ping is the server's ping period, 5 s unless
// given — short enough for tests, long enough that a client busy elsewhere in
// a loaded test run is not taken for dead.
func newWSStack(t *testing.T, ping ...time.Duration) *wsStack {
	t.Helper()
	period := 5 * time.Second
	if len(ping) > 0 {
		period = ping[0]
	}
	o := officetest.Start(t, officetest.WithServerOptions(func(o *server.Options) { o.PingPeriod = period }))
	return &wsStack{Office: o, cookie: map[string]string{}}
}

// signIn logs in once per login and remembers the cookie.
func (s *wsStack) signIn(t *testing.T, login string) string {
	t.Helper()
	if c, ok := s.cookie[login]; ok {
		return c
	}
	c := sessionCookieFor(t, s.URL(), login)
	s.cookie[login] = c
	return c
}

// sessionCookieFor signs login in at base with the demo password, as a
// keypad does, and returns the session cookie.
func sessionCookieFor(tb testing.TB, base, login string) string {
	tb.Helper()
	resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"login":"`+login+`","password":"demo"}`))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			return c.Value
		}
	}
	tb.Fatalf("login %s: status %d, no cookie", login, resp.StatusCode)
	return ""
}

// consoleURL is the address of the console WebSocket at base.
func consoleURL(base, query string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/ws/console" + query
}

func (s *wsStack) dial(t *testing.T, login, query string, header ...string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if login != "" {
		h.Set("Cookie", server.SessionCookie+"="+s.signIn(t, login))
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return websocket.DefaultDialer.Dial(consoleURL(s.URL(), query), h)
}

func (s *wsStack) mustDial(t *testing.T, login, query string) *websocket.Conn {
	t.Helper()
	c, resp, err := s.dial(t, login, query)
	if err != nil {
		t.Fatalf("dial %s%s: %v (%v)", login, query, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// msg is any server message, decoded loosely.
type msg struct {
	Type   string            `json:"type"`
	ID     string            `json:"id"`
	Seq    int64             `json:"seq"`
	OK     bool              `json:"ok"`
	Error  *console.Error    `json:"error"`
	Window *queue.WindowView `json:"window"`
	Queue  *queue.QueueView  `json:"queue"`
}

func read(t *testing.T, c *websocket.Conn) msg {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m msg
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// readUntil reads until a message satisfies ok, returning it.
func readUntil(t *testing.T, c *websocket.Conn, ok func(msg) bool) msg {
	t.Helper()
	for i := 0; i < 200; i++ {
		if m := read(t, c); ok(m) {
			return m
		}
	}
	t.Fatal("the awaited message never came")
	return msg{}
}

func command(t *testing.T, c *websocket.Conn, id, action string, params string) msg {
	t.Helper()
	body := fmt.Sprintf(`{"type":"command","id":%q,"action":%q%s}`, id, action, params)
	if err := c.WriteMessage(websocket.TextMessage, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return readUntil(t, c, func(m msg) bool { return m.Type == console.TypeReply && m.ID == id })
}

func TestConsoleSession(t *testing.T) {
	s := newWSStack(t)
	c := s.mustDial(t, "op1", "?window=1")
	first := read(t, c)
	if first.Type != console.TypeState || first.Window == nil || first.Window.Number != 1 {
		t.Fatalf("first message = %+v, want the full state of window 1", first)
	}
	if r := command(t, c, "1", "open", ""); !r.OK || !r.Window.Open {
		t.Fatalf("open: %+v", r)
	}
	if r := command(t, c, "2", "call-next", ""); r.OK || r.Error == nil || r.Error.Code != queue.ECONFLICT || r.Error.Message == "" {
		t.Fatalf("call-next with nobody waiting: %+v, want a conflict with a message", r)
	}
	if _, err := s.Engine.Issue(context.Background(), queue.IssueRequest{Service: "passport"}); err != nil {
		t.Fatal(err)
	}
	// The queue change arrives by itself, before anyone asks.
	readUntil(t, c, func(m msg) bool {
		return m.Type == console.TypeQueue && m.Queue.Services[0].Waiting == 1
	})
	r := command(t, c, "3", "call-next", "")
	if !r.OK || r.Window.Current == nil || r.Window.Current.Number != "П001" {
		t.Fatalf("call-next: %+v", r)
	}
	for _, bad := range []struct{ body, code string }{
		{`{"type":"command","id":"4","action":"dance"}`, string(queue.ENOTFOUND)},
		{`{"type":"command","id":"5","action":"postpone","minutes":"ten"}`, string(queue.EINVALID)},
		{`{"type":"command","id":"6","action":"call-next","at_window":2}`, string(queue.EINVALID)},
		{`{"type":"command","id":"7","action":"start","bogus":1}`, string(queue.EINVALID)},
		{`{"type":"hello","id":"8"}`, string(queue.EINVALID)},
	} {
		c.WriteMessage(websocket.TextMessage, []byte(bad.body))
		m := readUntil(t, c, func(m msg) bool { return m.Type == console.TypeReply || m.Type == console.TypeError })
		if m.OK || m.Error == nil || string(m.Error.Code) != bad.code {
			t.Errorf("%s: got %+v, want error %s", bad.body, m, bad.code)
		}
	}
	c.WriteMessage(websocket.TextMessage, []byte(`{"type":"resync"}`))
	if m := readUntil(t, c, func(m msg) bool { return m.Type == console.TypeState }); m.Window.Current == nil {
		t.Fatalf("resync lost the current ticket: %+v", m.Window)
	}
}

func TestConsoleRefusals(t *testing.T) {
	s := newWSStack(t)
	tests := []struct {
		name   string
		login  string
		query  string
		header []string
		want   int
	}{
		{"without a session", "", "?window=1", nil, http.StatusUnauthorized},
		{"for a window that does not exist", "op1", "?window=99", nil, http.StatusNotFound},
		{"for a malformed window", "op1", "?window=one", nil, http.StatusBadRequest},
		{"from a page of another site", "op1", "?window=1", []string{"Origin", "http://evil.example"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run("a console "+tt.name+" is refused", func(t *testing.T) {
			_, resp, err := s.dial(t, tt.login, tt.query, tt.header...)
			if err == nil || resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("err %v, resp %v; want status %d", err, resp, tt.want)
			}
		})
	}
	t.Run("signing out ends the console", func(t *testing.T) {
		c := s.mustDial(t, "op2", "?window=2")
		read(t, c)
		signOutEnds(t, s.URL(), s.cookie["op2"], c)
	})
}

// TestManyConsoles connects many real clients and checks each sees every
// change of its window, in order, and nothing of other windows.
func TestManyConsoles(t *testing.T) {
	s := newWSStack(t)
	const perWindow = 8
	type conn struct {
		c      *websocket.Conn
		window int
	}
	var conns []conn
	for w := 1; w <= 4; w++ {
		for i := 0; i < perWindow; i++ {
			c := s.mustDial(t, "manager", fmt.Sprintf("?window=%d", w))
			if m := read(t, c); m.Type != console.TypeState {
				t.Fatalf("first message %s", m.Type)
			}
			conns = append(conns, conn{c, w})
		}
	}
	ctx := context.Background()
	boss := queue.Actor{Login: "manager", Role: queue.RoleManager}
	// Open windows 1–4 for their operators, then serve a few visitors at each.
	for w := 1; w <= 4; w++ {
		if _, err := s.Engine.WindowAction(ctx, queue.WindowCommand{Window: w, Action: queue.ActionOpen, Actor: boss, Operator: fmt.Sprintf("op%d", w)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		for _, svc := range []string{"passport", "foreign-passport", "property-rights"} {
			s.Engine.Issue(ctx, queue.IssueRequest{Service: svc})
		}
	}
	for w := 1; w <= 4; w++ {
		op := queue.Actor{Login: fmt.Sprintf("op%d", w), Role: queue.RoleOperator}
		for _, a := range []queue.Action{queue.ActionCallNext, queue.ActionStart, queue.ActionFinish} {
			if _, err := s.Engine.WindowAction(ctx, queue.WindowCommand{Window: w, Action: a, Actor: op}); err != nil {
				t.Fatalf("window %d %s: %v", w, a, err)
			}
		}
	}
	var wg sync.WaitGroup
	for _, cn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for {
				cn.c.SetReadDeadline(time.Now().Add(10 * time.Second))
				var m msg
				if err := cn.c.ReadJSON(&m); err != nil {
					t.Errorf("window %d client: %v", cn.window, err)
					return
				}
				if m.Seq < last {
					t.Errorf("window %d client: seq went back from %d to %d", cn.window, last, m.Seq)
				}
				last = m.Seq
				if m.Type != console.TypeWindow {
					continue
				}
				if m.Window.Number != cn.window {
					t.Errorf("a client of window %d got window %d", cn.window, m.Window.Number)
				}
				if m.Window.ServedToday == 1 && m.Window.Current == nil {
					return // the last change reached it
				}
			}
		}()
	}
	wg.Wait()
}

func TestSlowConsoleIsDroppedAndResyncs(t *testing.T) {
	s := newWSStack(t)
	slow := s.mustDial(t, "op1", "?window=1") // never reads
	fast := s.mustDial(t, "op2", "?window=2")
	read(t, fast)
	// Far more than the send buffer and the socket buffers hold.
	big := server.MustJSON(map[string]string{"type": "queue", "pad": strings.Repeat("я", 64<<10)})
	deadline := time.Now().Add(20 * time.Second)
	for s.Server.HubCount() == 2 && time.Now().Before(deadline) {
		s.Server.Broadcast(big, 1)
		time.Sleep(time.Millisecond)
	}
	if got := s.Server.HubCount(); got != 1 {
		t.Fatalf("clients after flooding a slow one = %d, want 1", got)
	}
	// The fast client is unaffected.
	ctx := context.Background()
	s.Engine.WindowAction(ctx, queue.WindowCommand{Window: 2, Action: queue.ActionOpen, Actor: queue.Actor{Login: "op2", Role: queue.RoleOperator}})
	readUntil(t, fast, func(m msg) bool { return m.Type == console.TypeWindow && m.Window.Open })
	// The slow one reconnects and gets the whole state again.
	slow.Close()
	again := s.mustDial(t, "op1", "?window=1")
	if m := read(t, again); m.Type != console.TypeState || m.Seq == 0 {
		t.Fatalf("after reconnecting: %+v, want the full state", m)
	}
}

func TestConsolesLeaveNoGoroutines(t *testing.T) {
	s := newWSStack(t)
	s.signIn(t, "op3")
	base := runtime.NumGoroutine()
	var cs []*websocket.Conn
	for i := 0; i < 20; i++ {
		c, _, err := s.dial(t, "op3", "?window=3")
		if err != nil {
			t.Fatal(err)
		}
		read(t, c)
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > base {
		t.Fatalf("goroutines %d after all consoles closed, want at most %d", got, base)
	}
	if n := s.Server.HubCount(); n != 0 {
		t.Fatalf("hub still holds %d clients", n)
	}
}

func TestPingKeepsConsoleAlive(t *testing.T) {
	s := newWSStack(t, 200*time.Millisecond)
	c := s.mustDial(t, "op4", "?window=4")
	pings := make(chan struct{}, 10)
	c.SetPingHandler(func(string) error {
		pings <- struct{}{}
		return c.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pings:
	case <-time.After(5 * time.Second):
		t.Fatal("no ping within 5 s with a 200 ms ping period")
	}
}

func TestShutdownClosesConsoles(t *testing.T) {
	s := newWSStack(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Server.Run(ctx, ln, 5*time.Second) }()
	h := http.Header{"Cookie": {server.SessionCookie + "=" + s.signIn(t, "op5")}}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/ws/console?window=5", h)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	read(t, c)
	cancel()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseServiceRestart) {
				t.Fatalf("console closed with %v, want 1012 service restart", err)
			}
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReplyFollowsItsUpdates: a console sees the window change its command
// caused before the reply, and the reply's seq covers it.
func TestReplyFollowsItsUpdates(t *testing.T) {
	s := newWSStack(t)
	c := s.mustDial(t, "op6", "?window=6")
	read(t, c)
	for i, action := range []string{"open", "close", "open", "close"} {
		id := fmt.Sprint(i)
		body := fmt.Sprintf(`{"type":"command","id":%q,"action":%q}`, id, action)
		if err := c.WriteMessage(websocket.TextMessage, []byte(body)); err != nil {
			t.Fatal(err)
		}
		var update *msg
		for {
			m := read(t, c)
			if m.Type == console.TypeWindow {
				update = &m
				continue
			}
			if m.Type != console.TypeReply || m.ID != id {
				continue
			}
			if !m.OK {
				t.Fatalf("%s refused: %+v", action, m.Error)
			}
			if update == nil || update.Seq > m.Seq || update.Window.Open != m.Window.Open {
				t.Fatalf("%s: reply %+v came without its window update before it (%+v)", action, m.Window, update)
			}
			break
		}
	}
}

// signOutEnds signs the session of cookie out and checks that c, a WebSocket
// of that session, is closed with "try again later".
func signOutEnds(t *testing.T, baseURL, cookie string, c *websocket.Conn) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/api/v1/logout", nil)
	req.Header.Set("Cookie", server.SessionCookie+"="+cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
				t.Fatalf("closed with %v, want a try-again close", err)
			}
			return
		}
	}
}
