package queue

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests' zone must not depend on the machine's zone database
)

// moscow is the test offices' zone. It has had no clock changes since
// 2014, so every date below is UTC+3.
var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return loc
}()

// msk reads "2026-11-23 08:00" or "2026-11-23 08:00:01" as a Moscow time.
func msk(s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout += ":05"
	}
	t, err := time.ParseInLocation(layout, s, moscow)
	if err != nil {
		panic(err)
	}
	return t
}

// testSchedule is the week the schedule and appointment tests run in,
// 23–29 November 2026 (Monday to Sunday): weekdays 08:00–20:00, Saturday
// 09:00–13:00 and 14:00–17:00 with lunch between, Sunday closed, Wednesday
// the 25th a holiday and Friday the 27th shortened to 08:00–16:00. Tickets
// stop an hour before the last closing.
func testSchedule() *Schedule {
	weekday := DayHours{{8 * time.Hour, 20 * time.Hour}}
	return &Schedule{
		Week: [7]DayHours{
			time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday,
			time.Thursday: weekday, time.Friday: weekday,
			time.Saturday: {{9 * time.Hour, 13 * time.Hour}, {14 * time.Hour, 17 * time.Hour}},
		},
		Days: map[string]DayHours{
			"2026-11-25": nil,
			"2026-11-27": {{8 * time.Hour, 16 * time.Hour}},
		},
		StopIssue: time.Hour,
	}
}

// extraSunday is testSchedule with Sunday the 29th worked 10:00–15:00.
func extraSunday() *Schedule {
	sc := testSchedule()
	sc.Days["2026-11-29"] = DayHours{{10 * time.Hour, 15 * time.Hour}}
	return sc
}

func TestScheduleIssuing(t *testing.T) {
	tests := []struct {
		name    string
		sched   *Schedule
		now     string
		ok      bool
		ru, en  []string // words each message must have
		resumes string   // "" for a zero time
	}{
		{name: "before opening on Monday says it opens today at 08:00", now: "2026-11-23 07:30",
			ru: []string{"закрыт", "сегодня в 08:00"}, en: []string{"closed", "today at 08:00"}, resumes: "2026-11-23 08:00"},
		{name: "the first second of the day issues", now: "2026-11-23 08:00", ok: true},
		{name: "inside hours issues", now: "2026-11-23 12:34", ok: true},
		{name: "the last second before StopIssue issues", now: "2026-11-23 18:59:59", ok: true},
		{name: "exactly at StopIssue is refused and names the hour before closing", now: "2026-11-23 19:00",
			ru: []string{"окончена в 19:00", "за 1 час", "в 20:00", "завтра в 08:00"},
			en: []string{"after 19:00", "1 hour", "at 20:00", "tomorrow at 08:00"}, resumes: "2026-11-24 08:00"},
		{name: "after closing opens tomorrow", now: "2026-11-23 20:00",
			ru: []string{"закрыт", "завтра в 08:00"}, en: []string{"closed", "tomorrow at 08:00"}, resumes: "2026-11-24 08:00"},
		{name: "after StopIssue the day before a holiday skips to the day after it", now: "2026-11-24 19:30",
			ru: []string{"за 1 час", "в четверг, 26 ноября, в 08:00"}, en: []string{"1 hour", "Thursday, 26 November, at 08:00"},
			resumes: "2026-11-26 08:00"},
		{name: "a holiday is closed all day and opens the next working day", now: "2026-11-25 12:00",
			ru: []string{"закрыт", "завтра в 08:00"}, en: []string{"closed", "tomorrow at 08:00"}, resumes: "2026-11-26 08:00"},
		{name: "a shortened day issues until an hour before its own closing", now: "2026-11-27 14:59:59", ok: true},
		{name: "a shortened day stops an hour before its own closing", now: "2026-11-27 15:00",
			ru: []string{"окончена в 15:00", "в 16:00", "завтра в 09:00"}, en: []string{"after 15:00", "at 16:00", "tomorrow at 09:00"},
			resumes: "2026-11-28 09:00"},
		{name: "Saturday morning issues", now: "2026-11-28 12:59:59", ok: true},
		{name: "the lunch gap is a break until 14:00", now: "2026-11-28 13:00",
			ru: []string{"Перерыв до 14:00", "с 14:00"}, en: []string{"Break until 14:00", "from 14:00"}, resumes: "2026-11-28 14:00"},
		{name: "the end of lunch issues", now: "2026-11-28 14:00", ok: true},
		{name: "Saturday after StopIssue opens on Monday", now: "2026-11-28 16:00",
			ru: []string{"окончена в 16:00", "в 17:00", "в понедельник, 30 ноября, в 08:00"},
			en: []string{"after 16:00", "at 17:00", "Monday, 30 November, at 08:00"}, resumes: "2026-11-30 08:00"},
		{name: "Saturday evening opens on Monday", now: "2026-11-28 19:00",
			ru: []string{"закрыт", "в понедельник, 30 ноября, в 08:00"}, en: []string{"closed", "Monday, 30 November, at 08:00"},
			resumes: "2026-11-30 08:00"},
		{name: "Sunday opens tomorrow, Monday", now: "2026-11-29 10:00",
			ru: []string{"закрыт", "завтра в 08:00"}, en: []string{"closed", "tomorrow at 08:00"}, resumes: "2026-11-30 08:00"},
		{name: "an extra working Sunday opens the next morning after Saturday", sched: extraSunday(), now: "2026-11-28 19:00",
			ru: []string{"закрыт", "завтра в 10:00"}, en: []string{"closed", "tomorrow at 10:00"}, resumes: "2026-11-29 10:00"},
		{name: "an extra working Sunday issues", sched: extraSunday(), now: "2026-11-29 13:59:59", ok: true},
		{name: "a schedule never open says no date is set", sched: &Schedule{}, now: "2026-11-23 10:00",
			ru: []string{"закрыт", "не назначена"}, en: []string{"closed", "No opening date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.sched
			if sc == nil {
				sc = testSchedule()
			}
			ok, why, resumes := sc.issuing(msk(tt.now), moscow)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%q)", ok, tt.ok, why.RU)
			}
			if ok {
				if why != (Text{}) || !resumes.IsZero() {
					t.Errorf("issuing gave why %+v, resumes %v; want none", why, resumes)
				}
				return
			}
			for _, w := range tt.ru {
				if !strings.Contains(why.RU, w) {
					t.Errorf("RU %q lacks %q", why.RU, w)
				}
			}
			for _, w := range tt.en {
				if !strings.Contains(why.EN, w) {
					t.Errorf("EN %q lacks %q", why.EN, w)
				}
			}
			var want time.Time
			if tt.resumes != "" {
				want = msk(tt.resumes)
			}
			if !resumes.Equal(want) {
				t.Errorf("resumes = %v, want %v", resumes, want)
			}
		})
	}
}

func TestNilScheduleAlwaysIssues(t *testing.T) {
	var sc *Schedule
	for _, now := range []string{"2026-11-23 03:00", "2026-11-25 12:00", "2026-11-28 13:30", "2026-11-29 23:59:59"} {
		if ok, why, resumes := sc.issuing(msk(now), moscow); !ok || why != (Text{}) || !resumes.IsZero() {
			t.Errorf("at %s: issuing = %v, %+v, %v; want open", now, ok, why, resumes)
		}
	}
}

// domainError is err as an *Error.
func domainError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	return e
}

// newOfficeHarness is newHarness for another office, starting at now.
func newOfficeHarness(t *testing.T, o *Office, now time.Time) *harness {
	t.Helper()
	st, err := NewState(o)
	if err != nil {
		t.Fatalf("NewState: %v", err)
	}
	h := &harness{t: t, now: now, log: &memLog{}}
	h.eng = NewEngine(st, h.log, ClockFunc(func() time.Time { return h.now }), nil)
	if err := h.eng.Roll(context.Background()); err != nil {
		t.Fatalf("Roll: %v", err)
	}
	return h
}

// TestIssueFollowsTheSchedule: the kiosk's refusal carries when to come back.
func TestIssueFollowsTheSchedule(t *testing.T) {
	tests := []struct {
		name   string
		now    string
		ru     string
		opens  string // Details["opens_at"]
		issues bool
	}{
		{"before opening", "2026-11-23 07:59:59", "сегодня в 08:00", "2026-11-23T08:00:00+03:00", false},
		{"inside hours", "2026-11-23 08:00", "", "", true},
		{"at StopIssue", "2026-11-23 19:00", "за 1 час", "2026-11-24T08:00:00+03:00", false},
		{"in the lunch gap", "2026-11-28 13:15", "Перерыв до 14:00", "2026-11-28T14:00:00+03:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOffice()
			o.Location, o.Schedule = moscow, testSchedule()
			h := newOfficeHarness(t, o, msk(tt.now))
			before := len(h.log.events)
			_, err := h.eng.Issue(context.Background(), IssueRequest{Service: "passport"})
			if tt.issues {
				if err != nil {
					t.Fatalf("issue: %v", err)
				}
				return
			}
			wantCode(t, err, ECONFLICT)
			e := domainError(t, err)
			if !strings.Contains(e.Message, tt.ru) {
				t.Errorf("message %q lacks %q", e.Message, tt.ru)
			}
			if got := e.Details["opens_at"]; got != tt.opens {
				t.Errorf("opens_at = %q, want %q", got, tt.opens)
			}
			if len(h.log.events) != before {
				t.Errorf("a refused issue wrote %d events", len(h.log.events)-before)
			}
		})
	}
}

func TestIssuingWhenTheDayWasClosedByHand(t *testing.T) {
	o := testOffice()
	o.Location, o.Schedule = moscow, testSchedule()
	h := newOfficeHarness(t, o, msk("2026-11-23 10:00"))
	if _, err := h.eng.CloseDay(context.Background(), boss); err != nil {
		t.Fatal(err)
	}
	var ok bool
	var why Text
	var resumes time.Time
	h.eng.Read(func(s *State, now time.Time) { ok, why, resumes = s.Issuing(now) })
	if ok || !strings.Contains(why.RU, "администратором") || !resumes.IsZero() {
		t.Fatalf("Issuing after a manager closed the day = %v, %q, %v; want closed by a manager, no resume time", ok, why.RU, resumes)
	}
}

// When StopIssue swallows all of the interval after a gap — Saturday
// 09:00–13:00 and 14:00–15:00, tickets stopping at 14:00 — a visitor in
// the gap is told tickets are over for today and when the centre opens,
// not that a break lasts until Monday.
func TestIssuingInAGapWithNothingAfterIt(t *testing.T) {
	sc := testSchedule()
	sc.Week[time.Saturday] = DayHours{{9 * time.Hour, 13 * time.Hour}, {14 * time.Hour, 15 * time.Hour}}
	ok, why, resumes := sc.issuing(msk("2026-11-28 13:30"), moscow)
	if ok || !resumes.Equal(msk("2026-11-30 08:00")) {
		t.Fatalf("issuing = %v, resumes %v; want closed until Monday 08:00", ok, resumes)
	}
	if strings.Contains(why.RU, "Перерыв") || !strings.Contains(why.RU, "в понедельник, 30 ноября, в 08:00") ||
		!strings.Contains(why.EN, "Monday, 30 November, at 08:00") {
		t.Fatalf("why = %q / %q; want no break, and Monday named", why.RU, why.EN)
	}
}
