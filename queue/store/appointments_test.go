package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the office's zone must not depend on the machine's zone database

	"eq/queue"
	"eq/queue/store"
)

// apptOffice is testOffice in Moscow, with passports bookable in
// 30-minute slots of two places up to two weeks ahead.
func apptOffice(t *testing.T) *queue.Office {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	o := testOffice()
	o.Location = loc
	o.Checkin = queue.CheckinRules{Early: queue.DefaultCheckinEarly, Late: queue.DefaultCheckinLate}
	o.Services[0].Booking = &queue.Booking{Slot: 30 * time.Minute, Capacity: 2, Horizon: 14}
	return o
}

// mskClock is a test clock set to a Moscow wall time, kept in UTC as a
// server's clock may be.
func mskClock(t *testing.T, o *queue.Office, wall string) *testClock {
	t.Helper()
	now, err := time.ParseInLocation("2006-01-02 15:04", wall, o.Location)
	if err != nil {
		t.Fatal(err)
	}
	return &testClock{now: now.UTC()}
}

// apptViews is what staff and visitors see of appointments.
type apptViews struct {
	Appointments map[string][]queue.AppointmentView // by date
	Slots        []queue.Slot
	Tickets      []queue.TicketView
}

var apptDates = []string{"2026-11-23", "2026-11-24", "2026-11-25"}

func apptViewsOf(t *testing.T, e *queue.Engine) apptViews {
	t.Helper()
	v := apptViews{Appointments: map[string][]queue.AppointmentView{}}
	for _, d := range apptDates {
		list, err := e.Appointments(d)
		if err != nil {
			t.Fatal(err)
		}
		v.Appointments[d] = list
	}
	var err error
	if v.Slots, err = e.Slots("passport", "2026-11-24"); err != nil {
		t.Fatal(err)
	}
	e.Read(func(s *queue.State, now time.Time) { v.Tickets = s.Tickets(now) })
	return v
}

// inUTC puts the appointment times of v in UTC. The live state keeps them
// in the office's zone, the log gives them back in a fixed +03:00 zone:
// the same instants and offsets, which reflect.DeepEqual alone would call
// different.
func inUTC(v apptViews) apptViews {
	out := apptViews{Appointments: map[string][]queue.AppointmentView{}}
	for d, list := range v.Appointments {
		for _, a := range list {
			a.Start, a.End, a.CheckinFrom, a.CheckinUntil = a.Start.UTC(), a.End.UTC(), a.CheckinFrom.UTC(), a.CheckinUntil.UTC()
			out.Appointments[d] = append(out.Appointments[d], a)
		}
		if out.Appointments[d] == nil {
			out.Appointments[d] = list
		}
	}
	for _, s := range v.Slots {
		s.Start, s.End = s.Start.UTC(), s.End.UTC()
		out.Slots = append(out.Slots, s)
	}
	for _, tv := range v.Tickets {
		tv.Deadline, tv.AppointmentAt = tv.Deadline.UTC(), tv.AppointmentAt.UTC()
		out.Tickets = append(out.Tickets, tv)
	}
	return out
}

// sameViews fails unless got and want show the same thing, by
// reflect.DeepEqual on UTC times and by their JSON, offsets included.
func sameViews(t *testing.T, got, want apptViews) {
	t.Helper()
	if g, w := inUTC(got), inUTC(want); !reflect.DeepEqual(g, w) {
		t.Errorf("views differ\n got %+v\nwant %+v", g, w)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("views' JSON differs\n got %s\nwant %s", gj, wj)
	}
}

func newApptEngine(t *testing.T, st *store.Store, o *queue.Office, clock *testClock) *queue.Engine {
	t.Helper()
	state, err := store.Load(context.Background(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	e := queue.NewEngine(state, st, clock, nil)
	n := 100000
	e.SetCodes(func() string { n++; return fmt.Sprintf("%06d", n) })
	return e
}

// contactRow is one row of appointment_contacts.
type contactRow struct{ Day, Name, Phone string }

func contactRows(t *testing.T, path string) []contactRow {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT day, name, phone FROM appointment_contacts ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []contactRow
	for rows.Next() {
		var r contactRow
		if err := rows.Scan(&r.Day, &r.Name, &r.Phone); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bookedContacts returns the contacts replay gives on each booking, by code.
func bookedContacts(t *testing.T, st *store.Store) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, ev := range replayAll(t, st, 0) {
		if ev.Type == queue.EventAppointmentBooked {
			out[ev.Code] = [2]string{ev.Name, ev.Phone}
		} else if ev.Name != "" || ev.Phone != "" {
			t.Errorf("replay gave contacts on %s %d", ev.Type, ev.Seq)
		}
	}
	return out
}

func TestAppointmentsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	st := openStore(t, path)
	o := apptOffice(t)
	clock := mskClock(t, o, "2026-11-23 09:00")
	e := newApptEngine(t, st, o, clock)
	if err := e.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	book := func(start, name, phone string) string {
		t.Helper()
		s, err := time.ParseInLocation("2006-01-02 15:04", start, o.Location)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Book(ctx, queue.BookRequest{Service: "passport", Start: s, Name: name, Phone: phone, Source: queue.SourceStaff})
		if err != nil {
			t.Fatalf("book %s: %v", start, err)
		}
		return v.Code
	}

	// Monday: bookings for Tuesday with and without contacts, one of them
	// cancelled, one for Wednesday with a phone only, and one for Monday
	// itself that nobody comes to.
	checked := book("2026-11-24 10:00", "Иванова Анна", "8 912 345-67-89")
	book("2026-11-24 10:30", "", "")
	cancelled := book("2026-11-24 11:00", "Петров Пётр", "")
	book("2026-11-23 12:00", "Сидоров Иван", "+7 900 000-00-01")
	book("2026-11-25 10:00", "", "+7 900 000-00-02")
	if _, err := e.CancelAppointment(ctx, cancelled, queue.Actor{Login: "ivanova"}); err != nil {
		t.Fatal(err)
	}

	// Tuesday: a new working day, and the 10:00 visitor checks in.
	clock.Advance(23 * time.Hour) // 08:00
	if err := e.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(110 * time.Minute) // 09:50
	if _, err := e.CheckIn(ctx, queue.Actor{}, checked); err != nil {
		t.Fatal(err)
	}
	live := apptViewsOf(t, e)
	if a := live.Appointments["2026-11-24"]; len(a) != 3 || a[0].Name != "И*** А***" || a[0].Phone != "+7 *** ***-**-89" ||
		a[0].Status != queue.AppointmentCheckedIn || a[2].Status != queue.AppointmentCancelled {
		t.Fatalf("Tuesday's appointments before the restart = %+v", a)
	}
	if len(live.Appointments["2026-11-23"]) != 0 || len(live.Tickets) != 1 {
		t.Fatalf("live: Monday's appointments %v, tickets %v; want none and the check-in's", live.Appointments["2026-11-23"], live.Tickets)
	}

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path)
	t.Run("a reload shows the same appointments, slots and tickets", func(t *testing.T) {
		sameViews(t, apptViewsOf(t, newApptEngine(t, st, o, clock)), live)
	})

	t.Run("contacts come back on replay and are kept apart from the log", func(t *testing.T) {
		want := map[string][2]string{
			"100001": {"Иванова Анна", "+79123456789"}, "100002": {"", ""}, "100003": {"Петров Пётр", ""},
			"100004": {"Сидоров Иван", "+79000000001"}, "100005": {"", "+79000000002"},
		}
		if got := bookedContacts(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("replayed contacts = %v, want %v", got, want)
		}
		wantRows := []contactRow{
			{"2026-11-24", "Иванова Анна", "+79123456789"}, {"2026-11-24", "Петров Пётр", ""},
			{"2026-11-23", "Сидоров Иван", "+79000000001"}, {"2026-11-25", "", "+79000000002"},
		}
		if got := contactRows(t, path); !reflect.DeepEqual(got, wantRows) {
			t.Errorf("appointment_contacts = %v, want %v", got, wantRows)
		}
		rows, err := rawDB(t, path).Query(`SELECT type, body, appointment_day FROM events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		days := map[string]int{}
		for rows.Next() {
			var typ, body string
			var day *string
			if err := rows.Scan(&typ, &body, &day); err != nil {
				t.Fatal(err)
			}
			for _, leak := range []string{"Иванова", "Петров", "Сидоров", "9123456789", "9000000001", "9000000002", `"name"`, `"phone"`} {
				if strings.Contains(body, leak) {
					t.Errorf("a %s body has %q: %s", typ, leak, body)
				}
			}
			if isAppt := queue.EventType(typ).IsAppointment(); isAppt != (day != nil) {
				t.Errorf("a %s event has appointment_day %v", typ, day)
			} else if day != nil {
				days[*day]++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// Tuesday: three bookings, a cancellation, a check-in; Monday: a
		// booking and its release; Wednesday: a booking.
		if want := map[string]int{"2026-11-23": 2, "2026-11-24": 5, "2026-11-25": 1}; !reflect.DeepEqual(days, want) {
			t.Errorf("appointment events by appointment_day = %v, want %v", days, want)
		}
	})

	t.Run("a purge removes the contacts of earlier dates only, and the appointments stay", func(t *testing.T) {
		if n, err := st.PurgeContacts(ctx, "2026-11-24"); err != nil || n != 1 {
			t.Fatalf("purge before the 24th = %d, %v; want 1, Monday's", n, err)
		}
		if n, err := st.PurgeContacts(ctx, "2026-11-24"); err != nil || n != 0 {
			t.Fatalf("the same purge again = %d, %v; want 0", n, err)
		}
		if got := contactRows(t, path); len(got) != 3 || got[0].Day != "2026-11-24" {
			t.Fatalf("after the first purge appointment_contacts = %v", got)
		}
		if n, err := st.PurgeContacts(ctx, "2026-11-25"); err != nil || n != 2 {
			t.Fatalf("purge before the 25th = %d, %v; want 2, Tuesday's", n, err)
		}
		if got, want := contactRows(t, path), []contactRow{{"2026-11-25", "", "+79000000002"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after the second purge appointment_contacts = %v, want %v", got, want)
		}

		want := live
		want.Appointments = map[string][]queue.AppointmentView{}
		for d, list := range live.Appointments {
			want.Appointments[d] = append([]queue.AppointmentView{}, list...)
		}
		for i := range want.Appointments["2026-11-24"] {
			want.Appointments["2026-11-24"][i].Name, want.Appointments["2026-11-24"][i].Phone = "", ""
		}
		sameViews(t, apptViewsOf(t, newApptEngine(t, st, o, clock)), want)
		if got := bookedContacts(t, st)["100001"]; got != [2]string{} {
			t.Errorf("replay after the purge gives %v for 100001, want no contacts", got)
		}
	})
}

func TestAppendRefusesContactsOnOtherEvents(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ev   queue.Event
	}{
		{"a ticket with a name", queue.Event{Type: queue.EventTicketIssued, At: at, Day: "2026-11-23", Ticket: "20261123-000001",
			Number: "П001", Service: "passport", Name: "Иванова Анна"}},
		{"a day opened with a phone", queue.Event{Type: queue.EventDayOpened, At: at, Day: "2026-11-23", Phone: "+79123456789"}},
		{"a cancellation with a name", queue.Event{Type: queue.EventAppointmentCancelled, At: at, Day: "2026-11-23", Code: "100001",
			ApptDay: "2026-11-24", Name: "Иванова Анна"}},
		{"a booking without its date", queue.Event{Type: queue.EventAppointmentBooked, At: at, Day: "2026-11-23", Code: "100001",
			Service: "passport", Name: "Иванова Анна"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused and writes nothing", func(t *testing.T) {
			path := tempDB(t)
			st := openStore(t, path)
			first := []queue.Event{{Type: queue.EventDayOpened, At: at, Day: "2026-11-23"}}
			if err := st.Append(ctx, first); err != nil {
				t.Fatal(err)
			}
			evs := []queue.Event{{Type: queue.EventWindowOpened, At: at, Day: "2026-11-23", Window: 1, Operator: "ivanova"}, tt.ev}
			err := st.Append(ctx, evs)
			if err == nil || !strings.HasPrefix(err.Error(), "store: append events: ") {
				t.Fatalf("got error %v, want a store error", err)
			}
			for i, ev := range evs {
				if ev.Seq != 0 {
					t.Errorf("event %d: Seq = %d after a refused append", i, ev.Seq)
				}
			}
			if last, err := st.LastSeq(ctx); err != nil || last != 1 {
				t.Errorf("LastSeq = %d, %v; want 1", last, err)
			}
			if got := contactRows(t, path); len(got) != 0 {
				t.Errorf("appointment_contacts = %v, want none", got)
			}
		})
	}

	t.Run("a booking with its date keeps its contacts apart", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		ev := queue.Event{Type: queue.EventAppointmentBooked, At: at, Day: "2026-11-23", Code: "100001", Service: "passport",
			ApptDay: "2026-11-24", Name: "Иванова Анна"}
		if err := st.Append(ctx, []queue.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if got, want := contactRows(t, path), []contactRow{{"2026-11-24", "Иванова Анна", ""}}; !reflect.DeepEqual(got, want) {
			t.Errorf("appointment_contacts = %v, want %v", got, want)
		}
	})
}

func TestImportedContacts(t *testing.T) {
	ctx := context.Background()
	path := tempDB(t)
	st := openStore(t, path)
	o := apptOffice(t)
	clock := mskClock(t, o, "2026-11-23 09:00")
	e := newApptEngine(t, st, o, clock)
	if err := e.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	start := func(wall string) time.Time {
		s, err := time.ParseInLocation("2006-01-02 15:04", wall, o.Location)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	row := func(n int, wall, name, phone string) queue.ImportRow {
		return queue.ImportRow{Row: n, BookRequest: queue.BookRequest{Service: "passport", Start: start(wall), Name: name, Phone: phone,
			External: fmt.Sprintf("EPGU-%d", n)}}
	}

	// A bad row refuses the whole file: no event and no contact is written.
	_, err := e.Import(ctx, []queue.ImportRow{row(1, "2026-11-24 10:00", "Иванова Анна", ""), row(2, "2026-11-24 10:10", "Петров Пётр", "")})
	if err == nil {
		t.Fatal("an import with a bad row succeeded")
	}
	before, _ := st.LastSeq(ctx)
	if got := contactRows(t, path); len(got) != 0 {
		t.Fatalf("a refused import left contacts %v", got)
	}

	rows := []queue.ImportRow{
		row(1, "2026-11-24 10:00", "Иванова Анна", ""),
		row(2, "2026-11-24 10:30", "", ""),
		row(3, "2026-11-25 10:00", "Петров Пётр", "8 900 000-00-03"),
	}
	if _, err := e.Import(ctx, rows); err != nil {
		t.Fatal(err)
	}
	want := []contactRow{{"2026-11-24", "Иванова Анна", ""}, {"2026-11-25", "Петров Пётр", "+79000000003"}}
	if got := contactRows(t, path); !reflect.DeepEqual(got, want) {
		t.Fatalf("appointment_contacts = %v, want %v", got, want)
	}
	if last, _ := st.LastSeq(ctx); last != before+3 {
		t.Fatalf("the import wrote %d events, want 3", last-before)
	}
	live := apptViewsOf(t, e)
	sameViews(t, apptViewsOf(t, newApptEngine(t, st, o, clock)), live)
}
