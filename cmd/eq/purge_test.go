package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
)

// purges records the cutoffs it was asked to purge before.
type purges struct {
	mu     sync.Mutex
	before []string
	done   chan struct{}
}

func (p *purges) PurgeContacts(_ context.Context, day string) (int64, error) {
	p.mu.Lock()
	p.before = append(p.before, day)
	p.mu.Unlock()
	p.done <- struct{}{}
	return 1, nil
}

type discard struct{}

func (discard) Publish([]queue.Event) {}

// TestPurgeAtStartAndDayClose: personal data past the retention goes at
// start and every time a working day closes, whoever closes it.
func TestPurgeAtStartAndDayClose(t *testing.T) {
	cfg := configs.Demo()
	closed := make(chan struct{}, 1)
	watch := dayWatch{next: discard{}, closed: closed, opened: make(chan struct{}, 1)}
	p := &purges{done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		purgeContacts(ctx, p, cfg, closed, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	<-p.done // at start

	watch.Publish([]queue.Event{{Type: queue.EventTicketIssued}})
	select {
	case <-p.done:
		t.Fatal("purged on an event other than a day's close")
	case <-time.After(50 * time.Millisecond):
	}
	watch.Publish([]queue.Event{{Type: queue.EventTicketNotServed}, {Type: queue.EventDayClosed}})
	<-p.done
	cancel()
	<-stopped

	want := cfg.PurgeBefore(time.Now())
	if len(p.before) != 2 || p.before[0] != want || p.before[1] != want {
		t.Errorf("purged before %v, want twice before %s", p.before, want)
	}
}
