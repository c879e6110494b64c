// Package sim simulates working days of an office on the real domain: the
// visitors of a Day take tickets, operators call, serve, take breaks and
// go home, all as commands to a queue.Engine whose clock is the
// simulation's. Nothing of the queue's logic is copied here: what the
// dispatcher, the wait prediction, the breaks rules and the appointments
// do in a simulated day is what they do in the office.
//
// A run is deterministic: the same office, day and seed give the same
// day, event by event. Everything chance decides about a visitor (when
// they come, for what, how long they take, whether they turn up when
// called) is drawn before the day runs, so two runs of the same day under
// two dispatch policies meet the same visitors.
package sim

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"eq/queue"
	"eq/reports"
)

// Result is what a simulated day did.
type Result struct {
	Date    string
	Report  *reports.Report // the day's figures, by service
	Tickets []Ticket        // every ticket, in issue order
	// Refused counts visitors the office turned away at the kiosk (the
	// service was closed for the day, issue had stopped).
	Refused int
	// BreaksRefused counts planned breaks the rules did not allow.
	BreaksRefused int
	// Logged is how many events the day logged.
	Logged int

	log *memLog
}

// Ticket is one ticket of a simulated day: what the kiosk printed and
// what came of it.
type Ticket struct {
	ID        string         `json:"id"`
	Number    string         `json:"number"`
	Service   string         `json:"service"`
	Priority  queue.Priority `json:"priority"`
	IssuedAt  time.Time      `json:"issued_at"`
	Predicted time.Duration  `json:"predicted_ns"` // the wait printed on the ticket
	// Waited runs from the issue to the first call; for a ticket never
	// called, to the end of the day.
	Waited time.Duration `json:"waited_ns"`
	Called bool          `json:"called"`
}

// Events gives the simulated day's event log, for reports of other kinds
// and for saving.
func (r *Result) Events(ctx context.Context, fromDay, toDay string, fn func(queue.Event) error) error {
	return r.log.Events(ctx, fromDay, toDay, fn)
}

// PredictionError is the mean absolute error of the waits printed on
// live tickets against the waits that followed, over the tickets called,
// and how many tickets it is over. Check-ins are left out: their wait
// counts from their slot, not from the print.
func (r *Result) PredictionError() (mae time.Duration, n int) {
	var sum time.Duration
	for _, t := range r.Tickets {
		if !t.Called || t.Priority == queue.PriorityAppointment {
			continue
		}
		sum += (t.Predicted - t.Waited).Abs()
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return sum / time.Duration(n), n
}

// Defaults of a Day's behaviour: the walk-up for day specs that name
// none, the others for a Day's zero fields.
const (
	DefaultWalkUp     = 40 * time.Second
	DefaultNoShowWait = time.Minute
	DefaultEarly      = 10 * time.Minute
	tickEvery         = time.Minute
	breakReason       = "перерыв по графику"
)

// Run simulates day in office. office is the real config's; set its
// Dispatch to try another policy.
func Run(ctx context.Context, office *queue.Office, day *Day) (*Result, error) {
	if err := day.check(office); err != nil {
		return nil, err
	}
	date, err := time.ParseInLocation(time.DateOnly, day.Date, office.Location)
	if err != nil {
		return nil, err
	}
	r := &run{office: office, day: day, date: date, log: &memLog{}, res: &Result{Date: day.Date},
		byTicket: map[string]int{}, called: map[string]time.Time{}}
	r.res.log = r.log
	r.walkUp, r.noShowWait = day.WalkUp, orDefault(day.NoShowWait, DefaultNoShowWait)
	state, err := queue.NewState(office)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	r.engine = queue.NewEngine(state, r.log, queue.ClockFunc(func() time.Time { return r.now }), nil)
	// Booking codes come from the seed too: the dispatcher breaks ties
	// between equal deadlines by ticket id, and the predictor's id for a
	// booked visitor still to come is made from the code, so secure random
	// codes would make two runs of one seed differ.
	codes := rand.New(rand.NewPCG(day.Seed, 3))
	r.engine.SetCodes(func() string { return fmt.Sprintf("%06d", 100000+codes.IntN(900000)) })

	if err := r.book(ctx); err != nil {
		return nil, err
	}
	r.now = r.dayStart()
	if _, err := r.engine.OpenDay(ctx, queue.Actor{}, day.Date); err != nil {
		return nil, fmt.Errorf("sim: open %s: %w", day.Date, err)
	}
	if day.Visitors != nil {
		for _, v := range day.Visitors {
			if !v.Booked { // the booked ones are in r.appts, with their codes
				r.visitors = append(r.visitors, v)
			}
		}
	} else {
		r.visitors = r.drawVisitors()
	}
	r.visitors = append(r.visitors, r.appts...)
	slices.SortStableFunc(r.visitors, func(a, b Visitor) int { return a.At.Compare(b.At) })
	for i, v := range r.visitors {
		if v.Booked {
			if !v.Missing {
				r.schedule(v.At, checkIn, 0, i)
			}
			continue
		}
		r.schedule(v.At, arrive, 0, i)
	}
	for i, sh := range day.Staff {
		op := sh.Operator
		if op == "" {
			op = fmt.Sprintf("op%d", sh.Window)
		}
		r.posts = append(r.posts, &post{shift: sh, operator: op})
		r.schedule(sh.From.on(date), shiftStart, i, -1)
		r.schedule(sh.To.on(date), shiftEnd, i, -1)
		for _, b := range sh.Breaks {
			r.schedule(b.At.on(date), breakDue, i, b.Minutes)
		}
	}
	r.schedule(r.now.Add(tickEvery), tick, 0, 0)

	for r.events.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ev := heap.Pop(&r.events).(simEvent)
		if ev.kind == tick && r.events.Len() == 0 {
			break // nothing left but the clock
		}
		r.now = ev.at
		if err := r.handle(ctx, ev); err != nil {
			return nil, fmt.Errorf("sim: %s at %s: %w", ev.kind, ev.at.In(office.Location).Format("15:04:05"), err)
		}
	}
	if _, err := r.engine.CloseDay(ctx, queue.Actor{}); err != nil {
		return nil, fmt.Errorf("sim: close the day: %w", err)
	}
	for i := range r.res.Tickets {
		t := &r.res.Tickets[i]
		if at, ok := r.called[t.ID]; ok {
			t.Called, t.Waited = true, at.Sub(t.IssuedAt)
		} else {
			t.Waited = r.now.Sub(t.IssuedAt)
		}
	}
	r.res.Logged = len(r.log.events)
	rep, err := reports.NewReader(r.log, office).Report(ctx, day.Date, day.Date, reports.ByService)
	if err != nil {
		return nil, fmt.Errorf("sim: report: %w", err)
	}
	r.res.Report = rep
	return r.res, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// run is one simulated day in progress.
type run struct {
	office *queue.Office
	day    *Day
	date   time.Time // the day's midnight in the office's zone
	engine *queue.Engine
	log    *memLog
	now    time.Time
	events eventHeap
	seq    int

	walkUp, noShowWait time.Duration
	visitors           []Visitor
	appts              []Visitor // booked visitors, made by book
	posts              []*post
	byTicket           map[string]int // ticket id → visitor
	called             map[string]time.Time
	res                *Result
}

// post is one shift at its window, as the simulation drives it.
type post struct {
	shift     Shift
	operator  string
	open      bool
	ticket    string // the ticket at the window, "" when free
	visitor   int
	onBreak   bool
	breakDue  int // minutes of a break due once the visitor leaves; 0: none
	closeDue  bool
	idleSince time.Time
}

// dayStart is when the day's commands begin: an hour before the first
// thing that happens, so the opening is not mistaken for activity.
func (r *run) dayStart() time.Time {
	first := r.date.Add(24 * time.Hour)
	earlier := func(t time.Time) {
		if t.Before(first) {
			first = t
		}
	}
	for _, sh := range r.day.Staff {
		earlier(sh.From.on(r.date))
	}
	for _, v := range r.day.Visitors {
		earlier(v.At)
	}
	if h := r.hours(); len(h) > 0 {
		earlier(h[0].From.on(r.date))
	}
	if first = first.Add(-time.Hour); first.Before(r.date) {
		return r.date
	}
	return first
}

// hours are the stretches of the day when live visitors come: Day.Hours,
// or the schedule's hours up to the end of ticket issue, or 08:00–20:00
// for an office that never closes.
func (r *run) hours() []Span {
	if r.day.Hours.To > r.day.Hours.From {
		return []Span{r.day.Hours}
	}
	sc := r.office.Schedule
	if sc == nil {
		return []Span{{From: Clock(8 * time.Hour), To: Clock(20 * time.Hour)}}
	}
	h := sc.Hours(r.date)
	var out []Span
	for i, iv := range h {
		to := iv.To
		if i == len(h)-1 {
			to -= sc.StopIssue
		}
		if to > iv.From {
			out = append(out, Span{From: Clock(iv.From), To: Clock(to)})
		}
	}
	return out
}

// drawVisitors draws the day's live visitors: a Poisson stream per
// service, its rate changing by the hour.
func (r *run) drawVisitors() []Visitor {
	rng := rand.New(rand.NewPCG(r.day.Seed, 1))
	var out []Visitor
	means := map[string]time.Duration{}
	for _, s := range r.office.Services {
		means[s.ID] = s.ServiceTime
	}
	for _, s := range r.office.Services { // config order: the draws do not depend on map order
		rate := r.day.Arrivals[s.ID]
		if rate <= 0 {
			continue
		}
		dist, ok := r.day.Service[s.ID]
		if !ok {
			dist = r.day.Default
		}
		for _, span := range r.hours() {
			// Thinning: draw at the highest hourly rate and keep each
			// arrival with its hour's share of it.
			peak := 0.0
			for h := time.Duration(span.From).Hours(); h < time.Duration(span.To).Hours(); h++ {
				peak = max(peak, r.profile(int(h)))
			}
			if peak == 0 {
				continue
			}
			perSecond := rate * peak / 3600
			t := span.From.on(r.date)
			end := span.To.on(r.date)
			for {
				t = t.Add(time.Duration(rng.ExpFloat64() / perSecond * float64(time.Second)))
				if !t.Before(end) {
					break
				}
				keep := rng.Float64() < r.profile(t.In(r.office.Location).Hour())/peak
				v := Visitor{At: t, Service: s.ID, Priority: queue.PriorityNormal,
					ServiceTime: dist.draw(rng, means[s.ID])}
				if rng.Float64() < r.day.Privileged {
					v.Priority = queue.PriorityPrivileged
				}
				v.NoShow = rng.Float64() < r.day.NoShow
				if keep { // every draw above is made either way: the stream does not shift
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func (r *run) profile(hour int) float64 {
	if f, ok := r.day.Profile[hour]; ok {
		return f
	}
	return 1
}

// book books the day's appointments the day before, as staff would for
// visitors: the booked visitors of a replayed day at their slots, or Fill
// of each bookable service's places, chosen by chance.
func (r *run) book(ctx context.Context) error {
	r.now = r.date.Add(-12 * time.Hour)
	staff := queue.Actor{Login: "sim", Role: queue.RoleManager}
	place := func(v Visitor) error {
		a, err := r.engine.Book(ctx, queue.BookRequest{Service: v.Service, Start: v.Slot, Source: queue.SourceStaff, Actor: staff})
		if err != nil {
			return fmt.Errorf("sim: book %s at %s: %w", v.Service, v.Slot.In(r.office.Location).Format("15:04"), err)
		}
		v.Code = a.Code
		r.appts = append(r.appts, v)
		return nil
	}
	if r.day.Visitors != nil {
		for _, v := range r.day.Visitors {
			if v.Booked {
				if err := place(v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if r.day.Fill == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(r.day.Seed, 2))
	early := orDefault(r.day.Early, DefaultEarly)
	for _, s := range r.office.Services {
		if s.Booking == nil {
			continue
		}
		slots, err := r.engine.Slots(s.ID, r.day.Date)
		if err != nil {
			return fmt.Errorf("sim: slots of %s: %w", s.ID, err)
		}
		dist, ok := r.day.Service[s.ID]
		if !ok {
			dist = r.day.Default
		}
		for _, sl := range slots {
			for range sl.Free {
				// Every draw is made for every place, booked or not, so
				// that one setting changed does not shift the rest.
				book := rng.Float64() < r.day.Fill
				v := Visitor{Service: s.ID, Priority: queue.PriorityAppointment, Slot: sl.Start, Booked: true,
					Missing:     rng.Float64() < r.day.ApptNoShow,
					At:          sl.Start.Add(-time.Duration(rng.Float64() * float64(early))),
					ServiceTime: dist.draw(rng, s.ServiceTime)}
				if book {
					if err := place(v); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
