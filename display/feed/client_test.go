package feed_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"eq/display/feed"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

const token = "demo-display"

// start runs the demo office with a fast ping.
func start(t *testing.T) *officetest.Office {
	t.Helper()
	return officetest.Start(t, officetest.WithServerOptions(func(o *server.Options) { o.PingPeriod = 200 * time.Millisecond }))
}

// dial follows board at o with quick reconnects.
func dial(t *testing.T, o *officetest.Office, board feed.Board, opts ...feed.Option) *feed.Client {
	t.Helper()
	opts = append([]feed.Option{feed.WithBackoff(50*time.Millisecond, 200*time.Millisecond), feed.WithReadTimeout(2 * time.Second)}, opts...)
	c, err := feed.Dial(context.Background(), o.URL(), board, token, opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", board, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type snapshot struct {
	state   feed.State
	online  bool
	version uint64
}

// waitFor waits until the client's snapshot satisfies ok.
func waitFor(t *testing.T, c *feed.Client, what string, ok func(snapshot) bool) snapshot {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		var s snapshot
		s.state, s.online, s.version = c.Snapshot()
		if ok(s) {
			return s
		}
		select {
		case _, open := <-c.Updates():
			if !open {
				t.Fatalf("the client ended before %s", what)
			}
		case <-deadline:
			t.Fatalf("%s: never happened; last snapshot online=%v seq=%d err=%v", what, s.online, s.state.Seq, c.Err())
		}
	}
}

// nextCall waits for the next call the client delivers.
func nextCall(t *testing.T, c *feed.Client) queue.Call {
	t.Helper()
	select {
	case call, ok := <-c.Calls():
		if !ok {
			t.Fatal("Calls closed")
		}
		return call
	case <-time.After(10 * time.Second):
		t.Fatal("no call came")
	}
	return queue.Call{}
}

type desk struct {
	t *testing.T
	e *queue.Engine
}

func (d desk) open(w int) {
	d.t.Helper()
	boss := queue.Actor{Login: "manager", Role: queue.RoleManager}
	if _, err := d.e.WindowAction(context.Background(), queue.WindowCommand{Window: w, Action: queue.ActionOpen, Actor: boss, Operator: fmt.Sprintf("op%d", w)}); err != nil {
		d.t.Fatal(err)
	}
}

func (d desk) issue(service string) {
	d.t.Helper()
	if _, err := d.e.Issue(context.Background(), queue.IssueRequest{Service: service}); err != nil {
		d.t.Fatal(err)
	}
}

func (d desk) do(w int, a queue.Action) queue.WindowView {
	d.t.Helper()
	op := queue.Actor{Login: fmt.Sprintf("op%d", w), Role: queue.RoleOperator}
	v, err := d.e.WindowAction(context.Background(), queue.WindowCommand{Window: w, Action: a, Actor: op})
	if err != nil {
		d.t.Fatalf("window %d %s: %v", w, a, err)
	}
	return v
}

func TestClientGetsTheState(t *testing.T) {
	o := start(t)
	c := dial(t, o, feed.Hall)
	s := waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	st := s.state
	if st.Board != "hall" || st.Timezone != "Europe/Moscow" || len(st.Windows) != 8 || len(st.Services) < 8 {
		t.Errorf("state: board %q, zone %q, %d windows, %d services", st.Board, st.Timezone, len(st.Windows), len(st.Services))
	}
	if st.Settings.RunningText != o.Config.Display.RunningText || st.Settings.Blink != o.Config.Display.Blink {
		t.Errorf("settings = %+v, want the config's %+v", st.Settings, o.Config.Display)
	}
	if c.Err() != nil || c.Board() != feed.Hall {
		t.Errorf("err %v, board %v", c.Err(), c.Board())
	}

	sign := dial(t, o, feed.Board{Window: 5})
	ss := waitFor(t, sign, "the sign online", func(s snapshot) bool { return s.online })
	if len(ss.state.Windows) != 1 || ss.state.Windows[0].Number != 5 {
		t.Errorf("window 5's sign has windows %+v", ss.state.Windows)
	}
	d := desk{t, o.Engine}
	d.open(5)
	waitFor(t, sign, "window 5 open on its sign", func(s snapshot) bool {
		return len(s.state.Windows) == 1 && s.state.Windows[0].Open
	})
}

func TestClientGetsCallsInOrder(t *testing.T) {
	o := start(t)
	c := dial(t, o, feed.Hall)
	waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	d := desk{t, o.Engine}
	d.open(1)
	d.open(2)
	for i := 0; i < 5; i++ {
		d.issue("passport")
	}
	var want []string
	for i := 0; i < 4; i++ {
		w := 1 + i%2
		want = append(want, fmt.Sprintf("%s@%d", d.do(w, queue.ActionCallNext).Current.Number, w))
		d.do(w, queue.ActionNoShow)
	}
	last := d.do(1, queue.ActionCallNext).Current.Number
	d.do(1, queue.ActionRecall)
	want = append(want, last+"@1", last+"@1 again")
	var got []string
	for range want {
		call := nextCall(t, c)
		s := fmt.Sprintf("%s@%d", call.Number, call.Window)
		if call.Recall {
			s += " again"
		}
		got = append(got, s)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	// The state lists each ticket once, newest first: the recall moved the
	// last ticket to the top without a second line.
	s := waitFor(t, c, "every call in the state", func(s snapshot) bool { return len(s.state.Calls) == 5 })
	var list []string
	for _, call := range s.state.Calls {
		list = append(list, call.Number)
	}
	if wantList := fmt.Sprint([]string{last, "П004", "П003", "П002", "П001"}); fmt.Sprint(list) != wantList || !s.state.Calls[0].Recall {
		t.Errorf("state calls = %v (top recall %v), want %s", list, s.state.Calls[0].Recall, wantList)
	}
}

func TestClientResyncsAfterACut(t *testing.T) {
	o := start(t)
	// A slow return, so the office can call a visitor while it is offline.
	c := dial(t, o, feed.Hall, feed.WithBackoff(time.Second, 2*time.Second))
	before := waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	d := desk{t, o.Engine}
	d.open(3)
	d.issue("foreign-passport")

	o.Cut()
	off := waitFor(t, c, "offline", func(s snapshot) bool { return !s.online })
	if off.version <= before.version || c.Err() == nil {
		t.Errorf("offline: version %d (was %d), err %v", off.version, before.version, c.Err())
	}
	number := d.do(3, queue.ActionCallNext).Current.Number
	s := waitFor(t, c, "online again", func(s snapshot) bool { return s.online })
	if len(s.state.Calls) != 1 || s.state.Calls[0].Number != number || s.state.Windows[2].Current == nil {
		t.Errorf("after the resync: calls %+v, window 3 %+v; want %s called at window 3", s.state.Calls, s.state.Windows[2], number)
	}
	if s.online && c.Err() != nil {
		t.Errorf("online with err %v", c.Err())
	}
	// The call made while offline is announced after all, being recent.
	if call := nextCall(t, c); call.Number != number || call.Window != 3 {
		t.Errorf("missed call announced as %+v, want %s at window 3", call, number)
	}
	// And the feed goes on.
	d.do(3, queue.ActionRecall)
	if call := nextCall(t, c); call.Number != number || !call.Recall {
		t.Errorf("after the resync: %+v, want the recall of %s", call, number)
	}
}

func TestWindowSignAnnouncesOnlyItsOwnCalls(t *testing.T) {
	o := start(t)
	c := dial(t, o, feed.Board{Window: 2}, feed.WithBackoff(time.Second, 2*time.Second))
	waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	d := desk{t, o.Engine}
	d.open(1)
	d.open(2)
	for i := 0; i < 4; i++ {
		d.issue("passport")
	}
	d.do(1, queue.ActionCallNext)
	mine := d.do(2, queue.ActionCallNext).Current.Number
	if call := nextCall(t, c); call.Number != mine || call.Window != 2 {
		t.Errorf("window 2's sign announced %+v, want %s at window 2", call, mine)
	}
	// While the sign is offline both windows call again: after the resync
	// it announces window 2's call only.
	o.Cut()
	waitFor(t, c, "offline", func(s snapshot) bool { return !s.online })
	d.do(1, queue.ActionNoShow)
	d.do(1, queue.ActionCallNext)
	d.do(2, queue.ActionNoShow)
	missed := d.do(2, queue.ActionCallNext).Current.Number
	waitFor(t, c, "online again", func(s snapshot) bool { return s.online })
	if call := nextCall(t, c); call.Number != missed || call.Window != 2 {
		t.Errorf("after the resync the sign announced %+v, want %s at window 2", call, missed)
	}
	select {
	case call := <-c.Calls():
		t.Errorf("window 2's sign announced %+v too", call)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestClientCallsDropTheOldestWhenNobodyReads(t *testing.T) {
	o := start(t)
	c := dial(t, o, feed.Hall, feed.WithCallBuffer(2))
	waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	d := desk{t, o.Engine}
	d.open(1)
	d.issue("passport")
	number := d.do(1, queue.ActionCallNext).Current.Number
	for i := 0; i < 4; i++ {
		d.do(1, queue.ActionRecall)
	}
	seq := lastSeq(o)
	waitFor(t, c, "the last recall", func(s snapshot) bool { return s.state.Seq >= seq })
	// Five calls into a buffer of two: the two newest are left.
	for i := 0; i < 2; i++ {
		if call := nextCall(t, c); call.Number != number || !call.Recall {
			t.Errorf("call %d = %+v, want a recall of %s", i, call, number)
		}
	}
	select {
	case call := <-c.Calls():
		t.Errorf("a third call %+v from a buffer of two", call)
	default:
	}
}

func lastSeq(o *officetest.Office) (seq int64) {
	o.Engine.Read(func(s *queue.State, _ time.Time) { seq = s.LastSeq() })
	return seq
}

func TestClientRefusedKeepsTrying(t *testing.T) {
	o := start(t)
	c, err := feed.Dial(context.Background(), o.URL(), feed.Board{Window: 99}, token, feed.WithBackoff(20*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var qe *queue.Error
	if err := c.Err(); !errors.As(err, &qe) || qe.Code != queue.ENOTFOUND {
		t.Fatalf("Err = %v, want the server's not_found", err)
	}
	if _, online, _ := c.Snapshot(); online {
		t.Error("online on a refused board")
	}
}

func TestDialRefusesBadArguments(t *testing.T) {
	for _, tt := range []struct {
		name string
		url  string
		opts []feed.Option
	}{
		{"an address without a scheme", "127.0.0.1:8080", nil},
		{"an ftp address", "ftp://host/", nil},
		{"a backoff whose max is below its min", "http://127.0.0.1:8080", []feed.Option{feed.WithBackoff(time.Second, time.Millisecond)}},
		{"an empty call buffer", "http://127.0.0.1:8080", []feed.Option{feed.WithCallBuffer(0)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := feed.Dial(context.Background(), tt.url, feed.Hall, token, tt.opts...); err == nil {
				c.Close()
				t.Fatal("no error")
			}
		})
	}
}

func TestClientEndsWithItsContextAndLeavesNoGoroutines(t *testing.T) {
	o := start(t)
	// A listener nobody answers: the client keeps retrying until it ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var clients []*feed.Client
	for i := 0; i < 5; i++ {
		c, err := feed.Dial(ctx, o.URL(), feed.Board{Window: 1 + i}, token, feed.WithReadTimeout(300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		waitFor(t, c, "online", func(s snapshot) bool { return s.online })
	}
	offline, err := feed.Dial(ctx, dead, feed.Hall, token, feed.WithBackoff(10*time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // several failed tries, and pings
	clients[0].Close()
	clients[0].Close() // idempotent
	cancel()
	for _, c := range append(clients, offline) {
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("a client outlived its context")
		}
		if _, open := <-c.Updates(); open {
			// A last pending signal may be left; the channel closes after it.
			if _, open := <-c.Updates(); open {
				t.Error("Updates still open")
			}
		}
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > base {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines %d after every client ended, want at most %d\n%s", got, base, buf[:runtime.Stack(buf, true)])
	}
}
