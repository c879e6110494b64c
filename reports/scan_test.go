package reports_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"eq/queue"
	"eq/reports"
)

// memLog is an event log in memory that is also an EventSource, for
// tests that need no SQLite.
type memLog struct{ events []queue.Event }

func (m *memLog) Append(_ context.Context, evs []queue.Event) error {
	for i := range evs {
		evs[i].Seq = int64(len(m.events) + 1)
		m.events = append(m.events, evs[i])
	}
	return nil
}

func (m *memLog) Events(_ context.Context, from, to string, fn func(queue.Event) error) error {
	for _, ev := range m.events {
		if (ev.Day >= from && ev.Day <= to) || (ev.ApptDay >= from && ev.ApptDay <= to) {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	_ queue.EventLog      = (*memLog)(nil)
	_ reports.EventSource = (*memLog)(nil)
)

// recorder keeps every fact a scan tells.
type recorder struct {
	stages  []reports.Stage
	work    []reports.Work
	levels  []reports.QueueLevel
	ratings []reports.RatingFact
}

func (r *recorder) Issued(reports.Stage)                {}
func (r *recorder) StageEnded(st reports.Stage)         { r.stages = append(r.stages, st) }
func (r *recorder) Work(w reports.Work)                 { r.work = append(r.work, w) }
func (r *recorder) Appointment(reports.AppointmentFact) {}
func (r *recorder) QueueLevel(q reports.QueueLevel)     { r.levels = append(r.levels, q) }
func (r *recorder) Rating(rt reports.RatingFact)        { r.ratings = append(r.ratings, rt) }
func (r *recorder) scan(t *testing.T, log *memLog, day string) {
	t.Helper()
	s := reports.NewScan(testOffice(), day, day, r)
	if err := log.Events(context.Background(), day, day, func(ev queue.Event) error { s.Apply(ev); return nil }); err != nil {
		t.Fatal(err)
	}
	s.Finish()
}

// hm is the time of day of t, for readable comparisons.
func hm(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("15:04")
}

// TestScanFollowsEveryStage drives a visit through a postponement, a
// forward with "return to me" and back, and another visitor through a
// forward to a window that then closes.
func TestScanFollowsEveryStage(t *testing.T) {
	o := newOffice(t)
	log := &memLog{}
	state, err := queue.NewState(testOffice())
	if err != nil {
		t.Fatal(err)
	}
	o.eng = queue.NewEngine(state, log, queue.ClockFunc(func() time.Time { return o.now }), nil)

	o.at(day, "08:00")
	o.do(1, queue.ActionOpen)
	o.do(2, queue.ActionOpen)
	o.issue("passport", "") // П001
	o.at(day, "08:01")
	o.callNext(1, "П001")
	o.at(day, "08:02")
	o.do(1, queue.ActionPostpone, func(c *queue.WindowCommand) { c.Minutes = 10 }) // back at 08:12
	o.at(day, "08:05")
	o.issue("passport", "") // П002
	o.at(day, "08:06")
	o.callNext(1, "П002")
	o.do(1, queue.ActionStart)
	o.at(day, "08:20")
	o.do(1, queue.ActionFinish)
	o.callNext(1, "П001")
	o.at(day, "08:21")
	o.do(1, queue.ActionStart)
	o.at(day, "08:25")
	o.do(1, queue.ActionForward, func(c *queue.WindowCommand) { c.ToWindow, c.Return = 2, true })
	o.at(day, "08:27")
	o.callNext(2, "П001")
	o.at(day, "08:28")
	o.do(2, queue.ActionStart)
	o.at(day, "08:30")
	o.do(2, queue.ActionFinish) // back to window 1
	o.at(day, "08:31")
	o.callNext(1, "П001")
	o.do(1, queue.ActionStart)
	o.at(day, "08:35")
	o.do(1, queue.ActionFinish)
	o.at(day, "08:36")
	o.issue("passport", "") // П003
	o.at(day, "08:37")
	o.callNext(1, "П003")
	o.do(1, queue.ActionStart)
	o.at(day, "08:40")
	o.do(1, queue.ActionForward, func(c *queue.WindowCommand) { c.ToWindow = 2 })
	o.at(day, "08:41")
	o.do(2, queue.ActionClose) // П003 goes back to the passport queue
	o.at(day, "08:45")
	o.issue("property", "") // Н001

	var r recorder
	r.scan(t, log, day)

	t.Run("each stage as the ticket's history has it", func(t *testing.T) {
		var got []string
		for _, st := range r.stages {
			got = append(got, fmt.Sprintf("%s %s queued %s called %s w%d started %s ended %s wait %v service %v",
				st.Number, st.End, hm(st.QueuedAt), hm(st.CalledAt), st.Window, hm(st.StartedAt), hm(st.EndedAt), st.Wait, st.ServiceTime))
		}
		want := []string{
			"П001 postponed queued 08:00 called 08:01 w1 started — ended 08:02 wait 1m0s service 0s",
			"П002 served queued 08:05 called 08:06 w1 started 08:06 ended 08:20 wait 1m0s service 14m0s",
			"П001 forwarded queued 08:12 called 08:20 w1 started 08:21 ended 08:25 wait 8m0s service 4m0s",
			"П001 served queued 08:25 called 08:27 w2 started 08:28 ended 08:30 wait 2m0s service 2m0s",
			"П001 served queued 08:30 called 08:31 w1 started 08:31 ended 08:35 wait 1m0s service 4m0s",
			"П003 forwarded queued 08:36 called 08:37 w1 started 08:37 ended 08:40 wait 1m0s service 3m0s",
			// Open when the events ran out: sent back to the queue when
			// window 2 closed, the same stage waiting since the forward.
			"П003 waiting queued 08:40 called — w0 started — ended — wait 5m0s service 0s",
			"Н001 waiting queued 08:45 called — w0 started — ended — wait 0s service 0s",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stages:\n%s\nwant\n%s", lines(got), lines(want))
		}
	})

	t.Run("the queue's length steps up when a postponement runs out, with no event", func(t *testing.T) {
		var got []string
		for _, q := range r.levels {
			if q.Service == "" && !q.From.Equal(q.To) {
				got = append(got, fmt.Sprintf("%s–%s %d", hm(q.From), hm(q.To), q.Waiting))
			}
		}
		want := []string{
			"08:00–08:01 1", "08:01–08:05 0", "08:05–08:06 1", "08:06–08:12 0", "08:12–08:20 1",
			"08:20–08:25 0", "08:25–08:27 1", "08:27–08:30 0", "08:30–08:31 1", "08:31–08:36 0",
			"08:36–08:37 1", "08:37–08:40 0", "08:40–08:45 1",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("office queue steps:\n%s\nwant\n%s", lines(got), lines(want))
		}
	})

	t.Run("the services' queues add up to the office's", func(t *testing.T) {
		area := map[string]time.Duration{}
		for _, q := range r.levels {
			area[q.Service] += time.Duration(q.Waiting) * q.To.Sub(q.From)
		}
		// 1 + 1 + 8 + 2 + 1 + 1 + 5 visitor-minutes, all of them passport's.
		if area[""] != 19*time.Minute || area["passport"] != area[""] || area["property"] != 0 {
			t.Errorf("visitor-time waited: %v, want 19m0s for the office and passport", area)
		}
	})

	t.Run("windows are signed in until closed, or until the last event", func(t *testing.T) {
		var got []string
		for _, w := range r.work {
			if w.Kind != reports.WorkIdle {
				got = append(got, fmt.Sprintf("%s w%d %s %s–%s", w.Kind, w.Window, w.Operator, hm(w.From), hm(w.To)))
			}
		}
		want := []string{"signed_in w2 op2 08:00–08:41", "signed_in w1 op1 08:00–08:45"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("work = %q, want %q", got, want)
		}
	})

	t.Run("a window is idle from opening or a stage's end to the next call", func(t *testing.T) {
		// Window 1: open 08:00, calls П001 08:01; the postponement frees it
		// 08:02 until П002's call 08:06; П002's finish and П001's call are
		// both 08:20 (no idle); the forward to window 2 frees it 08:25
		// until П001 comes back 08:31; finish 08:35, П003 called 08:37;
		// П003 forwarded 08:40, nobody called until the last event 08:45.
		// Window 2: open 08:00, first call 08:27; finish 08:30, closed
		// 08:41. Each is told when it ends, in log order.
		var got []string
		for _, w := range r.work {
			if w.Kind == reports.WorkIdle {
				got = append(got, fmt.Sprintf("w%d %s %s–%s", w.Window, w.Operator, hm(w.From), hm(w.To)))
			}
		}
		want := []string{"w1 op1 08:00–08:01", "w1 op1 08:02–08:06", "w2 op2 08:00–08:27", "w1 op1 08:25–08:31",
			"w1 op1 08:35–08:37", "w2 op2 08:30–08:41", "w1 op1 08:40–08:45"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("idle = %q, want %q", got, want)
		}
	})
}

func lines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	return out
}

// TestScanSkipsWhatItCannotPlace: events of a ticket issued before the log
// starts, and of days outside the range, change nothing.
func TestScanSkipsWhatItCannotPlace(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	log := &memLog{events: []queue.Event{
		{Type: queue.EventTicketCalled, At: at, Day: day, Ticket: "unknown", Window: 1, Operator: "op1"},
		{Type: queue.EventServiceFinished, At: at.Add(time.Minute), Day: day, Ticket: "unknown", Window: 1, Operator: "op1", Outcome: queue.OutcomeServed},
		{Type: queue.EventTicketIssued, At: at, Day: dayAfter, Ticket: "later", Number: "П001", Service: "passport"},
	}}
	var r recorder
	r.scan(t, log, day)
	if len(r.stages) != 0 || len(r.work) != 0 {
		t.Errorf("stages %+v, work %+v: want none", r.stages, r.work)
	}
}
