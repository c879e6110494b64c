package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"eq/queue"
)

// The demo's passport service: 15-minute slots, 2 places each, booking open
// 14 days ahead until 1 h before a slot. Demo hours: Mon–Fri 08:00–20:00,
// Sat 09:00–13:00 and 14:00–17:00, Sun closed; tickets and slots stop 1 h
// before closing. day0 is Monday 2026-11-23 09:00.

type slotJSON struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Free     int       `json:"free"`
	Bookable bool      `json:"bookable"`
}

type appointmentJSON struct {
	Code         string    `json:"code"`
	ServiceID    string    `json:"service_id"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Status       string    `json:"status"`
	Ticket       string    `json:"ticket_id"`
	Number       string    `json:"number"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	Source       string    `json:"source"`
	External     string    `json:"external_id"`
	CheckinFrom  time.Time `json:"checkin_from"`
	CheckinUntil time.Time `json:"checkin_until"`
}

// at is a moment on day0's calendar: at(1, 10, 0) is Tuesday 10:00.
func at(days, hour, minute int) time.Time {
	return time.Date(2026, 11, 23+days, hour, minute, 0, 0, moscow())
}

func (s *stack) slots(t *testing.T, service, date string) []slotJSON {
	t.Helper()
	var got struct {
		Slots []slotJSON `json:"slots"`
	}
	s.anon().get(t, "/api/v1/slots?service_id="+service+"&date="+date).decode(t, http.StatusOK, &got)
	return got.Slots
}

func slotAt(t *testing.T, slots []slotJSON, start time.Time) slotJSON {
	t.Helper()
	for _, sl := range slots {
		if sl.Start.Equal(start) {
			return sl
		}
	}
	t.Fatalf("no slot at %s", start)
	return slotJSON{}
}

func bookBody(service string, start time.Time, extra string) string {
	return fmt.Sprintf(`{"service_id":%q,"start":%q%s}`, service, start.Format(time.RFC3339), extra)
}

func (c *client) book(t *testing.T, service string, start time.Time, extra string) appointmentJSON {
	t.Helper()
	var a appointmentJSON
	c.post(t, "/api/v1/appointments", bookBody(service, start, extra)).decode(t, http.StatusCreated, &a)
	return a
}

func (s *stack) appointments(t *testing.T, staff *client, date string) []appointmentJSON {
	t.Helper()
	var got struct {
		Date         string            `json:"date"`
		Appointments []appointmentJSON `json:"appointments"`
	}
	staff.get(t, "/api/v1/appointments?date="+date).decode(t, http.StatusOK, &got)
	return got.Appointments
}

var sixDigits = regexp.MustCompile(`^[1-9][0-9]{5}$`)

func TestOfficeHoursRefuseTickets(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name  string
		at    time.Time
		says  string
		opens time.Time
	}{
		{"before opening", at(1, 7, 30), "сегодня в 08:00", at(1, 8, 0)},
		{"an hour before closing", at(1, 19, 0), "Выдача талонов окончена в 19:00", at(2, 8, 0)},
		{"after closing", at(1, 20, 30), "завтра в 08:00", at(2, 8, 0)},
		{"at Saturday lunch", at(5, 13, 30), "Перерыв до 14:00", at(5, 14, 0)},
		{"on Saturday after the stop", at(5, 16, 30), "Выдача талонов окончена в 16:00", at(7, 8, 0)},
		{"on Saturday evening", at(5, 18, 0), "в понедельник, 30 ноября, в 08:00", at(7, 8, 0)},
		{"on Sunday", at(6, 12, 0), "завтра в 08:00", at(7, 8, 0)},
		{"on a holiday", time.Date(2027, 1, 1, 12, 0, 0, 0, moscow()), "в субботу, 9 января, в 09:00", time.Date(2027, 1, 9, 9, 0, 0, 0, moscow())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.clock.Advance(tt.at.Sub(s.clock.Now()))
			if err := s.Engine.Roll(context.Background()); err != nil {
				t.Fatal(err)
			}
			seq := s.lastSeq(t)
			e := s.refused(t, s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`), http.StatusConflict, queue.ECONFLICT, seq)
			if !strings.Contains(e.Error.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Error.Message, tt.says)
			}
			if got := e.Error.Details["opens_at"]; got != tt.opens.Format(time.RFC3339) {
				t.Errorf("opens_at = %q, want %s", got, tt.opens.Format(time.RFC3339))
			}
			var svc struct {
				Services []struct {
					ID   string `json:"id"`
					Open bool   `json:"open"`
				} `json:"services"`
				Hours struct {
					Issuing bool       `json:"issuing"`
					Message queue.Text `json:"message"`
					OpensAt time.Time  `json:"opens_at"`
				} `json:"hours"`
			}
			s.anon().get(t, "/api/v1/services").decode(t, http.StatusOK, &svc)
			if svc.Hours.Issuing || svc.Hours.Message.RU != e.Error.Message || !svc.Hours.OpensAt.Equal(tt.opens) || svc.Services[0].Open {
				t.Errorf("services say issuing %v, %q, opens %s, passport open %v; want closed as the refusal says",
					svc.Hours.Issuing, svc.Hours.Message.RU, svc.Hours.OpensAt, svc.Services[0].Open)
			}
		})
	}
	t.Run("the last minute before the stop still issues", func(t *testing.T) {
		s.clock.Advance(at(7, 18, 59).Sub(s.clock.Now()))
		s.issue(t, "passport")
	})
}

func TestBooking(t *testing.T) {
	s := newStack(t)
	manager := s.signIn(t, "manager")
	tomorrow := "2026-11-24"

	slots := s.slots(t, "passport", tomorrow)
	if len(slots) != 44 || !slots[0].Start.Equal(at(1, 8, 0)) || !slots[43].End.Equal(at(1, 19, 0)) {
		t.Fatalf("got %d slots %s…%s, want 44 from 08:00 ending by 19:00 (an hour before closing)", len(slots), slots[0].Start, slots[len(slots)-1].End)
	}
	if sl := slotAt(t, slots, at(1, 10, 0)); sl.Free != 2 || sl.Capacity != 2 || !sl.Bookable {
		t.Fatalf("10:00 = %+v, want 2 of 2 free and bookable", sl)
	}

	a := s.anon().book(t, "passport", at(1, 10, 0), `,"name":"Иванов Иван","phone":"8 (912) 345-67-89"`)
	if !sixDigits.MatchString(a.Code) || a.Status != "booked" || a.Source != "web" {
		t.Errorf("booked %+v, want a 6-digit code, booked, from the web", a)
	}
	if a.Name != "Иванов Иван" || a.Phone != "+79123456789" {
		t.Errorf("the booker sees name %q phone %q, want them as given, the phone normalised", a.Name, a.Phone)
	}
	if !a.CheckinFrom.Equal(at(1, 9, 45)) || !a.CheckinUntil.Equal(at(1, 10, 10)) {
		t.Errorf("check-in %s–%s, want 09:45–10:10", a.CheckinFrom, a.CheckinUntil)
	}
	if sl := slotAt(t, s.slots(t, "passport", tomorrow), at(1, 10, 0)); sl.Free != 1 {
		t.Errorf("10:00 has %d free after one booking, want 1", sl.Free)
	}

	t.Run("lists mask the personal data", func(t *testing.T) {
		list := s.appointments(t, manager, tomorrow)
		if len(list) != 1 || list[0].Code != a.Code || list[0].Name != "И*** И***" || list[0].Phone != "+7 *** ***-**-89" {
			t.Fatalf("staff list = %+v, want the booking with masked contacts", list)
		}
		var one appointmentJSON
		s.anon().get(t, "/api/v1/appointments/"+a.Code).decode(t, http.StatusOK, &one)
		if one.Name != "И*** И***" || one.Phone != "+7 *** ***-**-89" {
			t.Errorf("the code's page shows %q %q, want masked", one.Name, one.Phone)
		}
		checkError(t, s.anon().get(t, "/api/v1/appointments?date="+tomorrow), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})

	t.Run("cancelling frees the place", func(t *testing.T) {
		var c appointmentJSON
		s.anon().post(t, "/api/v1/appointments/"+a.Code+"/cancel", "").decode(t, http.StatusOK, &c)
		if c.Status != "cancelled" {
			t.Errorf("status %q, want cancelled", c.Status)
		}
		if sl := slotAt(t, s.slots(t, "passport", tomorrow), at(1, 10, 0)); sl.Free != 2 {
			t.Errorf("10:00 has %d free after the cancel, want 2", sl.Free)
		}
		s.refused(t, s.anon().post(t, "/api/v1/appointments/"+a.Code+"/cancel", ""), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
	})

	t.Run("staff book for a visitor inside the lead time", func(t *testing.T) {
		b := manager.book(t, "passport", at(0, 9, 30), "")
		if b.Source != "staff" || b.Name != "" || b.Phone != "" {
			t.Errorf("staff booking = %+v, want source staff without contacts", b)
		}
	})

	t.Run("bad requests change nothing", func(t *testing.T) {
		tests := []struct {
			name, body string
			status     int
			code       queue.Code
			says       string
			public     bool // the rule binds the public; staff booking for a visitor skips it
		}{
			{"an unknown service", bookBody("nope", at(1, 10, 0), ""), http.StatusNotFound, queue.ENOTFOUND, "не найдена", false},
			{"a service without appointments", bookBody("residence", at(1, 10, 0), ""), http.StatusConflict, queue.ECONFLICT, "нет предварительной записи", false},
			{"a time between slots", bookBody("passport", at(1, 10, 5), ""), http.StatusBadRequest, queue.EINVALID, "нет слота", false},
			{"a time after the stop", bookBody("passport", at(1, 19, 0), ""), http.StatusBadRequest, queue.EINVALID, "нет слота", false},
			{"a Sunday", bookBody("passport", at(6, 10, 0), ""), http.StatusBadRequest, queue.EINVALID, "нет слота", false},
			{"a slot gone by", bookBody("passport", at(0, 8, 30), ""), http.StatusConflict, queue.ECONFLICT, "уже прошло", false},
			{"inside the lead time", bookBody("passport", at(0, 9, 45), ""), http.StatusConflict, queue.ECONFLICT, "не позже чем за 1 час", true},
			{"past the horizon", bookBody("passport", at(15, 10, 0), ""), http.StatusConflict, queue.ECONFLICT, "ещё не открыта", true},
			{"a phone with letters", bookBody("passport", at(1, 10, 0), `,"phone":"call me"`), http.StatusBadRequest, queue.EINVALID, "телефон", false},
			{"a phone too short", bookBody("passport", at(1, 10, 0), `,"phone":"12345"`), http.StatusBadRequest, queue.EINVALID, "10–15 цифр", false},
			{"a name too long", bookBody("passport", at(1, 10, 0), `,"name":"`+strings.Repeat("я", 101)+`"`), http.StatusBadRequest, queue.EINVALID, "длиннее 100", false},
			{"no time", `{"service_id":"passport"}`, http.StatusBadRequest, queue.EINVALID, "не указано время", false},
			{"an unknown field", `{"service_id":"passport","start":"2026-11-24T10:00:00+03:00","email":"x"}`, http.StatusBadRequest, queue.EINVALID, "email", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := manager
				if tt.public {
					c = s.anon()
				}
				e := s.refused(t, c.post(t, "/api/v1/appointments", tt.body), tt.status, tt.code, s.lastSeq(t))
				if !strings.Contains(e.Error.Message, tt.says) {
					t.Errorf("message %q does not say %q", e.Error.Message, tt.says)
				}
			})
		}
	})

	t.Run("refusals say which field or rule, for pages to act on", func(t *testing.T) {
		e := checkError(t, manager.post(t, "/api/v1/appointments", bookBody("passport", at(1, 11, 0), `,"phone":"12"`)), http.StatusBadRequest, queue.EINVALID)
		if e.Error.Details["field"] != "phone" {
			t.Errorf("a bad phone's details = %v, want field phone", e.Error.Details)
		}
		manager.book(t, "passport", at(1, 11, 0), "")
		manager.book(t, "passport", at(1, 11, 0), "")
		e = checkError(t, manager.post(t, "/api/v1/appointments", bookBody("passport", at(1, 11, 0), "")), http.StatusConflict, queue.ECONFLICT)
		if e.Error.Details["reason"] != "full" {
			t.Errorf("a full slot's details = %v, want reason full", e.Error.Details)
		}
	})

	t.Run("slots and days of a service", func(t *testing.T) {
		var days struct {
			Days []struct {
				Date string `json:"date"`
				Free int    `json:"free"`
			} `json:"days"`
		}
		s.anon().get(t, "/api/v1/slots?service_id=passport").decode(t, http.StatusOK, &days)
		// 14 days ahead from Monday: 15 dates, minus two Sundays.
		if len(days.Days) != 13 || days.Days[0].Date != "2026-11-23" || days.Days[len(days.Days)-1].Date != "2026-12-07" {
			t.Errorf("booking days = %+v, want 13 dates from 2026-11-23 to 2026-12-07 without Sundays", days.Days)
		}
		sat := s.slots(t, "passport", "2026-11-28")
		for _, sl := range sat {
			if h := sl.Start.Hour(); h == 13 || sl.End.After(at(5, 13, 0)) && sl.Start.Before(at(5, 14, 0)) {
				t.Errorf("Saturday slot %s–%s crosses lunch", sl.Start, sl.End)
			}
		}
		if len(sat) != 4*4+2*4 {
			t.Errorf("Saturday has %d slots, want 24 (09:00–13:00 and 14:00–16:00)", len(sat))
		}
		checkError(t, s.anon().get(t, "/api/v1/slots?service_id=passport&date=24.11.2026"), http.StatusBadRequest, queue.EINVALID)
		checkError(t, s.anon().get(t, "/api/v1/slots"), http.StatusBadRequest, queue.EINVALID)
	})
}

// TestBookingRace has clients book the last place of a slot at the same
// moment through the API: exactly one gets it.
func TestBookingRace(t *testing.T) {
	s := newStack(t)
	staff := s.signIn(t, "manager")
	race := func(t *testing.T, clients []*client, start time.Time) (won int) {
		t.Helper()
		var wg sync.WaitGroup
		statuses := make([]int, len(clients))
		for i, c := range clients {
			wg.Go(func() {
				statuses[i] = c.post(t, "/api/v1/appointments", bookBody("passport", start, "")).Status
			})
		}
		wg.Wait()
		for _, st := range statuses {
			switch st {
			case http.StatusCreated:
				won++
			case http.StatusConflict:
			default:
				t.Errorf("status %d, want 201 or 409", st)
			}
		}
		return won
	}

	t.Run("two visitors", func(t *testing.T) {
		start := at(1, 12, 0)
		staff.book(t, "passport", start, "")
		if won := race(t, []*client{s.anon(), s.anon()}, start); won != 1 {
			t.Errorf("%d of 2 won the last place, want 1", won)
		}
	})
	t.Run("many at once, slot after slot", func(t *testing.T) {
		clients := make([]*client, 8)
		for i := range clients {
			clients[i] = staff
		}
		for i := range 10 {
			start := at(2, 8, 0).Add(time.Duration(i) * 15 * time.Minute)
			staff.book(t, "passport", start, "")
			if won := race(t, clients, start); won != 1 {
				t.Errorf("%s: %d of %d won the last place, want 1", start.Format("15:04"), won, len(clients))
			}
		}
	})
	if sl := slotAt(t, s.slots(t, "passport", "2026-11-24"), at(1, 12, 0)); sl.Free != 0 {
		t.Errorf("the raced slot has %d free, want 0", sl.Free)
	}
	if n := len(s.appointments(t, staff, "2026-11-25")); n != 20 {
		t.Errorf("%d appointments on the 25th, want 20 (2 per slot)", n)
	}
}

// checkin posts a check-in from the kiosk.
func (s *stack) checkin(code string) func(t *testing.T) reply {
	return func(t *testing.T) reply {
		return s.kiosk().post(t, "/api/v1/checkin", `{"code":"`+code+`"}`)
	}
}

func TestCheckinTimeRules(t *testing.T) {
	s := newStack(t)
	staff := s.signIn(t, "manager")
	eleven := staff.book(t, "passport", at(0, 11, 0), "")
	quarter := staff.book(t, "passport", at(0, 11, 15), "")
	tomorrow := staff.book(t, "passport", at(1, 11, 0), "")

	t.Run("too early says when to come back", func(t *testing.T) {
		e := s.refused(t, s.checkin(eleven.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
		if !strings.Contains(e.Error.Message, "начнётся в 10:45") || e.Error.Details["come_back_at"] != at(0, 10, 45).Format(time.RFC3339) {
			t.Errorf("refusal %q %v, want it to say 10:45", e.Error.Message, e.Error.Details)
		}
		s.clock.Advance(at(0, 10, 44).Add(59 * time.Second).Sub(s.clock.Now()))
		s.refused(t, s.checkin(eleven.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
	})
	t.Run("another day's appointment says which day", func(t *testing.T) {
		e := s.refused(t, s.checkin(tomorrow.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
		if !strings.Contains(e.Error.Message, "24 ноября в 11:00") {
			t.Errorf("message %q does not name the day", e.Error.Message)
		}
	})
	t.Run("from 15 minutes before the slot a ticket of the appointment class", func(t *testing.T) {
		s.clock.Advance(at(0, 10, 45).Sub(s.clock.Now()))
		var tk struct {
			ID            string    `json:"id"`
			Number        string    `json:"number"`
			Priority      string    `json:"priority"`
			Deadline      time.Time `json:"deadline"`
			AppointmentAt time.Time `json:"appointment_at"`
		}
		s.checkin(eleven.Code)(t).decode(t, http.StatusCreated, &tk)
		if tk.Number != "П001" || tk.Priority != "appointment" || !tk.Deadline.Equal(at(0, 11, 5)) || !tk.AppointmentAt.Equal(at(0, 11, 0)) {
			t.Errorf("ticket = %+v, want П001 of the appointment class due at 11:00, to be called by 11:05", tk)
		}
		e := s.refused(t, s.checkin(eleven.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
		if !strings.Contains(e.Error.Message, "уже выдан талон П001") {
			t.Errorf("a second check-in says %q, want the ticket already issued", e.Error.Message)
		}
	})
	t.Run("10 minutes after the slot is the last moment", func(t *testing.T) {
		s.clock.Advance(at(0, 11, 25).Add(time.Second).Sub(s.clock.Now()))
		e := s.refused(t, s.checkin(quarter.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
		if !strings.Contains(e.Error.Message, "опоздали") || e.Error.Details["offer"] != "live_ticket" || e.Error.Details["service_id"] != "passport" {
			t.Errorf("refusal %q %v, want late with a live ticket offered", e.Error.Message, e.Error.Details)
		}
	})
	t.Run("a missed appointment is released as a no-show", func(t *testing.T) {
		if err := s.Engine.Roll(context.Background()); err != nil {
			t.Fatal(err)
		}
		list := s.appointments(t, staff, "2026-11-23")
		if len(list) != 2 || list[0].Status != "checked_in" || list[0].Number != "П001" || list[1].Status != "missed" {
			t.Errorf("today's appointments = %+v, want 11:00 checked in with П001 and 11:15 missed", list)
		}
		e := s.refused(t, s.checkin(quarter.Code)(t), http.StatusConflict, queue.ECONFLICT, s.lastSeq(t))
		if e.Error.Details["offer"] != "live_ticket" {
			t.Errorf("a missed appointment's check-in offers %v, want a live ticket", e.Error.Details)
		}
	})
}

// TestAppointmentCalledFirst: once its slot time comes, a visitor with an
// appointment is called before a live visitor who came earlier.
func TestAppointmentCalledFirst(t *testing.T) {
	s := newStack(t)
	staff := s.signIn(t, "manager")
	appt := staff.book(t, "passport", at(0, 11, 0), "")

	s.clock.Advance(at(0, 10, 40).Sub(s.clock.Now()))
	live := s.issue(t, "passport")
	s.clock.Advance(10 * time.Minute)
	var booked struct {
		ID string `json:"id"`
	}
	s.checkin(appt.Code)(t).decode(t, http.StatusCreated, &booked)

	s.clock.Advance(at(0, 11, 0).Sub(s.clock.Now()))
	op := s.signIn(t, "op1")
	op.post(t, "/api/v1/windows/1/open", "").decode(t, http.StatusOK, &struct{}{})
	var w struct {
		Current struct {
			ID string `json:"id"`
		} `json:"current"`
	}
	op.post(t, "/api/v1/windows/1/call-next", "").decode(t, http.StatusOK, &w)
	if w.Current.ID != booked.ID {
		t.Fatalf("window 1 called %s, want the appointment %s before the live ticket %s issued 10 minutes earlier", w.Current.ID, booked.ID, live.ID)
	}
	op.post(t, "/api/v1/windows/1/no-show", "").decode(t, http.StatusOK, &struct{}{})
	op.post(t, "/api/v1/windows/1/call-next", "").decode(t, http.StatusOK, &w)
	if w.Current.ID != live.ID {
		t.Errorf("then window 1 called %s, want the live ticket %s", w.Current.ID, live.ID)
	}
}

func TestImportAppointments(t *testing.T) {
	s := newStack(t)
	manager := s.signIn(t, "manager")
	post := func(c *client, csv string) reply {
		return c.do(t, http.MethodPost, "/api/v1/appointments/import", csv, "Content-Type", "text/csv; charset=utf-8")
	}
	type imported struct {
		Imported     int               `json:"imported"`
		Appointments []appointmentJSON `json:"appointments"`
	}

	good := "service_id,start,name,phone,code,external_id\n" +
		"passport,2026-11-24 10:00,Петров Пётр,+7 912 000-11-22,,EPGU-1\n" +
		"passport,2026-11-24T10:00:00+03:00,,,,EPGU-2\n" +
		"birth,2026-11-24 11:30,,,424242,AIS-77\n"
	var got imported
	post(manager, good).decode(t, http.StatusCreated, &got)
	if got.Imported != 3 || got.Appointments[2].Code != "424242" || got.Appointments[0].Source != "import" || got.Appointments[0].External != "EPGU-1" {
		t.Fatalf("imported %+v, want 3 with the given code kept", got)
	}
	if got.Appointments[0].Name != "П*** П***" {
		t.Errorf("the import's answer shows the name %q, want it masked", got.Appointments[0].Name)
	}
	if list := s.appointments(t, manager, "2026-11-24"); len(list) != 3 {
		t.Errorf("tomorrow has %d appointments, want 3", len(list))
	}

	t.Run("semicolons and a byte-order mark, as Excel saves", func(t *testing.T) {
		post(manager, "\ufeffservice_id;start;external_id\r\nforeign-passport;2026-11-25 09:00;EPGU-3\r\n").decode(t, http.StatusCreated, &got)
		if got.Imported != 1 {
			t.Errorf("imported %d, want 1", got.Imported)
		}
	})

	t.Run("one bad row and nothing is imported, every bad row named", func(t *testing.T) {
		bad := "service_id,start,phone,external_id\n" +
			"passport,2026-11-26 10:00,,OK-1\n" + // row 2: fine
			"nope,2026-11-26 10:00,,OK-2\n" + // row 3: unknown service
			"passport,26.11.2026 10:00,,OK-3\n" + // row 4: bad time
			"residence,2026-11-26 10:00,,OK-4\n" + // row 5: no appointments
			"passport,2026-11-26 10:00,,OK-5\n" + // row 6: fills the slot (2 places)
			"passport,2026-11-26 10:00,,OK-6\n" + // row 7: one too many
			"passport,2026-11-26 10:15,12,OK-7\n" + // row 8: bad phone
			"passport,2026-11-26 10:30,,EPGU-1\n" + // row 9: imported before
			"passport,2026-11-26 10:30,,OK-1\n" // row 10: twice in the file
		seq := s.lastSeq(t)
		e := s.refused(t, post(manager, bad), http.StatusBadRequest, queue.EINVALID, seq)
		var rows []int
		for _, r := range e.Error.Rows {
			rows = append(rows, r.Row)
			if !cyrillic(r.RU) || r.EN == "" {
				t.Errorf("row %d: %q / %q, want both languages", r.Row, r.RU, r.EN)
			}
		}
		if fmt.Sprint(rows) != "[3 4 5 7 8 9 10]" {
			body, _ := json.MarshalIndent(e.Error.Rows, "", " ")
			t.Errorf("bad rows %v, want [3 4 5 7 8 9 10]:\n%s", rows, body)
		}
		if list := s.appointments(t, manager, "2026-11-26"); len(list) != 0 {
			t.Errorf("the 26th has %d appointments after a refused import, want none", len(list))
		}
	})

	t.Run("a broken file", func(t *testing.T) {
		for name, csv := range map[string]string{
			"no header":          "",
			"an unknown column":  "service_id,start,email\n",
			"no start column":    "service_id,name\npassport,x\n",
			"a column twice":     "service_id,start,start\n",
			"not UTF-8":          "service_id,start,name\npassport,2026-11-24 10:00,\xcf\xe5\xf2\xf0\xee\xe2\n",
			"nothing but a head": "service_id,start\n",
		} {
			t.Run(name, func(t *testing.T) {
				s.refused(t, post(manager, csv), http.StatusBadRequest, queue.EINVALID, s.lastSeq(t))
			})
		}
	})

	t.Run("operators may not import", func(t *testing.T) {
		s.refused(t, post(s.signIn(t, "op1"), good), http.StatusForbidden, queue.EFORBIDDEN, s.lastSeq(t))
	})
}

// TestAppointmentsSurviveRestart: bookings for days ahead outlive the day
// they were made in and a restart, contacts included.
func TestAppointmentsSurviveRestart(t *testing.T) {
	s := newStack(t)
	a := s.anon().book(t, "foreign-passport", at(2, 9, 20), `,"name":"Сидорова Анна","phone":"+79990001122"`)
	s.issue(t, "passport")
	s.Close()

	clk := &clock{now: at(1, 9, 0)} // the next day: a new working day opens
	s2 := startStack(t, s.Path, clk)
	staff := s2.signIn(t, "manager")
	list := s2.appointments(t, staff, "2026-11-25")
	if len(list) != 1 || list[0].Code != a.Code || list[0].Name != "С*** А***" || list[0].Phone != "+7 *** ***-**-22" {
		t.Fatalf("after a restart on the next day: %+v, want the booking with its (masked) contacts", list)
	}
	if sl := slotAt(t, s2.slots(t, "foreign-passport", "2026-11-25"), at(2, 9, 20)); sl.Free != 1 {
		t.Errorf("the booked slot has %d free, want 1", sl.Free)
	}
}
