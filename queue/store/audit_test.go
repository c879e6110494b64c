package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"eq/queue"
)

func TestStaffActions(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, tempDB(t))
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	evs := []queue.Event{
		{Type: queue.EventDayOpened, At: at, Day: "2025-03-03"},
		{Type: queue.EventWindowOpened, At: at.Add(time.Minute), Day: "2025-03-03", Window: 2, Operator: "petrov", Actor: "petrov"},
		{Type: queue.EventTicketIssued, At: at.Add(2 * time.Minute), Day: "2025-03-03", Ticket: "t1", Number: "П001", Service: "passport"},
		{Type: queue.EventTicketCalled, At: at.Add(3 * time.Minute), Day: "2025-03-03", Ticket: "t1", Window: 2, Operator: "petrov", Actor: "petrov"},
		{Type: queue.EventServiceFinished, At: at.Add(3*time.Minute + 30*time.Second), Day: "2025-03-03", Ticket: "t1", Window: 2, Actor: "petrov"},
		{Type: queue.EventBreakStarted, At: at.Add(4 * time.Minute), Day: "2025-03-03", Window: 2, Operator: "petrov", Actor: "smirnova", Override: true},
		{Type: queue.EventAppointmentBooked, At: at.Add(5 * time.Minute), Day: "2025-03-03", Service: "passport", Code: "ABC234",
			ApptDay: "2025-03-05", Actor: "ivanova", Name: "Иванов Иван", Phone: "+79990001122"},
		{Type: queue.EventDayOpened, At: at.Add(24 * time.Hour), Day: "2025-03-04"},
		{Type: queue.EventWindowOpened, At: at.Add(24*time.Hour + time.Minute), Day: "2025-03-04", Window: 1, Operator: "ivanova", Actor: "ivanova"},
	}
	if err := st.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	seqs := func(evs []queue.Event) []int64 {
		var out []int64
		for _, ev := range evs {
			out = append(out, ev.Seq)
		}
		return out
	}
	tests := []struct {
		name          string
		from, to, who string
		limit         int
		want          []int64
	}{
		{"a day gives its staff's events newest first", "2025-03-03", "2025-03-03", "", 100, []int64{7, 6, 5, 4, 2}},
		{"a period spans days", "2025-03-03", "2025-03-04", "", 100, []int64{9, 7, 6, 5, 4, 2}},
		{"one login's actions only", "2025-03-03", "2025-03-04", "petrov", 100, []int64{5, 4, 2}},
		{"a manager acting at another's window is named", "2025-03-03", "2025-03-03", "smirnova", 100, []int64{6}},
		{"the limit keeps the newest", "2025-03-03", "2025-03-04", "", 2, []int64{9, 7}},
		{"a day with nothing gives nothing", "2025-03-05", "2025-03-05", "", 100, nil},
		{"an unknown login gives nothing", "2025-03-03", "2025-03-04", "nobody", 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.StaffActions(ctx, tt.from, tt.to, tt.who, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(got), tt.want) {
				t.Errorf("got events %v, want %v", seqs(got), tt.want)
			}
			for _, ev := range got {
				if ev.Actor == "" {
					t.Errorf("event %d of type %s has no actor", ev.Seq, ev.Type)
				}
				if ev.Name != "" || ev.Phone != "" {
					t.Errorf("event %d carries a visitor's contacts: %q %q", ev.Seq, ev.Name, ev.Phone)
				}
			}
		})
	}
	t.Run("an event about a ticket reads the ticket's number from its issue", func(t *testing.T) {
		got, err := st.StaffActions(ctx, "2025-03-03", "2025-03-03", "petrov", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Type != queue.EventServiceFinished || got[0].Number != "П001" {
			t.Fatalf("newest of petrov's actions = %+v, want ServiceFinished of П001", got[0])
		}
	})
	t.Run("a limit below one is refused", func(t *testing.T) {
		if _, err := st.StaffActions(ctx, "2025-03-03", "2025-03-03", "", 0); err == nil {
			t.Fatal("no error")
		}
	})
}
