package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// sampleEvents is a batch that sets every field of Event somewhere, with
// times in a zone other than UTC to show they come back as the same instant.
func sampleEvents() []queue.Event {
	msk := time.FixedZone("MSK", 3*60*60)
	at := time.Date(2025, 3, 3, 9, 0, 0, 123456789, msk)
	return []queue.Event{
		{Type: queue.EventDayOpened, At: at, Day: "2025-03-03"},
		{Type: queue.EventWindowOpened, At: at.Add(time.Second), Day: "2025-03-03", Window: 2, Operator: "petrov", Actor: "petrov"},
		{Type: queue.EventTicketIssued, At: at.Add(2 * time.Second), Day: "2025-03-03", Ticket: "20250303-0001", Number: "П001",
			Service: "passport", Priority: queue.PriorityPrivileged, Deadline: at.Add(15 * time.Minute)},
		{Type: queue.EventTicketCalled, At: at.Add(3 * time.Second), Day: "2025-03-03", Ticket: "20250303-0001", Number: "П001",
			Service: "passport", Window: 2, Operator: "petrov", Reason: "льготная категория, ждёт 0 мин"},
		{Type: queue.EventTicketPostponed, At: at.Add(4 * time.Second), Day: "2025-03-03", Ticket: "20250303-0001",
			Minutes: 10, Until: at.Add(10 * time.Minute), Deadline: at.Add(10 * time.Minute)},
		{Type: queue.EventTicketForwarded, At: at.Add(5 * time.Second), Day: "2025-03-03", Ticket: "20250303-0001",
			Service: "consult", ToWindow: 1, ToOperator: "ivanova", ReturnTo: 2, Reason: "нужна консультация"},
		{Type: queue.EventServiceFinished, At: at.Add(6 * time.Second), Day: "2025-03-03", Ticket: "20250303-0001",
			Outcome: queue.OutcomeDocumentsAccepted},
		{Type: queue.EventBreakStarted, At: at.Add(7 * time.Second), Day: "2025-03-03", Window: 2, Operator: "petrov",
			Actor: "smirnova", Reason: "технический перерыв", Minutes: 15, Override: true},
		{Type: queue.EventBreakEnded, At: at.Add(8 * time.Second), Day: "2025-03-03", Window: 2, Operator: "petrov",
			Duration: 12*time.Minute + 30*time.Second},
	}
}

// equalEvents reports how got differs from want, comparing times with
// Equal (the zone of a decoded time may differ, the instant may not).
func equalEvents(t *testing.T, got, want []queue.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		for _, tm := range []struct {
			name     string
			got, wnt *time.Time
		}{{"At", &g.At, &w.At}, {"Deadline", &g.Deadline, &w.Deadline}, {"Until", &g.Until, &w.Until}} {
			if !tm.got.Equal(*tm.wnt) {
				t.Errorf("event %d: %s = %v, want %v", i, tm.name, *tm.got, *tm.wnt)
			}
			*tm.got, *tm.wnt = time.Time{}, time.Time{}
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// replayAll returns every event after after.
func replayAll(t *testing.T, st *store.Store, after int64) []queue.Event {
	t.Helper()
	var got []queue.Event
	if err := st.Replay(context.Background(), after, func(ev queue.Event) error {
		got = append(got, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOpen(t *testing.T) {
	ctx := context.Background()

	t.Run("creates the file and missing directories", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "var", "lib", "eq", "eq.db")
		openStore(t, path)
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("takes a path with characters that mean something in a URI", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "офис #1?", "eq 100%.db")
		st := openStore(t, path)
		if err := st.Append(ctx, sampleEvents()[:1]); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reopening keeps the events and applies no migration twice", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		want := sampleEvents()
		if err := st.Append(ctx, want); err != nil {
			t.Fatal(err)
		}
		before := migrationsApplied(t, path)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}

		st = openStore(t, path)
		equalEvents(t, replayAll(t, st, 0), want)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if got := migrationsApplied(t, path); !reflect.DeepEqual(got, before) {
			t.Errorf("schema_migrations after reopening = %v, want %v", got, before)
		}
		// Every embedded migration, counted from the directory they are
		// embedded from, so that adding one needs no change here.
		files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations found beside the test: %v", err)
		}
		if got, want := len(before), len(files); got != want {
			t.Errorf("got %d migrations applied, want %d", got, want)
		}
	})

	t.Run("refuses a path that is a directory", func(t *testing.T) {
		if _, err := store.Open(ctx, t.TempDir()); err == nil {
			t.Fatal("got no error")
		}
	})
}

// migrationsApplied reads schema_migrations straight from the file.
func migrationsApplied(t *testing.T, path string) map[string]string {
	t.Helper()
	db := rawDB(t, path)
	rows, err := db.Query(`SELECT name, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, at string
		if err := rows.Scan(&name, &at); err != nil {
			t.Fatal(err)
		}
		got[name] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// rawDB opens the file behind the store's back, as another process would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAppend(t *testing.T) {
	ctx := context.Background()

	t.Run("replay returns the appended events with seq counting from 1", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		want := sampleEvents()
		if err := st.Append(ctx, want[:3]); err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, want[3:]); err != nil {
			t.Fatal(err)
		}
		for i, ev := range want {
			if got, want := ev.Seq, int64(i+1); got != want {
				t.Errorf("event %d: Seq = %d, want %d", i, got, want)
			}
		}
		equalEvents(t, replayAll(t, st, 0), want)

		last, err := st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := last, int64(len(want)); got != want {
			t.Errorf("LastSeq = %d, want %d", got, want)
		}
	})

	t.Run("replay after a seq returns only the later events", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		want := sampleEvents()
		if err := st.Append(ctx, want); err != nil {
			t.Fatal(err)
		}
		equalEvents(t, replayAll(t, st, 4), want[4:])
		equalEvents(t, replayAll(t, st, int64(len(want))), nil)
	})

	t.Run("the indexed columns repeat the event, at in UTC", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		evs := sampleEvents()[2:4]
		if err := st.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		type row struct {
			At, Day, Type string
			Ticket        sql.NullString
			Window        sql.NullInt64
		}
		var got []row
		rows, err := rawDB(t, path).Query(`SELECT at, day, type, ticket, "window" FROM events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.At, &r.Day, &r.Type, &r.Ticket, &r.Window); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		want := []row{
			{At: "2025-03-03T06:00:02.123456789Z", Day: "2025-03-03", Type: "TicketIssued", Ticket: sql.NullString{String: "20250303-0001", Valid: true}},
			{At: "2025-03-03T06:00:03.123456789Z", Day: "2025-03-03", Type: "TicketCalled", Ticket: sql.NullString{String: "20250303-0001", Valid: true}, Window: sql.NullInt64{Int64: 2, Valid: true}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got rows\n%+v\nwant\n%+v", got, want)
		}
	})

	t.Run("no events is a no-op", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		if err := st.Append(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := replayAll(t, st, 0); len(got) != 0 {
			t.Errorf("got %d events, want none", len(got))
		}
	})
}

func TestAppendFailure(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name  string
		ctx   context.Context
		setup func(t *testing.T, path string)
		evs   func() []queue.Event
	}{
		{
			name: "a cancelled context writes nothing",
			ctx:  cancelled,
		},
		{
			name: "an insert failing midway writes nothing",
			ctx:  context.Background(),
			setup: func(t *testing.T, path string) {
				// A trigger stands in for a disk error on the second row.
				_, err := rawDB(t, path).Exec(`CREATE TRIGGER fail_second BEFORE INSERT ON events
					WHEN NEW.type = 'TicketCalled' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
				if err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "an event that cannot be encoded writes nothing",
			ctx:  context.Background(),
			evs: func() []queue.Event {
				evs := sampleEvents()[2:4]
				evs[1].Until = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // JSON times stop at year 9999
				return evs
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempDB(t)
			st := openStore(t, path)
			first := sampleEvents()[:2]
			if err := st.Append(context.Background(), first); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, path)
			}
			evs := sampleEvents()[2:4]
			if tt.evs != nil {
				evs = tt.evs()
			}

			err := st.Append(tt.ctx, evs)
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.HasPrefix(err.Error(), "store: append events: ") {
				t.Errorf("error %q lacks the store prefix", err)
			}
			for i, ev := range evs {
				if ev.Seq != 0 {
					t.Errorf("event %d: Seq = %d after a failed append, want 0", i, ev.Seq)
				}
			}
			equalEvents(t, replayAll(t, st, 0), first)

			// The failure left no transaction open: the next append works.
			next := sampleEvents()[2:3]
			if err := st.Append(context.Background(), next); err != nil {
				t.Fatal(err)
			}
			if got, want := next[0].Seq, int64(3); got != want {
				t.Errorf("next append: Seq = %d, want %d", got, want)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()

	t.Run("stops at the first error the callback returns", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		if err := st.Append(ctx, sampleEvents()); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		calls := 0
		err := st.Replay(ctx, 0, func(ev queue.Event) error {
			calls++
			if ev.Seq == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("got error %v, want %v", err, stop)
		}
		if got, want := err.Error(), "store: replay event 3: stop"; got != want {
			t.Errorf("got error %q, want %q", got, want)
		}
		if got, want := calls, 3; got != want {
			t.Errorf("got %d calls, want %d", got, want)
		}
	})

	corrupt := []struct {
		name, body, want string
	}{
		{"a body that is not JSON", `{"type":"DayOpened",`, "unexpected EOF"},
		{"a body with a second value after the event", `{"type":"DayOpened","day":"2025-03-03"} {"type":"DayClosed"}`, "data after the event"},
		{"a body without a type", `{"day":"2025-03-03"}`, "event without a type"},
	}
	for _, tt := range corrupt {
		t.Run("stops at "+tt.name, func(t *testing.T) {
			path := tempDB(t)
			st := openStore(t, path)
			if err := st.Append(ctx, sampleEvents()[:1]); err != nil {
				t.Fatal(err)
			}
			if _, err := rawDB(t, path).Exec(`INSERT INTO events (at, day, type, body) VALUES ('', '', '', ?)`, tt.body); err != nil {
				t.Fatal(err)
			}
			calls := 0
			err := st.Replay(ctx, 0, func(queue.Event) error { calls++; return nil })
			want := "store: replay event 2: decode: " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("got error %v, want %q", err, want)
			}
			if calls != 1 {
				t.Errorf("got %d calls, want 1", calls)
			}
		})
	}

	t.Run("an empty log calls nothing", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		if got := replayAll(t, st, 0); len(got) != 0 {
			t.Errorf("got %d events, want none", len(got))
		}
		last, err := st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last != 0 {
			t.Errorf("LastSeq = %d, want 0", last)
		}
	})
}

func TestPing(t *testing.T) {
	ctx := context.Background()

	t.Run("succeeds on an open store", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		if err := st.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("fails on a closed store", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.Ping(ctx); err == nil {
			t.Fatal("got no error")
		}
	})

	t.Run("fails once another process has held the write lock past the busy timeout", func(t *testing.T) {
		// The driver's busy wait does not look at ctx: this takes the
		// whole five seconds.
		if testing.Short() {
			t.Skip("waits for the busy timeout")
		}
		path := tempDB(t)
		st := openStore(t, path)
		conn, err := rawDB(t, path).Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `ROLLBACK`)

		if err := st.Ping(ctx); err == nil {
			t.Fatal("got no error")
		}
	})
}

func TestLoad(t *testing.T) {
	ctx := context.Background()

	t.Run("fails on a log that does not fit the office", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		evs := sampleEvents()[:1]
		evs = append(evs, queue.Event{Type: queue.EventTicketCalled, At: evs[0].At, Day: evs[0].Day, Ticket: "nobody", Window: 1})
		if err := st.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		_, err := store.Load(ctx, st, testOffice())
		if err == nil {
			t.Fatal("got no error")
		}
		if got, want := err.Error(), "store: replay event 2: "; !strings.HasPrefix(got, want) {
			t.Errorf("got error %q, want it to start with %q", got, want)
		}
	})

	t.Run("fails on an office the domain refuses", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		office := testOffice()
		office.Location = nil
		if _, err := store.Load(ctx, st, office); err == nil {
			t.Fatal("got no error")
		}
	})
}
