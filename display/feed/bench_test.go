package feed_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/internal/officetest"
	"eq/queue"
)

// BenchmarkCallToScreen measures a call's way to the hall display through
// the real server: from the operator's call-next (a durable commit) until
// the display's layout shows the ticket as the newest call.
func BenchmarkCallToScreen(b *testing.B) {
	o := officetest.Start(b)
	ctx := context.Background()
	c, err := feed.Dial(ctx, o.URL(), feed.Hall, "demo-display")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, online, _ := c.Snapshot(); !online; _, online, _ = c.Snapshot() {
		<-c.Updates()
	}
	op := queue.Actor{Login: "op1", Role: queue.RoleOperator}
	act := func(a queue.Action) {
		if _, err := o.Engine.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: a, Actor: op}); err != nil {
			b.Fatal(err)
		}
	}
	act(queue.ActionOpen)
	layouter := display.NewLayouter(nil)
	var screen display.Screen
	var latencies []time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		t, err := o.Engine.Issue(ctx, queue.IssueRequest{Service: "passport"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		act(queue.ActionCallNext)
		for {
			call := <-c.Calls()
			if call.Number != t.Number {
				continue
			}
			st, _, _ := c.Snapshot()
			screen.Sync(st, time.Now())
			if newest(layouter.Layout(&screen, feed.Hall, display.Size{W: 1920, H: 1080}, time.Now(), "ru")) == t.Number {
				break
			}
		}
		latencies = append(latencies, time.Since(start))
		b.StopTimer()
		act(queue.ActionStart)
		act(queue.ActionFinish)
		b.StartTimer()
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-us")
}

func newest(f *display.Frame) string {
	for _, it := range f.Items {
		if it.Role == display.RoleCallTicket && it.Index == 0 {
			return it.Text
		}
	}
	return ""
}
