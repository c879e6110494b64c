package configs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"eq/queue"
)

// Appointments is what the server needs of appointments beyond the domain's rules.
type Appointments struct {
	// Retention is how long names and phones given with a booking are kept
	// after the appointment's date before they are purged.
	Retention time.Duration
}

// Defaults and limits of the schedule and appointment sections.
const (
	defaultRetentionDays = 30
	maxRetentionDays     = 3 * 365
	maxStopIssue         = 4 * time.Hour
	maxCheckinWindow     = 2 * time.Hour
	maxSlot              = 4 * time.Hour
	maxCapacity          = 100
	maxHorizonDays       = 366
	maxLead              = 30 * 24 * time.Hour
)

type scheduleSection struct {
	StopIssue  *time.Duration   `yaml:"stop_issue_before_close"` // default 1h
	Week       weekEntry        `yaml:"week"`
	Exceptions []exceptionEntry `yaml:"exceptions"`
}

// weekEntry is the hours of each weekday: "08:00-20:00", several intervals
// separated by commas ("09:00-13:00, 14:00-18:00": lunch between), or
// "closed" / "выходной". A day left out is closed.
type weekEntry struct {
	Mon string `yaml:"mon"`
	Tue string `yaml:"tue"`
	Wed string `yaml:"wed"`
	Thu string `yaml:"thu"`
	Fri string `yaml:"fri"`
	Sat string `yaml:"sat"`
	Sun string `yaml:"sun"`
}

// days pairs each weekday with its key, in the order of time.Weekday.
func (w *weekEntry) days() [7]struct {
	key   string
	hours string
} {
	return [7]struct {
		key   string
		hours string
	}{{"sun", w.Sun}, {"mon", w.Mon}, {"tue", w.Tue}, {"wed", w.Wed}, {"thu", w.Thu}, {"fri", w.Fri}, {"sat", w.Sat}}
}

// exceptionEntry is a date that differs from its weekday: a holiday
// (hours: closed), a shortened pre-holiday day, a working Saturday.
type exceptionEntry struct {
	Date  string `yaml:"date"`
	Hours string `yaml:"hours"`
	Note  string `yaml:"note"` // for people reading the file
}

type appointmentsSection struct {
	CheckinEarly  *time.Duration `yaml:"checkin_early"`  // default 15m
	CheckinLate   *time.Duration `yaml:"checkin_late"`   // default 10m
	RetentionDays *int           `yaml:"retention_days"` // default 30
}

type bookingEntry struct {
	Slot        *time.Duration `yaml:"slot"`
	Capacity    *int           `yaml:"capacity"`     // default 1
	HorizonDays *int           `yaml:"horizon_days"` // default 14
	Lead        *time.Duration `yaml:"lead"`         // default 0: until the slot starts
	Only        bool           `yaml:"only"`
}

var intervalPattern = regexp.MustCompile(`^(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})$`)

// parseHours reads a day's hours; when they are malformed it says why in
// Russian and English.
func parseHours(s string) (h queue.DayHours, ru, en string) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "closed") || strings.EqualFold(s, "выходной") {
		return queue.DayHours{}, "", ""
	}
	var out queue.DayHours
	for _, part := range strings.Split(s, ",") {
		m := intervalPattern.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return nil, fmt.Sprintf("часы «%s»: нужен вид 08:00-20:00, несколько через запятую, или closed", strings.TrimSpace(part)),
				fmt.Sprintf("hours %q: write 08:00-20:00, several separated by commas, or closed", strings.TrimSpace(part))
		}
		from, okFrom := clockTime(m[1], m[2])
		to, okTo := clockTime(m[3], m[4])
		if !okFrom || !okTo {
			return nil, fmt.Sprintf("часы «%s»: время от 00:00 до 24:00", part), fmt.Sprintf("hours %q: times run from 00:00 to 24:00", part)
		}
		if from >= to {
			return nil, fmt.Sprintf("часы «%s»: конец раньше начала", strings.TrimSpace(part)), fmt.Sprintf("hours %q: the end is not after the start", strings.TrimSpace(part))
		}
		if len(out) > 0 && from <= out[len(out)-1].To {
			return nil, "интервалы должны идти по порядку и с перерывами между ними", "intervals must be in order with a gap between them"
		}
		out = append(out, queue.Interval{From: from, To: to})
	}
	return out, "", ""
}

func clockTime(h, m string) (time.Duration, bool) {
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// checkSchedule checks the schedule; a config without one is an office
// that never closes.
func (d *decoder) checkSchedule(s *scheduleSection) {
	if s == nil {
		return
	}
	d.duration("schedule.stop_issue_before_close", s.StopIssue, false, maxStopIssue)
	open, bad := false, false
	for _, day := range s.Week.days() {
		path := "schedule.week." + day.key
		h, ru, en := parseHours(day.hours)
		if ru != "" {
			d.problemText(path, ru, en)
			bad = true
		}
		open = open || len(h) > 0
	}
	if !open && !bad && !d.anyBad("schedule.week") {
		d.problemf("schedule.week", "центр не работает ни в один день недели", "the centre is not open on any day of the week")
	}
	seen := map[string]string{}
	for i, e := range s.Exceptions {
		p := index("schedule.exceptions", i)
		if d.required(p+".date", e.Date) {
			if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
				d.problemf(p+".date", "дата «%s» не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", e.Date)
			} else if other, dup := seen[e.Date]; dup {
				d.problemf(p+".date", "дата %s уже указана в %s", "date %s is already given in %s", e.Date, other)
			}
			seen[e.Date] = p
		}
		if _, ru, en := parseHours(e.Hours); ru != "" {
			d.problemText(p+".hours", ru, en)
		}
	}
}

func (d *decoder) checkAppointments(a *appointmentsSection) {
	d.duration("appointments.checkin_early", a.CheckinEarly, false, maxCheckinWindow)
	d.duration("appointments.checkin_late", a.CheckinLate, false, maxCheckinWindow)
	d.intRange("appointments.retention_days", a.RetentionDays, 0, maxRetentionDays)
}

func (d *decoder) checkBooking(path string, b *bookingEntry) {
	if b == nil {
		return
	}
	d.duration(path+".slot", b.Slot, true, maxSlot)
	d.intRange(path+".capacity", b.Capacity, 1, maxCapacity)
	d.intRange(path+".horizon_days", b.HorizonDays, 0, maxHorizonDays)
	if b.Lead != nil && !d.broken(path+".lead") && (*b.Lead < 0 || *b.Lead > maxLead) {
		d.problemf(path+".lead", "срок должен быть от 0 до %s", "the lead time must be 0 to %s", fmtDuration(maxLead))
	}
}

// problemText records a problem whose messages are already written.
func (d *decoder) problemText(path, ru, en string) {
	d.problemf(path, "%[1]s", "%[2]s", ru, en) // indexed verbs: each message takes its own argument
}

// intRange checks an optional integer against [lo, hi].
func (d *decoder) intRange(path string, v *int, lo, hi int) {
	if v != nil && !d.broken(path) && (*v < lo || *v > hi) {
		d.problemf(path, "значение должно быть от %d до %d", "the value must be %d to %d", lo, hi)
	}
}

func buildSchedule(s *scheduleSection) *queue.Schedule {
	if s == nil {
		return nil
	}
	sc := &queue.Schedule{StopIssue: orDefault(s.StopIssue, queue.DefaultStopIssue), Days: map[string]queue.DayHours{}}
	for i, day := range s.Week.days() {
		sc.Week[i], _, _ = parseHours(day.hours)
	}
	for _, e := range s.Exceptions {
		sc.Days[e.Date], _, _ = parseHours(e.Hours)
	}
	return sc
}

func buildCheckin(a *appointmentsSection) queue.CheckinRules {
	return queue.CheckinRules{Early: orDefault(a.CheckinEarly, queue.DefaultCheckinEarly), Late: orDefault(a.CheckinLate, queue.DefaultCheckinLate)}
}

func buildAppointments(a *appointmentsSection) Appointments {
	days := defaultRetentionDays
	if a.RetentionDays != nil {
		days = *a.RetentionDays
	}
	return Appointments{Retention: time.Duration(days) * 24 * time.Hour}
}

func buildBooking(b *bookingEntry) *queue.Booking {
	if b == nil {
		return nil
	}
	out := &queue.Booking{Slot: *b.Slot, Capacity: 1, Horizon: 14, Only: b.Only}
	if b.Capacity != nil {
		out.Capacity = *b.Capacity
	}
	if b.HorizonDays != nil {
		out.Horizon = *b.HorizonDays
	}
	if b.Lead != nil {
		out.Lead = *b.Lead
	}
	return out
}

// PurgeBefore is the first date whose appointments' names and phones are
// still kept at now: those of earlier dates are past the retention period.
func (c *Config) PurgeBefore(now time.Time) string {
	days := int(c.Appointments.Retention / (24 * time.Hour))
	return now.In(c.Office.Location).AddDate(0, 0, -days).Format(time.DateOnly)
}
