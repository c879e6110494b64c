package console_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/devices/console"
	"eq/internal/officetest"
	"eq/internal/syncbuf"
	"eq/queue"
	"eq/server"
)

// stack is a whole office with the fan-out running and a fast ping; its
// Cut drops every connection the way a network does.
type stack struct {
	*officetest.Office
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return &stack{officetest.Start(t, officetest.WithServerOptions(func(o *server.Options) { o.PingPeriod = 200 * time.Millisecond }))}
}

func (s *stack) issue(t *testing.T, service string) queue.TicketView {
	t.Helper()
	tv, err := s.Engine.Issue(context.Background(), queue.IssueRequest{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

// dial opens op<window>'s console on its own window.
func (s *stack) dial(t *testing.T, login string, window int, opts ...console.Option) *console.Client {
	t.Helper()
	opts = append([]console.Option{console.WithBackoff(50*time.Millisecond, 200*time.Millisecond)}, opts...)
	c, err := console.Dial(context.Background(), s.URL(), window, login, "demo", opts...)
	if err != nil {
		t.Fatalf("dial %s at window %d: %v", login, window, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor waits until the client's snapshot satisfies ok.
func waitFor(t *testing.T, c *console.Client, what string, ok func(console.Snapshot) bool) console.Snapshot {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s := c.Snapshot()
		if ok(s) {
			return s
		}
		select {
		case _, open := <-c.Updates():
			if !open {
				if s := c.Snapshot(); ok(s) {
					return s
				}
				t.Fatalf("the client ended before %s", what)
			}
		case <-deadline:
			t.Fatalf("%s: never happened; last snapshot online=%v conns=%d", what, s.Online, s.Conns)
		}
	}
}

func waiting(st console.State, service string) int {
	for _, sv := range st.Queue.Services {
		if sv.ID == service {
			return sv.Waiting
		}
	}
	return -1
}

func TestDoServesAVisitorFromCallToFinish(t *testing.T) {
	s := newStack(t)
	c := s.dial(t, "op1", 1)
	st := c.State()
	if st.Window == nil || st.Window.Number != 1 || st.Me.Login != "op1" || len(st.Services) < 8 || !c.Online() {
		t.Fatalf("first state: window %+v, me %+v, %d services, online %v", st.Window, st.Me, len(st.Services), c.Online())
	}
	ctx := context.Background()
	r, err := c.Do(ctx, "open", console.Params{})
	if err != nil || !r.OK || r.Window == nil || !r.Window.Open {
		t.Fatalf("open: %+v, %v", r, err)
	}
	issued := s.issue(t, "passport")
	list, err := c.Tickets(ctx)
	if err != nil || len(list) != 1 || list[0].ID != issued.ID || list[0].Number != "П001" {
		t.Fatalf("tickets: %+v, %v", list, err)
	}
	r, err = c.Do(ctx, "call-next", console.Params{})
	if err != nil || r.Window.Current == nil || r.Window.Current.Number != "П001" || r.Window.Current.Status != queue.StatusCalled {
		t.Fatalf("call-next: %+v, %v; want П001 called", r.Window, err)
	}
	if r, err = c.Do(ctx, "start", console.Params{}); err != nil || r.Window.Current.Status != queue.StatusServing {
		t.Fatalf("start: %+v, %v", r.Window, err)
	}
	r, err = c.Do(ctx, "finish", console.Params{Outcome: queue.OutcomeDocumentsAccepted})
	if err != nil || r.Window.Current != nil || r.Window.ServedToday != 1 {
		t.Fatalf("finish: %+v, %v", r.Window, err)
	}
	// The pushed state catches up with the replies.
	waitFor(t, c, "the window shows the visitor served", func(s console.Snapshot) bool {
		return s.State.Window.ServedToday == 1 && s.State.Window.Current == nil
	})
}

func TestDoReturnsTheServersRefusal(t *testing.T) {
	s := newStack(t)
	c := s.dial(t, "op1", 1)
	r, err := c.Do(context.Background(), "start", console.Params{})
	var qe *queue.Error
	if !errors.As(err, &qe) {
		t.Fatalf("start at a closed window: %v, want a *queue.Error", err)
	}
	if qe.Code != queue.ECONFLICT || qe.Message != "окно 1 закрыто" || qe.MessageEN != "window 1 is closed" {
		t.Errorf("refusal = %+v", qe)
	}
	if r.OK || r.Error == nil || !strings.HasPrefix(err.Error(), "console: start: ") {
		t.Errorf("reply %+v, err %q", r, err)
	}
	if _, err := c.Do(context.Background(), "dance", console.Params{}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("an unknown action: %v, want not_found", err)
	}
}

func TestConcurrentCommandsEachGetTheirOwnReply(t *testing.T) {
	s := newStack(t)
	c := s.dial(t, "op2", 2)
	if _, err := c.Do(context.Background(), "open", console.Params{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Do(context.Background(), "recall", console.Params{})
			if queue.ErrorCode(err) != queue.ECONFLICT {
				t.Errorf("recall with nobody called: %v", err)
			}
			mu.Lock()
			ids[r.ID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(ids) != 20 {
		t.Fatalf("20 commands got %d distinct reply ids", len(ids))
	}
}

func TestStateUpdatesArriveWithoutAsking(t *testing.T) {
	s := newStack(t)
	c := s.dial(t, "op2", 2)
	if got := waiting(c.State(), "passport"); got != 0 {
		t.Fatalf("passport waiting at start = %d", got)
	}
	s.issue(t, "passport")
	waitFor(t, c, "the queue update for the new ticket", func(s console.Snapshot) bool {
		return waiting(s.State, "passport") == 1 && s.State.Window.Waiting == 1
	})
	if _, err := s.Engine.WindowAction(context.Background(), queue.WindowCommand{Window: 2, Action: queue.ActionOpen,
		Actor: queue.Actor{Login: "op2", Role: queue.RoleOperator}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the window update for an action taken elsewhere", func(s console.Snapshot) bool {
		return s.State.Window.Open && s.State.Window.Operator == "op2"
	})
}

func TestDialRefuses(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name     string
		url      string
		window   int
		password string
		code     queue.Code
		ru, en   string
	}{
		{"a wrong password, with the server's message", s.URL(), 1, "wrong", queue.EUNAUTHORIZED, "неверный логин или пароль", "wrong login or password"},
		{"a window the office does not have", s.URL(), 99, "demo", queue.ENOTFOUND, "окно 99 не найдено", "window 99 not found"},
		{"an address that is not http", "ftp://" + strings.TrimPrefix(s.URL(), "http://"), 1, "demo", queue.EINTERNAL, "", ""},
		{"window zero", s.URL(), 0, "demo", queue.EINTERNAL, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := console.Dial(context.Background(), tt.url, tt.window, "op1", tt.password)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !strings.HasPrefix(err.Error(), "console: ") {
				t.Errorf("err %q lacks the package prefix", err)
			}
			if got := queue.ErrorCode(err); got != tt.code {
				t.Fatalf("code %s (%v), want %s", got, err, tt.code)
			}
			var qe *queue.Error
			if tt.ru != "" && (!errors.As(err, &qe) || qe.Message != tt.ru || qe.MessageEN != tt.en) {
				t.Errorf("err %v, want %q / %q", err, tt.ru, tt.en)
			}
		})
	}
}

func TestReconnectsAndResyncsAfterTheNetworkDrops(t *testing.T) {
	s := newStack(t)
	// A backoff long enough that the ticket below is issued while offline.
	c := s.dial(t, "op3", 3, console.WithBackoff(600*time.Millisecond, 2*time.Second))
	ctx := context.Background()
	if _, err := c.Do(ctx, "open", console.Params{}); err != nil {
		t.Fatal(err)
	}
	s.Cut()
	waitFor(t, c, "going offline", func(s console.Snapshot) bool { return !s.Online })
	if _, err := c.Do(ctx, "call-next", console.Params{}); !errors.Is(err, console.ErrOffline) {
		t.Fatalf("a command while offline: %v, want ErrOffline", err)
	}
	// Nothing will push this change to the client: only the fresh state on
	// reconnecting can bring it.
	s.issue(t, "foreign-passport")
	snap := waitFor(t, c, "coming back online", func(s console.Snapshot) bool { return s.Online })
	if snap.Conns != 2 {
		t.Errorf("connections = %d, want 2", snap.Conns)
	}
	if got := waiting(snap.State, "foreign-passport"); got != 1 {
		t.Fatalf("after resync foreign-passport waiting = %d, want 1", got)
	}
	r, err := c.Do(ctx, "call-next", console.Params{})
	if err != nil || r.Window.Current == nil || r.Window.Current.Number != "Т001" {
		t.Fatalf("call-next after reconnecting: %+v, %v", r.Window, err)
	}
}

func TestSignsInAgainWhenTheServerEndsTheSession(t *testing.T) {
	s := newStack(t)
	jar, _ := cookiejar.New(nil)
	var logs syncbuf.Buffer
	c := s.dial(t, "op4", 4, console.WithHTTPClient(&http.Client{Jar: jar}),
		console.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	u, _ := url.Parse(s.URL())
	var session string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "eq_session" {
			session = ck.Value
		}
	}
	// Signing the session out makes the server drop its consoles with 1013
	// "try again later"; the old cookie is then refused.
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/logout", nil)
	req.AddCookie(&http.Cookie{Name: "eq_session", Value: session})
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, c, "going offline", func(s console.Snapshot) bool { return !s.Online })
	waitFor(t, c, "coming back with a new session", func(s console.Snapshot) bool { return s.Online && s.Conns == 2 })
	if !strings.Contains(logs.String(), "1013") {
		t.Errorf("the log does not show the try-again-later close:\n%s", logs.String())
	}
	if r, err := c.Do(context.Background(), "open", console.Params{}); err != nil || !r.Window.Open {
		t.Fatalf("open after signing in again: %+v, %v", r, err)
	}
}

func TestEndingTheClientLeavesNoGoroutines(t *testing.T) {
	tests := []struct {
		name string
		end  func(c *console.Client, cancel context.CancelFunc)
	}{
		{"Close, twice", func(c *console.Client, _ context.CancelFunc) { c.Close(); c.Close() }},
		{"the context ending", func(_ *console.Client, cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c, err := console.Dial(ctx, s.URL(), 5, "op5", "demo", console.WithBackoff(50*time.Millisecond, 100*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Do(ctx, "open", console.Params{}); err != nil {
				t.Fatal(err)
			}
			s.Cut() // a reconnection too, to be sure it leaves nothing behind
			waitFor(t, c, "reconnecting", func(s console.Snapshot) bool { return s.Online && s.Conns == 2 })

			tt.end(c, cancel)
			for range c.Updates() {
			}
			if _, err := c.Do(context.Background(), "close", console.Params{}); !errors.Is(err, console.ErrClosed) {
				t.Errorf("Do after the end: %v, want ErrClosed", err)
			}
			if c.Online() {
				t.Error("an ended client says it is online")
			}
			deadline := time.Now().Add(10 * time.Second)
			for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if got := runtime.NumGoroutine(); got > base {
				buf := make([]byte, 1<<20)
				t.Fatalf("goroutines %d after the client ended, want at most %d\n%s", got, base, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
