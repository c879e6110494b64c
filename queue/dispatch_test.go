package queue

import (
	"strings"
	"testing"
	"time"
)

// stateWith builds a state from hand-made events, so dispatch can be tested
// with any priorities and deadlines, appointments included.
func stateWith(t *testing.T, evs ...Event) *State {
	t.Helper()
	s, err := NewState(testOffice())
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
	for _, t := range s.tickets {
		if t.callable(now) && !t.addressed() && w.Services.Level(t.Service) > 0 {
			pick(t, w.Services.Level(t.Service))
		}
	}
	return best
}
