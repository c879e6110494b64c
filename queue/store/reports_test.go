package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"eq/queue"
)

func TestEventsOfDays(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, tempDB(t))
	at := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(typ queue.EventType, day, apptDay string) queue.Event {
		at = at.Add(time.Minute)
		return queue.Event{Type: typ, At: at, Day: day, ApptDay: apptDay, Ticket: map[bool]string{true: "t-" + day}[typ == queue.EventTicketIssued]}
	}
	booked := ev(queue.EventAppointmentBooked, "2025-03-02", "2025-03-04")
	booked.Name, booked.Phone, booked.Code = "Смирнов Иван", "+79123456789", "111111"
	log := []queue.Event{
		booked, // 1: booked before the range for a day in it
		ev(queue.EventDayOpened, "2025-03-02", ""),                      // 2
		ev(queue.EventTicketIssued, "2025-03-02", ""),                   // 3
		ev(queue.EventDayOpened, "2025-03-03", ""),                      // 4
		ev(queue.EventTicketIssued, "2025-03-03", ""),                   // 5
		ev(queue.EventAppointmentBooked, "2025-03-03", "2025-03-10"),    // 6: booked in the range for a later day
		ev(queue.EventDayOpened, "2025-03-04", ""),                      // 7
		ev(queue.EventAppointmentCancelled, "2025-03-04", "2025-03-04"), // 8
		ev(queue.EventDayOpened, "2025-03-05", ""),                      // 9
		ev(queue.EventAppointmentMissed, "2025-03-05", "2025-03-04"),    // 10: released after the range, for a day in it
		ev(queue.EventTicketIssued, "2025-03-05", ""),                   // 11
		ev(queue.EventAppointmentBooked, "2025-03-05", "2025-03-06"),    // 12
	}
	if err := st.Append(ctx, log); err != nil {
		t.Fatal(err)
	}
	events := func(t *testing.T, from, to string) (seqs []int64, got []queue.Event) {
		t.Helper()
		err := st.Events(ctx, from, to, func(ev queue.Event) error {
			seqs, got = append(seqs, ev.Seq), append(got, ev)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return seqs, got
	}

	for _, c := range []struct {
		name     string
		from, to string
		want     []int64
	}{
		{"the days' events and their appointments' wherever logged, in log order", "2025-03-03", "2025-03-04", []int64{1, 4, 5, 6, 7, 8, 10}},
		{"one day", "2025-03-02", "2025-03-02", []int64{1, 2, 3}},
		{"a day with no events but an appointment", "2025-03-10", "2025-03-10", []int64{6}},
		{"the whole log", "2025-01-01", "2025-12-31", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"days with nothing", "2026-01-01", "2026-01-31", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _ := events(t, c.from, c.to)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Events(%s, %s) gave seqs %v, want %v", c.from, c.to, got, c.want)
			}
		})
	}

	t.Run("events come decoded, without personal data", func(t *testing.T) {
		_, got := events(t, "2025-03-02", "2025-03-02")
		b := got[0]
		if b.Type != queue.EventAppointmentBooked || b.Code != "111111" || b.ApptDay != "2025-03-04" || !b.At.Equal(log[0].At) {
			t.Errorf("first event = %+v, want the booking", b)
		}
		if b.Name != "" || b.Phone != "" {
			t.Errorf("reports were given the name %q and phone %q", b.Name, b.Phone)
		}
		if got[2].Ticket != "t-2025-03-02" {
			t.Errorf("third event = %+v, want the day's ticket", got[2])
		}
	})

	t.Run("an error from fn stops the stream and comes back", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := st.Events(ctx, "2025-01-01", "2025-12-31", func(queue.Event) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 3 {
			t.Errorf("err = %v after %d events, want stop after 3", err, n)
		}
	})
}
