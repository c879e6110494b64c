package queue

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkNext measures picking the next ticket for a window with 100 000
// tickets waiting across the services it serves and others.
func BenchmarkNext(b *testing.B) {
	s, apply := benchState(b, testOffice())
	apply(Event{Type: EventDayOpened, At: day0})
	apply(Event{Type: EventWindowOpened, Window: 1, Operator: "op1", At: day0})
	services := []string{"passport", "foreign", "property"}
	const waiting = 100_000
	for i := 0; i < waiting; i++ {
		p := PriorityNormal
		if i%50 == 0 {
			p = PriorityPrivileged
		}
		at := day0.Add(time.Duration(i) * 300 * time.Millisecond)
		apply(Event{Type: EventTicketIssued, Ticket: fmt.Sprintf("20261123-%06d", i), Number: fmt.Sprint(i),
			Service: services[i%3], Priority: p, At: at, Deadline: at.Add(15 * time.Minute)})
	}
	now := day0.Add(10 * time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p := s.Next(1, now); p.Ticket == nil {
			b.Fatal("nobody picked")
		}
	}
}

// demoLikeOffice has the demo office's shape (configs/demo.yaml): 11
// services, 8 windows sharing them at levels 1 and 2.
func demoLikeOffice() *Office {
	o := testOffice()
	o.Services = nil
	for i, s := range []struct {
		id  string
		min time.Duration
	}{{"passport", 15}, {"foreign-passport", 20}, {"residence", 15}, {"property-rights", 25}, {"egrn-extract", 10},
		{"birth", 15}, {"maternity-capital", 15}, {"child-benefits", 20}, {"housing-subsidy", 20}, {"criminal-record", 10}, {"pick-up", 5}} {
		o.Services = append(o.Services, Service{ID: s.id, Prefix: string(rune('А' + i)), Name: Text{RU: s.id, EN: s.id},
			Group: "docs", WaitTarget: 15 * time.Minute, ServiceTime: s.min * time.Minute})
	}
	ws := func(l ...any) ServiceLevels {
		var out ServiceLevels
		for i := 0; i < len(l); i += 2 {
			out = append(out, WindowService{l[i].(string), l[i+1].(int)})
		}
		return out
	}
	o.Windows = []Window{
		{Number: 1, Services: ws("passport", 1, "foreign-passport", 1, "residence", 2)},
		{Number: 2, Services: ws("passport", 1, "residence", 1, "foreign-passport", 2)},
		{Number: 3, Services: ws("foreign-passport", 1, "passport", 2)},
		{Number: 4, Services: ws("property-rights", 1, "egrn-extract", 1)},
		{Number: 5, Services: ws("egrn-extract", 1, "property-rights", 2, "pick-up", 2)},
		{Number: 6, Services: ws("birth", 1, "maternity-capital", 1, "child-benefits", 2)},
		{Number: 7, Services: ws("child-benefits", 1, "housing-subsidy", 1, "birth", 2, "maternity-capital", 2)},
		{Number: 8, Services: ws("pick-up", 1, "criminal-record", 1, "housing-subsidy", 2, "egrn-extract", 2)},
	}
	o.Operators = nil
	for n := 1; n <= 8; n++ {
		o.Operators = append(o.Operators, Operator{Login: fmt.Sprintf("op%d", n), Name: "Оператор", Role: RoleOperator})
	}
	return o
}

// busyOffice is the demo-like office at a busy moment: 8 windows open, 5
// of them serving, 200 tickets waiting over the 11 services, some
// privileged, 560 appointments held for two weeks; it returns the state,
// the moment and the last ticket issued.
func busyOffice(b *testing.B) (*State, time.Time, *Ticket) {
	s, apply := benchState(b, demoLikeOffice())
	apply(Event{Type: EventDayOpened, At: day0})
	for n := 1; n <= 8; n++ {
		apply(Event{Type: EventWindowOpened, Window: n, Operator: fmt.Sprintf("op%d", n), At: day0})
	}
	const waiting = 200
	id := ""
	for i := 0; i < waiting+5; i++ {
		p := PriorityNormal
		if i%25 == 0 {
			p = PriorityPrivileged
		}
		svc := s.office.Services[i%len(s.office.Services)]
		at := day0.Add(time.Duration(i) * 20 * time.Second)
		id = fmt.Sprintf("20261123-%06d", i+1)
		apply(Event{Type: EventTicketIssued, Ticket: id, Number: fmt.Sprint(i), Service: svc.ID, Priority: p,
			At: at, Deadline: at.Add(svc.WaitTarget)})
		if i < 5 { // the first five are at windows 1–5
			apply(Event{Type: EventTicketCalled, Ticket: id, Window: i + 1, Operator: fmt.Sprintf("op%d", i+1), At: at})
			apply(Event{Type: EventServiceStarted, Ticket: id, At: at})
		}
	}
	// Two weeks of appointments, 40 a day, today's among them.
	for d := 0; d < 14; d++ {
		date := day0.AddDate(0, 0, d)
		for k := 0; k < 40; k++ {
			start := date.Add(time.Duration(k) * 15 * time.Minute)
			apply(Event{Type: EventAppointmentBooked, Code: fmt.Sprintf("%02d%04d", d, k), Service: s.office.Services[k%2].ID,
				ApptDay: date.Format(time.DateOnly), Start: start, End: start.Add(15 * time.Minute), At: day0})
		}
	}
	return s, day0.Add(70 * time.Minute), s.tickets[id]
}

// BenchmarkPredictAtIssue predicts the wait of the last of 200 waiting
// tickets, as the kiosk does at issue: a replay that stops once it is picked.
func BenchmarkPredictAtIssue(b *testing.B) {
	s, now, last := busyOffice(b)
	b.ReportAllocs()
	for b.Loop() {
		if s.predictedWait(last, now, nil) <= 0 {
			b.Fatal("no wait predicted for the last of 200")
		}
	}
}

// BenchmarkForecastAll is one replay for every waiting ticket and a new
// ticket of every service: the queue view and the ticket list.
func BenchmarkForecastAll(b *testing.B) {
	s, now, _ := busyOffice(b)
	b.ReportAllocs()
	for b.Loop() {
		if f := s.forecast(now, nil, true); len(f.waits) != 200 {
			b.Fatalf("%d tickets placed, want 200", len(f.waits))
		}
	}
}

// benchState is an empty state of office o and a function that applies
// an event of 2026-11-23 to it, failing the benchmark if it is refused.
func benchState(b *testing.B, o *Office) (*State, func(Event)) {
	s, err := NewState(o)
	if err != nil {
		b.Fatal(err)
	}
	return s, func(ev Event) {
		ev.Day = "2026-11-23"
		if err := s.Apply(ev); err != nil {
			b.Fatal(err)
		}
	}
}
