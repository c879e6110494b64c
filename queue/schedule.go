package queue

import (
	"fmt"
	"time"
)

// DefaultStopIssue is how long before closing tickets stop being issued:
// reception of documents ends one hour before the centre closes (REQUIREMENTS.md).
const DefaultStopIssue = time.Hour

// scheduleSearchDays bounds the search for the next opening: a year covers
// any run of holidays a centre can have.
const scheduleSearchDays = 370

// Interval is a stretch of a day the office is open, as offsets from
// midnight: From 8h, To 20h is 08:00–20:00.
type Interval struct {
	From, To time.Duration
}

// DayHours is when the office is open on one date: intervals in order, not
// touching; the gaps between them are lunch or other closed time. No
// intervals means closed all day.
type DayHours []Interval

// Schedule is the office's working time: hours per weekday and dates that
// differ (holidays, shortened or extra working days).
type Schedule struct {
	Week [7]DayHours         // by time.Weekday: Week[time.Monday] …
	Days map[string]DayHours // YYYY-MM-DD → that date's hours; empty means closed
	// StopIssue: tickets stop this long before the day's last closing time.
	StopIssue time.Duration
}

// Hours returns the hours of date (YYYY-MM-DD, already validated).
func (sc *Schedule) Hours(date time.Time) DayHours {
	if h, ok := sc.Days[date.Format(time.DateOnly)]; ok {
		return h
	}
	return sc.Week[date.Weekday()]
}

// at is the moment off after the midnight of date in loc. Clock times are
// wall times: a day with a clock change still opens at 08:00 on the wall.
func at(date time.Time, off time.Duration, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Add(off)
}

// midnight is the start of t's date in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	return at(t.In(loc), 0, loc)
}

// issueEnd is when issuing stops on a day with hours h: StopIssue before
// the last closing time, but never before the last interval opens.
func (sc *Schedule) issueEnd(h DayHours) time.Duration {
	last := h[len(h)-1]
	return max(last.To-sc.StopIssue, last.From)
}

// issuing reports whether tickets may be issued at now in loc. When not,
// why says so in words a visitor understands and when issuing resumes.
// A nil schedule is an office that never closes.
func (sc *Schedule) issuing(now time.Time, loc *time.Location) (ok bool, why Text, resumes time.Time) {
	if sc == nil {
		return true, Text{}, time.Time{}
	}
	day := midnight(now, loc)
	h := sc.Hours(day)
	off := now.In(loc).Sub(day)
	if len(h) == 0 || off < h[0].From || off >= h[len(h)-1].To {
		next := sc.NextOpening(now, loc)
		return false, appendOpens(Text{RU: "Центр сейчас закрыт.", EN: "The centre is closed now."}, now, next, loc), next
	}
	if end := sc.issueEnd(h); off >= end {
		next := sc.NextOpening(day.AddDate(0, 0, 1), loc)
		closes := h[len(h)-1].To
		why := Text{
			RU: fmt.Sprintf("Выдача талонов окончена в %s: приём документов заканчивается за %s до закрытия (в %s).",
				clock(end), durationRU(sc.StopIssue), clock(closes)),
			EN: fmt.Sprintf("Tickets are no longer issued after %s: reception ends %s before closing (at %s).",
				clock(end), durationEN(sc.StopIssue), clock(closes)),
		}
		return false, appendOpens(why, now, next, loc), next
	}
	for _, iv := range h {
		if off >= iv.From && off < iv.To {
			return true, Text{}, time.Time{}
		}
	}
	// In a gap between intervals: lunch or another closed stretch.
	next := sc.NextOpening(now, loc)
	if next.IsZero() || !midnight(next, loc).Equal(day) {
		// Nothing after the gap issues tickets today.
		why := Text{RU: "Выдача талонов на сегодня окончена.", EN: "Tickets are no longer issued today."}
		return false, appendOpens(why, now, next, loc), next
	}
	hm := next.In(loc).Format("15:04")
	return false, Text{RU: "Перерыв до " + hm + ". Талоны выдаются с " + hm + ".",
		EN: "Break until " + hm + ". Tickets are issued again from " + hm + "."}, next
}

// NextOpening is the first moment at or after from when tickets can be
// issued; zero when the office never opens within a year.
func (sc *Schedule) NextOpening(from time.Time, loc *time.Location) time.Time {
	day := midnight(from, loc)
	for i := 0; i < scheduleSearchDays; i++ {
		d := day.AddDate(0, 0, i)
		h := sc.Hours(d)
		if len(h) == 0 {
			continue
		}
		end := sc.issueEnd(h)
		for _, iv := range h {
			start := at(d, iv.From, loc)
			stop := at(d, min(iv.To, end), loc)
			if !start.Before(stop) {
				continue
			}
			if !from.After(start) {
				return start
			}
			if from.Before(stop) {
				return from
			}
		}
	}
	return time.Time{}
}

// appendOpens adds "opens tomorrow at 08:00" to why.
func appendOpens(why Text, now, opens time.Time, loc *time.Location) Text {
	if opens.IsZero() {
		return Text{RU: why.RU + " Дата открытия не назначена.", EN: why.EN + " No opening date is set."}
	}
	w := when(now, opens, loc)
	return Text{RU: why.RU + " Центр откроется " + w.RU + ".", EN: why.EN + " The centre opens " + w.EN + "."}
}

// clock formats an offset from midnight as 08:00.
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

var (
	monthsRU   = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	weekdaysRU = [...]string{"в воскресенье", "в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу"}
)

// DateRU is "24 ноября".
func DateRU(t time.Time) string { return fmt.Sprintf("%d %s", t.Day(), monthsRU[t.Month()-1]) }

// when says when t is, seen from now: "сегодня в 14:00", "завтра в 08:00",
// "в понедельник, 30 ноября, в 08:00" — and the same in English.
func when(now, t time.Time, loc *time.Location) Text {
	t = t.In(loc)
	hm := t.Format("15:04")
	switch daysBetween(now, t, loc) {
	case 0:
		return Text{RU: "сегодня в " + hm, EN: "today at " + hm}
	case 1:
		return Text{RU: "завтра в " + hm, EN: "tomorrow at " + hm}
	default:
		return Text{RU: fmt.Sprintf("%s, %s, в %s", weekdaysRU[t.Weekday()], DateRU(t), hm),
			EN: t.Format("Monday, 2 January,") + " at " + hm}
	}
}

// daysBetween counts calendar days from a's date to b's in loc.
func daysBetween(a, b time.Time, loc *time.Location) int {
	da, db := midnight(a, loc), midnight(b, loc)
	n := 0
	for d := da; d.Before(db); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

func durationRU(d time.Duration) string {
	if d%time.Hour == 0 {
		h := int(d / time.Hour)
		switch {
		case h == 1:
			return "1 час"
		case h >= 2 && h <= 4:
			return fmt.Sprintf("%d часа", h)
		default:
			return fmt.Sprintf("%d часов", h)
		}
	}
	return fmt.Sprintf("%d мин", int(d/time.Minute))
}

func durationEN(d time.Duration) string {
	if d == time.Hour {
		return "1 hour"
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d min", int(d/time.Minute))
}
