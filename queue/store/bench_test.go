package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// BenchmarkIssueTicket measures durable commits: every ticket is one
// transaction fsynced to a real file. Issuing predicts the wait, which
// costs more the longer the queue, so every waitingCap tickets the clock
// stops and the waiting ones are cancelled: the figure does not depend on
// how many iterations the run happened to choose.
func BenchmarkIssueTicket(b *testing.B) {
	benchmarkIssue(b, openStore(b, tempDB(b)))
}

// BenchmarkIssueTicketWithWebhooks is BenchmarkIssueTicket with two
// information systems configured: each ticket's commit also writes its two
// webhook outbox rows, what the queue pays for the link (delivery runs
// apart and is not measured).
func BenchmarkIssueTicketWithWebhooks(b *testing.B) {
	hooks, err := openStore(b, tempDB(b)).Webhooks([]string{"crm", "archive"})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkIssue(b, hooks)
}

// benchmarkIssue issues tickets through an engine appending to log.
func benchmarkIssue(b *testing.B, log queue.EventLog) {
	ctx := context.Background()
	state, err := queue.NewState(testOffice())
	if err != nil {
		b.Fatal(err)
	}
	eng := queue.NewEngine(state, log, newTestClock(), nil)
	if err := eng.Roll(ctx); err != nil { // the DayOpened commit is not a ticket
		b.Fatal(err)
	}
	services := []string{"passport", "registration", "consult"}
	var waiting []string
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if len(waiting) == waitingCap {
			b.StopTimer()
			for _, id := range waiting {
				if _, err := eng.Cancel(ctx, queue.Actor{}, id); err != nil {
					b.Fatal(err)
				}
			}
			waiting = waiting[:0]
			b.StartTimer()
		}
		t, err := eng.Issue(ctx, queue.IssueRequest{Service: services[i%len(services)]})
		if err != nil {
			b.Fatal(err)
		}
		waiting = append(waiting, t.ID)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// waitingCap bounds the queue BenchmarkIssueTicket builds, as server's
// BenchmarkIssueTicketHTTP bounds its own: a busy office has a few hundred
// visitors waiting, not the thousands a long run would pile up.
const waitingCap = 240

// writers is how many goroutines BenchmarkDurableInsert writes from: as
// many as the kiosks of server's BenchmarkIssueTicketHTTP, whose yardstick
// it is.
const writers = 8

// BenchmarkDurableInsert is the ceiling over every ticket the office
// issues: raw durable SQLite inserts on this machine, one row of a
// TicketIssued event per transaction, from 8 goroutines at once, on a file
// opened with the store's own settings (WAL, synchronous=FULL) and schema.
// Nothing is encoded or decided: the row is made once, only its ticket
// column changes. The writers share one connection, so they queue in Go,
// as the kiosks queue at the engine's lock; with a connection each they
// would fight over SQLite's write lock and sleep in its busy handler:
// as fast on an idle machine, a third slower on a busy one, and a slow
// baseline flatters.
func BenchmarkDurableInsert(b *testing.B) {
	b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
		ctx := context.Background()
		path := tempDB(b)
		st, err := store.Open(ctx, path) // the schema, by the store's own migrations
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
		db, err := sql.Open("sqlite3", store.DSN(path))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		checkDurable(b, db)
		ev, err := sampleIssued()
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(&ev)
		if err != nil {
			b.Fatal(err)
		}
		at := ev.At.UTC().Format(time.RFC3339Nano)

		insert := func(n int64) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			res, err := tx.ExecContext(ctx, `INSERT INTO events (at, day, type, ticket, "window", appointment_day, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				at, ev.Day, string(ev.Type), fmt.Sprintf("bench-%09d", n), nil, nil, string(body))
			if err != nil {
				return err
			}
			if rows, err := res.RowsAffected(); err != nil || rows != 1 {
				return fmt.Errorf("inserted %d rows (%v), want 1", rows, err)
			}
			return tx.Commit()
		}
		var next atomic.Int64
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		b.ResetTimer()
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
					if err := insert(n); err != nil {
						errs <- fmt.Errorf("insert %d: %w", n, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		var rows int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE ticket LIKE 'bench-%'`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		if rows != b.N {
			b.Fatalf("%d rows in the file after %d inserts", rows, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
	})
}

// checkDurable fails b unless db's connections are as durable as the
// store's: a baseline that fsyncs less would flatter nobody honestly.
func checkDurable(b *testing.B, db *sql.DB) {
	b.Helper()
	var mode string
	var sync int
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		b.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		b.Fatalf("journal_mode %q, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
}

// sampleIssued is a TicketIssued event as the domain makes it.
func sampleIssued() (queue.Event, error) {
	s, err := queue.NewState(testOffice())
	if err != nil {
		return queue.Event{}, err
	}
	now := newTestClock().Now()
	d, err := s.OpenDay(now, s.DayOf(now))
	if err != nil {
		return queue.Event{}, err
	}
	for _, ev := range d.Events {
		if err := s.Apply(ev); err != nil {
			return queue.Event{}, err
		}
	}
	d, err = s.Issue(now, queue.IssueRequest{Service: "passport"})
	if err != nil {
		return queue.Event{}, err
	}
	return d.Events[0], nil
}

// replayEvents is the size of the log BenchmarkReplay1500k replays: about
// three years of a busy six-window office.
const replayEvents = 1_500_000

// fixture is the log BenchmarkReplay1500k replays. Generating it takes
// seconds, so it is made once per run and shared by every round of the
// benchmark; TestMain removes it.
var fixture struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func replayFixture(b *testing.B) string {
	fixture.once.Do(func() {
		start := time.Now()
		fixture.dir, fixture.err = os.MkdirTemp("", "eq-store-bench-")
		if fixture.err != nil {
			return
		}
		fixture.path = filepath.Join(fixture.dir, "eq.db")
		fixture.err = writeHistory(fixture.path, replayEvents)
		b.Logf("generated %d events in %v", replayEvents, time.Since(start).Round(time.Millisecond))
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.path
}

// BenchmarkReplay1500k measures reading a log of a million and a half
// events. One op is the whole log, so ns/op (and s/log) is its time.
// "store" is reading and decoding alone, "apply" adds the domain applying
// every event to a fresh state (what a rebuild or a report over the whole
// log pays), "startup" is store.Load, which replays only the last working
// day, and "raw-scan" is the yardstick: SQLite stepping over the same rows
// and handing their bodies over, with nothing decoded.
func BenchmarkReplay1500k(b *testing.B) {
	path := replayFixture(b)
	ctx := context.Background()
	st := openStore(b, path)
	office := benchOffice()

	measure := func(b *testing.B, unit string, run func() error) {
		b.ReportAllocs()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for b.Loop() {
			if err := run(); err != nil {
				b.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		events := float64(replayEvents) * float64(b.N)
		b.ReportMetric(events/b.Elapsed().Seconds(), unit)
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/log")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/events, "allocs/event")
	}

	b.Run("store", func(b *testing.B) {
		measure(b, "events/s", func() error {
			n := 0
			err := st.Replay(ctx, 0, func(queue.Event) error { n++; return nil })
			if err == nil && n != replayEvents {
				err = fmt.Errorf("replayed %d events, want %d", n, replayEvents)
			}
			return err
		})
	})
	b.Run("apply", func(b *testing.B) {
		measure(b, "events/s", func() error {
			s, err := queue.NewState(office)
			if err != nil {
				return err
			}
			if err := st.Replay(ctx, 0, s.Apply); err != nil {
				return err
			}
			if s.LastSeq() != replayEvents {
				return fmt.Errorf("applied up to event %d, want %d", s.LastSeq(), replayEvents)
			}
			return nil
		})
	})
	b.Run("startup", func(b *testing.B) {
		// What a restart pays with this log: Load replays the last day only.
		b.ReportAllocs()
		for b.Loop() {
			s, err := store.Load(ctx, st, office)
			if err != nil {
				b.Fatal(err)
			}
			if s.LastSeq() != replayEvents {
				b.Fatalf("loaded up to event %d, want %d", s.LastSeq(), replayEvents)
			}
		}
	})
	b.Run("raw-scan", func(b *testing.B) {
		db, err := sql.Open("sqlite3", store.DSN(path))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		measure(b, "rows/s", func() error { return rawScan(ctx, db) })
	})
}

// rawScan reads every event's seq and body in log order, as Replay does,
// and checks that the rows are all there and none is empty; the bodies
// are neither decoded nor kept.
func rawScan(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT seq, body FROM events ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		n, seq int64
		body   sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &body); err != nil {
			return err
		}
		if n++; seq != n || len(body) == 0 {
			return fmt.Errorf("row %d: seq %d with %d bytes of body", n, seq, len(body))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != replayEvents {
		return fmt.Errorf("scanned %d rows, want %d", n, replayEvents)
	}
	return nil
}

// benchOffice is a busier office than testOffice: four services, six
// windows each covering two or three services.
func benchOffice() *queue.Office {
	o := testOffice()
	o.Services = append(o.Services, queue.Service{ID: "social", Prefix: "С", Name: queue.Text{RU: "Соцзащита", EN: "Social support"},
		WaitTarget: 15 * time.Minute, ServiceTime: 10 * time.Minute})
	ws := func(main, second, third string) []queue.WindowService {
		return []queue.WindowService{{Service: main, Level: 1}, {Service: second, Level: 2}, {Service: third, Level: 3}}
	}
	o.Windows = []queue.Window{
		{Number: 1, Services: ws("passport", "registration", "consult")},
		{Number: 2, Services: ws("passport", "social", "consult")},
		{Number: 3, Services: ws("registration", "passport", "social")},
		{Number: 4, Services: ws("registration", "consult", "passport")},
		{Number: 5, Services: ws("consult", "social", "registration")},
		{Number: 6, Services: ws("social", "passport", "registration")},
	}
	o.Operators = nil
	for i := 1; i <= 6; i++ {
		o.Operators = append(o.Operators, queue.Operator{Login: fmt.Sprintf("op%d", i), Name: fmt.Sprintf("Оператор %d", i), Role: queue.RoleOperator})
	}
	return o
}

// errEnough stops the simulation once the log is long enough.
var errEnough = errors.New("enough events")

// writeHistory fills a new store at path with n events of simulated
// working days, decided by the domain itself so that Load accepts them.
func writeHistory(path string, n int) error {
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()

	const batchSize = 10_000
	batch := make([]queue.Event, 0, batchSize)
	total := 0
	flush := func() error {
		if err := st.Append(ctx, batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	emit := func(ev queue.Event) error {
		batch = append(batch, ev)
		total++
		if len(batch) == batchSize || total == n {
			if err := flush(); err != nil {
				return err
			}
		}
		if total == n {
			return errEnough
		}
		return nil
	}
	if err := simulate(benchOffice(), emit); !errors.Is(err, errEnough) {
		return err
	}
	return st.Close()
}

// simulate runs working days one after another, calling emit with every
// event, until emit returns an error. Each minute visitors may arrive and
// every window moves on: call, start, finish, now and then a no-show, a
// recall, a postponement, a forward or a break.
func simulate(office *queue.Office, emit func(queue.Event) error) error {
	s, err := queue.NewState(office)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// do applies a decision the domain accepted; a refusal (no one waiting,
	// a break the rules forbid) is just skipped, as staff would.
	do := func(d queue.Decision, err error) (bool, error) {
		if err != nil {
			if queue.ErrorCode(err) == queue.EINTERNAL {
				return false, err
			}
			return false, nil
		}
		for _, ev := range d.Events {
			if err := s.Apply(ev); err != nil {
				return false, err
			}
			if err := emit(ev); err != nil {
				return false, err
			}
		}
		return true, nil
	}

	services := []string{"passport", "passport", "registration", "consult", "social"}
	type window struct {
		phase    int // 0 idle, 1 called, 2 serving, 3 on a break
		until    time.Time
		breakAt  int // minute of the day
		operator string
	}
	const (
		idle = iota
		called
		serving
		onBreak
	)
	day := time.Date(2024, 1, 9, 9, 0, 0, 0, time.UTC)
	for ; ; day = day.AddDate(0, 0, 1) {
		if _, err := do(s.OpenDay(day, s.DayOf(day))); err != nil {
			return err
		}
		windows := make([]*window, len(office.Windows))
		for i, w := range office.Windows {
			windows[i] = &window{operator: office.Operators[i].Login, breakAt: 150 + 40*i}
			actor := queue.Actor{Login: windows[i].operator, Role: queue.RoleOperator}
			if _, err := do(s.WindowAction(day, queue.WindowCommand{Window: w.Number, Action: queue.ActionOpen, Actor: actor})); err != nil {
				return err
			}
		}
		for minute := 0; minute < 600; minute++ {
			now := day.Add(time.Duration(minute)*time.Minute + time.Duration(rng.IntN(60))*time.Second)
			if minute < 540 && rng.Float64() < 0.55 {
				p := queue.PriorityNormal
				if rng.IntN(20) == 0 {
					p = queue.PriorityPrivileged
				}
				if _, err := do(s.Issue(now, queue.IssueRequest{Service: services[rng.IntN(len(services))], Priority: p})); err != nil {
					return err
				}
			}
			for i, w := range windows {
				cmd := queue.WindowCommand{Window: office.Windows[i].Number, Actor: queue.Actor{Login: w.operator, Role: queue.RoleOperator}}
				act := func(a queue.Action) (bool, error) {
					cmd.Action = a
					return do(s.WindowAction(now, cmd))
				}
				var ok bool
				var err error
				switch w.phase {
				case idle:
					if minute >= w.breakAt && minute < w.breakAt+60 {
						cmd.Reason, cmd.Minutes = "технический перерыв", 15
						if ok, err = act(queue.ActionBreak); ok {
							w.phase, w.until, w.breakAt = onBreak, now.Add(15*time.Minute), -1000
						}
						break
					}
					if ok, err = act(queue.ActionCallNext); ok {
						w.phase = called
					}
				case called:
					switch r := rng.IntN(100); {
					case r < 3:
						_, err = act(queue.ActionNoShow)
						w.phase = idle
					case r < 6:
						// Past the recall limit a recall is a no-show.
						if _, err = act(queue.ActionRecall); err == nil {
							if v, werr := s.Window(cmd.Window, now); werr == nil && v.Current == nil {
								w.phase = idle
							}
						}
					case r < 9:
						cmd.Minutes = 10
						_, err = act(queue.ActionPostpone)
						w.phase = idle
					default:
						_, err = act(queue.ActionStart)
						w.phase, w.until = serving, now.Add(time.Duration(3+rng.IntN(13))*time.Minute)
					}
				case serving:
					if now.Before(w.until) {
						break
					}
					switch r := rng.IntN(100); {
					case r < 5:
						cmd.ToService = services[rng.IntN(len(services))]
						if ok, err = act(queue.ActionForward); ok {
							w.phase = idle
							break
						}
						if err == nil {
							cmd.ToService = ""
							_, err = act(queue.ActionFinish)
							w.phase = idle
						}
					case r < 7:
						cmd.ToWindow, cmd.Return = 1+(i+1)%len(windows), true
						_, err = act(queue.ActionForward)
						w.phase = idle
					default:
						cmd.Outcome = queue.Outcomes[rng.IntN(len(queue.Outcomes))]
						_, err = act(queue.ActionFinish)
						w.phase = idle
					}
				case onBreak:
					if !now.Before(w.until) {
						_, err = act(queue.ActionResume)
						w.phase = idle
					}
				}
				if err != nil {
					return err
				}
			}
		}
		if _, err := do(s.CloseDay(day.Add(10 * time.Hour))); err != nil {
			return err
		}
	}
}
