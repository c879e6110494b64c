package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// views is everything a client can see of a state at one moment.
type views struct {
	Day      string
	DayOpen  bool
	LastSeq  int64
	Tickets  []queue.TicketView
	Windows  []queue.WindowView
	Queue    queue.QueueView
	Services []queue.ServiceView
}

func viewsOf(s *queue.State, now time.Time) views {
	day, open := s.Day()
	return views{Day: day, DayOpen: open, LastSeq: s.LastSeq(),
		Tickets: s.Tickets(now), Windows: s.Windows(now), Queue: s.Queue(now), Services: s.Services(now)}
}

// office drives an engine the way staff and kiosks would, failing the test
// on any refusal.
type office struct {
	t     *testing.T
	eng   *queue.Engine
	clock *testClock
}

func (o *office) issue(service string, p queue.Priority) string {
	o.t.Helper()
	v, err := o.eng.Issue(context.Background(), queue.IssueRequest{Service: service, Priority: p})
	if err != nil {
		o.t.Fatalf("issue %s: %v", service, err)
	}
	return v.ID
}

func (o *office) act(c queue.WindowCommand) queue.WindowView {
	o.t.Helper()
	if c.Actor.Login == "" {
		c.Actor = queue.Actor{Login: map[int]string{1: "ivanova", 2: "petrov"}[c.Window], Role: queue.RoleOperator}
	}
	v, err := o.eng.WindowAction(context.Background(), c)
	if err != nil {
		o.t.Fatalf("window %d %s: %v", c.Window, c.Action, err)
	}
	return v
}

func (o *office) cancel(id string) {
	o.t.Helper()
	if _, err := o.eng.Cancel(context.Background(), queue.Actor{}, id); err != nil {
		o.t.Fatalf("cancel %s: %v", id, err)
	}
}

func (o *office) live() (v views) {
	o.eng.Read(func(s *queue.State, now time.Time) { v = viewsOf(s, now) })
	return v
}

func TestLoadRebuildsTheLiveState(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	clock := newTestClock()
	st := openStore(t, path)
	state, err := queue.NewState(testOffice())
	if err != nil {
		t.Fatal(err)
	}
	o := &office{t: t, eng: queue.NewEngine(state, st, clock, nil), clock: clock}
	step := func() { clock.Advance(time.Minute) }

	// A morning: visitors arrive, both windows open and work.
	p1 := o.issue("passport", "")
	step()
	o.issue("registration", "")
	step()
	o.issue("passport", queue.PriorityPrivileged)
	step()
	o.issue("consult", "")
	gone := o.issue("registration", "")
	o.issue("passport", "")
	step()
	o.cancel(gone)
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionOpen})
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionOpen})
	step()

	// Window 1 serves the privileged visitor first.
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionCallNext})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionRecall})
	step()
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionStart})
	clock.Advance(7 * time.Minute)
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionFinish, Outcome: queue.OutcomeDocumentsAccepted})

	// Window 2 sends its visitor on to window 1 and wants them back.
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionCallNext})
	step()
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionStart})
	step()
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionForward, ToWindow: 1, Return: true, Reason: "нужна справка"})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionCallNext})
	step()
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionStart})
	clock.Advance(4 * time.Minute)
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionFinish}) // back to window 2

	// Window 2 takes a break while window 1 covers its services.
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionBreak, Reason: "технический перерыв", Minutes: 10})
	clock.Advance(12 * time.Minute)
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionResume})

	// The returning visitor, a no-show, a postponement and a forward to
	// another service.
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionCallNext})
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionStart})
	step()
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionFinish, Outcome: queue.OutcomeResultIssued})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionCall, Ticket: p1, Reason: "по просьбе руководителя"})
	step()
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionPostpone, Minutes: 20})
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionCallNext})
	step()
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionNoShow})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionCallNext})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionStart})
	step()
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionForward, ToService: "consult"})
	o.issue("registration", "")
	o.issue("consult", queue.PriorityPrivileged)
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionCallNext})
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionStart})
	step()

	// Restart: the reloaded state must show exactly what the live one
	// shows, now and once the postponed ticket is due again.
	check := func(t *testing.T, st *store.Store) {
		t.Helper()
		loaded, err := store.Load(ctx, st, testOffice())
		if err != nil {
			t.Fatal(err)
		}
		compare := func() {
			t.Helper()
			want := o.live()
			got := viewsOf(loaded, clock.Now())
			if !reflect.DeepEqual(got, want) {
				t.Errorf("at %v: loaded state differs from the live one\n got %+v\nwant %+v", clock.Now(), got, want)
			}
		}
		compare()
		clock.Advance(30 * time.Minute)
		compare()
		clock.Advance(-30 * time.Minute)
	}

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path)
	t.Run("mid-day, with tickets at every stage", func(t *testing.T) { check(t, st) })

	// The server goes on from the loaded state and the day rolls over:
	// yesterday's open tickets end as not served.
	loaded, err := store.Load(ctx, st, testOffice())
	if err != nil {
		t.Fatal(err)
	}
	o.eng = queue.NewEngine(loaded, st, clock, nil)
	o.act(queue.WindowCommand{Window: 2, Action: queue.ActionFinish})
	clock.Advance(24 * time.Hour)
	o.issue("passport", "")
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionOpen})
	o.act(queue.WindowCommand{Window: 1, Action: queue.ActionCallNext})

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path)
	t.Run("after the day rolled over", func(t *testing.T) { check(t, st) })

	t.Run("the live state has what the test drove it through", func(t *testing.T) {
		// Guards the comparison above against passing on two empty states.
		last, err := st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last < 40 {
			t.Errorf("LastSeq = %d, want a log of 40 events or more", last)
		}
		var types = map[queue.EventType]int{}
		for _, ev := range replayAll(t, st, 0) {
			types[ev.Type]++
		}
		for _, typ := range []queue.EventType{
			queue.EventDayOpened, queue.EventDayClosed, queue.EventTicketIssued, queue.EventTicketCalled,
			queue.EventTicketRecalled, queue.EventServiceStarted, queue.EventServiceFinished, queue.EventTicketNoShow,
			queue.EventTicketPostponed, queue.EventTicketForwarded, queue.EventTicketCancelled, queue.EventTicketNotServed,
			queue.EventWindowOpened, queue.EventWindowClosed, queue.EventBreakStarted, queue.EventBreakEnded,
		} {
			if types[typ] == 0 {
				t.Errorf("the log has no %s event", typ)
			}
		}
	})
}

// TestLoadStartsAtTheDay: yesterday's events are not replayed, so staff
// removed from the config since then do not stop the office from starting,
// and what predictions learnt survives.
func TestLoadStartsAtTheDay(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	st := openStore(t, path)
	clock := newTestClock()
	office := testOffice()
	office.Operators = append(office.Operators, queue.Operator{Login: "temp", Name: "Временный Сотрудник", Position: "стажёр", Role: queue.RoleOperator})
	state, err := store.Load(ctx, st, office)
	if err != nil {
		t.Fatal(err)
	}
	e := queue.NewEngine(state, st, clock, nil)
	temp := queue.Actor{Login: "temp", Role: queue.RoleOperator}
	if _, err := e.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []queue.Action{queue.ActionOpen, queue.ActionCallNext, queue.ActionStart} {
		if _, err := e.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: a, Actor: temp}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	clock.Advance(7 * time.Minute)
	if _, err := e.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: queue.ActionFinish, Actor: temp}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	if err := e.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
		t.Fatal(err)
	}
	var live []queue.ServiceView
	e.Read(func(s *queue.State, now time.Time) { live = s.Services(now) })

	st.Close()
	st = openStore(t, path)
	again, err := store.Load(ctx, st, testOffice()) // "temp" has left
	if err != nil {
		t.Fatalf("load after a staff member left: %v", err)
	}
	got := again.Services(clock.Now())
	if !reflect.DeepEqual(got, live) {
		t.Fatalf("services after reload differ:\n got %+v\nwant %+v", got, live)
	}
	if live[0].PredictedWaitS != 7*60 {
		t.Fatalf("the prediction %d s did not learn yesterday's 7 min", live[0].PredictedWaitS)
	}
}
