package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
	"eq/reports"
)

// testOffice has two services with different targets, one of them taking
// appointments, and two windows that cover each other at level 2.
func testOffice() *queue.Office {
	return &queue.Office{
		Name:       queue.Text{RU: "Тестовый МФЦ", EN: "Test centre"},
		Location:   time.UTC,
		LevelStep:  queue.DefaultLevelStep,
		BreakLimit: queue.DefaultBreakLimit,
		Checkin:    queue.CheckinRules{Early: queue.DefaultCheckinEarly, Late: queue.DefaultCheckinLate},
		Services: []queue.Service{
			{ID: "passport", Prefix: "П", Name: queue.Text{RU: "Паспорт", EN: "Passport"},
				WaitTarget: 15 * time.Minute, ServiceTime: 10 * time.Minute},
			{ID: "property", Prefix: "Н", Name: queue.Text{RU: "Недвижимость", EN: "Real estate"},
				WaitTarget: 20 * time.Minute, ServiceTime: 15 * time.Minute,
				Booking: &queue.Booking{Slot: 30 * time.Minute, Capacity: 2, Horizon: 30}},
		},
		Windows: []queue.Window{
			{Number: 1, Services: queue.ServiceLevels{{Service: "passport", Level: 1}, {Service: "property", Level: 2}}},
			{Number: 2, Services: queue.ServiceLevels{{Service: "property", Level: 1}, {Service: "passport", Level: 2}}},
		},
		Operators: []queue.Operator{
			{Login: "op1", Name: "Иванова Анна Сергеевна", Role: queue.RoleOperator},
			{Login: "op2", Name: "Петров Олег Ильич", Role: queue.RoleOperator},
			{Login: "boss", Name: "Кузнецова Ирина Олеговна", Role: queue.RoleManager},
		},
	}
}

// The scenario's day, and the days around it.
const (
	dayBefore = "2026-03-01"
	day       = "2026-03-02"
	dayAfter  = "2026-03-03"
)

// office drives an engine over a real store with a clock the test sets.
type office struct {
	t     *testing.T
	ctx   context.Context
	now   time.Time
	st    *store.Store
	eng   *queue.Engine
	codes []string
}

func newOffice(t *testing.T) *office {
	t.Helper()
	return newOfficeOf(t, testOffice())
}

// newOfficeOf is newOffice running the office description of.
func newOfficeOf(t *testing.T, of *queue.Office) *office {
	t.Helper()
	o := &office{t: t, ctx: context.Background()}
	st, err := store.Open(o.ctx, filepath.Join(t.TempDir(), "eq.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	state, err := queue.NewState(of)
	if err != nil {
		t.Fatal(err)
	}
	o.st = st
	o.eng = queue.NewEngine(state, st, queue.ClockFunc(func() time.Time { return o.now }), nil)
	o.eng.SetCodes(func() string {
		c := o.codes[0]
		o.codes = o.codes[1:]
		return c
	})
	return o
}

// at sets the clock to hh:mm of date.
func (o *office) at(date string, hm string) {
	t, err := time.Parse(time.DateOnly+" 15:04", date+" "+hm)
	if err != nil {
		o.t.Fatal(err)
	}
	o.now = t
}

func (o *office) book(code, date, hm, name string) {
	o.t.Helper()
	start, _ := time.Parse(time.DateOnly+" 15:04", date+" "+hm)
	o.codes = append(o.codes, code)
	if _, err := o.eng.Book(o.ctx, queue.BookRequest{Service: "property", Start: start, Name: name,
		Source: queue.SourceStaff, Actor: queue.Actor{Login: "boss", Role: queue.RoleManager}}); err != nil {
		o.t.Fatalf("book %s: %v", code, err)
	}
}

func (o *office) issue(service string, p queue.Priority) string {
	o.t.Helper()
	v, err := o.eng.Issue(o.ctx, queue.IssueRequest{Service: service, Priority: p})
	if err != nil {
		o.t.Fatalf("issue %s: %v", service, err)
	}
	return v.ID
}

// do runs an action at window n as the window's operator (or login).
func (o *office) do(n int, a queue.Action, mods ...func(*queue.WindowCommand)) queue.WindowView {
	o.t.Helper()
	c := queue.WindowCommand{Window: n, Action: a,
		Actor: queue.Actor{Login: map[int]string{1: "op1", 2: "op2"}[n], Role: queue.RoleOperator}}
	for _, m := range mods {
		m(&c)
	}
	v, err := o.eng.WindowAction(o.ctx, c)
	if err != nil {
		o.t.Fatalf("%s window %d %s: %v", o.now.Format("15:04"), n, a, err)
	}
	return v
}

// callNext calls the next visitor at window n and checks it is number.
func (o *office) callNext(n int, number string) {
	o.t.Helper()
	v := o.do(n, queue.ActionCallNext)
	if v.Current == nil || v.Current.Number != number {
		o.t.Fatalf("%s window %d called %+v, the scenario expects %s", o.now.Format("15:04"), n, v.Current, number)
	}
}

// runDay plays the day of the hand-computed figures. Times are what the
// figures' comments count from.
//
//	ticket  service   issued  called        wait   service       end
//	П001    passport  08:00   08:04 w1 op1   4     08:05–08:15 10 served
//	П002    passport  08:02   08:15 w1 op1  13     08:16–08:31 15 served
//	Н001    property  08:03   08:04 w2 op2   1     08:05–08:20 15 served
//	П003    passport  08:21   —              (9)   —              cancelled 08:30
//	П004    passport  08:22   08:31 w1 op1   9     —              no-show 08:32
//	П005    passport  08:45   08:50 w1 op1   5     08:51–09:06 15 forwarded to property
//	 …      property  09:06   09:10 w2 op2   4     09:11–09:20  9 served
//	Н002    property  08:50*  09:00 w2 op2   0**   09:01–09:10  9 served (appointment A)
//	П006    passport  09:12   09:40 w1 op1  28     09:41–09:50  9 served — breach
//	П007    passport  09:42   09:43 w2 op2   1     09:44–09:50  6 served (privileged)
//	П008    passport  10:00   —             (20)   —              not served at 10:20 — breach
//
//	* checked in for the 09:00 slot; ** waits from the slot, not from an early check-in.
//
// Windows 1 and 2 are open 08:00–10:20 (140 min each). Breaks: op2
// 08:20–08:40 and 09:51–10:20 (20 + 29 = 49 min, over 45); op1 09:50–10:20
// (30). Appointments of the day: A checked in, B (09:30) missed, C (10:00)
// cancelled — all three booked the day before; E, booked during the day,
// is for the next day.
func runDay(t *testing.T) *office {
	o := newOffice(t)
	o.at(dayBefore, "18:00")
	o.book("111111", day, "09:00", "Смирнов Иван")
	o.book("222222", day, "09:30", "")
	o.book("333333", day, "10:00", "")

	o.at(day, "08:00")
	if err := o.eng.Roll(o.ctx); err != nil {
		t.Fatal(err)
	}
	o.do(1, queue.ActionOpen)
	o.do(2, queue.ActionOpen)
	o.issue("passport", "") // П001
	o.at(day, "08:02")
	o.issue("passport", "") // П002
	o.at(day, "08:03")
	o.issue("property", "") // Н001
	o.at(day, "08:04")
	o.callNext(1, "П001")
	o.callNext(2, "Н001")
	o.at(day, "08:05")
	o.do(1, queue.ActionStart)
	o.do(2, queue.ActionStart)
	o.book("444444", dayAfter, "10:00", "") // E: not this day's
	o.at(day, "08:10")
	if _, err := o.eng.CancelAppointment(o.ctx, "333333", queue.Actor{Login: "boss", Role: queue.RoleManager}); err != nil {
		t.Fatal(err)
	}
	o.at(day, "08:15")
	o.do(1, queue.ActionFinish)
	o.callNext(1, "П002")
	o.at(day, "08:16")
	o.do(1, queue.ActionStart)
	o.at(day, "08:20")
	o.do(2, queue.ActionFinish)
	o.do(2, queue.ActionBreak, func(c *queue.WindowCommand) { c.Reason, c.Minutes = "технический перерыв", 20 })
	o.at(day, "08:21")
	p003 := o.issue("passport", "")
	o.at(day, "08:22")
	o.issue("passport", "") // П004
	o.at(day, "08:30")
	if _, err := o.eng.Cancel(o.ctx, queue.Actor{}, p003); err != nil {
		t.Fatal(err)
	}
	o.at(day, "08:31")
	o.do(1, queue.ActionFinish)
	o.callNext(1, "П004")
	o.at(day, "08:32")
	o.do(1, queue.ActionNoShow)
	o.at(day, "08:40")
	o.do(2, queue.ActionResume)
	o.at(day, "08:45")
	o.issue("passport", "") // П005
	o.at(day, "08:50")
	if _, err := o.eng.CheckIn(o.ctx, queue.Actor{}, "111111"); err != nil { // Н002
		t.Fatal(err)
	}
	o.callNext(1, "П005")
	o.at(day, "08:51")
	o.do(1, queue.ActionStart)
	o.at(day, "09:00")
	o.callNext(2, "Н002")
	o.at(day, "09:01")
	o.do(2, queue.ActionStart)
	o.at(day, "09:06")
	o.do(1, queue.ActionForward, func(c *queue.WindowCommand) { c.ToService = "property" })
	o.at(day, "09:10")
	o.do(2, queue.ActionFinish, func(c *queue.WindowCommand) { c.Outcome = queue.OutcomeDocumentsAccepted })
	o.callNext(2, "П005")
	o.at(day, "09:11")
	o.do(2, queue.ActionStart)
	o.at(day, "09:12")
	o.issue("passport", "") // П006
	o.at(day, "09:20")
	o.do(2, queue.ActionFinish)
	o.at(day, "09:40")
	o.callNext(1, "П006")
	o.at(day, "09:41")
	o.do(1, queue.ActionStart)
	o.at(day, "09:42")
	o.issue("passport", queue.PriorityPrivileged) // П007
	o.at(day, "09:43")
	o.callNext(2, "П007")
	o.at(day, "09:44")
	o.do(2, queue.ActionStart)
	o.at(day, "09:45")
	if err := o.eng.Roll(o.ctx); err != nil { // releases B, missed since 09:40
		t.Fatal(err)
	}
	o.at(day, "09:50")
	o.do(2, queue.ActionFinish)
	o.do(1, queue.ActionFinish)
	o.do(1, queue.ActionBreak, func(c *queue.WindowCommand) { c.Reason, c.Minutes = "обед", 30 })
	o.at(day, "09:51")
	// Past the daily limit and leaving no window open: only a manager may.
	o.do(2, queue.ActionBreak, func(c *queue.WindowCommand) {
		c.Reason, c.Minutes, c.Override = "технический перерыв", 30, true
		c.Actor = queue.Actor{Login: "boss", Role: queue.RoleManager}
	})
	o.at(day, "10:00")
	o.issue("passport", "") // П008
	o.at(day, "10:20")
	if _, err := o.eng.CloseDay(o.ctx, queue.Actor{}); err != nil {
		t.Fatal(err)
	}

	// The next day begins: none of it is the day's.
	o.at(dayAfter, "08:00")
	o.issue("passport", "")
	return o
}

func compute(t *testing.T, o *office, from, to string, by reports.GroupBy) *reports.Report {
	t.Helper()
	r, err := reports.Compute(o.ctx, o.st, testOffice(), from, to, by)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mins is m minutes in seconds, as report fields hold durations.
func mins(m float64) float64 { return m * 60 }

func near(got, want float64) bool { return math.Abs(got-want) < 1e-9*math.Max(1, math.Abs(want)) }

func TestComputeHandCountedDay(t *testing.T) {
	o := runDay(t)
	r := compute(t, o, day, day, reports.ByDay)

	t.Run("attendance counts every ticket and how each stage ended", func(t *testing.T) {
		// 10 tickets: 9 live (П007 privileged), 1 by appointment (Н002).
		// 11 stages (П005 has two): served П001 П002 Н001 П005' Н002 П006
		// П007 = 7; no-show П004; cancelled П003; forwarded П005; not
		// served П008. The next day's ticket is not counted.
		want := reports.Attendance{Key: day, Issued: 10, Live: 9, Privileged: 1, Appointment: 1,
			Served: 7, NoShow: 1, Cancelled: 1, Forwarded: 1, NotServed: 1}
		if len(r.Attendance) != 1 || r.Attendance[0] != want {
			t.Errorf("attendance = %+v, want [%+v]", r.Attendance, want)
		}
		want.Key = ""
		if r.Total.Attendance != want {
			t.Errorf("total attendance = %+v, want %+v", r.Total.Attendance, want)
		}
	})

	t.Run("waits and service times are counted by hand", func(t *testing.T) {
		// Called stages' waits, sorted: 0 1 1 4 4 5 9 13 28 (min).
		// Mean 65/9; median the 5th = 4; p90 at rank 0.9·8 = 7.2:
		// 13 + 0.2·(28−13) = 16; max 28.
		// Service times, sorted: 6 9 9 9 10 15 15 15. Mean 88/8 = 11;
		// median (9+10)/2 = 9.5; p90 at rank 6.3: 15; max 15.
		w := r.Total.Waits
		got := []float64{float64(w.Waits), w.WaitMean, w.WaitMedian, w.WaitP90, w.WaitMax,
			float64(w.Services), w.ServiceMean, w.ServiceMedian, w.ServiceP90, w.ServiceMax}
		want := []float64{9, mins(65.0 / 9), mins(4), mins(16), mins(28), 8, mins(11), mins(9.5), mins(15), mins(15)}
		for i := range want {
			if !near(got[i], want[i]) {
				t.Errorf("waits = %+v\nfield %d = %v, want %v", w, i, got[i], want[i])
			}
		}
		if len(r.Waits) != 1 || r.Waits[0].Key != day || r.Waits[0].WaitP90 != w.WaitP90 {
			t.Errorf("waits by day = %+v, want the one day with the totals", r.Waits)
		}
	})

	t.Run("share within the target counts stages called and those left waiting past it", func(t *testing.T) {
		// Judged: the 9 called stages and П008, never called and 20 min
		// waiting when the day closed (П003 left after 9 min: not judged).
		// Within: all called but П006 (28 > 15) = 8. Share 8/10. Н002,
		// checked in by appointment and called at its slot, is within the
		// appointment target.
		want := reports.SLA{Key: day, Judged: 10, Within: 8, Breached: 2, Share: 0.8,
			BookedJudged: 1, BookedWithin: 1, BookedShare: 1}
		if len(r.SLA) != 1 || r.SLA[0] != want {
			t.Errorf("sla = %+v, want [%+v]", r.SLA, want)
		}
		if r.BreachesAll != 2 || len(r.Breaches) != 2 {
			t.Fatalf("breaches = %d %+v, want П006 and П008", r.BreachesAll, r.Breaches)
		}
		b0, b1 := r.Breaches[0], r.Breaches[1]
		if b0.Number != "П006" || b0.Waited != mins(28) || b0.Target != mins(15) || b0.Window != 1 || b0.Operator != "op1" || b0.End != "served" {
			t.Errorf("first breach = %+v, want П006 waiting 28 min at window 1", b0)
		}
		if b1.Number != "П008" || b1.Waited != mins(20) || !b1.CalledAt.IsZero() || b1.End != "not_served" {
			t.Errorf("second breach = %+v, want П008 never called after 20 min", b1)
		}
	})

	t.Run("operator workload is serving over signed-in time, breaks against 45 min", func(t *testing.T) {
		// op1: signed in 140; serving П001 10 + П002 15 + П005 15 (forwarded)
		// + П006 9 = 49; 3 served with an outcome; 4 services ended, mean
		// 49/4 = 12.25; break 30.
		// op2: signed in 140; serving Н001 15 + Н002 9 + П005' 9 + П007 6 =
		// 39; 4 served; mean 9.75; breaks 20 + 29 = 49 > 45: one day over.
		want := []reports.Workload{
			{Key: day, Operator: "op1", Served: 3, Serving: mins(49), SignedIn: mins(140), Utilisation: 49.0 / 140,
				Break: mins(30), BreakDayMax: mins(30), ServiceMean: mins(12.25)},
			{Key: day, Operator: "op2", Served: 4, Serving: mins(39), SignedIn: mins(140), Utilisation: 39.0 / 140,
				Break: mins(49), BreakDayMax: mins(49), DaysOverLimit: 1, ServiceMean: mins(9.75)},
		}
		if !workloadsNear(r.Operators, want) {
			t.Errorf("operators =\n%+v\nwant\n%+v", r.Operators, want)
		}
		wantTotal := reports.Workload{Served: 7, Serving: mins(88), SignedIn: mins(280), Utilisation: 88.0 / 280,
			Break: mins(79), BreakDayMax: mins(49), DaysOverLimit: 1, ServiceMean: mins(11)}
		if !workloadsNear([]reports.Workload{r.Total.Operators}, []reports.Workload{wantTotal}) {
			t.Errorf("all operators = %+v, want %+v", r.Total.Operators, wantTotal)
		}
		if r.BreakLimit != mins(45) {
			t.Errorf("break limit = %v s, want 45 min", r.BreakLimit)
		}
	})

	t.Run("appointments count on their slot's day, booked whenever", func(t *testing.T) {
		want := reports.Appointments{Key: day, Booked: 3, CheckedIn: 1, Missed: 1, Cancelled: 1}
		if len(r.Appointments) != 1 || r.Appointments[0] != want {
			t.Errorf("appointments = %+v, want [%+v]", r.Appointments, want)
		}
	})

	t.Run("queue length is the area under the number waiting over the day", func(t *testing.T) {
		// The area is every counted wait: П001 4 + П002 13 + Н001 1 + П003 9
		// + П004 9 + П005 5 + Н002 10 (from its check-in: it stood in the
		// hall) + П005' 4 + П006 28 + П007 1 + П008 20 = 104 visitor-minutes
		// over 08:00–10:20 = 140 min; at most 3 waited (08:03–08:04).
		want := reports.QueueLength{Key: day, Mean: 104.0 / 140, Max: 3, Observed: mins(140)}
		if len(r.Queue) != 1 || !near(r.Queue[0].Mean, want.Mean) || r.Queue[0].Max != 3 || r.Queue[0].Observed != want.Observed {
			t.Errorf("queue = %+v, want [%+v]", r.Queue, want)
		}
	})

	t.Run("a report of the next day has none of this one", func(t *testing.T) {
		next := compute(t, o, dayAfter, dayAfter, reports.ByDay)
		if got := next.Total.Attendance; got.Issued != 1 || got.Open != 1 {
			t.Errorf("next day's attendance = %+v, want the one ticket, still waiting", got)
		}
		// E was booked during the scenario's day for this one.
		if got := next.Total.Appointments; got != (reports.Appointments{Booked: 1, Pending: 1}) {
			t.Errorf("next day's appointments = %+v, want E booked and pending", got)
		}
	})
}

func workloadsNear(got, want []reports.Workload) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Key != w.Key || g.Operator != w.Operator || g.Served != w.Served || g.DaysOverLimit != w.DaysOverLimit ||
			!near(g.Serving, w.Serving) || !near(g.SignedIn, w.SignedIn) || !near(g.Utilisation, w.Utilisation) ||
			!near(g.Break, w.Break) || !near(g.BreakDayMax, w.BreakDayMax) || !near(g.ServiceMean, w.ServiceMean) {
			return false
		}
	}
	return true
}

func TestComputeByHour(t *testing.T) {
	o := runDay(t)
	r := compute(t, o, day, day, reports.ByHour)

	t.Run("stages count in the hour they joined the queue", func(t *testing.T) {
		// 08: П001 П002 Н001 П003 П004 П005 Н002 (7 issued); 09: П006 П007
		// (and П005's second stage); 10: П008.
		got := map[string][2]int{}
		for _, a := range r.Attendance {
			got[a.Key] = [2]int{a.Issued, a.Served}
		}
		want := map[string][2]int{"08": {7, 4}, "09": {2, 3}, "10": {1, 0}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("issued and served by hour = %v, want %v", got, want)
		}
	})

	t.Run("the queue's length is split at the hours", func(t *testing.T) {
		// 08:00–09:00: 2+2+3+11+1+16+1+5+10 = 51 visitor-minutes, at most 3;
		// 09:00–10:00: П005' 4 + П006 28 + П007 1 = 33; 10:00–10:20: П008 20.
		want := []reports.QueueLength{
			{Key: "08", Mean: 51.0 / 60, Max: 3, Observed: mins(60)},
			{Key: "09", Mean: 33.0 / 60, Max: 1, Observed: mins(60)},
			{Key: "10", Mean: 1, Max: 1, Observed: mins(20)},
		}
		if len(r.Queue) != len(want) {
			t.Fatalf("queue by hour = %+v, want %+v", r.Queue, want)
		}
		for i, w := range want {
			if g := r.Queue[i]; g.Key != w.Key || !near(g.Mean, w.Mean) || g.Max != w.Max || g.Observed != w.Observed {
				t.Errorf("queue by hour = %+v, want %+v", r.Queue, want)
			}
		}
	})

	t.Run("appointments count in their slot's hour", func(t *testing.T) {
		// A 09:00 checked in, B 09:30 missed, C 10:00 cancelled.
		want := []reports.Appointments{
			{Key: "09", Booked: 2, CheckedIn: 1, Missed: 1},
			{Key: "10", Booked: 1, Cancelled: 1},
		}
		if !reflect.DeepEqual(r.Appointments, want) {
			t.Errorf("appointments by hour = %+v, want %+v", r.Appointments, want)
		}
	})

	t.Run("operator time is split at the hours", func(t *testing.T) {
		// op1 at 08: П001 10 + П002 15 + П005 08:51–09:00 9 = 34 of 60; at
		// 09: П005 6 + П006 9 = 15, break 09:50–10:00 10; at 10: break 20 of
		// 20 signed in.
		want := map[string][3]float64{
			"08": {mins(34), mins(60), 0},
			"09": {mins(15), mins(60), mins(10)},
			"10": {0, mins(20), mins(20)},
		}
		for _, w := range r.Operators {
			if w.Operator != "op1" {
				continue
			}
			if got := [3]float64{w.Serving, w.SignedIn, w.Break}; got != want[w.Key] {
				t.Errorf("op1 at %s: serving, signed in, break = %v, want %v", w.Key, got, want[w.Key])
			}
			delete(want, w.Key)
		}
		if len(want) > 0 {
			t.Errorf("op1 has no row for hours %v", want)
		}
	})
}

func TestComputeByServiceWindowOperator(t *testing.T) {
	o := runDay(t)

	t.Run("by service, each stage in its own service's queue", func(t *testing.T) {
		r := compute(t, o, day, day, reports.ByService)
		// passport: 8 tickets, served П001 П002 П006 П007, П005 forwarded.
		// property: Н001 and Н002 issued; served Н001 Н002 and П005's stage.
		want := []reports.Attendance{
			{Key: "passport", Issued: 8, Live: 8, Privileged: 1, Served: 4, NoShow: 1, Cancelled: 1, Forwarded: 1, NotServed: 1},
			{Key: "property", Issued: 2, Live: 1, Appointment: 1, Served: 3},
		}
		if !reflect.DeepEqual(r.Attendance, want) {
			t.Errorf("attendance by service =\n%+v\nwant\n%+v", r.Attendance, want)
		}
		// property's stages waited 1, 4 and 0 min against its 20 min target,
		// the 0 min one (Н002's) against the appointment target.
		if s := r.SLA[1]; s != (reports.SLA{Key: "property", Judged: 3, Within: 3, Share: 1, BookedJudged: 1, BookedWithin: 1, BookedShare: 1}) {
			t.Errorf("property's sla = %+v", s)
		}
	})

	t.Run("by window, uncalled visitors are under no window", func(t *testing.T) {
		r := compute(t, o, day, day, reports.ByWindow)
		var keys []string
		for _, a := range r.Attendance {
			keys = append(keys, a.Key)
		}
		if want := []string{"1", "2", ""}; !reflect.DeepEqual(keys, want) {
			t.Errorf("attendance rows = %q, want %q", keys, want)
		}
		tbl, err := r.Table("attendance")
		if err != nil {
			t.Fatal(err)
		}
		if got := tbl.Rows[2][0]; got != (queue.Text{RU: "без окна", EN: "no window"}) {
			t.Errorf("the row without a window is labelled %v", got)
		}
	})

	t.Run("by operator, the rows are the operators", func(t *testing.T) {
		r := compute(t, o, day, day, reports.ByOperator)
		if len(r.Operators) != 2 || r.Operators[0].Key != "op1" || r.Operators[1].Key != "op2" || r.Operators[1].DaysOverLimit != 1 {
			t.Errorf("operators = %+v", r.Operators)
		}
	})
}

func TestReportTables(t *testing.T) {
	o := runDay(t)
	r := compute(t, o, day, day, reports.ByService)
	for _, name := range reports.TableNames {
		t.Run(name+" has a header per cell and a total row", func(t *testing.T) {
			tbl, err := r.Table(name)
			if err != nil {
				t.Fatal(err)
			}
			if tbl.Name != name || tbl.Title.RU == "" || tbl.Title.EN == "" || len(tbl.Rows) == 0 {
				t.Fatalf("table %+v", tbl)
			}
			for _, c := range tbl.Columns {
				if c.Key == "" || c.RU == "" || c.EN == "" {
					t.Errorf("column %+v lacks a key or a header", c)
				}
			}
			for _, row := range tbl.Rows {
				if len(row) != len(tbl.Columns) {
					t.Errorf("row %v has %d cells for %d columns", row, len(row), len(tbl.Columns))
				}
				for _, cell := range row {
					switch cell.(type) {
					case nil, string, int, float64, queue.Text:
					default:
						t.Errorf("cell %v is a %T", cell, cell)
					}
				}
			}
			if last := tbl.Rows[len(tbl.Rows)-1][0]; name != "breaches" && last != (queue.Text{RU: "Итого", EN: "Total"}) {
				t.Errorf("last row starts with %v, want the total", last)
			}
		})
	}
	t.Run("waits are in minutes", func(t *testing.T) {
		tbl, _ := r.Table("waits")
		total := tbl.Rows[len(tbl.Rows)-1]
		// key, name, then waits 9, mean 65/9 = 7.2, median 4, p90 16, max 28.
		if got, want := total[2:7], []any{9, 7.2, 4.0, 16.0, 28.0}; !reflect.DeepEqual(got, want) {
			t.Errorf("total waits = %v, want %v", got, want)
		}
	})
	t.Run("an unknown table is not found", func(t *testing.T) {
		if _, err := r.Table("nonsense"); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("the report is JSON", func(t *testing.T) {
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestComputeRefusesBadPeriods(t *testing.T) {
	o := newOffice(t)
	for _, c := range []struct{ name, from, to string }{
		{"a date not as YYYY-MM-DD", "02.03.2026", day},
		{"an end before the start", dayAfter, day},
		{"a period of millennia, up to the last day of year 9999", "0001-01-01", "9999-12-31"},
		{"a period over a century", "1900-01-01", "2026-03-31"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := reports.Compute(o.ctx, o.st, testOffice(), c.from, c.to, reports.ByDay)
			if queue.ErrorCode(err) != queue.EINVALID {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
	if _, err := reports.Compute(o.ctx, o.st, testOffice(), day, day, "week"); queue.ErrorCode(err) != queue.EINVALID {
		t.Errorf("grouping by week: err = %v, want invalid", err)
	}
}

// benchEvents is the size of the log BenchmarkCompute reads: about a year
// of a busy centre — 16 windows, some 1100 visitors a day, six days a week.
const benchEvents = 1_500_000

// benchOffice is testOffice grown to 16 windows over 6 services.
func benchOffice() *queue.Office {
	o := testOffice()
	for _, s := range []struct{ id, prefix, ru, en string }{
		{"registration", "Р", "Регистрация", "Registration"},
		{"social", "С", "Соцзащита", "Social support"},
		{"tax", "И", "Налоги", "Taxes"},
		{"consult", "К", "Консультация", "Consultation"},
	} {
		o.Services = append(o.Services, queue.Service{ID: s.id, Prefix: s.prefix, Name: queue.Text{RU: s.ru, EN: s.en},
			WaitTarget: 15 * time.Minute, ServiceTime: 6 * time.Minute})
	}
	o.Windows, o.Operators = nil, nil
	for n := 1; n <= 16; n++ {
		main, second := o.Services[n%len(o.Services)].ID, o.Services[(n+1)%len(o.Services)].ID
		o.Windows = append(o.Windows, queue.Window{Number: n, Services: queue.ServiceLevels{{Service: main, Level: 1}, {Service: second, Level: 2}}})
		o.Operators = append(o.Operators, queue.Operator{Login: fmt.Sprintf("op%d", n), Name: fmt.Sprintf("Оператор %d", n), Role: queue.RoleOperator})
	}
	return o
}

// writeYear fills the store at path with at least n events of working
// days decided by the domain itself: visitors arrive, windows call, serve,
// forward, postpone, take breaks; appointments are booked, checked in,
// cancelled and missed. It returns the first and last day written.
func writeYear(path string, n int) (from, to string, err error) {
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		return "", "", err
	}
	defer st.Close()
	office := benchOffice()
	s, err := queue.NewState(office)
	if err != nil {
		return "", "", err
	}
	rng := rand.New(rand.NewPCG(8, 15))
	var batch []queue.Event
	total := 0
	do := func(d queue.Decision, err error) (bool, error) {
		if err != nil {
			if queue.ErrorCode(err) == queue.EINTERNAL {
				return false, err
			}
			return false, nil // refused, as staff would be: skip it
		}
		for _, ev := range d.Events {
			if err := s.Apply(ev); err != nil {
				return false, err
			}
		}
		batch = append(batch, d.Events...)
		total += len(d.Events)
		if len(batch) >= 20_000 {
			if err := st.Append(ctx, batch); err != nil {
				return false, err
			}
			batch = batch[:0]
		}
		return true, nil
	}

	services := []string{"passport", "passport", "property", "registration", "social", "tax", "consult"}
	const (
		idle = iota
		called
		serving
		onBreak
	)
	type window struct {
		phase int
		until time.Time
		brk   int // minute of the day the break is due
		actor queue.Actor
	}
	boss := queue.Actor{Login: "boss", Role: queue.RoleManager}
	code := 100000
	d := time.Date(2025, 1, 9, 8, 0, 0, 0, time.UTC)
	for ; total < n; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Sunday {
			continue
		}
		date := d.Format(time.DateOnly)
		if from == "" {
			from = date
		}
		to = date
		if _, err := do(s.OpenDay(d, date)); err != nil {
			return "", "", err
		}
		// The day's appointments: two per half-hour slot from 09:00 to 17:00.
		type appt struct {
			code string
			slot int // minute of the day
		}
		var appts []appt
		for slot := 60; slot < 540; slot += 30 {
			for range 2 {
				code++
				c := strconv.Itoa(code)
				ok, err := do(s.Book(d, queue.BookRequest{Service: "property", Start: d.Add(time.Duration(slot) * time.Minute),
					Code: c, Source: queue.SourceStaff, Actor: boss}))
				if err != nil {
					return "", "", err
				}
				if ok {
					appts = append(appts, appt{c, slot})
				}
			}
		}
		windows := make([]*window, len(office.Windows))
		for i, w := range office.Windows {
			windows[i] = &window{brk: 120 + 20*i, actor: queue.Actor{Login: office.Operators[i].Login, Role: queue.RoleOperator}}
			if _, err := do(s.WindowAction(d, queue.WindowCommand{Window: w.Number, Action: queue.ActionOpen, Actor: windows[i].actor})); err != nil {
				return "", "", err
			}
		}
		for minute := range 600 {
			now := d.Add(time.Duration(minute)*time.Minute + time.Duration(rng.IntN(60))*time.Second)
			for _, a := range appts {
				switch {
				case minute == a.slot-10 && rng.IntN(10) < 8:
					_, err = do(s.CheckIn(now, a.code))
				case minute == 30 && rng.IntN(10) == 0:
					_, err = do(s.CancelAppointment(now, a.code, boss))
				}
				if err != nil {
					return "", "", err
				}
			}
			if minute%5 == 0 {
				if _, err := do(s.ReleaseMissed(now), nil); err != nil {
					return "", "", err
				}
			}
			for range 3 {
				if minute < 540 && rng.Float64() < 0.7 {
					p := queue.PriorityNormal
					if rng.IntN(20) == 0 {
						p = queue.PriorityPrivileged
					}
					if _, err := do(s.Issue(now, queue.IssueRequest{Service: services[rng.IntN(len(services))], Priority: p})); err != nil {
						return "", "", err
					}
				}
			}
			for i, w := range windows {
				c := queue.WindowCommand{Window: office.Windows[i].Number, Actor: w.actor}
				act := func(a queue.Action) (bool, error) {
					c.Action = a
					return do(s.WindowAction(now, c))
				}
				var ok bool
				switch w.phase {
				case idle:
					if minute >= w.brk && minute < w.brk+60 {
						c.Reason, c.Minutes = "технический перерыв", 15
						if ok, err = act(queue.ActionBreak); ok {
							w.phase, w.until, w.brk = onBreak, now.Add(time.Duration(10+rng.IntN(15))*time.Minute), -1000
						}
						break
					}
					if ok, err = act(queue.ActionCallNext); ok {
						w.phase = called
					}
				case called:
					switch r := rng.IntN(100); {
					case r < 3:
						_, err = act(queue.ActionNoShow)
						w.phase = idle
					case r < 5:
						c.Minutes = 10
						_, err = act(queue.ActionPostpone)
						w.phase = idle
					default:
						_, err = act(queue.ActionStart)
						w.phase, w.until = serving, now.Add(time.Duration(2+rng.IntN(7))*time.Minute)
					}
				case serving:
					if now.Before(w.until) {
						break
					}
					if rng.IntN(100) < 4 {
						c.ToService = services[rng.IntN(len(services))]
						if ok, err = act(queue.ActionForward); ok || err != nil {
							w.phase = idle
							break
						}
						c.ToService = ""
					}
					c.Outcome = queue.Outcomes[rng.IntN(len(queue.Outcomes))]
					_, err = act(queue.ActionFinish)
					w.phase = idle
				case onBreak:
					if !now.Before(w.until) {
						_, err = act(queue.ActionResume)
						w.phase = idle
					}
				}
				if err != nil {
					return "", "", err
				}
			}
		}
		if _, err := do(s.CloseDay(d.Add(10 * time.Hour))); err != nil {
			return "", "", err
		}
	}
	if len(batch) > 0 {
		if err := st.Append(ctx, batch); err != nil {
			return "", "", err
		}
	}
	return from, to, st.Close()
}

// BenchmarkCompute makes each grouping of the report over a year of log.
// The log is generated once, outside the timing; each report is one pass.
func BenchmarkCompute(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "eq.db")
	start := time.Now()
	from, to, err := writeYear(path, benchEvents)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	events, err := st.LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events, %s to %s, in %v", events, from, to, time.Since(start).Round(time.Millisecond))

	office := benchOffice()
	b.Run("replay", func(b *testing.B) {
		// Every event read and decoded, every day scanned: what a report
		// costs without kept days, and once, the first time, with them.
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reports.NewReader(eventsOnly{st}, office).Report(ctx, from, to, reports.ByDay); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	reader := reports.NewReader(st, office)
	start = time.Now()
	if _, err := reader.Report(ctx, from, to, reports.ByDay); err != nil {
		b.Fatal(err)
	}
	b.Logf("first report, keeping the settled days: %v", time.Since(start).Round(time.Millisecond))
	for _, by := range reports.GroupBys {
		// A report as the server makes it: the settled days read back
		// from their kept facts, every table built.
		b.Run(string(by), func(b *testing.B) {
			b.ReportAllocs()
			var r *reports.Report
			for b.Loop() {
				if r, err = reader.Report(ctx, from, to, by); err != nil {
					b.Fatal(err)
				}
				for _, name := range reports.TableNames {
					if _, err := r.Table(name); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if r.Total.Attendance.Issued == 0 || r.Total.Appointments.Booked == 0 {
				b.Fatalf("a report of nothing: %+v", r.Total)
			}
		})
	}
	b.Run("staffing", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t, err := reader.Table(ctx, reports.StaffingName, from, to, reports.ByDay)
			if err != nil {
				b.Fatal(err)
			}
			if len(t.Rows) == 0 {
				b.Fatal("no staffing rows")
			}
		}
		b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
