package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// BenchmarkIssueTicket measures durable commits: every ticket is one
// transaction fsynced to a real file.
func BenchmarkIssueTicket(b *testing.B) {
	ctx := context.Background()
	st := openStore(b, tempDB(b))
	state, err := queue.NewState(testOffice())
	if err != nil {
		b.Fatal(err)
	}
	eng := queue.NewEngine(state, st, newTestClock(), nil)
	if err := eng.Roll(ctx); err != nil { // the DayOpened commit is not a ticket
		b.Fatal(err)
	}
	services := []string{"passport", "registration", "consult"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := eng.Issue(ctx, queue.IssueRequest{Service: services[i%len(services)]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// replayEvents is the size of the log BenchmarkReplay1M replays: about two
// years of a busy six-window office.
const replayEvents = 1_000_000

// fixture is the log BenchmarkReplay1M replays. Generating it takes
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

// BenchmarkReplay1M measures a restart: rebuilding the state from a log of
// a million events. "store" is reading and decoding alone, "load" adds the
// domain applying every event.
func BenchmarkReplay1M(b *testing.B) {
	path := replayFixture(b)
	ctx := context.Background()
	st := openStore(b, path)
	office := benchOffice()

	measure := func(b *testing.B, run func() error) {
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
		b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/events, "allocs/event")
	}

	b.Run("store", func(b *testing.B) {
		measure(b, func() error {
			n := 0
			err := st.Replay(ctx, 0, func(queue.Event) error { n++; return nil })
			if err == nil && n != replayEvents {
				err = fmt.Errorf("replayed %d events, want %d", n, replayEvents)
			}
			return err
		})
	})
	b.Run("apply", func(b *testing.B) {
		// The whole log into a fresh state: what a report or a rebuild pays.
		measure(b, func() error {
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
						_, err = act(queue.ActionRecall)
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
