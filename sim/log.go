package sim

import (
	"context"

	"eq/queue"
	"eq/reports"
)

// memLog keeps a simulated day's events in memory: the engine appends to
// it as to the SQLite store, and reports read it back. A simulated day has
// no power cut to survive, and a day of fsyncs would take minutes.
type memLog struct {
	events []queue.Event
}

var (
	_ queue.EventLog      = (*memLog)(nil)
	_ reports.EventSource = (*memLog)(nil)
)

// Append keeps evs, numbering them as the store would.
func (l *memLog) Append(_ context.Context, evs []queue.Event) error {
	for i := range evs {
		evs[i].Seq = int64(len(l.events) + 1)
		l.events = append(l.events, evs[i])
	}
	return nil
}

// Events gives the events of the days fromDay to toDay, and appointment
// events whose slot is on those days, in log order, as store.Events does.
func (l *memLog) Events(ctx context.Context, fromDay, toDay string, fn func(queue.Event) error) error {
	for _, ev := range l.events {
		in := ev.Day >= fromDay && ev.Day <= toDay
		if ev.ApptDay != "" {
			in = in || ev.ApptDay >= fromDay && ev.ApptDay <= toDay
		}
		if !in {
			continue
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return ctx.Err()
}
