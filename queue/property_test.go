package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestRandomCommands runs thousands of random commands, valid and not, and
// checks the state's invariants after each, then that replaying the log
// gives the same state as the live one.
func TestRandomCommands(t *testing.T) {
	steps := 6000
	if testing.Short() {
		steps = 1000
	}
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			// Window 1 keeps a 2:1 ratio rule, the others none: Next
			// is checked against bruteNext both ways.
			o := testOffice()
			o.Windows[0].Ratio = 2
			h := newHarnessIn(t, o)
			ctx := context.Background()
			services := []string{"passport", "foreign", "property", "nope"}
			logins := []string{"op1", "op2", "op3", "boss"}
			accepted := 0
			for i := 0; i < steps; i++ {
				var err error
				switch r := rng.IntN(100); {
				case r < 30:
					p := PriorityNormal
					if rng.IntN(8) == 0 {
						p = PriorityPrivileged
					}
					_, err = h.eng.Issue(ctx, IssueRequest{Service: services[rng.IntN(len(services))], Priority: p})
				case r < 33:
					_, err = h.eng.Cancel(ctx, Actor{}, randomTicket(h, rng))
				case r < 45:
					h.advance(time.Duration(rng.IntN(300)) * time.Second)
					continue
				case r < 34:
					levels := ServiceLevels{{services[rng.IntN(3)], 1 + rng.IntN(3)}}
					_, err = h.eng.SetWindowServices(ctx, Actor{Login: "boss", Role: RoleManager}, 1+rng.IntN(3), levels)
				case r < 46:
					var open bool
					h.eng.Read(func(s *State, _ time.Time) { _, open = s.Day() })
					switch {
					case !open:
						h.advance(24 * time.Hour)
						err = h.eng.Roll(ctx)
					case rng.IntN(4) == 0:
						_, err = h.eng.CloseDay(ctx, boss)
					default:
						continue
					}
				default:
					n := 1 + rng.IntN(3)
					login := logins[n-1]
					if rng.IntN(10) == 0 {
						login = logins[rng.IntN(len(logins))]
					}
					_, err = h.do(n, login, actionMix[rng.IntN(len(actionMix))], func(c *WindowCommand) {
						c.Minutes = rng.IntN(30)
						c.Reason = []string{"", "звонок", "просьба заявителя"}[rng.IntN(3)]
						c.Outcome = Outcomes[rng.IntN(len(Outcomes))]
						c.Ticket = randomTicket(h, rng)
						switch rng.IntN(4) {
						case 0:
							c.ToService = services[rng.IntN(len(services))]
						case 1:
							c.ToWindow = rng.IntN(4)
						case 2:
							c.ToOperator = logins[rng.IntN(len(logins))]
						}
						c.Return = rng.IntN(3) == 0
						c.Override = rng.IntN(5) == 0
					})
				}
				if err == nil {
					accepted++
				} else if ErrorCode(err) == EINTERNAL {
					t.Fatalf("step %d: internal error %v", i, err)
				}
				h.eng.Read(func(s *State, now time.Time) { checkInvariants(t, s, now) })
				if t.Failed() {
					t.Fatalf("invariants broken at step %d", i)
				}
			}
			if accepted < steps/5 {
				t.Fatalf("only %d of %d commands were accepted: the test explores too little", accepted, steps)
			}
			replayed, err := NewState(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range h.log.events {
				if err := replayed.Apply(ev); err != nil {
					t.Fatalf("replay: %v", err)
				}
			}
			h.eng.Read(func(live *State, now time.Time) {
				if !reflect.DeepEqual(dump(live, now), dump(replayed, now)) {
					t.Fatalf("replayed state differs from the live one")
				}
			})
		})
	}
}

// actionMix weights window actions towards a working day's rhythm, so that
// random runs get deep into ticket lives rather than bounce off refusals.
var actionMix = []Action{
	ActionOpen, ActionOpen, ActionCallNext, ActionCallNext, ActionCallNext, ActionCall,
	ActionStart, ActionStart, ActionStart, ActionFinish, ActionFinish, ActionFinish,
	ActionRecall, ActionNoShow, ActionPostpone, ActionForward, ActionForward,
	ActionBreak, ActionResume, ActionResume, ActionClose,
}

func randomTicket(h *harness, rng *rand.Rand) string {
	var ids []string
	h.eng.Read(func(s *State, _ time.Time) {
		for id := range s.tickets {
			ids = append(ids, id)
		}
	})
	if len(ids) == 0 || rng.IntN(20) == 0 {
		return "missing"
	}
	return ids[rng.IntN(len(ids))]
}

type stateDump struct {
	Day     string
	Open    bool
	Tickets []TicketView
	Windows []WindowView
	Queue   QueueView
	Next    []string
	Breaks  map[string]time.Duration
}

func dump(s *State, now time.Time) stateDump {
	d := stateDump{Tickets: s.Tickets(now), Windows: s.Windows(now), Queue: s.Queue(now), Breaks: map[string]time.Duration{}}
	d.Day, d.Open = s.Day()
	for _, w := range s.office.Windows {
		if p := s.Next(w.Number, now); p.Ticket != nil {
			d.Next = append(d.Next, p.Ticket.ID+" "+p.Reason.RU)
		}
	}
	for login, od := range s.operators {
		d.Breaks[login] = od.breakUsed
	}
	return d
}

// checkInvariants fails t when the state contradicts itself.
func checkInvariants(t *testing.T, s *State, now time.Time) {
	t.Helper()
	numbers := map[string]string{}
	for id, tk := range s.tickets {
		if other, dup := numbers[tk.Number]; dup {
			t.Errorf("number %s issued twice in a day: %s and %s", tk.Number, other, id)
		}
		numbers[tk.Number] = id
		places := 0
		if tk.pos >= 0 {
			h := s.queues[tk.Service].heapFor(tk.Priority)
			if tk.pos >= len(*h) || (*h)[tk.pos] != tk {
				t.Errorf("ticket %s has a stale heap position", id)
			}
			places++
		}
		if s.addressed[id] == tk {
			places++
		}
		if s.postponed[id] == tk {
			places++
		}
		atWindow := 0
		for _, w := range s.windows {
			if w.Current == id {
				atWindow++
				if !w.Open || tk.Window != w.Number {
					t.Errorf("ticket %s is at window %d which is closed or not its window %d", id, w.Number, tk.Window)
				}
			}
		}
		places += atWindow
		want := 1
		if !tk.Status.Open() {
			want = 0
		}
		if places != want {
			t.Errorf("ticket %s (%s) is in %d places, want %d", id, tk.Status, places, want)
		}
		if (tk.Status == StatusCalled || tk.Status == StatusServing) != (atWindow == 1) {
			t.Errorf("ticket %s is %s but at %d windows", id, tk.Status, atWindow)
		}
		for i, st := range tk.Stages {
			if (!st.CalledAt.IsZero() && st.CalledAt.Before(st.QueuedAt)) ||
				(!st.StartedAt.IsZero() && st.StartedAt.Before(st.CalledAt)) ||
				(!st.EndedAt.IsZero() && !st.StartedAt.IsZero() && st.EndedAt.Before(st.StartedAt)) {
				t.Errorf("ticket %s stage %d has times out of order: %+v", id, i, st)
			}
			if i < len(tk.Stages)-1 && st.End == "" {
				t.Errorf("ticket %s stage %d is not the last but has not ended", id, i)
			}
		}
	}
	for _, w := range s.windows {
		if w.Current != "" && s.tickets[w.Current] == nil {
			t.Errorf("window %d holds unknown ticket %s", w.Number, w.Current)
		}
		if !w.Open && (w.Current != "" || w.OnBreak || w.Operator != "") {
			t.Errorf("closed window %d is not empty: %+v", w.Number, w)
		}
		if w.Open {
			if s.operators[w.Operator].window != w.Number {
				t.Errorf("window %d's operator %s thinks they are at %d", w.Number, w.Operator, s.operators[w.Operator].window)
			}
		}
		if got, want := s.Next(w.Number, now).Ticket, bruteNext(s, w.Number, now); got != want {
			t.Errorf("window %d: Next = %v, reference = %v", w.Number, got, want)
		}
	}
	if !s.dayOpen {
		for id, tk := range s.tickets {
			if tk.Status.Open() {
				t.Errorf("day closed but ticket %s is %s", id, tk.Status)
			}
		}
	}
}
