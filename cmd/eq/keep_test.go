package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
	"eq/queue/store"
	"eq/reports"
)

// countingKeeper counts the Keep calls it hands on to a real reader.
type countingKeeper struct {
	next  reportKeeper
	calls chan struct{}
}

func (k countingKeeper) Keep(ctx context.Context, from, to string) error {
	err := k.next.Keep(ctx, from, to)
	k.calls <- struct{}{}
	return err
}

// TestKeepReportDaysAtStartAndDayOpen: the server keeps the records of
// settled days at start and again when a working day opens, so that the
// day just closed is fast to report on from then on.
func TestKeepReportDaysAtStartAndDayOpen(t *testing.T) {
	ctx := context.Background()
	cfg := configs.Demo()
	cfg.Office.Schedule = nil // tickets on any day the test runs
	loc := cfg.Office.Location
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "eq.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	state, err := store.Load(ctx, st, cfg.Office)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(loc)
	now := today.AddDate(0, 0, -2)
	eng := queue.NewEngine(state, st, queue.ClockFunc(func() time.Time { return now }), nil)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	openDay := func(d time.Time) {
		t.Helper()
		now = d
		if _, err := eng.OpenDay(ctx, queue.Actor{}, day(d)); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Issue(ctx, queue.IssueRequest{Service: cfg.Office.Services[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	openDay(today.AddDate(0, 0, -2))
	openDay(today.AddDate(0, 0, -1))

	opened := make(chan struct{}, 1)
	watch := dayWatch{next: discard{}, closed: make(chan struct{}, 1), opened: opened}
	keeper := countingKeeper{next: reports.NewReader(st, cfg.Office), calls: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		keepReportDays(ctx, keeper, loc, opened, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	kept := func() map[string]string {
		t.Helper()
		k, err := st.KeptDays(ctx, "2000-01-01", "2999-12-31")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}

	waitKeep := func(when string) {
		t.Helper()
		select {
		case <-keeper.calls:
		case <-time.After(10 * time.Second):
			t.Fatalf("no Keep %s", when)
		}
	}
	waitKeep("at start")
	if k := kept(); len(k) == 0 || k[day(today.AddDate(0, 0, -2))] == "" || k[day(today.AddDate(0, 0, -1))] != "" {
		t.Errorf("at start kept %v: want the days up to the day before yesterday, not yesterday (the log's last day)", k)
	}
	watch.Publish([]queue.Event{{Type: queue.EventTicketIssued}})
	select {
	case <-keeper.calls:
		t.Fatal("kept again on an event other than a day's opening")
	case <-time.After(50 * time.Millisecond):
	}
	openDay(today)
	watch.Publish([]queue.Event{{Type: queue.EventDayOpened}})
	waitKeep("when the day opened")
	if k := kept(); k[day(today.AddDate(0, 0, -1))] == "" || k[day(today)] != "" {
		t.Errorf("after today opened kept %v: want yesterday, not today", k)
	}
	cancel()
	<-stopped
}
