package queue

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// tid is the id of the i-th ticket of the test day, as Issue makes them,
// so that the tickets the forecast imagines issued now sort after them.
func tid(i int) string { return fmt.Sprintf("20261123-%06d", i) }

func TestForecast(t *testing.T) {
	min := time.Minute
	at := func(d time.Duration) time.Time { return day0.Add(d) }
	called := func(i, window int, d time.Duration) Event {
		return Event{Type: EventTicketCalled, Ticket: tid(i), Window: window, Operator: fmt.Sprintf("op%d", window), At: at(d)}
	}
	started := func(i int, d time.Duration) Event { return Event{Type: EventServiceStarted, Ticket: tid(i), At: at(d)} }
	finished := func(i int, d time.Duration) Event {
		return Event{Type: EventServiceFinished, Ticket: tid(i), Outcome: OutcomeServed, At: at(d)}
	}
	postponed := func(i int, d, until time.Duration) Event {
		return Event{Type: EventTicketPostponed, Ticket: tid(i), At: at(d), Until: at(until), Deadline: at(until)}
	}
	onBreak := func(window int, d time.Duration, minutes int) Event {
		return Event{Type: EventBreakStarted, Window: window, Operator: fmt.Sprintf("op%d", window), At: at(d), Minutes: minutes, Reason: "звонок"}
	}
	ticket := func(i int, service string, p Priority, issuedAt time.Duration) Event {
		return issued(tid(i), service, p, issuedAt, issuedAt+15*min)
	}
	normal := func(i int, service string, issuedAt time.Duration) Event {
		return ticket(i, service, PriorityNormal, issuedAt)
	}
	booked := func(code, service string, start time.Duration) Event {
		return Event{Type: EventAppointmentBooked, Code: code, Service: service, ApptDay: "2026-11-23",
			Start: at(start), End: at(start + 15*min), At: day0}
	}

	// The test office: window 1 serves passports (10 min) at level 1 and
	// foreign passports (20 min) at 2; window 2 foreign passports; window 3
	// property (15 min) at 1 and passports at 2. A level is 10 min.
	tests := []struct {
		name   string
		events []Event
		at     time.Duration
		want   map[string]time.Duration // ticket → remaining wait
		fresh  map[string]time.Duration // service → wait of a ticket issued now
	}{
		{
			name: "a window shared by two services takes them in dispatch order",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), normal(2, "foreign", min), normal(3, "passport", 2*min)},
			at:   2 * min,
			want: map[string]time.Duration{tid(1): 0, tid(3): 10 * min, tid(2): 20 * min},
			// A new foreign passport comes after the one waiting, at window 1
			// only; property has no window open, and one configured.
			fresh: map[string]time.Duration{"passport": 20 * min, "foreign": 40 * min, "property": 15 * min},
		},
		{
			name: "a visitor halfway through a visit leaves the window in half a visit",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 0), started(1, 0), normal(2, "passport", min)},
			at:    5 * min,
			want:  map[string]time.Duration{tid(2): 5 * min},
			fresh: map[string]time.Duration{"passport": 15 * min},
		},
		{
			name: "a visitor called and not yet at the window needs the whole visit",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 3*min), normal(2, "passport", min)},
			at:   5 * min,
			want: map[string]time.Duration{tid(2): 8 * min},
		},
		{
			name: "a visit past its mean is expected to last a third of the mean more",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 0), started(1, 0), normal(2, "passport", min)},
			at:   14 * min,
			want: map[string]time.Duration{tid(2): 10 * min / 3},
		},
		{
			name: "a window on a break comes back when the break is planned to end",
			events: []Event{opened(1, "op1"), opened(3, "op3"),
				normal(1, "property", 0), called(1, 3, 0), started(1, 0), onBreak(1, 0, 12),
				normal(2, "passport", min), normal(3, "passport", 2*min)},
			at: 5 * min,
			// Window 1 is back at 12 min, window 3 free at 15 min.
			want:  map[string]time.Duration{tid(2): 7 * min, tid(3): 10 * min},
			fresh: map[string]time.Duration{"passport": 17 * min},
		},
		{
			name: "a break past its planned end is taken to end now",
			events: []Event{opened(1, "op1"), onBreak(1, 0, 1),
				normal(1, "passport", min), normal(2, "passport", 2*min)},
			at:   5 * min,
			want: map[string]time.Duration{tid(1): 0, tid(2): 10 * min},
		},
		{
			name: "a break with no planned end leaves its window out",
			events: []Event{opened(1, "op1"), opened(3, "op3"), onBreak(1, 0, 0),
				normal(1, "passport", min), normal(2, "passport", 2*min)},
			at:   5 * min,
			want: map[string]time.Duration{tid(1): 0, tid(2): 10 * min},
		},
		{
			// At 12:00 the foreign passport is due at 15, counted 25 at a
			// level-2 window: the passport due at 20 goes first. At 22 the
			// foreign one is past its target and no longer helped while
			// the passport due at 27 waits.
			name: "a level-2 service waits for the main one unless clearly more urgent and still in time",
			events: []Event{opened(1, "op1"),
				normal(1, "foreign", 0), normal(2, "passport", 5*min), normal(3, "passport", 12*min)},
			at:   12 * min,
			want: map[string]time.Duration{tid(2): 0, tid(3): 10 * min, tid(1): 20 * min},
		},
		{
			name: "a level-2 service clearly more urgent and still in time goes first",
			events: []Event{opened(1, "op1"),
				normal(1, "foreign", 0), normal(2, "passport", 12*min)},
			at:   12 * min,
			want: map[string]time.Duration{tid(1): 0, tid(2): 20 * min},
		},
		{
			name: "a privileged visitor goes before those who came earlier",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), ticket(2, "passport", PriorityPrivileged, 3*min)},
			at:    3 * min,
			want:  map[string]time.Duration{tid(2): 0, tid(1): 10 * min},
			fresh: map[string]time.Duration{"passport": 20 * min},
		},
		{
			name: "a postponed visitor is called when they return; a new one at once",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), postponed(1, min, 7*min)},
			at:    2 * min,
			want:  map[string]time.Duration{tid(1): 5 * min},
			fresh: map[string]time.Duration{"passport": 0},
		},
		{
			name: "a returning visitor, due at once, goes before later ones",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 0), started(1, 0),
				normal(2, "passport", min), postponed(2, min, 5*min), normal(3, "passport", 90*time.Second)},
			at:   2 * min,
			want: map[string]time.Duration{tid(2): 8 * min, tid(3): 18 * min},
		},
		{
			name:   "nobody at work: each ticket waits a visit shared by the configured windows",
			events: []Event{normal(1, "passport", 0), normal(2, "passport", min)},
			at:     2 * min,
			// Passports have windows 1 and 3, foreign passports 1 and 2, property 3.
			want:  map[string]time.Duration{tid(1): 5 * min, tid(2): 10 * min},
			fresh: map[string]time.Duration{"passport": 15 * min, "foreign": 10 * min, "property": 15 * min},
		},
		{
			name: "a service no window serves waits a visit per ticket",
			events: []Event{opened(1, "op1"),
				{Type: EventWindowServicesChanged, Window: 1, Services: ServiceLevels{{"passport", 1}}, At: day0},
				{Type: EventWindowServicesChanged, Window: 2, Services: ServiceLevels{{"passport", 1}}, At: day0},
				normal(1, "foreign", 0), normal(2, "foreign", min)},
			at:    2 * min,
			want:  map[string]time.Duration{tid(1): 20 * min, tid(2): 40 * min},
			fresh: map[string]time.Duration{"foreign": 60 * min, "passport": 0},
		},
		{
			name: "a visitor forwarded to a window waits for that window",
			events: []Event{opened(1, "op1"), opened(3, "op3"),
				normal(1, "property", 0), called(1, 3, 0), started(1, 0),
				normal(2, "passport", min),
				{Type: EventTicketForwarded, Ticket: tid(2), Service: "passport", ToWindow: 3, At: at(min), Deadline: at(16 * min)},
				normal(3, "passport", 90*time.Second)},
			at:   2 * min,
			want: map[string]time.Duration{tid(3): 0, tid(2): 13 * min},
		},
		{
			name: "a visitor forwarded to an operator waits for their window",
			events: []Event{opened(1, "op1"), opened(3, "op3"),
				normal(1, "property", 0), called(1, 3, 0), started(1, 0),
				normal(2, "passport", min),
				{Type: EventTicketForwarded, Ticket: tid(2), Service: "passport", ToOperator: "op3", At: at(min), Deadline: at(16 * min)},
				normal(3, "passport", 90*time.Second)},
			at:   2 * min,
			want: map[string]time.Duration{tid(3): 0, tid(2): 13 * min},
		},
		{
			name: "a booked appointment goes before the live queue once its slot comes",
			events: []Event{opened(1, "op1"), booked("A", "passport", 5*min),
				normal(1, "passport", 0), normal(2, "passport", 30*time.Second)},
			at: min,
			// The test office has no check-in window: the visitor is expected
			// at the slot, 5 min, so window 1, free at 11 min, takes them first.
			want:  map[string]time.Duration{tid(1): 0, tid(2): 20 * min},
			fresh: map[string]time.Duration{"passport": 30 * min},
		},
		{
			name: "a booked appointment is expected as early as the day's check-ins came",
			events: []Event{opened(1, "op1"), booked("A", "passport", 10*min), booked("B", "passport", 21*min),
				issued(tid(1), "passport", PriorityAppointment, 6*min, 10*min),
				{Type: EventAppointmentCheckedIn, Code: "A", Ticket: tid(1), At: at(6 * min)},
				called(1, 1, 8*min), started(1, 8*min), normal(2, "passport", 12*min)},
			at: 12 * min,
			// A came 4 min before its slot, so B (21 min) is expected at 17:
			// when window 1 is free at 18, B waits there with a deadline (26,
			// 5 min past the slot) before ticket 2's (27), so B goes first.
			// Were B expected at the slot, ticket 2 would be called at 18.
			want: map[string]time.Duration{tid(2): 16 * min},
		},
		{
			name: "the day's walk-up lengthens every call",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 0), started(1, min), finished(1, 11*min),
				normal(2, "passport", 2*min), normal(3, "passport", 3*min)},
			at:    11 * min,
			want:  map[string]time.Duration{tid(2): 0, tid(3): 11 * min},
			fresh: map[string]time.Duration{"passport": 22 * min},
		},
		{
			name: "the day's no-shows shorten the expected call",
			events: []Event{opened(1, "op1"),
				normal(1, "passport", 0), called(1, 1, 0), started(1, 0), finished(1, 10*min),
				normal(2, "passport", min), called(2, 1, 10*min),
				{Type: EventTicketNoShow, Ticket: tid(2), At: at(14 * min)},
				normal(3, "passport", 2*min), normal(4, "passport", 3*min)},
			at: 14 * min,
			// Of two calls one came (10 min) and one did not (4 min lost).
			want: map[string]time.Duration{tid(3): 0, tid(4): 7 * min},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stateWith(t, tt.events...)
			now := day0.Add(tt.at)
			f := s.forecast(now, nil, true)
			for id, want := range tt.want {
				tk := s.tickets[id]
				if got, ok := f.waits[tk]; !ok || got != want {
					t.Errorf("ticket %s waits %v (placed %v), want %v", id, got, ok, want)
				}
				// A single ticket's replay, stopped when it is picked, agrees.
				if got := s.forecast(now, tk, false).waits[tk]; got != want {
					t.Errorf("ticket %s alone waits %v, want %v", id, got, want)
				}
			}
			if got, want := len(f.waits), len(s.addressed)+len(s.postponed); got < want {
				t.Errorf("%d tickets placed, fewer than the %d addressed or postponed", got, want)
			}
			for tk := range f.waits {
				if _, ok := s.tickets[tk.ID]; !ok {
					t.Errorf("a wait is reported for %s, a ticket not issued", tk.ID)
				}
			}
			for svc, want := range tt.fresh {
				if got, ok := f.fresh[svc]; !ok || got != want {
					t.Errorf("a %s ticket issued now waits %v (placed %v), want %v", svc, got, ok, want)
				}
			}
		})
	}
}

// TestForecastIsWhatNextDoes drives the engine after a forecast: windows
// call the moment they are free (the earliest first, then by number), every
// visitor comes at once and every visit takes exactly its service's mean.
// Then the forecast must be exact: every ticket is called in the predicted
// order at the predicted time. Besides, the view of a service must promise
// what a ticket issued at that moment is told, and a list of tickets (one
// replay) must say what each ticket's own view says.
func TestForecastIsWhatNextDoes(t *testing.T) {
	forecastDays(t, 60, 7, func(t *testing.T, rng *rand.Rand) *harness {
		h := newHarness(t)
		setUpRandomDay(h, rng)
		return h
	})
}

// TestForecastIsWhatNextDoesUnderRatioRules is TestForecastIsWhatNextDoes
// with ratio rules at two windows: the replay must hold privileged visitors
// back exactly as the windows will.
func TestForecastIsWhatNextDoesUnderRatioRules(t *testing.T) {
	forecastDays(t, 60, 11, func(t *testing.T, rng *rand.Rand) *harness {
		o := testOffice()
		o.Windows[0].Ratio, o.Windows[2].Ratio = 1, 2
		h := newHarnessIn(t, o)
		setUpRandomDay(h, rng)
		return h
	})
}

// TestForecastIsWhatNextDoesOnBusierDays is TestForecastIsWhatNextDoes on
// days of three rounds, a third of the visitors privileged, with random
// ratio rules (none to 3:1) at every window, under both dispatch orders:
// visitors come back from postponements with later deadlines than a ticket
// issued now, privileged ones are forwarded to windows whose rule holds
// them back, and each window's count runs on from calls made before.
func TestForecastIsWhatNextDoesOnBusierDays(t *testing.T) {
	for _, policy := range []DispatchPolicy{DispatchDeadline, DispatchFIFO} {
		t.Run(policy.String(), func(t *testing.T) {
			forecastDays(t, 100, 13, func(t *testing.T, rng *rand.Rand) *harness {
				o := testOffice()
				o.Dispatch = policy
				for i := range o.Windows {
					o.Windows[i].Ratio = rng.IntN(4)
				}
				h := newHarnessIn(t, o)
				setUpBusierDay(h, rng)
				return h
			})
		})
	}
}

// forecastDays checks the forecast exact on days seeds 1..seeds (a quarter
// of them with -short), each set up by day from a generator on stream.
func forecastDays(t *testing.T, seeds int, stream uint64, day func(*testing.T, *rand.Rand) *harness) {
	if testing.Short() {
		seeds /= 4
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, stream))
			checkForecastExact(t, day(t, rng), rng)
		})
	}
}

// setUpBusierDay runs three rounds of arrivals, a third of them
// privileged, each followed by every window finishing what it has and
// doing one thing: call and serve, call and postpone, serve and forward,
// a break in the last round, or nothing.
func setUpBusierDay(h *harness, rng *rand.Rand) {
	h.t.Helper()
	h.openAll()
	services := []string{"passport", "foreign", "property"}
	ops := []string{"op1", "op2", "op3"}
	for round := range 3 {
		for n := 3 + rng.IntN(12); n > 0; n-- {
			h.advance(time.Duration(rng.IntN(90)) * time.Second)
			p := PriorityNormal
			if rng.IntN(3) == 0 {
				p = PriorityPrivileged
			}
			h.issueAs(services[rng.IntN(len(services))], p)
		}
		for _, n := range rng.Perm(3) {
			w, login := n+1, ops[n]
			v, _ := h.eng.Window(w)
			if v.OnBreak {
				h.must(w, login, ActionResume)
			}
			if v.Current != nil {
				if v.Current.Status == StatusCalled {
					h.must(w, login, ActionStart)
				}
				h.must(w, login, ActionFinish)
			}
			deed := []windowDeed{serve, serve, serve, postpone, forward, takeBreak, nothing}[rng.IntN(7)]
			if deed == takeBreak && round < 2 {
				deed = nothing
			}
			doOneThing(h, rng, w, deed)
			h.advance(time.Duration(rng.IntN(60)) * time.Second)
		}
	}
}

// setUpRandomDay issues tickets of every class over half an hour, then, in
// the last three minutes (less than two thirds of any visit), has each
// window do something: call and serve, call and postpone, serve and forward
// to a window or an operator, go on a break, or nothing.
func setUpRandomDay(h *harness, rng *rand.Rand) {
	h.t.Helper()
	h.openAll()
	services := []string{"passport", "foreign", "property"}
	for n := 5 + rng.IntN(30); n > 0; n-- {
		h.advance(time.Duration(rng.IntN(90)) * time.Second)
		p := PriorityNormal
		if rng.IntN(8) == 0 {
			p = PriorityPrivileged
		}
		h.issueAs(services[rng.IntN(len(services))], p)
	}
	for _, n := range rng.Perm(3) {
		doOneThing(h, rng, n+1, []windowDeed{serve, serve, postpone, forward, takeBreak, nothing}[rng.IntN(6)])
		h.advance(time.Duration(rng.IntN(60)) * time.Second)
	}
}

// windowDeed is one thing the random days have a window do.
type windowDeed int

const (
	nothing   windowDeed = iota
	serve                // call and start
	postpone             // call and postpone
	forward              // call, start and forward to another window or its operator
	takeBreak            // a manager sends the window on a break
)

// doOneThing has window w (1–3, its operator op1–op3) do deed.
func doOneThing(h *harness, rng *rand.Rand, w int, deed windowDeed) {
	h.t.Helper()
	ops := []string{"op1", "op2", "op3"}
	login := ops[w-1]
	switch deed {
	case serve:
		if _, err := h.do(w, login, ActionCallNext); err == nil {
			h.must(w, login, ActionStart)
		}
	case postpone:
		if _, err := h.do(w, login, ActionCallNext); err == nil {
			h.must(w, login, ActionPostpone, func(c *WindowCommand) { c.Minutes = 1 + rng.IntN(20) })
		}
	case forward:
		if _, err := h.do(w, login, ActionCallNext); err == nil {
			h.must(w, login, ActionStart)
			to := 1 + (w+rng.IntN(2))%3
			h.must(w, login, ActionForward, func(c *WindowCommand) {
				if rng.IntN(2) == 0 {
					c.ToWindow = to
				} else {
					c.ToOperator = ops[to-1]
				}
			})
		}
	case takeBreak:
		h.must(w, "boss", ActionBreak, func(c *WindowCommand) {
			c.Reason, c.Minutes, c.Override = "звонок", 1+rng.IntN(20), true
		})
	}
}

// checkForecastExact checks h's forecast at its present moment against
// what the engine then does.
func checkForecastExact(t *testing.T, h *harness, rng *rand.Rand) {
	t.Helper()
	// A service view promises what a ticket issued now is told.
	services := h.eng.Services()
	svc := []string{"passport", "foreign", "property"}[rng.IntN(3)]
	issued := h.issue(svc)
	for _, v := range services {
		if v.ID == svc && v.PredictedWaitS != issued.PredictedWaitS {
			t.Errorf("%s view promises %d s, a ticket issued then is told %d s", svc, v.PredictedWaitS, issued.PredictedWaitS)
		}
	}

	t0 := h.now
	var (
		waits = map[string]time.Duration{}
		mean  = map[string]time.Duration{}
	)
	h.eng.Read(func(s *State, now time.Time) {
		f := s.forecast(now, nil, false)
		for tk, d := range f.waits {
			waits[tk.ID] = d
		}
		for _, sv := range s.office.Services {
			mean[sv.ID] = s.meanServiceTime(sv.ID)
		}
		// The list's one replay against each ticket's own.
		for _, v := range s.Tickets(now) {
			tk := s.tickets[v.ID]
			one := s.ticketView(tk, now, nil)
			if v.PredictedWaitS != one.PredictedWaitS || v.Position != one.Position {
				t.Errorf("ticket %s in the list: %d s at %d; alone: %d s at %d", v.ID, v.PredictedWaitS, v.Position, one.PredictedWaitS, one.Position)
			}
		}
	})
	// Drive: each window is busy until its visit or break ends.
	busy := map[int]time.Time{}
	for _, w := range h.eng.Windows() {
		switch {
		case !w.Open:
			continue
		case w.OnBreak:
			var planned time.Duration
			h.eng.Read(func(s *State, _ time.Time) { planned = time.Duration(s.windows[w.Number].BreakMinutes) * time.Minute })
			busy[w.Number] = later(t0, w.BreakStarted.Add(planned))
		case w.Current != nil:
			st := w.Current.History[len(w.Current.History)-1]
			busy[w.Number] = st.StartedAt.Add(mean[w.Current.ServiceID])
		default:
			busy[w.Number] = t0
		}
	}
	got := map[string]time.Duration{}
	var calls []string
	for len(busy) > 0 {
		n := 0
		for w, at := range busy {
			if n == 0 || at.Before(busy[n]) || at.Equal(busy[n]) && w < n {
				n = w
			}
		}
		h.now = busy[n]
		login := fmt.Sprintf("op%d", n)
		v, err := h.eng.Window(n)
		if err != nil {
			t.Fatal(err)
		}
		if v.OnBreak {
			h.must(n, login, ActionResume)
		}
		if v.Current != nil {
			h.must(n, login, ActionFinish)
		}
		v, err = h.do(n, login, ActionCallNext)
		if err != nil {
			// Nobody for this window: it waits for the next visitor back
			// from a postponement, if any.
			delete(busy, n)
			h.eng.Read(func(s *State, now time.Time) {
				for _, tk := range s.postponed {
					if back := tk.PostponedUntil; back.After(now) {
						if b, ok := busy[n]; !ok || back.Before(b) {
							busy[n] = back
						}
					}
				}
			})
			continue
		}
		got[v.Current.ID] = h.now.Sub(t0)
		calls = append(calls, v.Current.ID)
		h.must(n, login, ActionStart)
		busy[n] = h.now.Add(mean[v.Current.ServiceID])
	}

	for id, want := range waits {
		if g, ok := got[id]; !ok || g != want {
			t.Errorf("ticket %s called after %v (called %v), predicted %v", id, g, ok, want)
		}
	}
	if len(got) != len(waits) {
		t.Errorf("%d tickets called, %d predicted", len(got), len(waits))
	}
	// Calls at the same moment may come in any order of windows; the order
	// of moments must be the predicted one.
	for i := 1; i < len(calls); i++ {
		if waits[calls[i]] < waits[calls[i-1]] {
			t.Errorf("call %d: %s (predicted %v) after %s (predicted %v)", i, calls[i], waits[calls[i]], calls[i-1], waits[calls[i-1]])
		}
	}
}

// TestPositionsInOneReplay: the positions a list of tickets shows come
// from the one replay and are what ahead counts for each ticket.
func TestPositionsInOneReplay(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		h := newHarness(t)
		setUpRandomDay(h, rng)
		h.advance(time.Duration(rng.IntN(20)) * time.Minute) // some postponed ones are back
		h.eng.Read(func(s *State, now time.Time) {
			f := s.forecast(now, nil, false)
			for _, tk := range s.tickets {
				if tk.StatusAt(now) != StatusWaiting {
					continue
				}
				if got, want := f.positions[tk], s.ahead(tk, now)+1; got != want {
					t.Errorf("seed %d: ticket %s at %d in the replay, %d by ahead", seed, tk.ID, got, want)
				}
			}
		})
	}
}

// TestForecastAtIssueThroughTheEngine: the ticket a kiosk prints and the
// service list agree through the engine, and a ticket issued behind others
// is told no shorter a wait.
func TestForecastAtIssueThroughTheEngine(t *testing.T) {
	h := newHarness(t)
	h.openAll()
	prev := -1
	for i := 0; i < 12; i++ {
		h.advance(20 * time.Second)
		var promised int
		for _, v := range h.eng.Services() {
			if v.ID == "foreign" {
				promised = v.PredictedWaitS
			}
		}
		tv := h.issue("foreign")
		if tv.PredictedWaitS != promised {
			t.Errorf("ticket %s told %d s, the service view promised %d s", tv.Number, tv.PredictedWaitS, promised)
		}
		if tv.PredictedWaitS < prev {
			t.Errorf("ticket %s told %d s, less than the one before it (%d s)", tv.Number, tv.PredictedWaitS, prev)
		}
		prev = tv.PredictedWaitS
	}
	// Twelve foreign passports, 20 min each, windows 2 (level 1) and 1
	// (level 2, nothing else waiting): the 12th is called after five
	// visits at each window, 100 min; the 20 s between tickets moves
	// nothing but now.
	if want := seconds(100 * time.Minute); prev != want {
		t.Errorf("the 12th foreign passport is told %d s, want %d s", prev, want)
	}
}
