package reports

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"eq/queue"
)

// EventSource gives the events of the working days fromDay to toDay in log
// order, and the appointment events of slots on those days wherever they
// were logged. *store.Store is one.
type EventSource interface {
	Events(ctx context.Context, fromDay, toDay string, fn func(queue.Event) error) error
}

// GroupBy is what a report's rows are.
type GroupBy string

// Groupings.
const (
	ByDay      GroupBy = "day"      // the working day
	ByHour     GroupBy = "hour"     // the hour of the day, over all days of the period
	ByService  GroupBy = "service"  // the service of the stage
	ByWindow   GroupBy = "window"   // the window that called the visitor
	ByOperator GroupBy = "operator" // the operator who called the visitor
)

// GroupBys lists the groupings, for clients that offer a choice.
var GroupBys = []GroupBy{ByDay, ByHour, ByService, ByWindow, ByOperator}

// ParseGroupBy reads a grouping's name; "" is ByDay.
func ParseGroupBy(s string) (GroupBy, error) {
	if s == "" {
		return ByDay, nil
	}
	if g := GroupBy(s); slices.Contains(GroupBys, g) {
		return g, nil
	}
	return "", queue.Errorf(queue.EINVALID, "неизвестная группировка %q (day, hour, service, window, operator)",
		"unknown grouping %q (day, hour, service, window, operator)", s)
}

// MaxBreaches is how many breaches a report lists: a month of a badly
// understaffed office; BreachesTotal still counts them all.
const MaxBreaches = 10_000

// Report holds every figure of a period, one row per group and a total.
// Durations are in seconds (the _s fields), shares are fractions of 1.
type Report struct {
	From       string  `json:"from"`
	To         string  `json:"to"`
	By         GroupBy `json:"by"`
	BreakLimit float64 `json:"break_limit_s"` // the daily break limit of the office
	// BookedTarget is the wait target of visitors checked in by
	// appointment (SLA's Booked…), counted from the slot start or the
	// check-in, whichever is later; the others have their service's.
	BookedTarget float64 `json:"booked_target_s"`

	Attendance   []Attendance   `json:"attendance"`
	Waits        []Times        `json:"waits"`
	SLA          []SLA          `json:"sla"`
	Breaches     []Breach       `json:"breaches"`       // in queue order, the first MaxBreaches
	BreachesAll  int            `json:"breaches_total"` // all of them
	Operators    []Workload     `json:"operators"`
	Appointments []Appointments `json:"appointments"`
	Queue        []QueueLength  `json:"queue"`
	Ratings      []Ratings      `json:"ratings"`
	Total        Totals         `json:"total"`

	office *queue.Office
}

// Totals are the figures of the whole period, all groups together.
type Totals struct {
	Attendance   Attendance   `json:"attendance"`
	Waits        Times        `json:"waits"`
	SLA          SLA          `json:"sla"`
	Operators    Workload     `json:"operators"` // all operators together
	Appointments Appointments `json:"appointments"`
	Queue        QueueLength  `json:"queue"`
	Ratings      Ratings      `json:"ratings"`
}

// Attendance counts visits and how their stages ended. Issued is counted
// in the group of the ticket's issue (no window, no operator yet); the
// endings in the group of the stage. A forwarded visitor has a stage per
// queue, so a visit may count in Forwarded and then in Served.
type Attendance struct {
	Key         string `json:"key"`
	Issued      int    `json:"issued"`      // tickets: Live + Appointment
	Live        int    `json:"live"`        // came without an appointment
	Privileged  int    `json:"privileged"`  // of Live, served first (e.g. disabled visitors)
	Appointment int    `json:"appointment"` // checked in by appointment
	Served      int    `json:"served"`      // stages finished with any outcome, refusals included
	NoShow      int    `json:"no_show"`
	Cancelled   int    `json:"cancelled"`
	Forwarded   int    `json:"forwarded"`  // stages ended by a forward to another queue, window or operator
	Postponed   int    `json:"postponed"`  // stages ended by a postponement
	NotServed   int    `json:"not_served"` // still open when the day was closed
	Open        int    `json:"open"`       // still open when the events ran out (today, in progress)
}

// Times are the times of a group's stages, stage by stage of a visit:
// the wait (issue or queueing to the call), the walk to the window (call
// to the start of service) and the service (start to end). Waits are of
// called stages; walks of stages whose service started; service times of
// stages whose service started and ended: served, forwarded, or cut by the
// day's close. A visitor called and never started (a no-show, a
// postponement) has a wait but no walk. Median and P90 interpolate between
// ranks as spreadsheets' MEDIAN and PERCENTILE.INC do.
type Times struct {
	Key           string  `json:"key"`
	Waits         int     `json:"waits"`
	WaitMean      float64 `json:"wait_mean_s"`
	WaitMedian    float64 `json:"wait_median_s"`
	WaitP90       float64 `json:"wait_p90_s"`
	WaitMax       float64 `json:"wait_max_s"`
	Walks         int     `json:"walks"`
	WalkMean      float64 `json:"walk_mean_s"`
	WalkMedian    float64 `json:"walk_median_s"`
	WalkP90       float64 `json:"walk_p90_s"`
	WalkMax       float64 `json:"walk_max_s"`
	Services      int     `json:"services"`
	ServiceMean   float64 `json:"service_mean_s"`
	ServiceMedian float64 `json:"service_median_s"`
	ServiceP90    float64 `json:"service_p90_s"`
	ServiceMax    float64 `json:"service_max_s"`
}

// SLA is how many stages kept the wait target. Judged are the stages
// called, plus those that left uncalled after the target had passed (see
// Stage.Judged); Share is Within / Judged.
type SLA struct {
	Key      string  `json:"key"`
	Judged   int     `json:"judged"`
	Within   int     `json:"within"`
	Breached int     `json:"breached"`
	Share    float64 `json:"share"`
	// The Booked… fields are the part of Judged, Within and Breached that
	// visitors checked in by appointment make, judged against the
	// appointment wait target (Report.BookedTarget), not the service's.
	BookedJudged   int     `json:"booked_judged"`
	BookedWithin   int     `json:"booked_within"`
	BookedBreached int     `json:"booked_breached"`
	BookedShare    float64 `json:"booked_share"` // BookedWithin / BookedJudged; 0 with none judged
}

// Breach is a stage that waited longer than its service's target.
type Breach struct {
	Day      string         `json:"day"`
	Ticket   string         `json:"ticket"`
	Number   string         `json:"number"`
	Service  string         `json:"service"`
	Priority queue.Priority `json:"priority"`
	QueuedAt time.Time      `json:"queued_at"`
	CalledAt time.Time      `json:"called_at,omitzero"` // zero: left uncalled
	Window   int            `json:"window,omitempty"`
	Operator string         `json:"operator,omitempty"`
	End      string         `json:"end"`
	Waited   float64        `json:"waited_s"`
	Target   float64        `json:"target_s"`
}

// Workload is an operator's work in a group: one row per group and
// operator (by operator, Key is the operator). Serving and signed-in time
// fall in the hours they were spent in; Served counts where the service
// ended. By service, signed-in time and breaks cannot be told apart by
// service and are 0.
type Workload struct {
	Key         string  `json:"key"`
	Operator    string  `json:"operator"`
	Served      int     `json:"served"`      // services finished with an outcome
	Serving     float64 `json:"serving_s"`   // at the window with a visitor, forwarded ones included
	SignedIn    float64 `json:"signed_in_s"` // window open, breaks included
	Utilisation float64 `json:"utilisation"` // Serving / SignedIn; 0 when never signed in
	Break       float64 `json:"break_s"`
	// BreakDayMax is the most break time the operator took in one day,
	// among the days of the row, and DaysOverLimit how many of those days
	// passed the office's daily limit (45 min by the regulation).
	BreakDayMax   float64 `json:"break_day_max_s"`
	DaysOverLimit int     `json:"days_over_limit"`
	ServiceMean   float64 `json:"service_mean_s"` // mean time of the services ended in the row
	// Idle is the time the operator's window was open, not on a break and
	// with nobody called to it (see WorkIdle): from a finish, an opening
	// or a return from a break to the next call. IdleMean is Idle per
	// service ended in the row (the services ServiceMean is over), 0 when
	// none ended. By service, idle time is no service's and is only in
	// the total, like signed-in time.
	Idle     float64 `json:"idle_s"`
	IdleMean float64 `json:"idle_mean_s"`
	// BreakByReason splits Break by the office's break reasons, by id;
	// breaks for a reason not in the list (free text of older days, a
	// reason since removed) are under OtherBreakReason. Reasons with no
	// break time are absent.
	BreakByReason map[string]float64 `json:"break_by_reason_s,omitempty"`
}

// OtherBreakReason is the key of BreakByReason for breaks whose reason is
// not in the office's list; an underscore keeps it apart from config ids.
const OtherBreakReason = "_other"

// Appointments counts appointments by their slot: the day and hour of the
// slot, whenever they were booked, or its service; by window and operator
// there is only the total. Pending are booked and not yet checked in,
// cancelled or missed (slots still ahead, or today's).
type Appointments struct {
	Key       string `json:"key"`
	Booked    int    `json:"booked"`
	CheckedIn int    `json:"checked_in"`
	Missed    int    `json:"missed"`
	Cancelled int    `json:"cancelled"`
	Pending   int    `json:"pending"`
}

// QueueLength is how many visitors waited: Mean is over time (the area
// under the step function of QueueLevel divided by the time observed, from
// each day's first event to its last), Max the most at any moment. By day
// and hour it is the whole office's queue; by service, each service's;
// by window and operator there is only the total.
type QueueLength struct {
	Key      string  `json:"key"`
	Mean     float64 `json:"mean"`
	Max      int     `json:"max"`
	Observed float64 `json:"observed_s"`
}

// figures aggregates the facts of a Scan into a report's groups.
type figures struct {
	NoFacts
	office *queue.Office
	by     GroupBy
	limit  time.Duration

	groups   map[string]*group
	total    group
	work     map[workKey]*work
	allWork  work
	breaks   map[opDay]time.Duration // per operator and day, whatever the grouping
	breaches []Breach
	breached int
	lastHour hourCache
}

// hourCache is an hour hourSpan found: from from to next, its key.
type hourCache struct {
	key        string
	from, next time.Time
}

// group is one row of every figure but the operators'.
type group struct {
	att       Attendance
	waits     []time.Duration
	walks     []time.Duration
	services  []time.Duration
	sla       SLA
	appt      Appointments
	queueArea float64 // visitors × seconds
	queueSeen time.Duration
	queueMax  int
	queued    bool // any queue step at all
	rating    ratingSum
}

type workKey struct{ key, operator string }

type opDay struct{ operator, day string }

// work is one row of operator workload.
type work struct {
	served                 int // finished with an outcome
	serving, signedIn, brk time.Duration
	idle                   time.Duration
	brkBy                  map[string]time.Duration // brk by reason key (see Workload.BreakByReason)
	ended                  int                      // services ended here, forwards included, for the mean
	endedTime              time.Duration            // their service times
	days                   map[opDay]struct{}
	last                   opDay // the latest added to days: most facts repeat it
}

func newFigures(office *queue.Office, by GroupBy) *figures {
	limit := office.BreakLimit
	if limit <= 0 {
		limit = queue.DefaultBreakLimit
	}
	return &figures{office: office, by: by, limit: limit,
		groups: map[string]*group{}, work: map[workKey]*work{}, breaks: map[opDay]time.Duration{}}
}

func (f *figures) group(key string) *group {
	g, ok := f.groups[key]
	if !ok {
		g = &group{}
		f.groups[key] = g
	}
	return g
}

// stageKey is the group of a stage's facts: by day and hour, when it
// joined the queue.
func (f *figures) stageKey(st *Stage) string {
	switch f.by {
	case ByHour:
		key, _ := f.hour(st.QueuedAt)
		return key
	case ByService:
		return st.Service
	case ByWindow:
		return windowKey(st.Window)
	case ByOperator:
		return st.Operator
	}
	return st.Day
}

// hourKeys are the hours' keys, made once: a year's report asks for
// millions of them.
var hourKeys = func() (keys [24]string) {
	for h := range keys {
		keys[h] = fmt.Sprintf("%02d", h)
	}
	return keys
}()

// hour is hourSpan in the office's zone, remembering the last hour
// found: facts come in time order, most in the hour of the one before.
func (f *figures) hour(t time.Time) (string, time.Time) {
	if c := &f.lastHour; c.key == "" || t.Before(c.from) || !t.Before(c.next) {
		// Every instant from t to next is in the same hour: next is the
		// hour's end or a change of the zone's offset, whichever is first.
		key, next := hourSpan(t, f.office.Location)
		*c = hourCache{key: key, from: t, next: next}
	}
	return f.lastHour.key, f.lastHour.next
}

// hourSpan is the key of t's hour in loc and when the next hour starts.
// Moving by the zone's offset finds the next full hour on the wall; a
// change of offset before it (summer time) ends the span there, and the
// next span goes on by the new offset.
func hourSpan(t time.Time, loc *time.Location) (string, time.Time) {
	l := t.In(loc)
	_, off := l.Zone()
	shift := time.Duration(off) * time.Second
	next := t.Add(shift).Truncate(time.Hour).Add(time.Hour - shift)
	if _, end := l.ZoneBounds(); !end.IsZero() && end.Before(next) {
		next = end
	}
	return hourKeys[l.Hour()], next
}

func windowKey(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (f *figures) Issued(st Stage) {
	for _, g := range []*group{f.group(f.stageKey(&st)), &f.total} {
		a := &g.att
		a.Issued++
		switch st.Priority {
		case queue.PriorityAppointment:
			a.Appointment++
		case queue.PriorityPrivileged:
			a.Live++
			a.Privileged++
		default:
			a.Live++
		}
	}
}

func (f *figures) StageEnded(st Stage) {
	for _, g := range []*group{f.group(f.stageKey(&st)), &f.total} {
		a := &g.att
		switch {
		case !st.Ended():
			a.Open++
		case st.Served():
			a.Served++
		case st.End == string(queue.StatusNoShow):
			a.NoShow++
		case st.End == string(queue.StatusCancelled):
			a.Cancelled++
		case st.End == "forwarded":
			a.Forwarded++
		case st.End == string(queue.StatusPostponed):
			a.Postponed++
		case st.End == string(queue.StatusNotServed):
			a.NotServed++
		}
		if st.Called() {
			g.waits = append(g.waits, st.Wait)
		}
		if st.Called() && !st.StartedAt.IsZero() {
			g.walks = append(g.walks, max(st.StartedAt.Sub(st.CalledAt), 0))
		}
		if st.Ended() && !st.StartedAt.IsZero() {
			g.services = append(g.services, st.ServiceTime)
		}
		if st.Judged() {
			g.sla.Judged++
			if st.Within() {
				g.sla.Within++
			} else {
				g.sla.Breached++
			}
			if st.Booked() {
				g.sla.BookedJudged++
				if st.Within() {
					g.sla.BookedWithin++
				} else {
					g.sla.BookedBreached++
				}
			}
		}
	}
	if st.Judged() && !st.Within() {
		f.breached++
		if len(f.breaches) < MaxBreaches {
			f.breaches = append(f.breaches, Breach{Day: st.Day, Ticket: st.Ticket, Number: st.Number, Service: st.Service,
				Priority: st.Priority, QueuedAt: st.QueuedAt, CalledAt: st.CalledAt, Window: st.Window, Operator: st.Operator,
				End: st.End, Waited: st.Wait.Seconds(), Target: st.Target.Seconds()})
		}
	}
	if st.Operator == "" || st.StartedAt.IsZero() {
		return
	}
	f.spread(st.Day, st.Window, st.Service, st.Operator, st.StartedAt, st.StartedAt.Add(st.ServiceTime),
		func(w *work, d time.Duration) { w.serving += d })
	if st.Ended() {
		f.spread(st.Day, st.Window, st.Service, st.Operator, st.EndedAt, st.EndedAt, func(w *work, _ time.Duration) {
			if st.Served() {
				w.served++
			}
			w.ended++
			w.endedTime += st.ServiceTime
		})
	}
}

func (f *figures) Work(wk Work) {
	add := func(w *work, d time.Duration) { w.signedIn += d }
	switch wk.Kind {
	case WorkIdle:
		add = func(w *work, d time.Duration) { w.idle += d }
	case WorkBreak:
		reason := OtherBreakReason
		if r, ok := f.office.BreakReasonOf(wk.Reason); ok {
			reason = r.ID
		}
		add = func(w *work, d time.Duration) {
			w.brk += d
			if w.brkBy == nil {
				w.brkBy = map[string]time.Duration{}
			}
			w.brkBy[reason] += d
		}
		f.breaks[opDay{wk.Operator, wk.Day}] += wk.To.Sub(wk.From)
	}
	if f.by == ByService {
		// Time at a window is not any one service's: only the total has it.
		f.allWork.on(wk.Operator, wk.Day)
		add(&f.allWork, wk.To.Sub(wk.From))
		return
	}
	f.spread(wk.Day, wk.Window, "", wk.Operator, wk.From, wk.To, add)
}

// spread hands the interval from..to of an operator's work to the rows it
// falls in, with the part of it in each: by hour, split at the hours; by
// anything else, whole. An empty interval reaches the row of its instant
// with 0, which is how counts find their row.
func (f *figures) spread(day string, window int, service, operator string, from, to time.Time, fn func(*work, time.Duration)) {
	row := func(key string, d time.Duration) {
		for _, w := range []*work{f.workRow(workKey{key, operator}), &f.allWork} {
			w.on(operator, day)
			fn(w, d)
		}
	}
	switch f.by {
	case ByHour:
		for t := from; ; {
			key, next := f.hour(t)
			if !next.Before(to) {
				row(key, to.Sub(t))
				return
			}
			row(key, next.Sub(t))
			t = next
		}
	case ByService:
		row(service, to.Sub(from))
	case ByWindow:
		row(windowKey(window), to.Sub(from))
	case ByOperator:
		row(operator, to.Sub(from))
	default:
		row(day, to.Sub(from))
	}
}

// on notes that the row has operator's work on day.
func (w *work) on(operator, day string) {
	k := opDay{operator, day}
	if w.days != nil && w.last == k {
		return
	}
	if w.days == nil {
		w.days = map[opDay]struct{}{}
	}
	w.days[k] = struct{}{}
	w.last = k
}

func (f *figures) workRow(k workKey) *work {
	w, ok := f.work[k]
	if !ok {
		w = &work{}
		f.work[k] = w
	}
	return w
}

func (f *figures) Appointment(a AppointmentFact) {
	key := ""
	switch f.by {
	case ByDay:
		key = a.Day
	case ByHour:
		if !a.Slot.IsZero() {
			key, _ = f.hour(a.Slot)
		}
	case ByService:
		key = a.Service
	}
	groups := []*group{&f.total}
	if f.by == ByDay || f.by == ByHour || f.by == ByService {
		// An appointment has no window or operator: by those, only the total.
		groups = append(groups, f.group(key))
	}
	for _, g := range groups {
		switch a.Type {
		case queue.EventAppointmentBooked:
			g.appt.Booked++
		case queue.EventAppointmentCheckedIn:
			g.appt.CheckedIn++
		case queue.EventAppointmentMissed:
			g.appt.Missed++
		case queue.EventAppointmentCancelled:
			g.appt.Cancelled++
		}
	}
}

func (f *figures) QueueLevel(q QueueLevel) {
	add := func(g *group, d time.Duration) {
		g.queued = true
		g.queueArea += float64(q.Waiting) * d.Seconds()
		g.queueSeen += d
		g.queueMax = max(g.queueMax, q.Waiting)
	}
	if q.Service != "" {
		if f.by == ByService {
			add(f.group(q.Service), q.To.Sub(q.From))
		}
		return
	}
	add(&f.total, q.To.Sub(q.From))
	switch f.by {
	case ByDay:
		add(f.group(q.Day), q.To.Sub(q.From))
	case ByHour:
		for t := q.From; ; {
			key, next := f.hour(t)
			if !next.Before(q.To) {
				add(f.group(key), q.To.Sub(t))
				break
			}
			add(f.group(key), next.Sub(t))
			t = next
		}
	}
}

// report makes the report's rows, in key order.
func (f *figures) report(from, to string) *Report {
	r := &Report{From: from, To: to, By: f.by, BreakLimit: f.limit.Seconds(), BookedTarget: f.office.ApptWaitTarget().Seconds(), office: f.office,
		Attendance: []Attendance{}, Waits: []Times{}, SLA: []SLA{}, Operators: []Workload{},
		Appointments: []Appointments{}, Queue: []QueueLength{}, Ratings: []Ratings{}}
	keys := make([]string, 0, len(f.groups))
	for k := range f.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, f.compareKeys)
	for _, k := range keys {
		g := f.groups[k]
		if a := g.attendance(k); a != (Attendance{Key: k}) {
			r.Attendance = append(r.Attendance, a)
		}
		if t := g.times(k); t.Waits+t.Walks+t.Services > 0 {
			r.Waits = append(r.Waits, t)
		}
		if s := g.slaRow(k); s.Judged > 0 {
			r.SLA = append(r.SLA, s)
		}
		if a := g.appointments(k); a != (Appointments{Key: k}) {
			r.Appointments = append(r.Appointments, a)
		}
		if g.queued {
			r.Queue = append(r.Queue, g.queue(k))
		}
		if g.rating.count > 0 {
			r.Ratings = append(r.Ratings, g.rating.row(k))
		}
	}
	r.Total = Totals{Attendance: f.total.attendance(""), Waits: f.total.times(""), SLA: f.total.slaRow(""),
		Appointments: f.total.appointments(""), Queue: f.total.queue(""), Ratings: f.total.rating.row(""),
		Operators: f.workload(workKey{}, &f.allWork)}

	wkeys := make([]workKey, 0, len(f.work))
	for k := range f.work {
		wkeys = append(wkeys, k)
	}
	slices.SortFunc(wkeys, func(a, b workKey) int {
		if c := f.compareKeys(a.key, b.key); c != 0 {
			return c
		}
		return f.compareOperators(a.operator, b.operator)
	})
	for _, k := range wkeys {
		r.Operators = append(r.Operators, f.workload(k, f.work[k]))
	}

	slices.SortStableFunc(f.breaches, func(a, b Breach) int { return a.QueuedAt.Compare(b.QueuedAt) })
	r.Breaches, r.BreachesAll = f.breaches, f.breached
	if r.Breaches == nil {
		r.Breaches = []Breach{}
	}
	return r
}

func (g *group) attendance(key string) Attendance {
	a := g.att
	a.Key = key
	return a
}

func (g *group) times(key string) Times {
	t := Times{Key: key}
	t.Waits, t.WaitMean, t.WaitMedian, t.WaitP90, t.WaitMax = summarize(g.waits)
	t.Walks, t.WalkMean, t.WalkMedian, t.WalkP90, t.WalkMax = summarize(g.walks)
	t.Services, t.ServiceMean, t.ServiceMedian, t.ServiceP90, t.ServiceMax = summarize(g.services)
	return t
}

func (g *group) slaRow(key string) SLA {
	s := g.sla
	s.Key = key
	if s.Judged > 0 {
		s.Share = float64(s.Within) / float64(s.Judged)
	}
	if s.BookedJudged > 0 {
		s.BookedShare = float64(s.BookedWithin) / float64(s.BookedJudged)
	}
	return s
}

func (g *group) appointments(key string) Appointments {
	a := g.appt
	a.Key = key
	a.Pending = max(a.Booked-a.CheckedIn-a.Missed-a.Cancelled, 0)
	return a
}

func (g *group) queue(key string) QueueLength {
	q := QueueLength{Key: key, Max: g.queueMax, Observed: g.queueSeen.Seconds()}
	if g.queueSeen > 0 {
		q.Mean = g.queueArea / g.queueSeen.Seconds()
	}
	return q
}

func (f *figures) workload(k workKey, w *work) Workload {
	wl := Workload{Key: k.key, Operator: k.operator, Served: w.served, Serving: w.serving.Seconds(),
		SignedIn: w.signedIn.Seconds(), Break: w.brk.Seconds(), Idle: w.idle.Seconds()}
	if w.signedIn > 0 {
		wl.Utilisation = w.serving.Seconds() / w.signedIn.Seconds()
	}
	if w.ended > 0 {
		wl.ServiceMean = w.endedTime.Seconds() / float64(w.ended)
		wl.IdleMean = w.idle.Seconds() / float64(w.ended)
	}
	for reason, d := range w.brkBy {
		if d > 0 {
			if wl.BreakByReason == nil {
				wl.BreakByReason = map[string]float64{}
			}
			wl.BreakByReason[reason] = d.Seconds()
		}
	}
	for d := range w.days {
		b := f.breaks[d]
		wl.BreakDayMax = max(wl.BreakDayMax, b.Seconds())
		if b > f.limit {
			wl.DaysOverLimit++
		}
	}
	return wl
}

// summarize gives the count, mean, median, 90th percentile and maximum of
// d in seconds, sorting d. The percentiles interpolate between the two
// nearest ranks: p of n sorted values is at rank p·(n−1), counted from 0.
func summarize(d []time.Duration) (n int, mean, median, p90, maximum float64) {
	if len(d) == 0 {
		return 0, 0, 0, 0, 0
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	n = len(d)
	return n, sum.Seconds() / float64(n), percentile(d, 0.5), percentile(d, 0.9), d[n-1].Seconds()
}

// percentile is the p-th quantile of sorted d in seconds.
func percentile(d []time.Duration, p float64) float64 {
	h := p * float64(len(d)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(d) {
		return d[lo].Seconds()
	}
	return d[lo].Seconds() + (h-float64(lo))*(d[lo+1].Seconds()-d[lo].Seconds())
}

// compareKeys orders group keys: dates and hours as written, windows by
// number, services and operators as the office lists them; the empty key
// (no window, no operator) last.
func (f *figures) compareKeys(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	switch f.by {
	case ByWindow:
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Compare(x, y)
	case ByService:
		return cmp.Or(cmp.Compare(f.serviceIndex(a), f.serviceIndex(b)), cmp.Compare(a, b))
	case ByOperator:
		return f.compareOperators(a, b)
	}
	return cmp.Compare(a, b)
}

func (f *figures) compareOperators(a, b string) int {
	return cmp.Or(cmp.Compare(f.operatorIndex(a), f.operatorIndex(b)), cmp.Compare(a, b))
}

func (f *figures) serviceIndex(id string) int {
	for i, s := range f.office.Services {
		if s.ID == id {
			return i
		}
	}
	return len(f.office.Services)
}

func (f *figures) operatorIndex(login string) int {
	for i, o := range f.office.Operators {
		if o.Login == login {
			return i
		}
	}
	return len(f.office.Operators)
}

// Column is one column of a table: Key names it in code and JSON,
// RU and EN in people's headers.
type Column struct {
	Key string `json:"key"`
	RU  string `json:"ru"`
	EN  string `json:"en"`
}

// Table is one figure as rows for renderers that know nothing of the
// figures: HTML, CSV, XLSX. A cell is a string, an int, a float64 (minutes
// and percentages, rounded to 0.1), a queue.Text (a name or a label in both
// languages: render the page's) or nil (no data: nothing to divide by).
// The last row of every table but breaches and staffing is the total.
type Table struct {
	Name    string     `json:"name"`
	Title   queue.Text `json:"title"`
	Columns []Column   `json:"columns"`
	Rows    [][]any    `json:"rows"`
}

// TableNames lists the tables of a report, in the order pages show them.
var TableNames = []string{"attendance", "waits", "sla", "breaches", "operators", "appointments", "queue", "ratings"}

var totalLabel = queue.Text{RU: "Итого", EN: "Total"}

// Table returns the report's table name, one of TableNames.
func (r *Report) Table(name string) (Table, error) {
	switch name {
	case "attendance":
		return r.attendanceTable(), nil
	case "waits":
		return r.waitsTable(), nil
	case "sla":
		return r.slaTable(), nil
	case "breaches":
		return r.breachesTable(), nil
	case "operators":
		return r.operatorsTable(), nil
	case "appointments":
		return r.appointmentsTable(), nil
	case "queue":
		return r.queueTable(), nil
	case "ratings":
		return r.ratingsTable(), nil
	}
	return Table{}, queue.Errorf(queue.ENOTFOUND, "отчёта %q нет (%s)", "no report %q (%s)", name, fmt.Sprint(TableNames))
}

// keyColumns are the columns naming a row's group: the key, and for
// services and operators their names.
func (r *Report) keyColumns() []Column {
	cols := map[GroupBy]Column{
		ByDay:      {"day", "День", "Day"},
		ByHour:     {"hour", "Час", "Hour"},
		ByService:  {"service", "Услуга (код)", "Service (id)"},
		ByWindow:   {"window", "Окно", "Window"},
		ByOperator: {"operator", "Сотрудник (логин)", "Operator (login)"},
	}
	out := []Column{cols[r.By]}
	if r.By == ByService || r.By == ByOperator {
		out = append(out, Column{"name", "Название", "Name"})
		if r.By == ByOperator {
			out[1] = Column{"name", "ФИО", "Name"}
		}
	}
	return out
}

// keyCells are a row's key cells; key "" with isTotal is the total row.
func (r *Report) keyCells(key string, isTotal bool) []any {
	n := 1
	if r.By == ByService || r.By == ByOperator {
		n = 2
	}
	cells := make([]any, n)
	switch {
	case isTotal:
		cells[0] = totalLabel
	case key == "":
		cells[0] = r.noKey()
	case r.By == ByHour:
		cells[0] = key + ":00"
	case r.By == ByWindow:
		cells[0], _ = strconv.Atoi(key)
	default:
		cells[0] = key
	}
	if n == 2 && !isTotal && key != "" {
		if r.By == ByService {
			cells[1] = r.serviceName(key)
		} else {
			cells[1] = r.operatorName(key)
		}
	}
	return cells
}

// noKey labels the row of facts that have no group: visitors not called
// to any window, appointments without an hour.
func (r *Report) noKey() queue.Text {
	switch r.By {
	case ByWindow:
		return queue.Text{RU: "без окна", EN: "no window"}
	case ByOperator:
		return queue.Text{RU: "без сотрудника", EN: "no operator"}
	}
	return queue.Text{RU: "—", EN: "—"}
}

// rOffice is the office the report was computed for; a Report decoded
// from JSON has none, and its tables show ids and UTC times.
func (r *Report) rOffice() *queue.Office {
	if r.office == nil {
		return &queue.Office{Location: time.UTC}
	}
	return r.office
}

func (r *Report) serviceName(id string) queue.Text { return r.rOffice().ServiceName(id) }

func (r *Report) operatorName(login string) queue.Text {
	if o, ok := r.rOffice().Operator(login); ok && o.Name != "" {
		return queue.Text{RU: o.Name, EN: o.Name}
	}
	return queue.Text{RU: login, EN: login}
}

// inMinutes is seconds as minutes to 0.1.
func inMinutes(s float64) float64 { return math.Round(s/60*10) / 10 }

// inPercent is a share as a percentage to 0.1.
func inPercent(share float64) float64 { return math.Round(share*1000) / 10 }

func withKey(key []any, cells ...any) []any { return append(key, cells...) }

// grouped lays out one row per group, keyed by its key, then the total row.
func grouped[T any](r *Report, rows []T, total T, key func(T) string, cells func(T) []any) [][]any {
	out := make([][]any, 0, len(rows)+1)
	for _, row := range rows {
		out = append(out, withKey(r.keyCells(key(row), false), cells(row)...))
	}
	return append(out, withKey(r.keyCells("", true), cells(total)...))
}

func (r *Report) attendanceTable() Table {
	t := Table{Name: "attendance", Title: queue.Text{RU: "Посещаемость", EN: "Attendance"},
		Columns: append(r.keyColumns(),
			Column{"issued", "Выдано талонов", "Tickets issued"},
			Column{"live", "В живую очередь", "Live queue"},
			Column{"privileged", "Из них льготных", "Of them privileged"},
			Column{"appointment", "По записи", "By appointment"},
			Column{"served", "Обслужено", "Served"},
			Column{"no_show", "Не явились", "No-shows"},
			Column{"cancelled", "Отменены", "Cancelled"},
			Column{"forwarded", "Перенаправлены", "Forwarded"},
			Column{"postponed", "Отложены", "Postponed"},
			Column{"not_served", "Не обслужены к закрытию", "Not served by closing"},
			Column{"open", "В работе", "In progress"})}
	t.Rows = grouped(r, r.Attendance, r.Total.Attendance, func(a Attendance) string { return a.Key }, func(a Attendance) []any {
		return []any{a.Issued, a.Live, a.Privileged, a.Appointment, a.Served, a.NoShow,
			a.Cancelled, a.Forwarded, a.Postponed, a.NotServed, a.Open}
	})
	return t
}

func (r *Report) waitsTable() Table {
	t := Table{Name: "waits", Title: queue.Text{RU: "Время ожидания и обслуживания", EN: "Waiting and service times"},
		Columns: append(r.keyColumns(),
			Column{"waits", "Вызвано", "Called"},
			Column{"wait_mean_min", "Ожидание: среднее, мин", "Wait: mean, min"},
			Column{"wait_median_min", "Ожидание: медиана, мин", "Wait: median, min"},
			Column{"wait_p90_min", "Ожидание: 90-й процентиль, мин", "Wait: 90th percentile, min"},
			Column{"wait_max_min", "Ожидание: максимум, мин", "Wait: max, min"},
			Column{"walks", "Подошли к окну", "Came to the window"},
			Column{"walk_mean_min", "Путь к окну: среднее, мин", "Walk to the window: mean, min"},
			Column{"walk_median_min", "Путь к окну: медиана, мин", "Walk to the window: median, min"},
			Column{"walk_p90_min", "Путь к окну: 90-й процентиль, мин", "Walk to the window: 90th percentile, min"},
			Column{"walk_max_min", "Путь к окну: максимум, мин", "Walk to the window: max, min"},
			Column{"services", "Обслуживаний", "Services"},
			Column{"service_mean_min", "Обслуживание: среднее, мин", "Service: mean, min"},
			Column{"service_median_min", "Обслуживание: медиана, мин", "Service: median, min"},
			Column{"service_p90_min", "Обслуживание: 90-й процентиль, мин", "Service: 90th percentile, min"},
			Column{"service_max_min", "Обслуживание: максимум, мин", "Service: max, min"})}
	stats := func(n int, vals ...float64) []any {
		out := []any{n}
		for _, v := range vals {
			if n == 0 {
				out = append(out, nil)
			} else {
				out = append(out, inMinutes(v))
			}
		}
		return out
	}
	t.Rows = grouped(r, r.Waits, r.Total.Waits, func(w Times) string { return w.Key }, func(w Times) []any {
		row := append(stats(w.Waits, w.WaitMean, w.WaitMedian, w.WaitP90, w.WaitMax),
			stats(w.Walks, w.WalkMean, w.WalkMedian, w.WalkP90, w.WalkMax)...)
		return append(row, stats(w.Services, w.ServiceMean, w.ServiceMedian, w.ServiceP90, w.ServiceMax)...)
	})
	return t
}

// slaTable names the booked visitors' target in their columns' titles:
// they are held to it, not to the service's, whatever the grouping.
func (r *Report) slaTable() Table {
	booked := strconv.FormatFloat(inMinutes(r.BookedTarget), 'f', -1, 64)
	t := Table{Name: "sla", Title: queue.Text{RU: "Соблюдение срока ожидания", EN: "Wait target kept"},
		Columns: append(r.keyColumns(),
			Column{"judged", "Учтено", "Counted"},
			Column{"within", "В пределах срока", "Within the target"},
			Column{"breached", "С превышением", "Over the target"},
			Column{"share_pct", "Доля в пределах срока, %", "Share within the target, %"},
			Column{"booked_judged", "Из них по записи (срок " + booked + " мин от начала записи)",
				"Of them by appointment (target " + booked + " min from the slot)"},
			Column{"booked_within", "По записи в пределах срока", "By appointment within the target"},
			Column{"booked_breached", "По записи с превышением", "By appointment over the target"},
			Column{"booked_share_pct", "Доля по записи в пределах срока, %", "Share by appointment within the target, %"})}
	t.Rows = grouped(r, r.SLA, r.Total.SLA, func(s SLA) string { return s.Key }, func(s SLA) []any {
		var share, bookedShare any
		if s.Judged > 0 {
			share = inPercent(s.Share)
		}
		if s.BookedJudged > 0 {
			bookedShare = inPercent(s.BookedShare)
		}
		return []any{s.Judged, s.Within, s.Breached, share, s.BookedJudged, s.BookedWithin, s.BookedBreached, bookedShare}
	})
	return t
}

func (r *Report) breachesTable() Table {
	t := Table{Name: "breaches", Title: queue.Text{RU: "Превышения срока ожидания", EN: "Wait target breaches"},
		Columns: []Column{
			{"day", "День", "Day"},
			{"number", "Талон", "Ticket"},
			{"service", "Услуга", "Service"},
			{"priority", "Категория", "Class"},
			{"queued_at", "В очереди с", "Queued at"},
			{"called_at", "Вызван", "Called at"},
			{"window", "Окно", "Window"},
			{"operator", "Сотрудник", "Operator"},
			{"waited_min", "Ждал, мин", "Waited, min"},
			{"target_min", "Срок, мин", "Target, min"},
			{"end", "Итог", "End"},
		}}
	loc := r.rOffice().Location
	for _, b := range r.Breaches {
		var called, window, operator any
		if !b.CalledAt.IsZero() {
			called = b.CalledAt.In(loc).Format("15:04")
		}
		if b.Window != 0 {
			window = b.Window
		}
		if b.Operator != "" {
			operator = r.operatorName(b.Operator)
		}
		t.Rows = append(t.Rows, []any{b.Day, b.Number, r.serviceName(b.Service), string(b.Priority),
			b.QueuedAt.In(loc).Format("15:04"), called, window, operator, inMinutes(b.Waited), inMinutes(b.Target), b.End})
	}
	return t
}

func (r *Report) operatorsTable() Table {
	cols := r.keyColumns()
	if r.By != ByOperator {
		cols = append(cols, Column{"operator", "Сотрудник (логин)", "Operator (login)"}, Column{"operator_name", "ФИО", "Name"})
	}
	t := Table{Name: "operators", Title: queue.Text{RU: "Загрузка сотрудников", EN: "Operator workload"},
		Columns: append(cols,
			Column{"served", "Обслужено", "Served"},
			Column{"serving_min", "Время обслуживания, мин", "Serving, min"},
			Column{"signed_in_min", "Время в окне, мин", "Signed in, min"},
			Column{"utilisation_pct", "Загрузка, %", "Utilisation, %"},
			Column{"break_min", "Перерывы, мин", "Breaks, min"},
			Column{"break_day_max_min", "Перерывы за день, максимум, мин", "Breaks in a day, max, min"},
			Column{"break_limit_min", "Норма перерывов за день, мин", "Daily break limit, min"},
			Column{"days_over_limit", "Дней сверх нормы", "Days over the limit"},
			Column{"service_mean_min", "Среднее время обслуживания, мин", "Mean service time, min"},
			Column{"idle_min", "Простой между обслуживаниями, мин", "Idle between services, min"},
			Column{"idle_mean_min", "Простой на одно обслуживание, мин", "Idle per service, min"})}
	reasons, reasonCols := r.breakReasonColumns()
	t.Columns = append(t.Columns, reasonCols...)
	add := func(key []any, w Workload) {
		var util, mean, idleMean any
		if w.SignedIn > 0 {
			util = inPercent(w.Utilisation)
		}
		if w.ServiceMean > 0 || w.Served > 0 {
			mean = inMinutes(w.ServiceMean)
			idleMean = inMinutes(w.IdleMean)
		}
		row := withKey(key, w.Served, inMinutes(w.Serving), inMinutes(w.SignedIn), util, inMinutes(w.Break),
			inMinutes(w.BreakDayMax), inMinutes(r.BreakLimit), w.DaysOverLimit, mean, inMinutes(w.Idle), idleMean)
		for _, reason := range reasons {
			row = append(row, inMinutes(w.BreakByReason[reason]))
		}
		t.Rows = append(t.Rows, row)
	}
	for _, w := range r.Operators {
		key := r.keyCells(w.Key, false)
		if r.By != ByOperator {
			key = append(key, w.Operator, r.operatorName(w.Operator))
		}
		add(key, w)
	}
	key := r.keyCells("", true)
	if r.By != ByOperator {
		key = append(key, nil, nil)
	}
	add(key, r.Total.Operators)
	return t
}

// breakReasonColumns are the operators table's columns of break minutes
// per reason, and the BreakByReason key of each: every reason the office
// lists, in its order, so the columns stay the same from report to report;
// then the other reasons, only when some break had one. A report decoded
// from JSON has no office: its columns are the reasons its rows hold.
func (r *Report) breakReasonColumns() ([]string, []Column) {
	seen := map[string]bool{}
	for _, w := range append(slices.Clone(r.Operators), r.Total.Operators) {
		for reason := range w.BreakByReason {
			seen[reason] = true
		}
	}
	other := seen[OtherBreakReason]
	delete(seen, OtherBreakReason) // it goes last, under its own title
	keys, cols := reasonColumns(r.rOffice().BreakReasons, seen, func(id string, name queue.Text) Column {
		return Column{"break_" + id + "_min", "Перерывы: " + name.RU + ", мин", "Breaks: " + name.EN + ", min"}
	})
	if other {
		keys = append(keys, OtherBreakReason)
		cols = append(cols, Column{"break_other_min", "Перерывы: прочие причины, мин", "Breaks: other reasons, min"})
	}
	return keys, cols
}

// reasonColumns are the columns of a list of reasons an office keeps, and
// the key of each: every listed reason in the office's order, then each
// reason in seen the list no longer has, by id, named by its id. column
// makes the column of one reason.
func reasonColumns(listed []queue.Reason, seen map[string]bool, column func(id string, name queue.Text) Column) ([]string, []Column) {
	var keys []string
	var cols []Column
	isListed := map[string]bool{}
	for _, reason := range listed {
		isListed[reason.ID] = true
		keys = append(keys, reason.ID)
		cols = append(cols, column(reason.ID, reason.Name))
	}
	var unlisted []string
	for reason := range seen {
		if !isListed[reason] {
			unlisted = append(unlisted, reason)
		}
	}
	slices.Sort(unlisted)
	for _, reason := range unlisted {
		keys = append(keys, reason)
		cols = append(cols, column(reason, queue.Text{RU: reason, EN: reason}))
	}
	return keys, cols
}

func (r *Report) appointmentsTable() Table {
	t := Table{Name: "appointments", Title: queue.Text{RU: "Предварительная запись", EN: "Appointments"},
		Columns: append(r.keyColumns(),
			Column{"booked", "Записано", "Booked"},
			Column{"checked_in", "Пришли", "Checked in"},
			Column{"missed", "Не пришли", "Missed"},
			Column{"cancelled", "Отменены", "Cancelled"},
			Column{"pending", "Ожидаются", "Pending"})}
	t.Rows = grouped(r, r.Appointments, r.Total.Appointments, func(a Appointments) string { return a.Key }, func(a Appointments) []any {
		return []any{a.Booked, a.CheckedIn, a.Missed, a.Cancelled, a.Pending}
	})
	return t
}

func (r *Report) queueTable() Table {
	t := Table{Name: "queue", Title: queue.Text{RU: "Длина очереди", EN: "Queue length"},
		Columns: append(r.keyColumns(),
			Column{"mean", "Ожидающих в среднем", "Waiting on average"},
			Column{"max", "Ожидающих максимум", "Waiting at most"},
			Column{"observed_min", "Время наблюдения, мин", "Observed, min"})}
	t.Rows = grouped(r, r.Queue, r.Total.Queue, func(q QueueLength) string { return q.Key }, func(q QueueLength) []any {
		var mean any
		if q.Observed > 0 {
			mean = math.Round(q.Mean*10) / 10
		}
		return []any{mean, q.Max, inMinutes(q.Observed)}
	})
	return t
}
