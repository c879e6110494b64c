package reports

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"eq/queue"
)

// The staffing advice: for every hour of every weekday, the windows the
// promise needs (Erlang C, see WindowsNeeded) against the windows that were
// open, read from the period's facts. How it counts, where the facts leave
// a choice:
//
//   - An hour of the week is a weekday of the working day (Stage.Day,
//     Work.Day) and an hour of the office's clock. Its Days are the working
//     days of that weekday in the period: days with any event at all, so a
//     quiet Monday counts and lowers Monday's means. Every figure per day is
//     summed over the period and divided by Days: an hour in which nothing
//     happened on some of those days counts 0 on them.
//   - An arrival is a visitor joining a queue: a ticket's first stage (at
//     its issue, or at the check-in for an appointment) and a stage begun by
//     a forward, at the forward. A stage begun by the end of a postponement
//     is the same visitor coming back, already counted, so it is not an
//     arrival; the Scan reports a ticket's stages in order, so it is the
//     stage that follows one ended "postponed".
//   - The mean service time is of stages whose service started and that
//     ended (as in Times: served, forwarded, or cut by the day's close), in
//     the hour of the week service started. With fewer than
//     MinServiceSamples of them it is the period's mean over all hours,
//     and the row says so; with none at all in the period, the hour is not
//     advised.
//   - The wait target is the office's strictest (smallest) one: the advice
//     keeps every service's promise at DefaultServiceLevel.
//   - Windows open are the hours staffed: signed-in time less breaks,
//     split at the hours, divided by Days. A window half the hour on a
//     break is half a window.
//   - The service level with the windows open counts whole windows, the
//     mean rounded down, to err on the safe side: a window staffed for
//     part of the hour is not counted. It is 0, not nil, when they cannot
//     keep up with the load at all (none open, or the queue grows the
//     whole hour): that is the model's answer, not a lack of data.

// MinServiceSamples is how many services an hour of the week needs for its
// own mean service time; with fewer, the period's mean is used.
const MinServiceSamples = 10

// StaffingReport is the staffing advice of a period: one row per hour of
// the week in which anyone came or any window was open. Durations are in
// seconds (the _s fields), shares are fractions of 1.
type StaffingReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Target is the strictest wait target of the office's services.
	// Самый строгий срок ожидания среди услуг офиса.
	Target float64 `json:"target_s"`
	// Level is the share of visitors to be called within Target.
	// Доля посетителей, которых нужно вызвать в пределах Target.
	Level float64 `json:"level"`
	// Services and MeanService are the period's services over all hours
	// and their mean time, used where an hour has too few of its own; 0
	// when there were none.
	// Обслуживания периода за все часы и их среднее время.
	Services    int                `json:"services"`
	MeanService float64            `json:"service_mean_s"`
	Hours       []StaffingWeekHour `json:"hours"` // Monday first, then by hour
}

// StaffingWeekHour is one hour of the week in the staffing advice: the
// windows needed against the windows open.
type StaffingWeekHour struct {
	// Weekday and Hour are the hour of the week: Hour:00 to Hour+1:00 of
	// the office's clock on working days that fall on Weekday.
	// День недели и час суток по часам офиса.
	Weekday time.Weekday `json:"weekday"`
	Hour    int          `json:"hour"`
	// Days is how many working days of this weekday the period has.
	// Сколько рабочих дней с этим днём недели в периоде.
	Days int `json:"days"`
	// Arrivals is the mean number of visitors joining a queue in this
	// hour, λ per hour.
	// Среднее число посетителей, вставших в очередь за этот час.
	Arrivals float64 `json:"arrivals"`
	// Services is how many services started in this hour over the period.
	// Сколько обслуживаний началось в этот час за период.
	Services int `json:"services"`
	// MeanService is the mean service time the advice takes: this hour's,
	// or the period's when Services < MinServiceSamples (PeriodMean); 0
	// when the period has no service at all.
	// Среднее время обслуживания: этого часа или, если данных мало, всего
	// периода.
	MeanService float64 `json:"service_mean_s"`
	PeriodMean  bool    `json:"period_mean"`
	// OfferedLoad is λ·s in Erlangs: windows busy on average.
	// Нагрузка λ·s в эрлангах.
	OfferedLoad float64 `json:"offered_load"`
	// Advised says WindowsNeeded, Gap and ServiceLevelOpen hold. They do
	// not without a mean service time, or with a load beyond MaxWindows
	// windows (bad data: services left running for hours).
	// Рекомендация есть: известно время обслуживания, нагрузка правдоподобна.
	Advised bool `json:"advised"`
	// WindowsNeeded is the fewest windows keeping the target at the level.
	// Наименьшее число окон, при котором норматив выполняется.
	WindowsNeeded int `json:"windows_needed"`
	// WindowsOpen is the mean number of windows staffed in this hour:
	// signed-in time less breaks, in hours, per day.
	// Сколько окон в среднем работало в этот час (без перерывов).
	WindowsOpen float64 `json:"windows_open"`
	// Gap is WindowsNeeded − WindowsOpen: above zero, windows to open;
	// below zero, windows to spare.
	// Нехватка: больше нуля — сколько окон открыть, меньше нуля — лишние.
	Gap float64 `json:"gap"`
	// ServiceLevelOpen is the expected share of visitors called within the
	// target with the whole windows open (WindowsOpen rounded down); 0 when
	// they cannot keep up with the load.
	// Ожидаемая доля вызванных в срок при фактически открытых окнах.
	ServiceLevelOpen float64 `json:"service_level_open"`
}

// Staffing computes the staffing advice of the days from to to (YYYY-MM-DD,
// both included) from their facts. Bad dates are EINVALID.
func (r *Reader) Staffing(ctx context.Context, from, to string) (*StaffingReport, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	if r.office == nil || r.office.Location == nil {
		return nil, queue.Errorf(queue.EINVALID, "не задан офис или его часовой пояс", "no office or office time zone")
	}
	f := newStaffingFacts(r.office.Location)
	if err := r.Facts(ctx, from, to, f); err != nil {
		return nil, err
	}
	return f.report(from, to, strictestTarget(r.office)), nil
}

func (r *Reader) staffingTable(ctx context.Context, from, to string) (Table, error) {
	rep, err := r.Staffing(ctx, from, to)
	if err != nil {
		return Table{}, err
	}
	return rep.Table(), nil
}

// strictestTarget is the smallest wait target among office's services: a
// window serves any of them, so the advice keeps the hardest promise.
func strictestTarget(office *queue.Office) time.Duration {
	target := time.Duration(0)
	for _, s := range office.Services {
		if s.WaitTarget > 0 && (target == 0 || s.WaitTarget < target) {
			target = s.WaitTarget
		}
	}
	if target == 0 {
		return queue.DefaultWaitTarget
	}
	return target
}

// weekHour is an hour of the week.
type weekHour struct {
	day  time.Weekday
	hour int
}

// staffingCell sums one hour of the week over the period.
type staffingCell struct {
	arrivals   int
	services   int
	serviceSum time.Duration
	staffed    time.Duration // signed in less breaks
}

// staffingFacts collects what the advice needs from a Scan. It holds the
// hours of the week, the period's dates and one day's tickets.
type staffingFacts struct {
	NoFacts
	loc *time.Location

	cells      map[weekHour]*staffingCell
	days       map[string]time.Weekday // the working days seen
	services   int
	serviceSum time.Duration

	day     string            // the day the facts are of now
	weekday time.Weekday      // its weekday
	dayOK   bool              // its date reads
	lastEnd map[string]string // ticket → how its latest stage of the day ended
}

func newStaffingFacts(loc *time.Location) *staffingFacts {
	return &staffingFacts{loc: loc, cells: map[weekHour]*staffingCell{}, days: map[string]time.Weekday{},
		lastEnd: map[string]string{}}
}

// on moves to day, the day of the next fact, and reports whether its date
// reads. A Scan tells each day's facts before the next day's, so a ticket's
// stages are forgotten with their day.
func (f *staffingFacts) on(day string) bool {
	if day == f.day {
		return f.dayOK
	}
	f.day = day
	clear(f.lastEnd)
	d, err := time.Parse(time.DateOnly, day)
	f.dayOK = err == nil
	if f.dayOK {
		f.weekday = d.Weekday()
		f.days[day] = f.weekday
	}
	return f.dayOK
}

func (f *staffingFacts) cell(t time.Time) *staffingCell {
	k := weekHour{f.weekday, t.In(f.loc).Hour()}
	c, ok := f.cells[k]
	if !ok {
		c = &staffingCell{}
		f.cells[k] = c
	}
	return c
}

// StageEnded takes every stage once, the first included, in a ticket's
// order: arrivals and service times both come from it.
func (f *staffingFacts) StageEnded(st Stage) {
	if !f.on(st.Day) {
		return
	}
	if st.First || f.lastEnd[st.Ticket] != string(queue.StatusPostponed) {
		f.cell(st.QueuedAt).arrivals++
	}
	f.lastEnd[st.Ticket] = st.End
	if st.Ended() && !st.StartedAt.IsZero() {
		c := f.cell(st.StartedAt)
		c.services++
		c.serviceSum += st.ServiceTime
		f.services++
		f.serviceSum += st.ServiceTime
	}
}

func (f *staffingFacts) Work(w Work) {
	if !f.on(w.Day) || w.Kind == WorkIdle {
		return // idle time is staffed time, already in the signed-in intervals
	}
	sign := time.Duration(1)
	if w.Kind == WorkBreak {
		sign = -1 // breaks are inside signed-in time
	}
	eachHour(w.From, w.To, f.loc, func(at time.Time, d time.Duration) {
		f.cell(at).staffed += sign * d
	})
}

// QueueLevel only tells that a day was scanned: every day ends with one.
func (f *staffingFacts) QueueLevel(q QueueLevel) { f.on(q.Day) }

// eachHour splits from..to at the hours of loc's clock, telling fn the
// start of each piece and its length.
func eachHour(from, to time.Time, loc *time.Location, fn func(at time.Time, d time.Duration)) {
	for t := from; t.Before(to); {
		l := t.In(loc)
		next := time.Date(l.Year(), l.Month(), l.Day(), l.Hour()+1, 0, 0, 0, loc)
		if next.After(to) {
			next = to
		}
		fn(t, next.Sub(t))
		t = next
	}
}

// report turns the sums into the advice, keeping target at
// DefaultServiceLevel.
func (f *staffingFacts) report(from, to string, target time.Duration) *StaffingReport {
	rep := &StaffingReport{From: from, To: to, Target: target.Seconds(), Level: DefaultServiceLevel,
		Services: f.services, Hours: []StaffingWeekHour{}}
	var periodMean time.Duration
	if f.services > 0 {
		periodMean = f.serviceSum / time.Duration(f.services)
		rep.MeanService = periodMean.Seconds()
	}
	days := map[time.Weekday]int{}
	for _, wd := range f.days {
		days[wd]++
	}
	keys := make([]weekHour, 0, len(f.cells))
	for k := range f.cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b weekHour) int {
		return cmp.Or(cmp.Compare(mondayFirst(a.day), mondayFirst(b.day)), cmp.Compare(a.hour, b.hour))
	})
	for _, k := range keys {
		c := f.cells[k]
		if c.arrivals == 0 && c.staffed <= 0 {
			continue // only services begun here, by visitors who came earlier
		}
		n := days[k.day] // at least 1: the cell's facts are of such a day
		h := StaffingWeekHour{Weekday: k.day, Hour: k.hour, Days: n, Services: c.services,
			Arrivals:    float64(c.arrivals) / float64(n),
			WindowsOpen: max(c.staffed, 0).Hours() / float64(n)}
		s := periodMean
		if c.services >= MinServiceSamples {
			s = c.serviceSum / time.Duration(c.services)
		} else {
			h.PeriodMean = s > 0
		}
		h.MeanService = s.Seconds()
		if s > 0 {
			h.OfferedLoad = OfferedLoad(h.Arrivals, s)
			// The only refusal left is a load beyond MaxWindows: not
			// advised, the load shows why.
			if needed, err := WindowsNeeded(h.Arrivals, s, target, DefaultServiceLevel); err == nil {
				h.Advised, h.WindowsNeeded = true, needed
				h.Gap = float64(needed) - h.WindowsOpen
				h.ServiceLevelOpen = ServiceLevel(int(math.Floor(h.WindowsOpen)), h.OfferedLoad, s, target)
			}
		}
		rep.Hours = append(rep.Hours, h)
	}
	return rep
}

// mondayFirst numbers the weekdays from Monday, 0, to Sunday, 6.
func mondayFirst(d time.Weekday) int { return (int(d) + 6) % 7 }

var weekdayNames = [7]queue.Text{
	{RU: "воскресенье", EN: "Sunday"},
	{RU: "понедельник", EN: "Monday"},
	{RU: "вторник", EN: "Tuesday"},
	{RU: "среда", EN: "Wednesday"},
	{RU: "четверг", EN: "Thursday"},
	{RU: "пятница", EN: "Friday"},
	{RU: "суббота", EN: "Saturday"},
}

// Table lays the advice out as the "staffing" table, one row per hour of
// the week. It has no total row: windows needed in different hours do not
// add up, and their peak is simply the largest cell of its column. Cells
// that need a mean service time the period lacks are nil.
func (s *StaffingReport) Table() Table {
	level, target := inPercent(s.Level), inMinutes(s.Target)
	t := Table{Name: StaffingName, Title: queue.Text{RU: "Потребность в окнах (Эрланг C)", EN: "Windows needed (Erlang C)"},
		Columns: []Column{
			{"weekday", "День недели", "Weekday"},
			{"hour", "Час", "Hour"},
			{"days", "Дней", "Days"},
			{"arrivals", "Посетителей в час", "Visitors per hour"},
			{"services", "Обслуживаний в этот час", "Services in this hour"},
			{"service_mean_min", "Среднее обслуживание, мин", "Mean service, min"},
			{"service_mean_from", "Среднее по данным", "Mean from"},
			{"offered_load", "Нагрузка, Эрл", "Load, Erlangs"},
			{"windows_needed", fmt.Sprintf("Нужно окон (%g%% ждут не дольше %g мин)", level, target),
				fmt.Sprintf("Windows needed (%g%% wait at most %g min)", level, target)},
			{"windows_open", "Открыто окон", "Windows open"},
			{"gap", "Не хватает окон (минус — лишние)", "Windows short (minus: spare)"},
			{"service_level_open_pct", "Вызваны в срок при открытых окнах, %", "Called within the target with the windows open, %"},
		}}
	for _, h := range s.Hours {
		var mean, from, load, needed, gap, sl any
		if h.MeanService > 0 {
			mean, load = inMinutes(h.MeanService), round1(h.OfferedLoad)
			from = queue.Text{RU: "этого часа", EN: "this hour"}
			if h.PeriodMean {
				from = queue.Text{RU: "всего периода", EN: "the whole period"}
			}
		}
		if h.Advised {
			needed, gap, sl = h.WindowsNeeded, round1(h.Gap), inPercent(h.ServiceLevelOpen)
		}
		t.Rows = append(t.Rows, []any{weekdayNames[h.Weekday], fmt.Sprintf("%02d:00–%02d:00", h.Hour, h.Hour+1), h.Days,
			round1(h.Arrivals), h.Services, mean, from, load, needed, round1(h.WindowsOpen), gap, sl})
	}
	return t
}

// round1 rounds x to 0.1, never to −0.
func round1(x float64) float64 {
	if r := math.Round(x*10) / 10; r != 0 {
		return r
	}
	return 0
}
