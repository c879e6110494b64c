package queue

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkNext measures picking the next ticket for a window with 100 000
// tickets waiting across the services it serves and others.
func BenchmarkNext(b *testing.B) {
	s, err := NewState(testOffice())
	if err != nil {
		b.Fatal(err)
	}
	apply := func(ev Event) {
		ev.Day = "2026-11-23"
		if err := s.Apply(ev); err != nil {
			b.Fatal(err)
		}
	}
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
