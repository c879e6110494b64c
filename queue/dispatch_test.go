package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// stateWith builds a state from hand-made events, so dispatch can be tested
// with any priorities and deadlines, appointments included.
func stateWith(t *testing.T, evs ...Event) *State {
	t.Helper()
	return stateIn(t, testOffice(), evs...)
}

// stateIn is stateWith for office o.
func stateIn(t *testing.T, o *Office, evs ...Event) *State {
	t.Helper()
	s, err := NewState(o)
	if err != nil {
		t.Fatal(err)
	}
	all := append([]Event{{Type: EventDayOpened, At: day0, Day: "2026-11-23"}}, evs...)
	for _, ev := range all {
		if ev.Day == "" {
			ev.Day = "2026-11-23"
		}
		if err := s.Apply(ev); err != nil {
			t.Fatalf("apply %+v: %v", ev, err)
		}
	}
	return s
}

func issued(id, service string, p Priority, at, deadline time.Duration) Event {
	return Event{Type: EventTicketIssued, Ticket: id, Number: id, Service: service, Priority: p,
		At: day0.Add(at), Deadline: day0.Add(deadline)}
}

func opened(n int, login string) Event {
	return Event{Type: EventWindowOpened, Window: n, Operator: login, At: day0}
}

func TestNext(t *testing.T) {
	min := time.Minute
	tests := []struct {
		name       string
		events     []Event
		window     int
		at         time.Duration
		want       string // ticket id, "" for none
		wantReason string
	}{
		{"nobody waits: nobody is called", nil, 1, 0, "", ""},
		{"the earliest deadline goes first", []Event{
			issued("a", "passport", PriorityNormal, 2*min, 17*min),
			issued("b", "passport", PriorityNormal, 1*min, 16*min),
		}, 1, 5 * min, "b", "ближайший срок: 08:16"},
		{"a privileged visitor goes before older normal ones", []Event{
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityPrivileged, 10*min, 25*min),
		}, 1, 11 * min, "b", "льготная"},
		{"an appointment whose slot has come goes before normal ones", []Event{
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityAppointment, 5*min, 10*min),
		}, 1, 10 * min, "b", "запись на 08:10"},
		{"an appointment checked in early waits as normal until its slot", []Event{
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityAppointment, 5*min, 30*min),
		}, 1, 10 * min, "a", "ближайший срок"},
		{"a secondary service waits unless clearly more urgent", []Event{
			issued("a", "passport", PriorityNormal, 5*min, 20*min),
			issued("b", "foreign", PriorityNormal, 0, 15*min),
		}, 1, 6 * min, "a", "ближайший срок"},
		{"a secondary service more urgent by over a level step goes first", []Event{
			issued("a", "passport", PriorityNormal, 12*min, 27*min),
			issued("b", "foreign", PriorityNormal, 0, 15*min),
		}, 1, 13 * min, "b", "уровня 2"},
		{"a ticket past its target says so", []Event{
			issued("a", "passport", PriorityNormal, 0, 15*min),
		}, 1, 20 * min, "a", "срок ожидания истёк"},
		{"a service the window does not serve is not called", []Event{
			issued("a", "property", PriorityNormal, 0, 15*min),
		}, 1, 20 * min, "", ""},
		{"a ticket addressed to this window goes before all", []Event{
			opened(1, "op1"), opened(2, "op2"),
			issued("a", "passport", PriorityPrivileged, 0, 15*min),
			issued("b", "foreign", PriorityNormal, 0, 15*min),
			{Type: EventTicketCalled, Ticket: "b", Window: 2, Operator: "op2", At: day0},
			{Type: EventServiceStarted, Ticket: "b", At: day0},
			{Type: EventTicketForwarded, Ticket: "b", Service: "passport", ToWindow: 1, At: day0.Add(min), Deadline: day0.Add(15 * min)},
		}, 1, 2 * min, "b", "направлен в окно 1"},
		{"a ticket addressed to another window is not called", []Event{
			opened(1, "op1"), opened(2, "op2"),
			issued("b", "foreign", PriorityNormal, 0, 15*min),
			{Type: EventTicketCalled, Ticket: "b", Window: 1, Operator: "op1", At: day0},
			{Type: EventServiceStarted, Ticket: "b", At: day0},
			{Type: EventTicketForwarded, Ticket: "b", Service: "foreign", ToWindow: 2, At: day0.Add(min), Deadline: day0.Add(15 * min)},
		}, 1, 2 * min, "", ""},
		{"a postponed ticket waits out its time", []Event{
			opened(1, "op1"),
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityNormal, min, 16*min),
			{Type: EventTicketCalled, Ticket: "a", Window: 1, Operator: "op1", At: day0.Add(2 * min)},
			{Type: EventTicketPostponed, Ticket: "a", Minutes: 10, At: day0.Add(3 * min), Until: day0.Add(13 * min), Deadline: day0.Add(13 * min)},
		}, 1, 5 * min, "b", ""},
		{"a postponed ticket back in time is called by its deadline", []Event{
			opened(1, "op1"),
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityNormal, min, 16*min),
			{Type: EventTicketCalled, Ticket: "a", Window: 1, Operator: "op1", At: day0.Add(2 * min)},
			{Type: EventTicketPostponed, Ticket: "a", Minutes: 10, At: day0.Add(3 * min), Until: day0.Add(13 * min), Deadline: day0.Add(13 * min)},
		}, 1, 13 * min, "a", ""},
		{"ties go to the earlier ticket", []Event{
			issued("a", "passport", PriorityNormal, 0, 15*min),
			issued("b", "passport", PriorityNormal, 0, 15*min),
		}, 1, min, "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stateWith(t, tt.events...)
			now := day0.Add(tt.at)
			p := s.Next(tt.window, now)
			got := ""
			if p.Ticket != nil {
				got = p.Ticket.ID
			}
			if got != tt.want {
				t.Fatalf("Next = %q (%s), want %q", got, p.Reason.RU, tt.want)
			}
			if !strings.Contains(p.Reason.RU, tt.wantReason) || (p.Ticket != nil && p.Reason.EN == "") {
				t.Errorf("reason = %q / %q, want it to contain %q", p.Reason.RU, p.Reason.EN, tt.wantReason)
			}
			if ref := bruteNext(s, tt.window, now); ref != p.Ticket {
				t.Errorf("the reference dispatcher picks %v", ref)
			}
		})
	}
}

// bruteNext is the dispatch rule written the slow, obvious way over every
// ticket, to check the heap-based Next against.
func bruteNext(s *State, n int, now time.Time) *Ticket {
	w := s.windows[n]
	var best *Ticket
	var bestKey dispatchKey
	pick := func(t *Ticket, level int) {
		if k := s.keyFor(t, level, now); best == nil || k.less(bestKey) {
			best, bestKey = t, k
		}
	}
	for _, t := range s.tickets {
		if t.callable(now) && (t.ToWindow == n || (w.Operator != "" && t.ToOperator == w.Operator)) {
			pick(t, 1)
		}
	}
	if best != nil {
		return best
	}
	key := bruteKey(s, now)
	held := s.ratioHolds(w)
	for _, t := range s.tickets {
		if level := w.Services.Level(t.Service); t.callable(now) && !t.addressed() && level > 0 {
			if k := key(t, level).heldBack(held); best == nil || k.less(bestKey) {
				best, bestKey = t, k
			}
		}
	}
	return best
}

// bruteKey is the key of an unaddressed callable ticket at a window
// serving its service at level: keyFor, after deadline-first's rule of
// help (helpKey) with the first of each service and class found by brute
// force over every ticket.
func bruteKey(s *State, now time.Time) func(t *Ticket, level int) dispatchKey {
	first := map[queueClass]time.Time{}
	for _, t := range s.tickets {
		c := queueClass{t.Service, t.Priority}
		if d, ok := first[c]; t.callable(now) && !t.addressed() && (!ok || t.Deadline.Before(d)) {
			first[c] = t.Deadline
		}
	}
	return func(t *Ticket, level int) dispatchKey {
		return s.helpKey(s.keyFor(t, level, now), level, first[queueClass{t.Service, t.Priority}], now)
	}
}

// policyOffice is the test office under policy p, with wait targets that
// differ: the passport service promises 30 minutes, the foreign passport 5.
func policyOffice(p DispatchPolicy) *Office {
	o := testOffice()
	o.Dispatch = p
	o.Services[0].WaitTarget = 30 * time.Minute // passport: level 1 at window 1
	o.Services[1].WaitTarget = 5 * time.Minute  // foreign: level 2 at window 1
	return o
}

func TestNextByPolicy(t *testing.T) {
	min := time.Minute
	type want struct{ id, reason string } // reason: the whole Russian line
	tests := []struct {
		name     string
		events   []Event
		window   int
		at       time.Duration
		deadline want
		fifo     want
	}{
		{"a level-2 visitor still in time and clearly more urgent is helped under deadline, not FIFO", []Event{
			issued("a", "passport", PriorityNormal, min, 31*min),
			issued("b", "foreign", PriorityNormal, 0, 5*min),
		}, 1, 3 * min,
			want{"b", "ближайший срок: 08:05, ждёт 3 мин (услуга уровня 2)"},
			want{"a", "первый в очереди услуги, ждёт 2 мин"}},
		{"past its target a level-2 visitor waits for the window's own under both", []Event{
			issued("a", "passport", PriorityNormal, 10*min, 40*min),
			issued("b", "foreign", PriorityNormal, 0, 5*min),
		}, 1, 30 * min,
			want{"a", "ближайший срок: 08:40, ждёт 20 мин"},
			want{"a", "первый в очереди услуги, ждёт 20 мин"}},
		{"a secondary service is served when the main one has nobody", []Event{
			issued("b", "foreign", PriorityNormal, 0, 5*min),
		}, 1, 30 * min,
			want{"b", "срок ожидания истёк в 08:05, ждёт 30 мин (услуга уровня 2)"},
			want{"b", "первый в очереди услуги, ждёт 30 мин (услуга уровня 2)"}},
		{"a forwarded visitor keeps the deadline of arrival but joins the line at the forward", []Event{
			opened(2, "op2"),
			issued("f", "foreign", PriorityNormal, 0, 5*min),
			{Type: EventTicketCalled, Ticket: "f", Window: 2, Operator: "op2", At: day0.Add(min)},
			{Type: EventServiceStarted, Ticket: "f", At: day0.Add(min)},
			issued("p", "passport", PriorityNormal, 5*min, 35*min),
			// As forward does it: the deadline counts from arrival, 0 + 30 min.
			{Type: EventTicketForwarded, Ticket: "f", Service: "passport", Window: 2, Operator: "op2", At: day0.Add(10 * min), Deadline: day0.Add(30 * min)},
		}, 1, 12 * min,
			want{"f", "ближайший срок: 08:30, ждёт 2 мин"},
			want{"p", "первый в очереди услуги, ждёт 7 мин"}},
		{"a visitor back from a postponement joins the line at the return", []Event{
			opened(1, "op1"),
			issued("a", "passport", PriorityNormal, 0, 30*min),
			issued("b", "passport", PriorityNormal, 5*min, 35*min),
			{Type: EventTicketCalled, Ticket: "a", Window: 1, Operator: "op1", At: day0.Add(6 * min)},
			{Type: EventTicketPostponed, Ticket: "a", Minutes: 10, At: day0.Add(7 * min), Until: day0.Add(17 * min), Deadline: day0.Add(17 * min)},
		}, 1, 20 * min,
			want{"a", "срок ожидания истёк в 08:17, ждёт 3 мин"},
			want{"b", "первый в очереди услуги, ждёт 15 мин"}},
		{"a privileged visitor of a secondary service goes before a normal one of the main service", []Event{
			issued("a", "passport", PriorityNormal, 0, 30*min),
			issued("b", "foreign", PriorityPrivileged, 10*min, 15*min),
		}, 1, 11 * min,
			want{"b", "льготная категория, ждёт 1 мин (услуга уровня 2)"},
			want{"b", "льготная категория, ждёт 1 мин (услуга уровня 2)"}},
		{"a ticket addressed to this window goes before a privileged one", []Event{
			opened(1, "op1"), opened(2, "op2"),
			issued("a", "passport", PriorityPrivileged, 0, 30*min),
			issued("b", "foreign", PriorityNormal, 0, 5*min),
			{Type: EventTicketCalled, Ticket: "b", Window: 2, Operator: "op2", At: day0},
			{Type: EventServiceStarted, Ticket: "b", At: day0},
			{Type: EventTicketForwarded, Ticket: "b", Service: "passport", ToWindow: 1, Window: 2, Operator: "op2", At: day0.Add(min), Deadline: day0.Add(30 * min)},
		}, 1, 2 * min,
			want{"b", "направлен в окно 1"},
			want{"b", "направлен в окно 1"}},
		{"an appointment checked in early joins the line at its slot", []Event{
			issued("a", "passport", PriorityNormal, 5*min, 35*min),
			issued("b", "passport", PriorityAppointment, 0, 20*min),
		}, 1, 10 * min,
			want{"b", "ближайший срок: 08:20, ждёт 10 мин"},
			want{"a", "первый в очереди услуги, ждёт 5 мин"}},
		{"an appointment whose slot has come goes before normal visitors", []Event{
			issued("a", "passport", PriorityNormal, 5*min, 35*min),
			issued("b", "passport", PriorityAppointment, 0, 20*min),
		}, 1, 20 * min,
			want{"b", "запись на 08:20"},
			want{"b", "запись на 08:20"}},
		{"appointments due now follow their slots, not their check-ins", []Event{
			issued("c", "passport", PriorityAppointment, 0, 15*min),
			issued("d", "passport", PriorityAppointment, min, 10*min),
		}, 1, 16 * min,
			want{"d", "запись на 08:10"},
			want{"d", "запись на 08:10"}},
		{"ties go to the earlier ticket", []Event{
			issued("a", "passport", PriorityNormal, 0, 30*min),
			issued("b", "passport", PriorityNormal, 0, 30*min),
		}, 1, min,
			want{"a", "ближайший срок: 08:30, ждёт 1 мин"},
			want{"a", "первый в очереди услуги, ждёт 1 мин"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pc := range []struct {
				policy DispatchPolicy
				want   want
			}{{DispatchDeadline, tt.deadline}, {DispatchFIFO, tt.fifo}} {
				t.Run(pc.policy.String(), func(t *testing.T) {
					s := stateIn(t, policyOffice(pc.policy), tt.events...)
					now := day0.Add(tt.at)
					p := s.Next(tt.window, now)
					if p.Ticket == nil {
						t.Fatalf("Next = nobody, want %q", pc.want.id)
					}
					if got := p.Ticket.ID; got != pc.want.id {
						t.Fatalf("Next = %q (%s), want %q", got, p.Reason.RU, pc.want.id)
					}
					if got := p.Reason.RU; got != pc.want.reason {
						t.Errorf("reason = %q, want %q", got, pc.want.reason)
					}
					if p.Reason.EN == "" {
						t.Errorf("reason has no English")
					}
					if o := orderedBefore(s, tt.window, now, p.Ticket); o != nil {
						t.Errorf("keyFor orders %s before Next's pick %s", o.ID, p.Ticket.ID)
					}
					if ref := bruteNext(s, tt.window, now); ref != p.Ticket {
						t.Errorf("the reference dispatcher picks %v", ref)
					}
				})
			}
		})
	}
}

// orderedBefore returns a ticket window n could call at now whose key is
// smaller than pick's, nil when keyFor agrees that pick goes first. The
// addressed ones compete at level 1, as Next has them.
func orderedBefore(s *State, n int, now time.Time, pick *Ticket) *Ticket {
	w := s.windows[n]
	key := bruteKey(s, now)
	me := s.keyFor(pick, 1, now)
	if !pick.addressedTo(w) {
		me = key(pick, w.Services.Level(pick.Service))
	}
	for _, t := range s.tickets {
		if t == pick || !t.callable(now) {
			continue
		}
		switch {
		case t.addressedTo(w):
			if s.keyFor(t, 1, now).less(me) || !pick.addressedTo(w) {
				return t
			}
		case !t.addressed() && w.Services.Level(t.Service) > 0 && !pick.addressedTo(w):
			if key(t, w.Services.Level(t.Service)).less(me) {
				return t
			}
		}
	}
	return nil
}

func TestKeyForOrdersByPolicy(t *testing.T) {
	min := time.Minute
	evs := []Event{
		issued("a", "passport", PriorityNormal, min, 31*min), // level 1 at window 1, arrived later
		issued("b", "foreign", PriorityNormal, 0, 5*min),     // level 2 at window 1, due soon
	}
	now := day0.Add(3 * min)
	tests := []struct {
		policy DispatchPolicy
		want   string // who goes first at window 1
	}{
		{"", "b"}, // the zero value is deadline-first
		{DispatchDeadline, "b"},
		{DispatchFIFO, "a"},
	}
	for _, tt := range tests {
		t.Run("under "+tt.policy.String()+" "+tt.want+" goes first", func(t *testing.T) {
			s := stateIn(t, policyOffice(tt.policy), evs...)
			a, b := s.keyFor(s.tickets["a"], 1, now), s.keyFor(s.tickets["b"], 2, now)
			got := "a"
			if b.less(a) {
				got = "b"
			}
			if got != tt.want {
				t.Errorf("got %s first, want %s", got, tt.want)
			}
			if next := s.Next(1, now).Ticket.ID; next != got {
				t.Errorf("Next picks %s, keyFor puts %s first", next, got)
			}
		})
	}
}

func TestUnknownDispatchPolicyIsRefused(t *testing.T) {
	o := testOffice()
	o.Dispatch = "lifo"
	_, err := NewState(o)
	if got, want := ErrorCode(err), EINVALID; got != want {
		t.Fatalf("NewState: error code = %q (%v), want %q", got, err, want)
	}
	if !strings.Contains(err.Error(), "deadline, fifo") {
		t.Errorf("error %q does not name the allowed policies", err)
	}
}

// TestForwardedVisitorUnderFIFO runs the commands of a forward: the
// forwarded visitor's deadline counts from arrival, so deadline-first
// calls them ahead of a visitor who came later; FIFO puts them behind
// everyone already in the line.
func TestForwardedVisitorUnderFIFO(t *testing.T) {
	for _, tt := range []struct {
		policy DispatchPolicy
		want   string // number called at window 1
	}{
		{DispatchDeadline, "З001"},
		{DispatchFIFO, "П001"},
	} {
		t.Run(tt.policy.String()+" calls "+tt.want, func(t *testing.T) {
			h := newHarnessIn(t, policyOffice(tt.policy))
			h.must(1, "op1", ActionOpen)
			h.must(2, "op2", ActionOpen)
			h.issue("foreign")
			h.must(2, "op2", ActionCallNext)
			h.must(2, "op2", ActionStart)
			h.advance(5 * time.Minute)
			h.issue("passport")
			h.advance(5 * time.Minute)
			h.must(2, "op2", ActionForward, func(c *WindowCommand) { c.ToService = "passport" })
			v := h.must(1, "op1", ActionCallNext)
			if v.Current == nil {
				t.Fatalf("window 1 called nobody")
			}
			if got := v.Current.Number; got != tt.want {
				t.Errorf("called %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRandomCommandsFIFO checks, after each of many random commands under
// FIFO, that Next agrees with the reference over every ticket: forwards,
// postponements, closed windows and moved services included.
func TestRandomCommandsFIFO(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 500
	}
	services := []string{"passport", "foreign", "property"}
	logins := []string{"op1", "op2", "op3", "boss"}
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			h := newHarnessIn(t, policyOffice(DispatchFIFO))
			ctx := context.Background()
			forwarded := 0
			for i := 0; i < steps; i++ {
				var err error
				switch r := rng.IntN(100); {
				case r < 30:
					p := PriorityNormal
					if rng.IntN(8) == 0 {
						p = PriorityPrivileged
					}
					_, err = h.eng.Issue(ctx, IssueRequest{Service: services[rng.IntN(len(services))], Priority: p})
				case r < 42:
					h.advance(time.Duration(rng.IntN(300)) * time.Second)
					continue
				case r < 44:
					levels := ServiceLevels{{services[rng.IntN(3)], 1 + rng.IntN(3)}, {services[rng.IntN(3)], 1 + rng.IntN(3)}}
					_, err = h.eng.SetWindowServices(ctx, Actor{Login: "boss", Role: RoleManager}, 1+rng.IntN(3), levels)
				default:
					n := 1 + rng.IntN(3)
					_, err = h.do(n, logins[n-1], actionMix[rng.IntN(len(actionMix))], func(c *WindowCommand) {
						c.Minutes = 1 + rng.IntN(20)
						c.Reason = "просьба заявителя"
						c.Ticket = randomTicket(h, rng)
						switch rng.IntN(3) {
						case 0:
							c.ToService = services[rng.IntN(len(services))]
						case 1:
							c.ToWindow = 1 + rng.IntN(3)
						case 2:
							c.ToOperator = logins[rng.IntN(3)]
						}
						c.Return = rng.IntN(3) == 0
					})
				}
				if ErrorCode(err) == EINTERNAL {
					t.Fatalf("step %d: internal error %v", i, err)
				}
				h.eng.Read(func(s *State, now time.Time) {
					checkInvariants(t, s, now)
					for _, tk := range s.tickets {
						if tk.Status == StatusWaiting && len(tk.Stages) > 1 && !tk.addressed() {
							forwarded++ // waiting in a second queue: the case FIFO heads get wrong
						}
					}
				})
				if t.Failed() {
					t.Fatalf("invariants broken at step %d", i)
				}
			}
			if forwarded < steps/10 {
				t.Fatalf("forwarded visitors waited in only %d of %d steps: the test explores too little", forwarded, steps)
			}
		})
	}
}
