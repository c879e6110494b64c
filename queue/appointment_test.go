package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// apptOffice is testOffice in Moscow on testSchedule's week, with
// passports bookable in 30-minute slots of two places and real estate by
// appointment only. Foreign passports take no appointments.
func apptOffice() *Office {
	o := testOffice()
	o.Location, o.Schedule = moscow, testSchedule()
	o.Checkin = CheckinRules{Early: DefaultCheckinEarly, Late: DefaultCheckinLate}
	o.Services[0].Booking = &Booking{Slot: 30 * time.Minute, Capacity: 2, Horizon: 14, Lead: 2 * time.Hour} // passport
	o.Services[2].Booking = &Booking{Slot: 30 * time.Minute, Capacity: 1, Horizon: 14, Only: true}          // property
	return o
}

// apptHarness starts at now (Moscow) with booking codes 100001, 100002, …
// so that tests can name them.
func apptHarness(t *testing.T, o *Office, now string) *harness {
	t.Helper()
	h := newOfficeHarness(t, o, msk(now))
	n := 100000
	h.eng.SetCodes(func() string { n++; return fmt.Sprintf("%06d", n) })
	return h
}

// book books service at start (Moscow) from source.
func (h *harness) book(service, start, source string) (AppointmentView, error) {
	return h.eng.Book(context.Background(), BookRequest{Service: service, Start: msk(start), Source: source})
}

func (h *harness) mustBook(service, start, source string) AppointmentView {
	h.t.Helper()
	v, err := h.book(service, start, source)
	if err != nil {
		h.t.Fatalf("book %s at %s: %v", service, start, err)
	}
	return v
}

func (h *harness) appointment(code string) AppointmentView {
	h.t.Helper()
	v, err := h.eng.Appointment(code)
	if err != nil {
		h.t.Fatalf("appointment %s: %v", code, err)
	}
	return v
}

// series lists slots "15:04-15:04" of length step from from until to.
func series(from, to string, step time.Duration) []string {
	f, _ := time.Parse("15:04", from)
	end, _ := time.Parse("15:04", to)
	var out []string
	for s := f; !s.Add(step).After(end); s = s.Add(step) {
		out = append(out, s.Format("15:04")+"-"+s.Add(step).Format("15:04"))
	}
	return out
}

func TestSlots(t *testing.T) {
	tests := []struct {
		name string
		slot time.Duration
		date string
		want []string
	}{
		{"a weekday runs from opening to an hour before closing", 30 * time.Minute, "2026-11-24",
			series("08:00", "19:00", 30*time.Minute)},
		{"Saturday has no slot in the lunch gap", 30 * time.Minute, "2026-11-28",
			append(series("09:00", "13:00", 30*time.Minute), series("14:00", "16:00", 30*time.Minute)...)},
		{"a slot that would cross lunch or StopIssue is left out", 45 * time.Minute, "2026-11-28",
			[]string{"09:00-09:45", "09:45-10:30", "10:30-11:15", "11:15-12:00", "12:00-12:45", "14:00-14:45", "14:45-15:30"}},
		{"a shortened day ends an hour before its own closing", 30 * time.Minute, "2026-11-27",
			series("08:00", "15:00", 30*time.Minute)},
		{"a holiday has none", 30 * time.Minute, "2026-11-25", nil},
		{"Sunday has none", 30 * time.Minute, "2026-11-29", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := apptOffice()
			o.Services[0].Booking.Slot = tt.slot
			h := apptHarness(t, o, "2026-11-23 09:00")
			slots, err := h.eng.Slots("passport", tt.date)
			if err != nil {
				t.Fatal(err)
			}
			if slots == nil {
				t.Fatal("Slots = nil, want an empty list for JSON")
			}
			var got []string
			for _, s := range slots {
				got = append(got, s.Start.In(moscow).Format("15:04")+"-"+s.End.In(moscow).Format("15:04"))
				if s.Start.In(moscow).Format(time.DateOnly) != tt.date || s.Capacity != 2 || s.Free != 2 || !s.Bookable {
					t.Errorf("slot %+v: want on %s, 2 of 2 free, bookable", s, tt.date)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("slots\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestSlotsRefusals(t *testing.T) {
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	for _, tt := range []struct {
		service, date string
		want          Code
	}{
		{"foreign", "2026-11-24", ECONFLICT},
		{"nope", "2026-11-24", ENOTFOUND},
		{"passport", "24.11.2026", EINVALID},
	} {
		_, err := h.eng.Slots(tt.service, tt.date)
		wantCode(t, err, tt.want)
	}
}

func TestBookingDays(t *testing.T) {
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	got, err := h.eng.BookingDays("passport")
	if err != nil {
		t.Fatal(err)
	}
	// Today from 11:00 (two hours' lead): 16 slots. A weekday has 22 slots,
	// the shortened Friday 14, Saturday 12; two places each. The holiday
	// and Sundays have none; the horizon ends on 7 December.
	want := []BookingDay{
		{"2026-11-23", 32}, {"2026-11-24", 44}, {"2026-11-26", 44}, {"2026-11-27", 28}, {"2026-11-28", 24},
		{"2026-11-30", 44}, {"2026-12-01", 44}, {"2026-12-02", 44}, {"2026-12-03", 44}, {"2026-12-04", 44},
		{"2026-12-05", 24}, {"2026-12-07", 44},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("booking days\n got %v\nwant %v", got, want)
	}
	h.mustBook("passport", "2026-11-24 10:00", SourceWeb)
	got, _ = h.eng.BookingDays("passport")
	if got[1] != (BookingDay{"2026-11-24", 43}) {
		t.Fatalf("after one booking the 24th = %+v, want 43 free", got[1])
	}
}

// slotAt returns the slot of service starting at start.
func slotAt(t *testing.T, h *harness, service, start string) Slot {
	t.Helper()
	s := msk(start)
	slots, err := h.eng.Slots(service, s.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range slots {
		if sl.Start.Equal(s) {
			return sl
		}
	}
	t.Fatalf("no slot of %s at %s", service, start)
	return Slot{}
}

func TestCapacity(t *testing.T) {
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	const slot = "2026-11-24 10:00"
	free := func() int { return slotAt(t, h, "passport", slot).Free }
	if got := free(); got != 2 {
		t.Fatalf("free before booking = %d, want 2", got)
	}
	a := h.mustBook("passport", slot, SourceWeb)
	if got := free(); got != 1 {
		t.Fatalf("free after one booking = %d, want 1", got)
	}
	if got := slotAt(t, h, "passport", "2026-11-24 10:30").Free; got != 2 {
		t.Fatalf("the next slot has %d free, want 2: a booking takes only its own slot", got)
	}
	h.mustBook("passport", slot, SourceStaff)
	if sl := slotAt(t, h, "passport", slot); sl.Free != 0 || !sl.Bookable {
		t.Fatalf("full slot = %+v, want 0 free and still bookable", sl)
	}

	before := len(h.log.events)
	for _, src := range []string{SourceWeb, SourceStaff, SourceImport} {
		_, err := h.book("passport", slot, src)
		wantCode(t, err, ECONFLICT)
	}
	if len(h.log.events) != before || free() != 0 {
		t.Fatalf("refused bookings of a full slot changed the state: %d events, %d free", len(h.log.events)-before, free())
	}
	if list, _ := h.eng.Appointments("2026-11-24"); len(list) != 2 {
		t.Fatalf("the 24th has %d appointments, want 2", len(list))
	}

	if _, err := h.eng.CancelAppointment(context.Background(), a.Code, Actor{}); err != nil {
		t.Fatal(err)
	}
	if got := free(); got != 1 {
		t.Fatalf("free after a cancellation = %d, want 1", got)
	}
	_, err := h.eng.CancelAppointment(context.Background(), a.Code, Actor{})
	wantCode(t, err, ECONFLICT)
	h.mustBook("passport", slot, SourceWeb)
	if got := free(); got != 0 {
		t.Fatalf("free after rebooking = %d, want 0", got)
	}
}

func TestBookingRules(t *testing.T) {
	long := strings.Repeat("я", 101)
	tests := []struct {
		name string
		req  BookRequest
		want Code // "" for booked
	}{
		{"the web cannot book inside the lead time", BookRequest{Service: "passport", Start: msk("2026-11-23 10:30"), Source: SourceWeb}, ECONFLICT},
		{"the web can book exactly the lead time ahead", BookRequest{Service: "passport", Start: msk("2026-11-23 11:00"), Source: SourceWeb}, ""},
		{"the web can book the last day of the horizon", BookRequest{Service: "passport", Start: msk("2026-12-07 10:00"), Source: SourceWeb}, ""},
		{"the web cannot book past the horizon", BookRequest{Service: "passport", Start: msk("2026-12-08 10:00"), Source: SourceWeb}, ECONFLICT},
		{"staff book inside the lead time", BookRequest{Service: "passport", Start: msk("2026-11-23 09:30"), Source: SourceStaff}, ""},
		{"staff book past the horizon", BookRequest{Service: "passport", Start: msk("2026-12-08 10:00"), Source: SourceStaff}, ""},
		{"staff cannot book the past", BookRequest{Service: "passport", Start: msk("2026-11-23 08:30"), Source: SourceStaff}, ECONFLICT},
		{"an import books inside the lead time", BookRequest{Service: "passport", Start: msk("2026-11-23 09:30"), Source: SourceImport}, ""},
		{"an import books past the horizon", BookRequest{Service: "passport", Start: msk("2026-12-08 10:00"), Source: SourceImport}, ""},
		{"an import cannot book the past", BookRequest{Service: "passport", Start: msk("2026-11-23 08:30"), Source: SourceImport}, ECONFLICT},
		{"a start given in UTC is the same slot", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00").UTC(), Source: SourceWeb}, ""},
		{"a start off the slot boundary", BookRequest{Service: "passport", Start: msk("2026-11-24 10:10"), Source: SourceWeb}, EINVALID},
		{"a start a second off the boundary", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00:01"), Source: SourceWeb}, EINVALID},
		{"a start in the lunch gap", BookRequest{Service: "passport", Start: msk("2026-11-28 13:00"), Source: SourceWeb}, EINVALID},
		{"a slot that would end after StopIssue", BookRequest{Service: "passport", Start: msk("2026-11-24 19:00"), Source: SourceStaff}, EINVALID},
		{"a holiday", BookRequest{Service: "passport", Start: msk("2026-11-25 10:00"), Source: SourceStaff}, EINVALID},
		{"no time", BookRequest{Service: "passport", Source: SourceWeb}, EINVALID},
		{"a service without appointments", BookRequest{Service: "foreign", Start: msk("2026-11-24 10:00"), Source: SourceWeb}, ECONFLICT},
		{"an unknown service", BookRequest{Service: "nope", Start: msk("2026-11-24 10:00"), Source: SourceWeb}, ENOTFOUND},
		{"a name too long", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00"), Source: SourceWeb, Name: long}, EINVALID},
		{"a name with a control character", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00"), Source: SourceWeb, Name: "Анна\x00"}, EINVALID},
		{"a bad phone", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00"), Source: SourceWeb, Phone: "12345"}, EINVALID},
		{"an external id too long", BookRequest{Service: "passport", Start: msk("2026-11-24 10:00"), Source: SourceImport, External: strings.Repeat("x", 65)}, EINVALID},
	}
	for _, tt := range tests {
		name := tt.name + " is booked"
		if tt.want != "" {
			name = tt.name + " is refused"
		}
		t.Run(name, func(t *testing.T) {
			h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
			before := len(h.log.events)
			v, err := h.eng.Book(context.Background(), tt.req)
			wantCode(t, err, tt.want)
			if tt.want != "" {
				if len(h.log.events) != before {
					t.Errorf("a refused booking wrote %d events", len(h.log.events)-before)
				}
				return
			}
			if !v.Start.Equal(tt.req.Start) || v.Status != AppointmentBooked || v.Source != tt.req.Source || v.Code != "100001" {
				t.Errorf("booked %+v", v)
			}
			if day := v.Start.In(moscow).Format(time.DateOnly); len(h.appointmentsOn(day)) != 1 {
				t.Errorf("the appointment is not listed on %s", day)
			}
		})
	}
}

func (h *harness) appointmentsOn(date string) []AppointmentView {
	h.t.Helper()
	list, err := h.eng.Appointments(date)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "", want: ""},
		{in: "   ", want: ""},
		{in: "8 (912) 345-67-89", want: "+79123456789"},
		{in: "+7 912 3456789", want: "+79123456789"},
		{in: "+7 (912) 345-67-89", want: "+79123456789"},
		{in: "9123456789", want: "+79123456789"},
		{in: "79123456789", want: "+79123456789"},
		{in: "89123456789", want: "+79123456789"},
		{in: "  +7-912-345-67-89  ", want: "+79123456789"},
		{in: "+44 20 7946 0958", want: "+442079460958"},
		{in: "+123456789012345", want: "+123456789012345"},
		{in: "12345", bad: true},
		{in: "8-800", bad: true},
		{in: "+1234567890123456", bad: true},
		{in: "+7 912 abc 67 89", bad: true},
		{in: "7+9123456789", bad: true},
		{in: "++79123456789", bad: true},
		{in: "+7.912.345.67.89", bad: true},
		{in: "+7 912 345 67 89 доб. 1", bad: true},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if tt.bad {
			if ErrorCode(err) != EINVALID {
				t.Errorf("NormalizePhone(%q) = %q, %v; want an invalid error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// A landline written the usual way, without the country code, is a
// Russian number like a mobile one.
func TestNormalizePhoneRussianLandline(t *testing.T) {
	got, err := NormalizePhone("(495) 123-45-67")
	if err != nil || got != "+74951234567" {
		t.Fatalf("NormalizePhone(\"(495) 123-45-67\") = %q, %v; want +74951234567", got, err)
	}
}

func TestMasks(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Иванова Анна Сергеевна", "И*** А*** С***"},
		{"  anna   smith ", "a*** s***"},
		{"Я", "Я***"},
		{"", ""},
	} {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"+79123456789", "+7 *** ***-**-89"},
		{"+442079460958", "+4 *** ***-**-58"},
		{"+12", "***"},
		{"", ""},
	} {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContactsStayOutOfTheEventJSON(t *testing.T) {
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	v, err := h.eng.Book(context.Background(), BookRequest{Service: "passport", Start: msk("2026-11-24 10:00"), Source: SourceWeb,
		Name: "  Иванова   Анна Сергеевна ", Phone: "8 (912) 345-67-89"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Иванова Анна Сергеевна" || v.Phone != "+79123456789" {
		t.Fatalf("the booking's own view = %q, %q; want the cleaned name and phone", v.Name, v.Phone)
	}
	if got := h.appointment(v.Code); got.Name != "И*** А*** С***" || got.Phone != "+7 *** ***-**-89" {
		t.Fatalf("the staff view = %q, %q; want them masked", got.Name, got.Phone)
	}
	ev := h.log.events[len(h.log.events)-1]
	if ev.Type != EventAppointmentBooked || ev.Name != "Иванова Анна Сергеевна" || ev.Phone != "+79123456789" {
		t.Fatalf("the event = %+v; want a booking carrying the contacts for the store", ev)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Иванова", "Анна", "9123456789", `"name"`, `"phone"`} {
		if strings.Contains(string(b), leak) {
			t.Errorf("the event's JSON has %q: %s", leak, b)
		}
	}
}

// checkinFixture is a harness at Monday 09:00 with passport appointments
// at 11:00 today and tomorrow and an appointment-only one at 11:00 today.
type checkinFixture struct {
	h                     *harness
	today, tomorrow, only string
}

func newCheckinFixture(t *testing.T) checkinFixture {
	t.Helper()
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	h.must(1, "op1", ActionOpen)
	return checkinFixture{h: h,
		today:    h.mustBook("passport", "2026-11-23 11:00", SourceStaff).Code,
		tomorrow: h.mustBook("passport", "2026-11-24 11:00", SourceStaff).Code,
		only:     h.mustBook("property", "2026-11-23 11:00", SourceStaff).Code,
	}
}

func (f checkinFixture) checkIn(code string) (TicketView, error) {
	return f.h.eng.CheckIn(context.Background(), Actor{}, code)
}

func TestCheckIn(t *testing.T) {
	today := func(f checkinFixture) string { return f.today }
	fixed := func(code string) func(checkinFixture) string { return func(checkinFixture) string { return code } }
	tests := []struct {
		name    string
		setup   func(t *testing.T, f checkinFixture)
		at      string
		code    func(checkinFixture) string
		want    Code
		details map[string]string
		message string // a word the Russian message must have
	}{
		{name: "a second before check-in opens is too early and says when to come back", at: "2026-11-23 10:44:59", code: today,
			want: ECONFLICT, details: map[string]string{"come_back_at": "2026-11-23T10:45:00+03:00"}, message: "в 10:45"},
		{name: "the first second of check-in issues a ticket", at: "2026-11-23 10:45:00", code: today},
		{name: "the slot start issues a ticket", at: "2026-11-23 11:00:00", code: today},
		{name: "the last second of the late window issues a ticket", at: "2026-11-23 11:10:00", code: today},
		{name: "a second after the late window is late and offers a live ticket", at: "2026-11-23 11:10:01", code: today,
			want: ECONFLICT, details: map[string]string{"offer": "live_ticket", "service_id": "passport"}, message: "живую очередь"},
		{name: "late for an appointment-only service offers nothing", at: "2026-11-23 11:10:01", code: func(f checkinFixture) string { return f.only },
			want: ECONFLICT, message: "Запишитесь"},
		{name: "late after the appointment was released offers a live ticket",
			setup: func(t *testing.T, f checkinFixture) {
				f.h.now = msk("2026-11-23 11:10:01")
				if err := f.h.eng.Roll(context.Background()); err != nil {
					t.Fatal(err)
				}
			},
			at: "2026-11-23 11:20", code: today,
			want: ECONFLICT, details: map[string]string{"offer": "live_ticket", "service_id": "passport"}, message: "опоздали"},
		{name: "the wrong day", at: "2026-11-23 10:50", code: func(f checkinFixture) string { return f.tomorrow },
			want: ECONFLICT, message: "24 ноября"},
		{name: "a cancelled appointment",
			setup: func(t *testing.T, f checkinFixture) {
				if _, err := f.h.eng.CancelAppointment(context.Background(), f.today, Actor{}); err != nil {
					t.Fatal(err)
				}
			},
			at: "2026-11-23 10:50", code: today, want: ECONFLICT, message: "отменена"},
		{name: "an appointment checked in already names its ticket",
			setup: func(t *testing.T, f checkinFixture) {
				f.h.now = msk("2026-11-23 10:50")
				if _, err := f.checkIn(f.today); err != nil {
					t.Fatal(err)
				}
			},
			at: "2026-11-23 10:55", code: today, want: ECONFLICT, message: "П001"},
		{name: "a day closed by a manager",
			setup: func(t *testing.T, f checkinFixture) {
				if _, err := f.h.eng.CloseDay(context.Background(), boss); err != nil {
					t.Fatal(err)
				}
			},
			at: "2026-11-23 10:50", code: today, want: ECONFLICT, message: "не открыт"},
		{name: "an unknown code", at: "2026-11-23 10:50", code: fixed("999999"), want: ENOTFOUND},
		{name: "five digits", at: "2026-11-23 10:50", code: fixed("10000"), want: EINVALID},
		{name: "seven digits", at: "2026-11-23 10:50", code: fixed("1000011"), want: EINVALID},
		{name: "a letter", at: "2026-11-23 10:50", code: fixed("10000a"), want: EINVALID},
		{name: "no code", at: "2026-11-23 10:50", code: fixed(""), want: EINVALID},
		{name: "a code with a sign", at: "2026-11-23 10:50", code: fixed("+10001"), want: EINVALID},
	}
	for _, tt := range tests {
		name := tt.name
		if tt.want != "" {
			name += " is refused"
		}
		t.Run(name, func(t *testing.T) {
			f := newCheckinFixture(t)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			f.h.now = msk(tt.at)
			code := tt.code(f)
			before := len(f.h.log.events)
			tv, err := f.checkIn(code)
			wantCode(t, err, tt.want)
			if tt.want != "" {
				e := domainError(t, err)
				if !reflect.DeepEqual(e.Details, tt.details) {
					t.Errorf("details = %v, want %v", e.Details, tt.details)
				}
				if !strings.Contains(e.Message, tt.message) {
					t.Errorf("message %q lacks %q", e.Message, tt.message)
				}
				if len(f.h.log.events) != before {
					t.Errorf("a refused check-in wrote %d events", len(f.h.log.events)-before)
				}
				return
			}
			slot := msk("2026-11-23 11:00")
			// The deadline itself is TestCheckInDeadline's.
			if tv.Priority != PriorityAppointment || !tv.AppointmentAt.Equal(slot) ||
				tv.Status != StatusWaiting || tv.Number != "П001" || !tv.IssuedAt.Equal(msk(tt.at)) {
				t.Errorf("ticket = %+v; want П001 waiting, by appointment, due at the 11:00 slot", tv)
			}
			if a := f.h.appointment(code); a.Status != AppointmentCheckedIn || a.Ticket != tv.ID || a.Number != tv.Number {
				t.Errorf("appointment after check-in = %+v", a)
			}
		})
	}
}

// A visitor who comes at 19:30 for an 18:30 appointment is not offered a
// live ticket: tickets stop at 19:00, an hour before closing, and the
// kiosk would refuse it.
func TestLateOfferOnlyWhileTicketsAreIssued(t *testing.T) {
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	code := h.mustBook("passport", "2026-11-23 18:30", SourceStaff).Code
	h.now = msk("2026-11-23 19:30")
	if _, issueErr := h.eng.Issue(context.Background(), IssueRequest{Service: "passport"}); ErrorCode(issueErr) != ECONFLICT {
		t.Fatalf("issue at 19:30: %v, want refused (the premise of this test)", issueErr)
	}
	_, err := h.eng.CheckIn(context.Background(), Actor{}, code)
	wantCode(t, err, ECONFLICT)
	if d := domainError(t, err).Details; d["offer"] != "" {
		t.Fatalf("at 19:30, after tickets stopped, the late visitor is offered %v", d)
	}
}

func TestRollReleasesMissedAppointments(t *testing.T) {
	ctx := context.Background()
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	early := h.mustBook("passport", "2026-11-23 11:00", SourceStaff).Code
	later := h.mustBook("passport", "2026-11-23 11:30", SourceStaff).Code
	missed := func() (codes []string) {
		for _, ev := range h.log.events {
			if ev.Type == EventAppointmentMissed {
				codes = append(codes, ev.Code)
			}
		}
		return codes
	}

	h.now = msk("2026-11-23 11:10:00")
	if err := h.eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.appointment(early).Status; got != AppointmentBooked || len(missed()) != 0 {
		t.Fatalf("at the last second of the late window: %s, missed %v; want still booked", got, missed())
	}

	h.now = msk("2026-11-23 11:10:01")
	if err := h.eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.appointment(early).Status; got != AppointmentMissed {
		t.Fatalf("after the late window: %s, want missed", got)
	}
	if got := h.appointment(later).Status; got != AppointmentBooked {
		t.Fatalf("the 11:30 appointment is %s, want booked", got)
	}
	ev := h.log.events[len(h.log.events)-1]
	if ev.Type != EventAppointmentMissed || ev.Code != early || ev.ApptDay != "2026-11-23" || ev.Day != "2026-11-23" || ev.Service != "passport" {
		t.Fatalf("release event = %+v", ev)
	}

	h.now = msk("2026-11-23 11:15")
	if err := h.eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := missed(); !slices.Equal(got, []string{early}) {
		t.Fatalf("missed events %v; want one, for %s: a released appointment is not released again", got, early)
	}
	_, err := h.eng.CancelAppointment(ctx, early, Actor{})
	wantCode(t, err, ECONFLICT)
}

func TestOpenDayReleasesYesterday(t *testing.T) {
	ctx := context.Background()
	h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
	yesterday := h.mustBook("passport", "2026-11-23 18:30", SourceStaff).Code
	tomorrow := h.mustBook("passport", "2026-11-24 10:00", SourceStaff).Code

	// The server was off from Monday morning to Tuesday morning: no tick
	// released the 18:30 appointment on Monday.
	h.now = msk("2026-11-24 09:00")
	before := len(h.log.events)
	if err := h.eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	var types []EventType
	var rel Event
	for _, ev := range h.log.events[before:] {
		types = append(types, ev.Type)
		if ev.Type == EventAppointmentMissed {
			rel = ev
		}
	}
	if want := []EventType{EventDayClosed, EventAppointmentMissed, EventDayOpened}; !slices.Equal(types, want) {
		t.Fatalf("roll wrote %v, want %v", types, want)
	}
	if rel.Code != yesterday || rel.ApptDay != "2026-11-23" || rel.Day != "2026-11-23" {
		t.Fatalf("release = %+v; want %s of the 23rd, written in the 23rd's day", rel, yesterday)
	}
	// Past appointments leave the live state; the log keeps them.
	_, err := h.eng.Appointment(yesterday)
	wantCode(t, err, ENOTFOUND)
	if list := h.appointmentsOn("2026-11-23"); len(list) != 0 {
		t.Fatalf("the 23rd still lists %v", list)
	}
	if got := h.appointment(tomorrow).Status; got != AppointmentBooked {
		t.Fatalf("today's appointment is %s, want booked", got)
	}
}

func TestImport(t *testing.T) {
	row := func(n int, start string, mods ...func(*ImportRow)) ImportRow {
		r := ImportRow{Row: n, BookRequest: BookRequest{Service: "passport", Start: msk(start)}}
		for _, m := range mods {
			m(&r)
		}
		return r
	}
	ext := func(id string) func(*ImportRow) { return func(r *ImportRow) { r.External = id } }
	code := func(c string) func(*ImportRow) { return func(r *ImportRow) { r.Code = c } }
	service := func(s string) func(*ImportRow) { return func(r *ImportRow) { r.Service = s } }
	phone := func(p string) func(*ImportRow) { return func(r *ImportRow) { r.Phone = p } }

	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		rows  []ImportRow
		bad   map[int]string // row → a word of its Russian message; nil when all are good
	}{
		{name: "good rows are all booked, with their codes or fresh ones",
			rows: []ImportRow{
				row(1, "2026-11-23 09:30", ext("EPGU-1"), code("555555"), func(r *ImportRow) { r.Name, r.Phone = "Петров Пётр", "9123456789" }),
				row(2, "2026-12-21 10:00", ext("EPGU-2")),
				row(3, "2026-11-24 10:00"),
			}},
		{name: "every bad row is named and nothing is booked",
			rows: []ImportRow{
				row(1, "2026-11-24 10:00"),
				row(2, "2026-11-24 10:00", service("nope")),
				row(3, "2026-11-24 10:10"),
				row(4, "2026-11-24 10:30", phone("12345")),
				row(5, "2026-11-23 08:30"),
				row(6, "2026-11-24 11:00", service("foreign")),
				row(7, "2026-11-24 11:30"),
			},
			bad: map[int]string{2: "не найдена", 3: "нет слота", 4: "телефон", 5: "прошло", 6: "нет предварительной записи"}},
		{name: "an external id twice in the file",
			rows: []ImportRow{row(1, "2026-11-24 10:00", ext("EPGU-1")), row(2, "2026-11-24 10:30"), row(3, "2026-11-24 11:00", ext("EPGU-1"))},
			bad:  map[int]string{3: "строке 1"}},
		{name: "an external id imported before",
			setup: func(t *testing.T, h *harness) {
				if _, err := h.eng.Import(context.Background(), []ImportRow{row(1, "2026-11-24 12:00", ext("EPGU-1"))}); err != nil {
					t.Fatal(err)
				}
			},
			rows: []ImportRow{row(1, "2026-11-24 10:00", ext("EPGU-1"))},
			bad:  map[int]string{1: "уже импортирована"}},
		{name: "rows filling a slot past its capacity",
			setup: func(t *testing.T, h *harness) { h.mustBook("passport", "2026-11-24 10:00", SourceWeb) },
			rows:  []ImportRow{row(1, "2026-11-24 10:00"), row(2, "2026-11-24 10:00"), row(3, "2026-11-24 10:30")},
			bad:   map[int]string{2: "мест нет"}},
		{name: "a code twice in the file",
			rows: []ImportRow{row(1, "2026-11-24 10:00", code("555555")), row(2, "2026-11-24 10:30", code("555555"))},
			bad:  map[int]string{2: "занят"}},
		{name: "a code an appointment has",
			setup: func(t *testing.T, h *harness) { h.mustBook("passport", "2026-11-24 12:00", SourceWeb) },
			rows:  []ImportRow{row(1, "2026-11-24 10:00", code("100001"))},
			bad:   map[int]string{1: "занят"}},
		{name: "a malformed code",
			rows: []ImportRow{row(1, "2026-11-24 10:00", code("12-345"))},
			bad:  map[int]string{1: "цифр"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
			if tt.setup != nil {
				tt.setup(t, h)
			}
			before := len(h.log.events)
			listed := func() int {
				return len(h.appointmentsOn("2026-11-23")) + len(h.appointmentsOn("2026-11-24")) + len(h.appointmentsOn("2026-12-21"))
			}
			listedBefore := listed()
			got, err := h.eng.Import(context.Background(), tt.rows)
			if tt.bad == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.rows) || len(h.log.events)-before != len(tt.rows) {
					t.Fatalf("imported %d, wrote %d events; want %d", len(got), len(h.log.events)-before, len(tt.rows))
				}
				for i, v := range got {
					r := tt.rows[i]
					if v.Source != SourceImport || v.External != r.External || !v.Start.Equal(r.Start) || v.Status != AppointmentBooked ||
						(r.Code != "" && v.Code != r.Code) || !validCode(v.Code) {
						t.Errorf("row %d imported as %+v", r.Row, v)
					}
				}
				if got[0].Name != "П*** П***" || got[0].Phone != "+7 *** ***-**-89" {
					t.Errorf("import views show contacts %q, %q; want them masked", got[0].Name, got[0].Phone)
				}
				return
			}
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an *ImportError", err)
			}
			var rows []int
			for _, re := range ie.Rows {
				rows = append(rows, re.Row)
				if re.RU == "" || re.EN == "" {
					t.Errorf("row %d has no message in both languages: %+v", re.Row, re)
				}
				if want, ok := tt.bad[re.Row]; ok && !strings.Contains(re.RU, want) {
					t.Errorf("row %d: %q lacks %q", re.Row, re.RU, want)
				}
			}
			var want []int
			for n := range tt.bad {
				want = append(want, n)
			}
			slices.Sort(want)
			if !slices.Equal(rows, want) {
				t.Errorf("bad rows %v, want %v", rows, want)
			}
			if len(h.log.events) != before || listed() != listedBefore {
				t.Errorf("a refused import wrote %d events and left %d appointments, want none", len(h.log.events)-before, listed()-listedBefore)
			}
		})
	}
	t.Run("an empty file is refused", func(t *testing.T) {
		h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
		_, err := h.eng.Import(context.Background(), nil)
		wantCode(t, err, EINVALID)
	})
}

// TestAppointmentCalledWhenItsSlotComes: a visitor checked in early
// competes as a live visitor, by deadline; once the slot starts the
// appointment goes before every live ticket, however overdue.
func TestAppointmentCalledWhenItsSlotComes(t *testing.T) {
	tests := []struct {
		name       string
		liveAt     string // a live ticket is issued then, due 15 minutes later
		privileged bool   // a privileged visitor arrives at 10:52
		callAt     string
		want       []string // who window 1 calls, in order
	}{
		{name: "before the slot a live ticket due earlier goes first", liveAt: "10:40", callAt: "10:55",
			want: []string{"live", "appointment"}},
		{name: "a second before the slot the overdue live ticket goes first", liveAt: "10:40", callAt: "10:59:59",
			want: []string{"live", "appointment"}},
		{name: "before the slot the appointment due earlier goes first", liveAt: "10:51", callAt: "10:55",
			want: []string{"appointment", "live"}},
		{name: "at the slot start the appointment goes before an overdue live ticket", liveAt: "10:40", callAt: "11:00",
			want: []string{"appointment", "live"}},
		{name: "after the slot start the appointment goes before an overdue live ticket", liveAt: "10:40", callAt: "11:05",
			want: []string{"appointment", "live"}},
		{name: "a privileged visitor goes before a due appointment", liveAt: "10:40", privileged: true, callAt: "11:00",
			want: []string{"privileged", "appointment", "live"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptHarness(t, apptOffice(), "2026-11-23 09:00")
			code := h.mustBook("passport", "2026-11-23 11:00", SourceStaff).Code
			h.must(1, "op1", ActionOpen)
			who := map[string]string{}
			h.now = msk("2026-11-23 " + tt.liveAt)
			who[h.issue("passport").ID] = "live"
			h.now = msk("2026-11-23 10:50")
			tv, err := h.eng.CheckIn(context.Background(), Actor{}, code)
			if err != nil {
				t.Fatal(err)
			}
			who[tv.ID] = "appointment"
			if tt.privileged {
				h.now = msk("2026-11-23 10:52")
				who[h.issueAs("passport", PriorityPrivileged).ID] = "privileged"
			}
			h.now = msk("2026-11-23 " + tt.callAt)
			var got []string
			for range tt.want {
				w := h.must(1, "op1", ActionCallNext)
				got = append(got, who[w.Current.ID])
				if who[w.Current.ID] == "appointment" && !h.now.Before(msk("2026-11-23 11:00")) {
					if r := w.Current.History[0].CallReason; !strings.Contains(r, "запись на 11:00") {
						t.Errorf("call reason %q, want it to name the 11:00 appointment", r)
					}
				}
				h.must(1, "op1", ActionStart)
				h.must(1, "op1", ActionFinish)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("called %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCheckInDeadline: a checked-in appointment is due at its slot and must
// be called within the appointment wait target of the slot start, or of the
// check-in for a late visitor; the live board flags it once that passes, and
// a replay of the log gives the same ticket.
func TestCheckInDeadline(t *testing.T) {
	tests := []struct {
		name   string
		target time.Duration // office's AppointmentWaitTarget; 0 is the default
		at     string        // check-in, slot at 11:00
		want   string        // deadline
	}{
		{name: "an early visitor is owed a call within 5 minutes of the slot", at: "10:45", want: "11:05"},
		{name: "a visitor on time is owed a call within 5 minutes of the slot", at: "11:00", want: "11:05"},
		{name: "a late visitor is owed a call within 5 minutes of coming", at: "11:07", want: "11:12"},
		{name: "the office's own target replaces the default", target: 8 * time.Minute, at: "10:50", want: "11:08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := apptOffice()
			o.AppointmentWaitTarget = tt.target
			h := apptHarness(t, o, "2026-11-23 09:00")
			h.must(1, "op1", ActionOpen)
			code := h.mustBook("passport", "2026-11-23 11:00", SourceStaff).Code
			h.now = msk("2026-11-23 " + tt.at)
			tv, err := h.eng.CheckIn(context.Background(), Actor{}, code)
			if err != nil {
				t.Fatal(err)
			}
			want, slot := msk("2026-11-23 "+tt.want), msk("2026-11-23 11:00")
			if !tv.Deadline.Equal(want) || !tv.AppointmentAt.Equal(slot) {
				t.Errorf("deadline %v, slot %v; want %v, 11:00", tv.Deadline, tv.AppointmentAt, want)
			}

			overTarget := func() bool {
				for _, sv := range h.eng.Services() {
					if sv.ID == "passport" {
						return sv.OverTarget
					}
				}
				t.Fatal("no passport service in the view")
				return false
			}
			h.now = want
			if overTarget() {
				t.Errorf("the board flags the service at the deadline %s", tt.want)
			}
			h.now = want.Add(time.Second)
			if !overTarget() {
				t.Errorf("the board does not flag the service a second after the deadline %s", tt.want)
			}

			s, err := NewState(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range h.log.events {
				if err := s.Apply(ev); err != nil {
					t.Fatalf("replay %s: %v", ev.Type, err)
				}
			}
			if got := s.tickets[tv.ID]; got == nil || !got.Deadline.Equal(want) || !got.Slot.Equal(slot) {
				t.Errorf("replayed ticket = %+v, want deadline %v and slot 11:00", got, want)
			}
		})
	}
}
