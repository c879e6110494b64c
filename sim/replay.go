package sim

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"eq/queue"
	"eq/reports"
)

// Replay reads a past day of office from its event log in src and makes
// it a Day with the visitors and the staffing it had, for Run to play
// again, as it was or changed (AddWindows).
//
// Each ticket is a visitor coming at its issue, for its service, with its
// priority; their time at the window is the one the log shows, the
// service's configured time when the log has none (never called, gone
// home, cut by the close). A visitor who did not come when called is a
// no-show again. A check-in is a booked visitor checking in when they did
// for their slot; an appointment released as missed is booked and
// missing. Run books them all the evening before, as staff would.
//
// A forwarded visit is replayed as its first stage only: where the log
// sent the visitor next was the operator's choice, which a replay cannot
// make, and the time at the first window is what the visitor took there.
// A postponed visit is a visitor served when first called, for the time
// the stage the postponement led to took. A cancelled ticket's visitor
// waits to be served: a Visitor cannot leave the queue.
//
// The staffing is one Shift per stretch a window was open, with the
// operator who opened it and a Break for each break taken then, as long
// as it was (whole minutes, at least 1). The walk to the window and the
// wait for a visitor who does not come are the day's typical ones: the
// median call-to-start of the visitors served at the first call, and
// half the median call-to-gone of the no-shows (Run recalls once).
func Replay(ctx context.Context, src reports.EventSource, office *queue.Office, date string) (*Day, error) {
	if office == nil || office.Location == nil {
		return nil, queue.Errorf(queue.EINVALID, "не задан офис или его часовой пояс", "no office or office time zone")
	}
	midnight, err := time.ParseInLocation(time.DateOnly, date, office.Location)
	if err != nil {
		return nil, queue.Errorf(queue.EINVALID, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", date)
	}
	f := &dayFacts{stages: map[string][]reports.Stage{}}
	if err := reports.NewReader(src, office).Facts(ctx, date, date, f); err != nil {
		return nil, fmt.Errorf("sim: replay %s: %w", date, err)
	}
	if len(f.issued) == 0 && len(f.work) == 0 {
		return nil, queue.Errorf(queue.ENOTFOUND, "в журнале нет ни талонов, ни открытых окон за %s", "the log has no tickets and no open windows on %s", date)
	}
	means := map[string]time.Duration{}
	for _, s := range office.Services {
		means[s.ID] = s.ServiceTime
	}
	mean := func(service string) time.Duration {
		if m, ok := means[service]; ok {
			return m
		}
		return 15 * time.Minute // a service since removed from the config
	}

	d := &Day{Date: date, WalkUp: median(f.walkUps, DefaultWalkUp), NoShowWait: median(f.noShowWaits, DefaultNoShowWait)}
	for _, st := range f.issued {
		v := Visitor{At: st.QueuedAt, Service: st.Service, Priority: st.Priority, ServiceTime: mean(st.Service)}
		if st.Priority == queue.PriorityAppointment {
			v.Booked, v.Slot = true, st.Slot
		}
		if end, ok := f.decisive(st.Ticket); ok {
			switch {
			case end.End == string(queue.StatusNoShow):
				v.NoShow = true
			case !end.StartedAt.IsZero() && end.Ended():
				v.ServiceTime = max(end.ServiceTime, time.Second)
			}
		}
		if v.Booked && v.Slot.IsZero() {
			// A check-in whose slot the log does not give cannot be booked
			// again: the visitor comes as a live one.
			v.Booked, v.Priority = false, queue.PriorityNormal
		}
		d.Visitors = append(d.Visitors, v)
	}
	for _, a := range f.missed {
		if a.Slot.IsZero() {
			continue // booked before the log begins: no slot to book again
		}
		d.Visitors = append(d.Visitors, Visitor{At: a.Slot, Service: a.Service, Priority: queue.PriorityAppointment,
			Slot: a.Slot, Booked: true, Missing: true, ServiceTime: mean(a.Service)})
	}
	if d.Visitors == nil {
		d.Visitors = []Visitor{} // a day nobody came is still a replay: nothing is drawn
	}

	for _, w := range f.work {
		if w.Kind != reports.WorkSignedIn || !w.To.After(w.From) {
			continue // a window opened and closed at once did no work
		}
		sh := Shift{Window: w.Window, Operator: w.Operator,
			Span: Span{From: Clock(w.From.Sub(midnight)), To: Clock(w.To.Sub(midnight))}}
		for _, b := range f.work {
			if b.Kind != reports.WorkBreak || b.Window != w.Window || b.Operator != w.Operator ||
				b.From.Before(w.From) || b.From.After(w.To) {
				continue
			}
			minutes := int(math.Round(b.To.Sub(b.From).Minutes()))
			sh.Breaks = append(sh.Breaks, Break{At: Clock(b.From.Sub(midnight)), Minutes: min(max(minutes, 1), queue.MaxBreakMinutes)})
		}
		d.Staff = append(d.Staff, sh)
	}
	slices.SortStableFunc(d.Staff, func(a, b Shift) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Window, b.Window)) })
	if err := d.check(office); err != nil {
		return nil, fmt.Errorf("sim: replay %s: %w", date, err)
	}
	return d, nil
}

// dayFacts collects what Replay needs of a day's facts.
type dayFacts struct {
	reports.NoFacts
	issued  []reports.Stage            // first stages as issued, in log order
	stages  map[string][]reports.Stage // ticket → its stages as they ended, in order
	work    []reports.Work
	missed  []reports.AppointmentFact
	walkUps []time.Duration // call to start, served at the first call
	// noShowWaits are halves of call to gone: Run waits NoShowWait before
	// its one recall and as long after it.
	noShowWaits []time.Duration
}

func (f *dayFacts) Issued(st reports.Stage) { f.issued = append(f.issued, st) }

func (f *dayFacts) StageEnded(st reports.Stage) {
	f.stages[st.Ticket] = append(f.stages[st.Ticket], st)
	switch {
	case !st.StartedAt.IsZero() && st.Recalls == 0:
		f.walkUps = append(f.walkUps, st.StartedAt.Sub(st.CalledAt))
	case st.End == string(queue.StatusNoShow) && st.Ended():
		f.noShowWaits = append(f.noShowWaits, st.EndedAt.Sub(st.CalledAt)/2)
	}
}

func (f *dayFacts) Work(w reports.Work) { f.work = append(f.work, w) }

func (f *dayFacts) Appointment(a reports.AppointmentFact) {
	if a.Type == queue.EventAppointmentMissed {
		f.missed = append(f.missed, a)
	}
}

// decisive is the stage that tells how ticket's visit went at its first
// window: its first stage, or the stage a postponement of it led to.
func (f *dayFacts) decisive(ticket string) (reports.Stage, bool) {
	stages := f.stages[ticket]
	for i, st := range stages {
		if st.End == string(queue.StatusPostponed) && i+1 < len(stages) {
			continue
		}
		return st, true
	}
	return reports.Stage{}, false
}

// median is the median of ds, def when there are none.
func median(ds []time.Duration, def time.Duration) time.Duration {
	if len(ds) == 0 {
		return def
	}
	s := slices.Sorted(slices.Values(ds))
	return max(s[(len(s)-1)/2], 0)
}

// maxAddWindows bounds AddWindows: more is a typo, not a question.
const maxAddWindows = 50

// AddWindows asks what the day would have been with n more windows open:
// it adds shifts to d's Staff and returns the office to run d in, a copy
// of office with what it had to add.
//
// The windows added are, first, the office's windows nobody worked at
// that day, by number; past those, new windows numbered after the last,
// serving every service at level 1. Each is staffed for the day's whole
// working span, from the earliest shift's start to the latest one's end,
// with a 30-minute lunch at the middle of the span (the added windows
// half an hour apart), as an extra operator would have. The engine opens
// a window only for a known operator who is not at another window: an
// operator of the office who did not work that day takes it, and when
// there are none left, a new operator added to the copy (sim1, sim2, …).
//
// With n < 0 the |n| windows worked the fewest hours that day are left
// closed, all their shifts removed, except a window whose closing would
// leave a service the day had open without any window: a window no other
// one stands in for stays open, and if too few windows can close,
// AddWindows refuses.
func (d *Day) AddWindows(office *queue.Office, n int) (*queue.Office, error) {
	if office == nil {
		return nil, queue.Errorf(queue.EINVALID, "не задан офис", "no office")
	}
	cp := *office
	cp.Windows = slices.Clone(office.Windows)
	cp.Operators = slices.Clone(office.Operators)
	if n > maxAddWindows || n < -maxAddWindows {
		return nil, queue.Errorf(queue.EINVALID, "окон %+d: можно добавить или убрать не больше %d", "%+d windows: at most %d may be added or removed", n, maxAddWindows)
	}
	if len(d.Staff) == 0 {
		return nil, queue.Errorf(queue.EINVALID, "в этот день не было открыто ни одного окна", "no window was open that day")
	}
	if n < 0 {
		return &cp, d.closeWindows(&cp, -n)
	}
	span := d.Staff[0].Span
	open := map[int]bool{}
	working := map[string]bool{}
	for _, sh := range d.Staff {
		span.From, span.To = min(span.From, sh.From), max(span.To, sh.To)
		open[sh.Window] = true
		working[sh.login()] = true
	}
	var idle []string
	for _, o := range cp.Operators {
		if o.Role == queue.RoleOperator && !working[o.Login] {
			idle = append(idle, o.Login)
		}
	}
	logins := map[string]bool{}
	for _, o := range cp.Operators {
		logins[o.Login] = true
	}
	operator := func() string {
		if len(idle) > 0 {
			login := idle[0]
			idle = idle[1:]
			return login
		}
		k := 1
		for logins[fmt.Sprintf("sim%d", k)] {
			k++
		}
		login := fmt.Sprintf("sim%d", k)
		logins[login] = true
		cp.Operators = append(cp.Operators, queue.Operator{Login: login, Role: queue.RoleOperator,
			Name: fmt.Sprintf("Дополнительный сотрудник %d", k), Position: "моделирование"})
		return login
	}
	added := 0
	add := func(window int) {
		sh := Shift{Window: window, Operator: operator(), Span: span}
		if lunch := span.From + (span.To-span.From)/2 + Clock(time.Duration(added)*30*time.Minute); span.To-span.From >= Clock(6*time.Hour) && lunch+Clock(30*time.Minute) <= span.To {
			sh.Breaks = []Break{{At: lunch, Minutes: 30}}
		}
		d.Staff = append(d.Staff, sh)
		added++
	}
	numbers := make([]int, 0, len(cp.Windows))
	for _, w := range cp.Windows {
		numbers = append(numbers, w.Number)
	}
	slices.Sort(numbers)
	for _, w := range numbers {
		if added < n && !open[w] {
			add(w)
		}
	}
	all := make(queue.ServiceLevels, 0, len(cp.Services))
	for _, s := range cp.Services {
		all = append(all, queue.WindowService{Service: s.ID, Level: 1})
	}
	last := 0
	if len(numbers) > 0 {
		last = numbers[len(numbers)-1]
	}
	for added < n {
		last++
		cp.Windows = append(cp.Windows, queue.Window{Number: last, Services: slices.Clone(all)})
		add(last)
	}
	return &cp, nil
}

// login is who works the shift: its operator, or the window's usual one
// (Run's default).
func (sh Shift) login() string {
	if sh.Operator != "" {
		return sh.Operator
	}
	return fmt.Sprintf("op%d", sh.Window)
}

// closeWindows leaves k of d's windows closed: the ones worked the fewest
// hours, the higher number first among equals, as long as every service
// one of d's windows served keeps a window.
func (d *Day) closeWindows(office *queue.Office, k int) error {
	serves := map[int]queue.ServiceLevels{}
	for _, w := range office.Windows {
		serves[w.Number] = w.Services
	}
	hours := map[int]Clock{}
	for _, sh := range d.Staff {
		hours[sh.Window] += sh.To - sh.From
	}
	order := slices.Collect(maps.Keys(hours))
	slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(hours[a], hours[b]), cmp.Compare(b, a)) })
	if k >= len(order) {
		return queue.Errorf(queue.EINVALID, "в этот день работало окон: %d — закрыть %d нельзя", "%d windows worked that day: %d cannot close", len(order), k)
	}
	// covered counts, per service, the open windows serving it.
	covered := map[string]int{}
	for _, w := range order {
		for _, ws := range serves[w] {
			covered[ws.Service]++
		}
	}
	closed := map[int]bool{}
	for _, w := range order {
		if len(closed) == k {
			break
		}
		alone := false
		for _, ws := range serves[w] {
			alone = alone || covered[ws.Service] == 1
		}
		if alone {
			continue
		}
		for _, ws := range serves[w] {
			covered[ws.Service]--
		}
		closed[w] = true
	}
	if len(closed) < k {
		return queue.Errorf(queue.ECONFLICT, "закрыть можно только %d окон: у остальных услуги, которые больше никто не ведёт",
			"only %d windows can close: the others serve services no other window does", len(closed))
	}
	d.Staff = slices.DeleteFunc(d.Staff, func(sh Shift) bool { return closed[sh.Window] })
	return nil
}
