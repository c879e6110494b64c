package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/display/feed"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

const displayToken = "demo-display"

// newDisplayStack is a whole office whose server pings seldom: a display
// test's client reads only when it looks for something, and must not be
// taken for dead while the test is busy with the engine.
func newDisplayStack(t *testing.T) *wsStack {
	t.Helper()
	o := officetest.Start(t, officetest.WithServerOptions(func(o *server.Options) { o.PingPeriod = 10 * time.Second }))
	return &wsStack{Office: o, cookie: map[string]string{}}
}

// displayURL is the address of the display WebSocket at base.
func displayURL(base, query string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/ws/display" + query
}

// dialDisplay opens a display feed with header pairs as given.
func dialDisplay(base, query string, header ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return websocket.DefaultDialer.Dial(displayURL(base, query), h)
}

// mustDialDisplay opens a display feed with the demo display token and
// reads its first message, which must be the full state.
func mustDialDisplay(t *testing.T, base, query string) (*websocket.Conn, displayMsg) {
	t.Helper()
	c, resp, err := dialDisplay(base, query, "Authorization", "Bearer "+displayToken)
	if err != nil {
		t.Fatalf("dial display %s: %v (%v)", query, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	first := readDisplay(t, c)
	if first.Type != feed.TypeState {
		t.Fatalf("the first message of display %s is %q, want the state", query, first.Type)
	}
	return c, first
}

// displayMsg is any display message, decoded loosely. Queue and Me are
// fields only console messages have.
type displayMsg struct {
	Type     string              `json:"type"`
	Version  int                 `json:"version"`
	Seq      int64               `json:"seq"`
	Board    string              `json:"board"`
	Office   queue.Text          `json:"office"`
	Timezone string              `json:"timezone"`
	Settings feed.Settings       `json:"settings"`
	Services []queue.ServiceView `json:"services"`
	Calls    []queue.Call        `json:"calls"`
	Windows  []queue.WindowView  `json:"windows"`
	Call     *queue.Call         `json:"call"`
	Window   *queue.WindowView   `json:"window"`
	Queue    json.RawMessage     `json:"queue"`
	Me       json.RawMessage     `json:"me"`
}

func readDisplay(t *testing.T, c *websocket.Conn) displayMsg {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m displayMsg
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("read display: %v", err)
	}
	if m.Queue != nil || m.Me != nil {
		t.Fatalf("a display got a console's message: %+v", m)
	}
	return m
}

// readDisplayUntil reads until a message satisfies ok and returns what it
// read, that message last.
func readDisplayUntil(t *testing.T, c *websocket.Conn, ok func(displayMsg) bool) []displayMsg {
	t.Helper()
	var got []displayMsg
	for i := 0; i < 500; i++ {
		m := readDisplay(t, c)
		got = append(got, m)
		if ok(m) {
			return got
		}
	}
	t.Fatal("the awaited display message never came")
	return nil
}

// office runs commands on the engine as the windows' operators would.
type office struct {
	t *testing.T
	e *queue.Engine
}

func (o office) open(windows ...int) {
	o.t.Helper()
	boss := queue.Actor{Login: "manager", Role: queue.RoleManager}
	for _, w := range windows {
		cmd := queue.WindowCommand{Window: w, Action: queue.ActionOpen, Actor: boss, Operator: fmt.Sprintf("op%d", w)}
		if _, err := o.e.WindowAction(context.Background(), cmd); err != nil {
			o.t.Fatalf("open window %d: %v", w, err)
		}
	}
}

func (o office) issue(service string) queue.TicketView {
	o.t.Helper()
	tv, err := o.e.Issue(context.Background(), queue.IssueRequest{Service: service})
	if err != nil {
		o.t.Fatalf("issue %s: %v", service, err)
	}
	return tv
}

// do runs action at window w and returns the window after it.
func (o office) do(w int, action queue.Action) queue.WindowView {
	o.t.Helper()
	op := queue.Actor{Login: fmt.Sprintf("op%d", w), Role: queue.RoleOperator}
	v, err := o.e.WindowAction(context.Background(), queue.WindowCommand{Window: w, Action: action, Actor: op})
	if err != nil {
		o.t.Fatalf("window %d %s: %v", w, action, err)
	}
	return v
}

func TestDisplayRefusals(t *testing.T) {
	s := newDisplayStack(t)
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	tests := []struct {
		name   string
		query  string
		header []string
		want   int
	}{
		{"without a token", "?board=hall", nil, http.StatusUnauthorized},
		{"with a kiosk's token", "?board=hall", bearer("demo-kiosk"), http.StatusUnauthorized},
		{"with a made-up token", "?board=hall&token=demo-console", nil, http.StatusUnauthorized},
		{"for a malformed board", "?board=lobby", bearer(displayToken), http.StatusBadRequest},
		{"for window zero", "?board=window:0", bearer(displayToken), http.StatusBadRequest},
		{"for a window that does not exist", "?board=window:99", bearer(displayToken), http.StatusNotFound},
		{"from a page of another site", "?board=hall&token=" + displayToken, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run("a display "+tt.name+" is refused", func(t *testing.T) {
			_, resp, err := dialDisplay(s.URL(), tt.query, tt.header...)
			if err == nil || resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("err %v, resp %v; want status %d", err, resp, tt.want)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
				t.Errorf("the refusal is not the API's error JSON: %+v, %v", body, err)
			}
		})
	}
	t.Run("a browser's display with ?token= from this server's page is let in", func(t *testing.T) {
		c, _, err := dialDisplay(s.URL(), "?board=hall&token="+displayToken, "Origin", s.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if m := readDisplay(t, c); m.Type != feed.TypeState || m.Board != "hall" {
			t.Fatalf("first message %+v", m)
		}
	})
	t.Run("signed-in staff may watch, until they sign out", func(t *testing.T) {
		cookie := s.signIn(t, "manager")
		c, _, err := dialDisplay(s.URL(), "?board=window:3", "Cookie", server.SessionCookie+"="+cookie)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if m := readDisplay(t, c); m.Type != feed.TypeState || m.Board != "window:3" {
			t.Fatalf("first message %+v", m)
		}
		signOutEnds(t, s.URL(), cookie, c)
	})
}

func TestDisplayFirstStateIsWhole(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	o.open(1)
	o.issue("passport")
	o.do(1, queue.ActionCallNext)

	_, st := mustDialDisplay(t, s.URL(), "") // no board: the hall
	if st.Version != feed.Version || st.Board != "hall" || st.Seq == 0 {
		t.Errorf("version %d, board %q, seq %d; want version %d, the hall, a log position", st.Version, st.Board, st.Seq, feed.Version)
	}
	if got, want := st.Settings.RunningText, s.Config.Display.RunningText; got != want || want.RU == "" {
		t.Errorf("running text = %+v, want %+v", got, want)
	}
	if got, want := st.Settings.BlinkS, 10; got != want {
		t.Errorf("blink_s = %d, want %d", got, want)
	}
	if st.Timezone != "Europe/Moscow" || st.Office.RU == "" {
		t.Errorf("timezone %q, office %+v", st.Timezone, st.Office)
	}
	if len(st.Services) < 8 || len(st.Windows) != 8 {
		t.Errorf("%d services, %d windows; want the whole office", len(st.Services), len(st.Windows))
	}
	if len(st.Calls) != 1 || st.Calls[0].Number != "П001" || st.Calls[0].Window != 1 {
		t.Errorf("calls = %+v, want П001 at window 1", st.Calls)
	}

	_, sign := mustDialDisplay(t, s.URL(), "?board=window:1")
	if sign.Board != "window:1" || len(sign.Windows) != 1 || sign.Windows[0].Number != 1 ||
		sign.Windows[0].Current == nil || sign.Windows[0].Current.Number != "П001" {
		t.Errorf("window 1's sign: board %q, windows %+v; want only window 1 with П001", sign.Board, sign.Windows)
	}
}

func TestDisplayGetsCallsThenState(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	o.open(2)
	c, _ := mustDialDisplay(t, s.URL(), "?board=hall")
	tv := o.issue("passport")
	readDisplayUntil(t, c, func(m displayMsg) bool {
		return m.Type == feed.TypeQueue && len(m.Services) > 0 && m.Services[0].Waiting == 1
	})

	o.do(2, queue.ActionCallNext)
	before := readDisplayUntil(t, c, func(m displayMsg) bool { return m.Type == feed.TypeCall })
	for _, m := range before {
		if (m.Type == feed.TypeWindow && m.Window.Current != nil) || (m.Type == feed.TypeQueue && len(m.Calls) > 0) {
			t.Errorf("the display saw the call's state before the call: %+v", m)
		}
	}
	call := before[len(before)-1]
	if got := *call.Call; got.Number != tv.Number || got.Window != 2 || got.Ticket != tv.ID || got.Service != "passport" || got.Recall || got.At.IsZero() {
		t.Errorf("call = %+v, want %s to window 2", got, tv.Number)
	}
	rest := readDisplayUntil(t, c, func(m displayMsg) bool { return m.Type == feed.TypeQueue })
	var window *queue.WindowView
	for _, m := range rest {
		if m.Seq < call.Seq {
			t.Errorf("%s message with seq %d after the call's %d", m.Type, m.Seq, call.Seq)
		}
		if m.Type == feed.TypeWindow && m.Window.Number == 2 {
			window = m.Window
		}
	}
	if window == nil || window.Number != 2 || window.Current == nil || window.Current.Number != tv.Number {
		t.Errorf("window update before the queue = %+v, want window 2 with %s", window, tv.Number)
	}
	if q := rest[len(rest)-1]; len(q.Calls) != 1 || q.Calls[0].Number != tv.Number || q.Services[0].Waiting != 0 {
		t.Errorf("queue after the call: calls %+v, waiting %d", q.Calls, q.Services[0].Waiting)
	}

	o.do(2, queue.ActionRecall)
	again := readDisplayUntil(t, c, func(m displayMsg) bool { return m.Type == feed.TypeCall })
	if got := again[len(again)-1]; !got.Call.Recall || got.Call.Number != tv.Number || got.Call.Window != 2 || got.Seq <= call.Seq {
		t.Errorf("recall = %+v (seq %d), want %s again at window 2 after seq %d", got.Call, got.Seq, tv.Number, call.Seq)
	}
}

func TestDisplayCallsKeepTheirOrder(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	o.open(1, 2, 3)
	c, _ := mustDialDisplay(t, s.URL(), "?board=hall")
	for i := 0; i < 9; i++ {
		o.issue("passport")
	}
	type call struct {
		number string
		window int
		recall bool
	}
	var want []call
	for i := 0; i < 9; i++ {
		w := 1 + i%3
		v := o.do(w, queue.ActionCallNext)
		want = append(want, call{v.Current.Number, w, false})
		if i%4 == 0 {
			o.do(w, queue.ActionRecall)
			want = append(want, call{v.Current.Number, w, true})
		}
		o.do(w, queue.ActionNoShow)
	}
	var got []call
	var last int64
	readDisplayUntil(t, c, func(m displayMsg) bool {
		if m.Seq < last {
			t.Errorf("seq went back from %d to %d", last, m.Seq)
		}
		last = m.Seq
		if m.Type == feed.TypeCall {
			got = append(got, call{m.Call.Number, m.Call.Window, m.Call.Recall})
		}
		return len(got) == len(want)
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls in the order received:\n got %v\nwant %v", got, want)
	}
}

func TestWindowSignGetsOnlyItsWindow(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	c, st := mustDialDisplay(t, s.URL(), "?board=window:2")
	if len(st.Windows) != 1 || st.Windows[0].Number != 2 {
		t.Fatalf("state windows %+v, want only window 2", st.Windows)
	}
	o.open(1, 2)
	o.issue("passport")
	o.issue("passport")
	o.do(1, queue.ActionCallNext)
	second := o.do(2, queue.ActionCallNext).Current.Number
	var calls []queue.Call
	readDisplayUntil(t, c, func(m displayMsg) bool {
		switch m.Type {
		case feed.TypeWindow:
			if m.Window.Number != 2 {
				t.Errorf("window 2's sign got window %d", m.Window.Number)
			}
			return m.Window.Current != nil
		case feed.TypeCall:
			calls = append(calls, *m.Call)
		}
		return false
	})
	if len(calls) != 1 || calls[0].Window != 2 || calls[0].Number != second {
		t.Errorf("calls to window 2's sign: %+v, want only %s to window 2", calls, second)
	}
}

func TestConsolesAndDisplaysGetOnlyTheirOwnMessages(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	o.open(4)
	cons := s.mustDial(t, "manager", "") // every window
	if m := read(t, cons); m.Type != "state" {
		t.Fatalf("console's first message %q", m.Type)
	}
	disp, _ := mustDialDisplay(t, s.URL(), "?board=hall")
	number := o.issue("property-rights").Number
	o.do(4, queue.ActionCallNext)
	// readDisplay fails on any console message.
	readDisplayUntil(t, disp, func(m displayMsg) bool { return m.Type == feed.TypeCall && m.Call.Number == number })
	// The fan-out sends calls before the windows, so a call meant for the
	// console would have come before this.
	for {
		cons.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m map[string]json.RawMessage
		if err := cons.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		if string(m["type"]) == `"call"` || m["services"] != nil {
			t.Fatalf("a console got a display's message: %s", m)
		}
		var w queue.WindowView
		if string(m["type"]) == `"window"` && json.Unmarshal(m["window"], &w) == nil && w.Current != nil {
			break
		}
	}
}

func TestSlowDisplayIsDroppedAndResyncs(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	slow, _ := mustDialDisplay(t, s.URL(), "?board=window:1") // reads no more
	fast, _ := mustDialDisplay(t, s.URL(), "?board=window:2")
	big := server.MustJSON(map[string]string{"type": "queue", "pad": strings.Repeat("я", 64<<10)})
	deadline := time.Now().Add(20 * time.Second)
	for s.Server.HubCount() == 2 && time.Now().Before(deadline) {
		s.Server.BroadcastDisplays(big, 1)
		time.Sleep(time.Millisecond)
	}
	if got := s.Server.HubCount(); got != 1 {
		t.Fatalf("clients after flooding a slow display = %d, want 1", got)
	}
	o.open(1, 2)
	o.issue("passport")
	number := o.do(2, queue.ActionCallNext).Current.Number
	readDisplayUntil(t, fast, func(m displayMsg) bool { return m.Type == feed.TypeCall && m.Call.Number == number })

	slow.Close()
	_, st := mustDialDisplay(t, s.URL(), "?board=window:1")
	if len(st.Calls) != 1 || st.Calls[0].Number != number || len(st.Windows) != 1 || !st.Windows[0].Open {
		t.Fatalf("after reconnecting: calls %+v, windows %+v; want the call and window 1 open", st.Calls, st.Windows)
	}
}

// floodingFeed hands the engine's batches to the server's feed and, while
// flooding, follows each with more empty batches than the feed holds, so
// that the fan-out finds it overflowed.
type floodingFeed struct {
	feed     *server.Feed
	flooding atomic.Bool
}

func (p *floodingFeed) Publish(evs []queue.Event) {
	p.feed.Publish(evs)
	if p.flooding.Load() {
		for i := 0; i < 2000; i++ {
			p.feed.Publish(nil)
		}
	}
}

func TestDisplayGetsStateAfterTheFeedOverflows(t *testing.T) {
	var pub *floodingFeed
	off := officetest.Start(t,
		officetest.WithPublisher(func(f *server.Feed) queue.Publisher { pub = &floodingFeed{feed: f}; return pub }),
		officetest.WithServerOptions(func(o *server.Options) { o.PingPeriod = 10 * time.Second }))
	o := office{t, off.Engine}
	o.open(3)
	c, first := mustDialDisplay(t, off.URL(), "?board=hall")

	pub.flooding.Store(true)
	lost := o.issue("foreign-passport").Number
	o.do(3, queue.ActionCallNext)
	pub.flooding.Store(false)
	got := readDisplayUntil(t, c, func(m displayMsg) bool {
		return m.Type == feed.TypeState && len(m.Calls) == 1 && m.Calls[0].Number == lost
	})
	st := got[len(got)-1]
	if st.Seq <= first.Seq || len(st.Windows) != 8 || st.Settings.RunningText.RU == "" {
		t.Errorf("state after the overflow: seq %d (first %d), %d windows, settings %+v", st.Seq, first.Seq, len(st.Windows), st.Settings)
	}
	// Deltas resume after it.
	o.do(3, queue.ActionRecall)
	readDisplayUntil(t, c, func(m displayMsg) bool { return m.Type == feed.TypeCall && m.Call.Number == lost && m.Call.Recall })
}

func TestDisplayPingPong(t *testing.T) {
	s := newWSStack(t, 200*time.Millisecond)
	t.Run("a display that answers pings stays", func(t *testing.T) {
		c, _ := mustDialDisplay(t, s.URL(), "?board=hall")
		pings := make(chan struct{}, 10)
		c.SetPingHandler(func(string) error {
			select {
			case pings <- struct{}{}:
			default:
			}
			return c.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
		})
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		for i := 0; i < 3; i++ {
			select {
			case <-pings:
			case <-time.After(5 * time.Second):
				t.Fatalf("ping %d did not come within 5 s with a 200 ms ping period", i+1)
			}
		}
	})
	t.Run("a display that answers no pings is dropped", func(t *testing.T) {
		before := s.Server.HubCount()
		mustDialDisplay(t, s.URL(), "?board=window:4") // and never reads again
		deadline := time.Now().Add(5 * time.Second)
		for s.Server.HubCount() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := s.Server.HubCount(); got != before {
			t.Fatalf("clients = %d, want the silent display gone (%d)", got, before)
		}
	})
}

func TestDisplaysLeaveNoGoroutines(t *testing.T) {
	s := newDisplayStack(t)
	base := runtime.NumGoroutine()
	var cs []*websocket.Conn
	for i := 0; i < 20; i++ {
		c, _ := mustDialDisplay(t, s.URL(), fmt.Sprintf("?board=window:%d", 1+i%8))
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for (runtime.NumGoroutine() > base || s.Server.HubCount() > 0) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > base {
		t.Fatalf("goroutines %d after all displays closed, want at most %d", got, base)
	}
	if n := s.Server.HubCount(); n != 0 {
		t.Fatalf("hub still holds %d clients", n)
	}
}

// TestSigningOutWithoutASessionLeavesDisplaysAlone: displays hold no
// session, so a sign-out naming none — an empty or made-up cookie, which
// anyone may send — must not end their connections.
func TestSigningOutWithoutASessionLeavesDisplaysAlone(t *testing.T) {
	s := newDisplayStack(t)
	o := office{t, s.Engine}
	c, _ := mustDialDisplay(t, s.URL(), "")
	for _, cookie := range []string{server.SessionCookie + "=", server.SessionCookie + "=made-up", ""} {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/logout", nil)
		if err != nil {
			t.Fatal(err)
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	o.issue("passport")
	// The display is still there: the queue update of the new ticket reaches it.
	readDisplayUntil(t, c, func(m displayMsg) bool { return m.Type == feed.TypeQueue })
}
