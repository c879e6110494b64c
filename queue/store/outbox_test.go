package store_test

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// ticketDay is a morning of two tickets among events of no ticket: seqs
// 1–9, tickets A (seqs 2, 4, 6, 8) and B (seqs 5, 9).
func ticketDay() []queue.Event {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	ev := func(i int, typ queue.EventType, ticket string) queue.Event {
		return queue.Event{Type: typ, At: at.Add(time.Duration(i) * time.Minute), Day: "2025-03-03", Ticket: ticket}
	}
	evs := []queue.Event{
		ev(0, queue.EventDayOpened, ""),
		ev(1, queue.EventTicketIssued, "A"),
		ev(2, queue.EventWindowOpened, ""),
		ev(3, queue.EventTicketCalled, "A"),
		ev(4, queue.EventTicketIssued, "B"),
		ev(5, queue.EventServiceStarted, "A"),
		ev(6, queue.EventBreakStarted, ""),
		ev(7, queue.EventServiceFinished, "A"),
		ev(8, queue.EventTicketCancelled, "B"),
	}
	evs[1].Number, evs[1].Service, evs[1].Priority = "П001", "passport", queue.PriorityNormal
	evs[4].Number, evs[4].Service, evs[4].Priority = "Р001", "registration", queue.PriorityPrivileged
	evs[2].Window, evs[3].Window, evs[5].Window, evs[6].Window = 1, 1, 1, 1
	return evs
}

// outboxRow is a row of webhook_outbox as a test reads it.
type outboxRow struct {
	Endpoint string
	Seq      int64
	Ticket   string
	LogID    string
	Attempts int
	NextAtMS int64
	Error    sql.NullString
	Done     sql.NullString
}

// outboxRows reads the whole outbox behind the store's back.
func outboxRows(t *testing.T, path string) []outboxRow {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT endpoint, seq, ticket, log_id, attempts, next_at_ms, last_error, delivered_at FROM webhook_outbox ORDER BY seq, endpoint`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Endpoint, &r.Seq, &r.Ticket, &r.LogID, &r.Attempts, &r.NextAtMS, &r.Error, &r.Done); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// logID is st's log id, which must look as the migration makes it.
func logID(t *testing.T, st *store.Store) string {
	t.Helper()
	id, err := st.LogID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("log id %q, want 16 lower-case hex digits", id)
	}
	return id
}

func webhookLog(t *testing.T, st *store.Store, names ...string) *store.WebhookLog {
	t.Helper()
	l, err := st.Webhooks(names)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWebhookLogAppend(t *testing.T) {
	ctx := context.Background()

	t.Run("each ticket event gets one row per endpoint, with the log id, and other events none", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		evs := ticketDay()
		if err := webhookLog(t, st, "crm", "gis").Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		logID := logID(t, st)
		var want []outboxRow
		for _, ev := range evs {
			if ev.Ticket == "" {
				continue
			}
			for _, name := range []string{"crm", "gis"} {
				want = append(want, outboxRow{Endpoint: name, Seq: ev.Seq, Ticket: ev.Ticket, LogID: logID})
			}
		}
		if got := outboxRows(t, path); !reflect.DeepEqual(got, want) {
			t.Errorf("got rows\n%+v\nwant\n%+v", got, want)
		}
		equalEvents(t, replayAll(t, st, 0), evs)
	})

	t.Run("events appended with no endpoint or through the bare store make no rows", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		evs := ticketDay()
		if err := webhookLog(t, st).Append(ctx, evs[:5]); err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, evs[5:]); err != nil {
			t.Fatal(err)
		}
		if got := outboxRows(t, path); len(got) != 0 {
			t.Errorf("got rows %+v, want none", got)
		}
		if got := len(replayAll(t, st, 0)); got != len(evs) {
			t.Errorf("got %d events, want %d", got, len(evs))
		}
	})

	t.Run("Written is signalled after an append that wrote rows and not after one that did not", func(t *testing.T) {
		st := openStore(t, tempDB(t))
		l := webhookLog(t, st, "crm")
		evs := ticketDay()
		if err := l.Append(ctx, evs[:1]); err != nil { // DayOpened: no ticket
			t.Fatal(err)
		}
		select {
		case <-l.Written():
			t.Fatal("signalled after an append without ticket events")
		default:
		}
		if err := l.Append(ctx, evs[1:3]); err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, evs[3:5]); err != nil {
			t.Fatal(err)
		}
		select {
		case <-l.Written():
		default:
			t.Fatal("not signalled after appends with ticket events")
		}
		select {
		case <-l.Written():
			t.Fatal("two appends left two signals: they must not pile up")
		default:
		}
	})
}

func TestWebhookLogAppendFailure(t *testing.T) {
	tests := []struct {
		name    string
		trigger string // makes the second batch fail midway
	}{
		{"an outbox row failing to insert takes its event with it",
			`CREATE TRIGGER fail_outbox BEFORE INSERT ON webhook_outbox
			 WHEN NEW.endpoint = 'gis' AND NEW.seq = 5 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`},
		{"an event failing to insert takes the rows written before it",
			`CREATE TRIGGER fail_event BEFORE INSERT ON events
			 WHEN NEW.type = 'ServiceStarted' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := tempDB(t)
			st := openStore(t, path)
			l := webhookLog(t, st, "crm", "gis")
			evs := ticketDay()
			if err := l.Append(ctx, evs[:4]); err != nil {
				t.Fatal(err)
			}
			select {
			case <-l.Written():
			default:
				t.Fatal("the first append did not signal")
			}
			before := outboxRows(t, path)
			if _, err := rawDB(t, path).Exec(tt.trigger); err != nil {
				t.Fatal(err)
			}
			// Seqs 5 (B issued) and 6 (A started): the failure comes after
			// rows of this batch were written.
			err := l.Append(ctx, evs[4:6])
			if err == nil || !strings.Contains(err.Error(), "disk on fire") {
				t.Fatalf("err = %v, want the trigger's", err)
			}
			if got := outboxRows(t, path); !reflect.DeepEqual(got, before) {
				t.Errorf("rows after the failed append\n%+v\nwant as before\n%+v", got, before)
			}
			equalEvents(t, replayAll(t, st, 0), evs[:4])
			select {
			case <-l.Written():
				t.Error("the failed append signalled")
			default:
			}
		})
	}
}

func TestWebhooksRefusesBadNames(t *testing.T) {
	st := openStore(t, tempDB(t))
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{"an empty name", []string{"crm", ""}, "пустое имя"},
		{"a name given twice", []string{"crm", "gis", "crm"}, `"crm" named twice`},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			l, err := st.Webhooks(tt.names)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if l != nil {
				t.Error("a log came back with the error")
			}
		})
	}
}

// horizon is the deliverer's longest backoff as the tests pass it: longer
// than any retry they set, unless they mean the clock to have been wrong.
const horizon = 5 * time.Minute

// dueSeqs is the seqs OutboxDue returns for endpoint at now.
func dueSeqs(t *testing.T, st *store.Store, endpoint string, now time.Time, limit int) []int64 {
	t.Helper()
	items, err := st.OutboxDue(context.Background(), endpoint, now, horizon, limit)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, it := range items {
		if it.Endpoint != endpoint {
			t.Errorf("item of event %d names endpoint %q, want %q", it.Event.Seq, it.Endpoint, endpoint)
		}
		seqs = append(seqs, it.Event.Seq)
	}
	return seqs
}

func TestOutboxDue(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	// setup appends the day for crm and gis; ticket A is 2, 4, 6, 8 and B 5, 9.
	setup := func(t *testing.T) (*store.Store, string) {
		path := tempDB(t)
		st := openStore(t, path)
		if err := webhookLog(t, st, "crm", "gis").Append(ctx, ticketDay()); err != nil {
			t.Fatal(err)
		}
		return st, path
	}

	t.Run("only the first pending event of each ticket is due, in log order", func(t *testing.T) {
		st, _ := setup(t)
		if got, want := dueSeqs(t, st, "crm", now, 100), []int64{2, 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("due %v, want %v", got, want)
		}
		if got, want := dueSeqs(t, st, "crm", now, 1), []int64{2}; !reflect.DeepEqual(got, want) {
			t.Errorf("limit 1: due %v, want %v", got, want)
		}
		if got := dueSeqs(t, st, "nobody", now, 100); len(got) != 0 {
			t.Errorf("an endpoint without rows has %v due", got)
		}
	})

	t.Run("a delivered event lets the ticket's next one through on that endpoint only", func(t *testing.T) {
		st, path := setup(t)
		if err := st.OutboxDelivered(ctx, "crm", 2, now); err != nil {
			t.Fatal(err)
		}
		if got, want := dueSeqs(t, st, "crm", now, 100), []int64{4, 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("crm due %v, want %v", got, want)
		}
		if got, want := dueSeqs(t, st, "gis", now, 100), []int64{2, 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("gis due %v, want %v", got, want)
		}
		for _, r := range outboxRows(t, path) {
			if r.Endpoint == "crm" && r.Seq == 2 && (r.Attempts != 1 || r.Done.String != "2025-03-03T10:00:00Z") {
				t.Errorf("delivered row = %+v, want 1 attempt, delivered at 10:00 UTC", r)
			}
		}
	})

	t.Run("a failed event holds back its ticket until its retry time, and no other ticket", func(t *testing.T) {
		st, path := setup(t)
		retry := now.Add(30 * time.Second)
		if err := st.OutboxFailed(ctx, "crm", 2, retry, "HTTP 500: "+strings.Repeat("ж", 400)); err != nil {
			t.Fatal(err)
		}
		if got, want := dueSeqs(t, st, "crm", now, 100), []int64{5}; !reflect.DeepEqual(got, want) {
			t.Errorf("before the retry time: due %v, want %v", got, want)
		}
		if got, want := dueSeqs(t, st, "crm", retry, 100), []int64{2, 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("at the retry time: due %v, want %v", got, want)
		}
		for _, r := range outboxRows(t, path) {
			if r.Endpoint != "crm" || r.Seq != 2 {
				continue
			}
			if r.Attempts != 1 || r.NextAtMS != retry.UnixMilli() || r.Done.Valid {
				t.Errorf("failed row = %+v, want 1 attempt, next at the retry, not delivered", r)
			}
			if !strings.HasPrefix(r.Error.String, "HTTP 500: жж") || len(r.Error.String) > 500 || !strings.HasSuffix(r.Error.String, "ж") {
				t.Errorf("stored error %q, want the reason cut to 500 bytes on a rune boundary", r.Error.String)
			}
		}
		items, err := st.OutboxDue(ctx, "crm", retry, horizon, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := items[0].Attempts, 1; got != want {
			t.Errorf("Attempts = %d, want %d", got, want)
		}
	})

	t.Run("an item carries the event and the ticket's history before it", func(t *testing.T) {
		st, _ := setup(t)
		for _, seq := range []int64{2, 4} {
			if err := st.OutboxDelivered(ctx, "crm", seq, now); err != nil {
				t.Fatal(err)
			}
		}
		items, err := st.OutboxDue(ctx, "crm", now, horizon, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("got %d items, want 2", len(items))
		}
		day := ticketDay()
		b, a := items[0], items[1] // log order: B's issue (5) comes before A's start (6)
		if a.Event.Seq != 6 || a.Event.Type != queue.EventServiceStarted || a.Event.Ticket != "A" {
			t.Errorf("first item's event = %+v, want A's ServiceStarted at seq 6", a.Event)
		}
		var hist []string
		for _, h := range a.History {
			hist = append(hist, string(h.Type))
		}
		if got, want := strings.Join(hist, ","), "TicketIssued,TicketCalled"; got != want {
			t.Fatalf("A's history = %s, want %s", got, want)
		}
		if got := a.History[0]; got.Seq != 2 || got.Number != day[1].Number || !got.At.Equal(day[1].At) {
			t.Errorf("A's issue = %+v, want seq 2, %s, at %v", got, day[1].Number, day[1].At)
		}
		if b.Event.Seq != 5 || len(b.History) != 0 {
			t.Errorf("second item = event %d with %d earlier, want B's issue at 5 with none", b.Event.Seq, len(b.History))
		}
	})

	t.Run("next attempt is the earliest retry among the tickets' first events", func(t *testing.T) {
		st, _ := setup(t)
		if _, ok, err := st.OutboxNextAttempt(ctx, "nobody", now, horizon); err != nil || ok {
			t.Errorf("an endpoint without rows: ok %v, err %v; want nothing pending", ok, err)
		}
		if err := st.OutboxFailed(ctx, "crm", 2, now.Add(time.Minute), "down"); err != nil {
			t.Fatal(err)
		}
		if err := st.OutboxFailed(ctx, "crm", 5, now.Add(time.Second), "down"); err != nil {
			t.Fatal(err)
		}
		next, ok, err := st.OutboxNextAttempt(ctx, "crm", now, horizon)
		if err != nil || !ok || !next.Equal(now.Add(time.Second)) {
			t.Errorf("next = %v, %v, %v; want %v", next, ok, err, now.Add(time.Second))
		}
	})

	t.Run("marking an event twice or one not in the outbox is refused", func(t *testing.T) {
		st, _ := setup(t)
		if err := st.OutboxDelivered(ctx, "crm", 2, now); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"delivered twice":        st.OutboxDelivered(ctx, "crm", 2, now),
			"failed after delivered": st.OutboxFailed(ctx, "crm", 2, now, "late"),
			"an event of no ticket":  st.OutboxDelivered(ctx, "crm", 1, now),
			"an unknown endpoint":    st.OutboxDelivered(ctx, "nobody", 4, now),
		} {
			if err == nil || !strings.Contains(err.Error(), "no such undelivered event") {
				t.Errorf("%s: err = %v, want a refusal", name, err)
			}
		}
	})

	t.Run("pending counts every endpoint with undelivered rows", func(t *testing.T) {
		st, _ := setup(t)
		for _, seq := range []int64{2, 4, 5, 6, 8, 9} {
			if err := st.OutboxDelivered(ctx, "gis", seq, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.OutboxDelivered(ctx, "crm", 2, now); err != nil {
			t.Fatal(err)
		}
		got, err := st.OutboxPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"crm": 5}; !reflect.DeepEqual(got, want) {
			t.Errorf("pending = %v, want %v", got, want)
		}
	})

	t.Run("a limit below one or a horizon not above zero is refused", func(t *testing.T) {
		st, _ := setup(t)
		if _, err := st.OutboxDue(ctx, "crm", now, horizon, 0); err == nil {
			t.Error("limit 0 accepted")
		}
		if _, err := st.OutboxDue(ctx, "crm", now, 0, 100); err == nil || !strings.Contains(err.Error(), "horizon") {
			t.Errorf("horizon 0: err = %v, want a refusal", err)
		}
		if _, _, err := st.OutboxNextAttempt(ctx, "crm", now, -time.Second); err == nil || !strings.Contains(err.Error(), "horizon") {
			t.Errorf("a negative horizon: err = %v, want a refusal", err)
		}
	})
}

func TestOutboxSurvivesReopening(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.Webhooks([]string{"crm"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, ticketDay()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	if err := st.OutboxDelivered(ctx, "crm", 2, now); err != nil {
		t.Fatal(err)
	}
	if err := st.OutboxFailed(ctx, "crm", 5, now.Add(time.Minute), "down"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, path)
	if got, want := dueSeqs(t, st, "crm", now, 100), []int64{4}; !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening: due %v, want %v", got, want)
	}
	if got, want := dueSeqs(t, st, "crm", now.Add(time.Minute), 100), []int64{4, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening, at B's retry: due %v, want %v", got, want)
	}
}

func TestOutboxQueriesUseThePendingIndex(t *testing.T) {
	path := tempDB(t)
	openStore(t, path)
	rows, err := rawDB(t, path).Query(`EXPLAIN QUERY PLAN
		SELECT MIN(seq) FROM webhook_outbox WHERE endpoint = 'crm' AND delivered_at IS NULL GROUP BY ticket`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "webhook_outbox_pending") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("plan %q: want the pending index, without a sort", got)
	}
}

// TestOutboxAfterAClockRanAhead: a receiver failed while the clock was an
// hour ahead, so the retry was set an hour ahead of the true time. Once
// the clock is right again, the ticket must not wait out that hour.
func TestOutboxAfterAClockRanAhead(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	st := openStore(t, tempDB(t))
	if err := webhookLog(t, st, "crm").Append(ctx, ticketDay()); err != nil {
		t.Fatal(err)
	}
	// A's first event (seq 2) failed under the wrong clock; B's (seq 5)
	// under the right one, with the longest backoff there is.
	if err := st.OutboxFailed(ctx, "crm", 2, now.Add(time.Hour), "down"); err != nil {
		t.Fatal(err)
	}
	if err := st.OutboxFailed(ctx, "crm", 5, now.Add(horizon), "down"); err != nil {
		t.Fatal(err)
	}

	if got, want := dueSeqs(t, st, "crm", now, 100), []int64{2}; !reflect.DeepEqual(got, want) {
		t.Errorf("due %v, want %v: a retry further ahead than the horizon is due now, one within it waits", got, want)
	}
	next, ok, err := st.OutboxNextAttempt(ctx, "crm", now, horizon)
	if err != nil || !ok || !next.Equal(now) {
		t.Errorf("next = %v, %v, %v; want now, %v", next, ok, err, now)
	}
	if got, want := dueSeqs(t, st, "crm", now.Add(horizon), 100), []int64{2, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("at the horizon: due %v, want %v", got, want)
	}

	// A fails again, now under the right clock: its retry waits.
	if err := st.OutboxFailed(ctx, "crm", 2, now.Add(time.Minute), "down"); err != nil {
		t.Fatal(err)
	}
	if got := dueSeqs(t, st, "crm", now, 100); len(got) != 0 {
		t.Errorf("due %v, want nothing before the retries' times", got)
	}
	next, ok, err = st.OutboxNextAttempt(ctx, "crm", now, horizon)
	if err != nil || !ok || !next.Equal(now.Add(time.Minute)) {
		t.Errorf("next = %v, %v, %v; want %v", next, ok, err, now.Add(time.Minute))
	}
}

// TestOutboxKeepsTheStartOfAnAnswerThatIsNotUTF8: a receiver's answer with
// a bad byte early on keeps what follows it, up to the limit.
func TestOutboxKeepsTheStartOfAnAnswerThatIsNotUTF8(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		why  string
		want string
	}{
		{"a bad byte early in a long answer is replaced and the rest kept up to 500 bytes",
			"HTTP 500: \xff" + strings.Repeat("ошибка ", 100),
			"HTTP 500: \uFFFD" + strings.Repeat("ошибка ", 37) + "оши"}, // 10+3+37*13+6 = 500 bytes
		{"a short answer with bad bytes has each run of them replaced",
			"HTTP 502: \xc3\x28 bad \xe2\x82",
			"HTTP 502: \uFFFD( bad \uFFFD"},
		{"a long valid answer is cut on a rune boundary",
			"HTTP 503:" + strings.Repeat("ж", 400),
			"HTTP 503:" + strings.Repeat("ж", 245)}, // 499 bytes: the 246th "ж" would end at 501
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempDB(t)
			st := openStore(t, path)
			if err := webhookLog(t, st, "crm").Append(ctx, ticketDay()[:2]); err != nil {
				t.Fatal(err)
			}
			if err := st.OutboxFailed(ctx, "crm", 2, now, tt.why); err != nil {
				t.Fatal(err)
			}
			rows := outboxRows(t, path)
			if len(rows) != 1 {
				t.Fatalf("got rows %+v, want one", rows)
			}
			if got := rows[0].Error.String; got != tt.want {
				t.Errorf("stored %q (%d bytes), want %q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
		})
	}
}

func TestLogID(t *testing.T) {
	ctx := context.Background()
	t.Run("a new database gets a log id, and two databases differ", func(t *testing.T) {
		a, b := logID(t, openStore(t, tempDB(t))), logID(t, openStore(t, tempDB(t)))
		if a == b {
			t.Errorf("two databases have the same log id %s", a)
		}
	})

	t.Run("reopening keeps the log id", func(t *testing.T) {
		path := tempDB(t)
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		before := logID(t, st)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if after := logID(t, openStore(t, path)); after != before {
			t.Errorf("log id %s after reopening, was %s", after, before)
		}
	})

	t.Run("rows written before logs had an id keep none, rows after get the log's", func(t *testing.T) {
		path := tempDB(t)
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		day := ticketDay()
		l, err := st.Webhooks([]string{"crm"})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, day[:5]); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		// The file as the version before 0006_log_identity.sql left it.
		execFile(t, path, `DROP TABLE log_identity; ALTER TABLE webhook_outbox DROP COLUMN log_id;
			DELETE FROM schema_migrations WHERE name = '0006_log_identity.sql'`)

		st = openStore(t, path)
		id := logID(t, st)
		if err := webhookLog(t, st, "crm").Append(ctx, day[5:]); err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, r := range outboxRows(t, path) {
			got[r.Seq] = r.LogID
		}
		want := map[int64]string{2: "", 4: "", 5: "", 6: id, 8: id, 9: id}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("log ids by seq %v, want %v", got, want)
		}
		items, err := st.OutboxDue(ctx, "crm", time.Now(), horizon, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.LogID != want[it.Event.Seq] {
				t.Errorf("item of event %d has log id %q, want %q", it.Event.Seq, it.LogID, want[it.Event.Seq])
			}
		}
	})
}
