// Package officetest starts a whole office for tests: the demo config, a
// real SQLite log in a temporary directory, the engine, the server with its
// fan-out running, and an httptest server in front of it — wired the way
// `eq serve` wires them. Tests of the server, of the console client and of
// anything else that talks to a running office start one with Start instead
// of building the stack by hand.
//
// Only tests import it. Tests inside package server cannot (this package
// imports server); they live in package server_test and reach the few
// internals they check through server/export_test.go.
package officetest

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"eq/configs"
	displayfeed "eq/display/feed"
	"eq/queue"
	"eq/queue/store"
	"eq/reports"
	"eq/server"
)

// Office is one running office. Its fields are the parts a test reaches
// into; the test must not close them itself except Store, which a test may
// close to see the server fail.
type Office struct {
	Config *configs.Config  // the demo config the office runs
	Path   string           // the SQLite file: Start WithPath(Path) after Close restarts on it
	Store  *store.Store     // the event log
	Engine *queue.Engine    // the queue, publishing to the server's feed
	Server *server.Server   // the server, its fan-out running
	HTTP   *httptest.Server // serves Server.Handler on a loopback port

	ln        *cutListener
	stopHub   context.CancelFunc
	hubDone   chan struct{}
	closeOnce sync.Once
}

// Option changes how Start builds the office.
type Option func(*settings)

type settings struct {
	clock     queue.Clock
	path      string
	publisher func(*server.Feed) queue.Publisher
	edits     []func(*server.Options)
	config    []func(*configs.Config)
}

// WithClock runs the engine and the server (sessions, rate limits) on
// clock instead of the wall clock.
func WithClock(clock queue.Clock) Option { return func(s *settings) { s.clock = clock } }

// WithPath opens the log at path instead of a fresh file, so a test can stop
// an office and start another on what the first one wrote.
func WithPath(path string) Option { return func(s *settings) { s.path = path } }

// WithPublisher makes the engine publish to what wrap returns instead of
// straight to the server's feed; the wrapper must hand every batch on to
// the feed, or consoles see no changes.
func WithPublisher(wrap func(*server.Feed) queue.Publisher) Option {
	return func(s *settings) { s.publisher = wrap }
}

// WithServerOptions lets edit change the server's options (ping period,
// accounts, tokens, logger…) after Start has filled them in. Edits run in
// the order given.
func WithServerOptions(edit func(*server.Options)) Option {
	return func(s *settings) { s.edits = append(s.edits, edit) }
}

// WithConfig lets edit change the demo config (a window's rules, tokens…)
// before the office is built from it.
func WithConfig(edit func(*configs.Config)) Option {
	return func(s *settings) { s.config = append(s.config, edit) }
}

// Start starts the demo office with the working day open and stops it when
// the test ends. Without WithClock it runs on the wall clock and ignores
// the demo's office hours. Staff sign in with the demo password "demo"; the server's
// log is discarded.
func Start(tb testing.TB, opts ...Option) *Office {
	tb.Helper()
	set := settings{}
	for _, o := range opts {
		o(&set)
	}
	cfg := configs.Demo()
	for _, edit := range set.config {
		edit(cfg)
	}
	if set.clock == nil {
		// On the wall clock a test may run at any hour: the office must
		// not be closed at night. Tests of the hours fix a clock.
		set.clock = queue.ClockFunc(time.Now)
		cfg.Office.Schedule = nil
	}
	if set.path == "" {
		set.path = filepath.Join(tb.TempDir(), "eq.db")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, set.path)
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	state, err := store.Load(ctx, st, cfg.Office)
	if err != nil {
		st.Close()
		tb.Fatalf("store.Load: %v", err)
	}
	feed := server.NewFeed()
	var pub queue.Publisher = feed
	if set.publisher != nil {
		pub = set.publisher(feed)
	}
	metrics := server.NewMetrics(nil)
	engine := queue.NewEngine(state, metrics.EventLog(st), set.clock, metrics.Publisher(pub))
	if err := engine.Roll(ctx); err != nil {
		st.Close()
		tb.Fatalf("Roll: %v", err)
	}
	so := server.Options{
		Engine:        engine,
		Health:        st,
		Accounts:      Accounts(cfg),
		KioskTokens:   cfg.KioskTokens,
		DisplayTokens: cfg.DisplayTokens,
		RatingTokens:  cfg.RatingTokens,
		Logger:        slog.New(slog.DiscardHandler),
		Now:           set.clock.Now,
		Feed:          feed,
		Metrics:       metrics,
		Reports:       reports.NewReader(st, cfg.Office),
		Audit:         st,
		Display:       displayfeed.Settings{RunningText: cfg.Display.RunningText, Blink: cfg.Display.Blink},
	}
	for _, edit := range set.edits {
		edit(&so)
	}
	srv := server.New(so)

	o := &Office{Config: cfg, Path: set.path, Store: st, Engine: engine, Server: srv, hubDone: make(chan struct{})}
	var hubCtx context.Context
	hubCtx, o.stopHub = context.WithCancel(ctx)
	go func() {
		defer close(o.hubDone)
		srv.RunHub(hubCtx)
	}()
	o.HTTP = httptest.NewUnstartedServer(srv.Handler())
	o.ln = &cutListener{Listener: o.HTTP.Listener}
	o.HTTP.Listener = o.ln
	o.HTTP.Start()
	tb.Cleanup(o.Close)
	return o
}

// Accounts are cfg's staff as `eq serve` turns them into sign-in accounts.
func Accounts(cfg *configs.Config) []server.Account {
	out := make([]server.Account, 0, len(cfg.Staff))
	for _, a := range cfg.Staff {
		out = append(out, server.Account(a))
	}
	return out
}

// URL is the office's base URL, http://127.0.0.1:port.
func (o *Office) URL() string { return o.HTTP.URL }

// Cut closes every connection the server has accepted, WebSockets included,
// the way a dropped network does; the office itself keeps running.
func (o *Office) Cut() { o.ln.cut() }

// Close stops the office: the HTTP server, every connection, the fan-out,
// then the store. Later calls do nothing; the test's cleanup calls it too.
func (o *Office) Close() {
	o.closeOnce.Do(func() {
		// Cut first: httptest's Close leaves hijacked connections open, and
		// consoles would outlive the office.
		o.ln.cut()
		o.HTTP.Close()
		o.stopHub()
		<-o.hubDone
		o.Store.Close()
	})
}

// cutListener remembers every connection it accepts so Cut can close them
// all. httptest.Server forgets a connection once a WebSocket hijacks it, so
// its CloseClientConnections cannot cut consoles.
type cutListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *cutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// cut closes every connection accepted so far.
func (l *cutListener) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}
