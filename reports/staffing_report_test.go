package reports_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"eq/queue"
	"eq/reports"
)

// The staffing scenario's days: three Mondays, a Tuesday and a Sunday.
const (
	wkMonA = "2026-03-02"
	wkTue  = "2026-03-03"
	wkSun  = "2026-03-08"
	wkMonB = "2026-03-09"
	wkMonC = "2026-03-16"
)

// staffingLunch makes a window's command a 15-minute break a manager
// allows: it leaves services without an open window.
func staffingLunch(c *queue.WindowCommand) {
	c.Reason, c.Minutes, c.Override = "обед", 15, true
	c.Actor = queue.Actor{Login: "boss", Role: queue.RoleManager}
}

// staffingServe calls number at window n and starts its service.
func (o *office) staffingServe(n int, number string) {
	o.t.Helper()
	o.callNext(n, number)
	o.do(n, queue.ActionStart)
}

func (o *office) staffingCloseDay() {
	o.t.Helper()
	if _, err := o.eng.CloseDay(o.ctx, queue.Actor{}); err != nil {
		o.t.Fatal(err)
	}
}

func (o *office) staffingRoll() {
	o.t.Helper()
	if err := o.eng.Roll(o.ctx); err != nil {
		o.t.Fatal(err)
	}
}

// staffingWeeks plays the days the staffing figures are counted from by hand.
// Service times in minutes, all services at window 1 unless said.
//
// Monday A (wkMonA): window 1 open 09:30–11:00, break 10:40–10:55; window 2
// open 10:00–10:30.
//
//	П001      issued 09:40, served 09:40–09:47  7
//	П002–П005 issued 10:00
//	П002      served 10:00–10:07  7
//	П003      served 10:07–10:14  7
//	П004      called 10:14, postponed 10:15 for 5 min: back in the queue at 10:20
//	П005      served 10:15–10:22  7
//	П004      served 10:22–10:24  2, forwarded to property at 10:24
//	П004      served at window 2 10:24–10:30  6
//
// Tuesday (wkTue): window 1 open 10:00–11:00, no break.
//
//	П001–П003 issued 10:00, served 10:00–10:09 9, 10:09–10:18 9, 10:18–10:28 10
//
// Sunday (wkSun): window 1 open 10:00–10:30, nobody comes.
//
// Monday B (wkMonB): window 1 open 09:30–11:00, break 10:40–10:55.
//
//	П001      issued 09:40, served 09:40–09:50  10
//	П002–П006 issued 10:00, served 10:00–10:07 7, then 6, 6, 6, 6 to 10:31
//	П007      issued 10:35, cancelled 10:37
//
// Monday C (wkMonC): window 1 open 12:00–12:30, nobody comes.
func staffingWeeks(t *testing.T) *office {
	o := newOffice(t)

	o.at(wkMonA, "09:30")
	o.staffingRoll()
	o.do(1, queue.ActionOpen)
	o.at(wkMonA, "09:40")
	o.issue("passport", "")
	o.staffingServe(1, "П001")
	o.at(wkMonA, "09:47")
	o.do(1, queue.ActionFinish)
	o.at(wkMonA, "10:00")
	o.do(2, queue.ActionOpen)
	for range 4 {
		o.issue("passport", "") // П002–П005
	}
	o.staffingServe(1, "П002")
	o.at(wkMonA, "10:07")
	o.do(1, queue.ActionFinish)
	o.staffingServe(1, "П003")
	o.at(wkMonA, "10:14")
	o.do(1, queue.ActionFinish)
	o.callNext(1, "П004")
	o.at(wkMonA, "10:15")
	o.do(1, queue.ActionPostpone, func(c *queue.WindowCommand) { c.Minutes = 5 })
	o.staffingServe(1, "П005")
	o.at(wkMonA, "10:22")
	o.do(1, queue.ActionFinish)
	o.staffingServe(1, "П004")
	o.at(wkMonA, "10:24")
	o.do(1, queue.ActionForward, func(c *queue.WindowCommand) { c.ToService = "property" })
	o.staffingServe(2, "П004")
	o.at(wkMonA, "10:30")
	o.do(2, queue.ActionFinish)
	o.do(2, queue.ActionClose)
	o.at(wkMonA, "10:40")
	o.do(1, queue.ActionBreak, staffingLunch)
	o.at(wkMonA, "10:55")
	o.do(1, queue.ActionResume)
	o.at(wkMonA, "11:00")
	o.do(1, queue.ActionClose)
	o.staffingCloseDay()

	o.at(wkTue, "10:00")
	o.staffingRoll()
	o.do(1, queue.ActionOpen)
	for range 3 {
		o.issue("passport", "")
	}
	o.staffingServe(1, "П001")
	o.at(wkTue, "10:09")
	o.do(1, queue.ActionFinish)
	o.staffingServe(1, "П002")
	o.at(wkTue, "10:18")
	o.do(1, queue.ActionFinish)
	o.staffingServe(1, "П003")
	o.at(wkTue, "10:28")
	o.do(1, queue.ActionFinish)
	o.at(wkTue, "11:00")
	o.staffingCloseDay() // closes window 1 too

	o.at(wkSun, "10:00")
	o.staffingRoll()
	o.do(1, queue.ActionOpen)
	o.at(wkSun, "10:30")
	o.staffingCloseDay()

	o.at(wkMonB, "09:30")
	o.staffingRoll()
	o.do(1, queue.ActionOpen)
	o.at(wkMonB, "09:40")
	o.issue("passport", "")
	o.staffingServe(1, "П001")
	o.at(wkMonB, "09:50")
	o.do(1, queue.ActionFinish)
	o.at(wkMonB, "10:00")
	for range 5 {
		o.issue("passport", "") // П002–П006
	}
	o.staffingServe(1, "П002")
	end := 7
	for _, number := range []string{"П003", "П004", "П005", "П006"} {
		o.now = o.now.Add(time.Duration(end) * time.Minute)
		o.do(1, queue.ActionFinish)
		o.staffingServe(1, number)
		end = 6
	}
	o.at(wkMonB, "10:31")
	o.do(1, queue.ActionFinish)
	o.at(wkMonB, "10:35")
	p007 := o.issue("passport", "")
	o.at(wkMonB, "10:37")
	if _, err := o.eng.Cancel(o.ctx, queue.Actor{}, p007); err != nil {
		t.Fatal(err)
	}
	o.at(wkMonB, "10:40")
	o.do(1, queue.ActionBreak, staffingLunch)
	o.at(wkMonB, "10:55")
	o.do(1, queue.ActionResume)
	o.at(wkMonB, "11:00")
	o.staffingCloseDay()

	o.at(wkMonC, "12:00")
	o.staffingRoll()
	o.do(1, queue.ActionOpen)
	o.at(wkMonC, "12:30")
	o.do(1, queue.ActionClose)
	o.staffingCloseDay()
	return o
}

func staffingOf(t *testing.T, o *office, from, to string) *reports.StaffingReport {
	t.Helper()
	rep, err := reports.NewReader(o.st, testOffice()).Staffing(o.ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestStaffingReportHandCountedWeeks(t *testing.T) {
	o := staffingWeeks(t)
	rep := staffingOf(t, o, wkMonA, wkMonC)

	// The period's services: Monday 09h 7 + 10; Monday 10h 7+7+7+2+6 and
	// 7+6+6+6+6, 60 in 10; Tuesday 10h 9+9+10. 105 min in 15: 7 min.
	if rep.Services != 15 || rep.MeanService != mins(7) || rep.Target != mins(15) || rep.Level != 0.95 {
		t.Errorf("period: %d services, mean %v s, target %v s, level %v; want 15, 420 s, 900 s, 0.95",
			rep.Services, rep.MeanService, rep.Target, rep.Level)
	}

	type row struct {
		weekday    time.Weekday
		hour, days int
		arrivals   float64
		services   int
		mean       float64 // minutes
		periodMean bool
		needed     int // by hand
		open       float64
		level      float64
	}
	// Monday has 3 working days (A, B and the quiet C), Tuesday and Sunday 1.
	// Target 15 min, level 0.95; t/s = 15/7 where the period's 7 min is used.
	want := []row{
		// 09h: П001 on A and B, 2/3 a day; 2 services, too few: 7 min.
		// A = (2/3)(7/60) = 0.0778; one window: 1 − A·e^(−(1−A)·15/7) =
		// 0.989. Open 30 + 30 + 0 min over 3 days: 1/3 window, rounded
		// down none: the level is 0.
		{time.Monday, 9, 3, 2.0 / 3, 2, 7, true, 1, 1.0 / 3, 0},
		// 10h: A has 4 tickets and П004's forward (not its return from the
		// postponement), B 5 tickets and П007: 11/3. 10 services of 6 min
		// on average. A = 11/30 = 0.367, t/s = 2.5: one window gives
		// 1 − 0.367·e^(−0.633·2.5) = 0.925 < 0.95; two: C = 0.0568,
		// 1 − 0.0568·e^(−1.633·2.5) = 0.999. Open: A 45 + 30 (window 2), B
		// 45, C 0 = 120 min over 3 days: 2/3.
		{time.Monday, 10, 3, 11.0 / 3, 10, 6, false, 2, 2.0 / 3, 0},
		// 12h: only window 1 on C, 30 min over 3 days; nobody came.
		{time.Monday, 12, 3, 0, 0, 7, true, 0, 1.0 / 6, 1},
		// Tuesday 10h: 3 visitors, 3 services (too few): 7 min. A = 0.35:
		// one window gives 1 − 0.35·e^(−0.65·15/7) = 0.913 < 0.95; two:
		// C = 0.0521, 0.998. One window open the whole hour.
		{time.Tuesday, 10, 1, 3, 3, 7, true, 2, 1, 1 - 0.35*math.Exp(-0.65*15/7)},
		// Sunday comes last: window 1 half an hour, nobody.
		{time.Sunday, 10, 1, 0, 0, 7, true, 0, 0.5, 1},
	}
	if len(rep.Hours) != len(want) {
		t.Fatalf("rows = %+v\nwant %d rows", rep.Hours, len(want))
	}
	for i, w := range want {
		g := rep.Hours[i]
		if g.Weekday != w.weekday || g.Hour != w.hour {
			t.Errorf("row %d is %v %02d:00, want %v %02d:00", i, g.Weekday, g.Hour, w.weekday, w.hour)
			continue
		}
		s := time.Duration(w.mean * float64(time.Minute))
		needed, err := reports.WindowsNeeded(w.arrivals, s, 15*time.Minute, reports.DefaultServiceLevel)
		if err != nil {
			t.Fatal(err)
		}
		if needed != w.needed {
			t.Errorf("%v %02d:00: WindowsNeeded(%v, %v) = %d, the hand count says %d", w.weekday, w.hour, w.arrivals, s, needed, w.needed)
		}
		if g.Days != w.days || !near(g.Arrivals, w.arrivals) || g.Services != w.services ||
			g.MeanService != mins(w.mean) || g.PeriodMean != w.periodMean ||
			!near(g.OfferedLoad, w.arrivals*w.mean/60) || !g.Advised || g.WindowsNeeded != needed ||
			!near(g.WindowsOpen, w.open) || !near(g.Gap, float64(needed)-w.open) ||
			math.Abs(g.ServiceLevelOpen-w.level) > 1e-12 {
			t.Errorf("%v %02d:00 = %+v\nwant %+v", w.weekday, w.hour, g, w)
		}
	}
}

func TestStaffingReportArrivals(t *testing.T) {
	o := staffingWeeks(t)
	rep := staffingOf(t, o, wkMonA, wkMonA)
	t.Run("a postponed visitor coming back is not a new arrival, a forwarded one is", func(t *testing.T) {
		// 10h on A: П002–П005 issued, П004 forwarded to property at 10:24;
		// П004 back from its postponement at 10:20 is not counted again.
		if len(rep.Hours) != 2 || rep.Hours[1].Hour != 10 || rep.Hours[1].Arrivals != 5 || rep.Hours[1].Days != 1 {
			t.Errorf("Monday A = %+v, want 5 arrivals at 10h", rep.Hours)
		}
	})
	t.Run("a window on a break is not open, and two windows add up", func(t *testing.T) {
		// Window 1: 60 min less the 15 min break; window 2: 30 min.
		if got := rep.Hours[1].WindowsOpen; got != 1.25 {
			t.Errorf("windows open at 10h = %v, want 1.25", got)
		}
	})
}

func TestStaffingReportCountsQuietDays(t *testing.T) {
	// Monday A: one visitor at 10:00, never served. Monday B: the day is
	// opened and closed, nobody comes and no window opens.
	o := newOffice(t)
	o.at(wkMonA, "10:00")
	o.staffingRoll()
	o.issue("passport", "")
	o.at(wkMonA, "10:30")
	o.staffingCloseDay()
	o.at(wkMonB, "10:00")
	o.staffingRoll()
	o.at(wkMonB, "10:05")
	o.staffingCloseDay()

	rep := staffingOf(t, o, wkMonA, wkMonB)
	if len(rep.Hours) != 1 || rep.Hours[0].Days != 2 || rep.Hours[0].Arrivals != 0.5 {
		t.Errorf("rows = %+v, want Monday 10h over 2 days, half a visitor a day", rep.Hours)
	}
}

func TestStaffingReportTable(t *testing.T) {
	o := staffingWeeks(t)
	tbl := staffingOf(t, o, wkMonA, wkMonC).Table()

	t.Run("has its name, a title and a header per column", func(t *testing.T) {
		if tbl.Name != "staffing" || tbl.Title.RU == "" || tbl.Title.EN == "" {
			t.Errorf("table %q titled %+v", tbl.Name, tbl.Title)
		}
		var keys []string
		for _, c := range tbl.Columns {
			keys = append(keys, c.Key)
			if c.RU == "" || c.EN == "" {
				t.Errorf("column %+v lacks a header", c)
			}
		}
		want := []string{"weekday", "hour", "days", "arrivals", "services", "service_mean_min", "service_mean_from",
			"offered_load", "windows_needed", "windows_open", "gap", "service_level_open_pct"}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("columns = %q\nwant      %q", keys, want)
		}
		if got := tbl.Columns[8].RU; got != "Нужно окон (95% ждут не дольше 15 мин)" {
			t.Errorf("the needed column is headed %q, want the target and level in it", got)
		}
	})

	t.Run("rows are rounded as the hand count, with no total", func(t *testing.T) {
		hour := queue.Text{RU: "этого часа", EN: "this hour"}
		period := queue.Text{RU: "всего периода", EN: "the whole period"}
		monday := queue.Text{RU: "понедельник", EN: "Monday"}
		want := [][]any{
			{monday, "09:00–10:00", 3, 0.7, 2, 7.0, period, 0.1, 1, 0.3, 0.7, 0.0},
			{monday, "10:00–11:00", 3, 3.7, 10, 6.0, hour, 0.4, 2, 0.7, 1.3, 0.0},
			{monday, "12:00–13:00", 3, 0.0, 0, 7.0, period, 0.0, 0, 0.2, -0.2, 100.0},
			{queue.Text{RU: "вторник", EN: "Tuesday"}, "10:00–11:00", 1, 3.0, 3, 7.0, period, 0.4, 2, 1.0, 1.0, 91.3},
			{queue.Text{RU: "воскресенье", EN: "Sunday"}, "10:00–11:00", 1, 0.0, 0, 7.0, period, 0.0, 0, 0.5, -0.5, 100.0},
		}
		if !reflect.DeepEqual(tbl.Rows, want) {
			t.Errorf("rows =\n%v\nwant\n%v", tbl.Rows, want)
		}
	})

	t.Run("a period without any service gives no advice", func(t *testing.T) {
		// Monday C alone: window 1 half an hour, no service to time.
		got := staffingOf(t, o, wkMonC, wkMonC).Table().Rows
		want := [][]any{{queue.Text{RU: "понедельник", EN: "Monday"}, "12:00–13:00", 1, 0.0, 0, nil, nil, nil, nil, 0.5, nil, nil}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rows = %v, want %v", got, want)
		}
	})

	t.Run("is one of the reader's tables", func(t *testing.T) {
		got, err := reports.NewReader(o.st, testOffice()).Table(o.ctx, reports.StaffingName, wkMonA, wkMonC, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tbl) {
			t.Errorf("Reader.Table(staffing) =\n%+v\nwant\n%+v", got, tbl)
		}
	})
}

func TestStaffingReportHoldsTheStrictestTarget(t *testing.T) {
	o := newOffice(t)
	office := testOffice()
	office.Services[1].WaitTarget = 10 * time.Minute // property, listed second
	rep, err := reports.NewReader(o.st, office).Staffing(o.ctx, wkMonA, wkMonA)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target != mins(10) {
		t.Errorf("target = %v s, want 600 s, property's", rep.Target)
	}
}

func TestStaffingReportRefusesBadPeriods(t *testing.T) {
	o := newOffice(t)
	r := reports.NewReader(o.st, testOffice())
	for _, c := range []struct{ name, from, to string }{
		{"a date not as YYYY-MM-DD", "02.03.2026", wkMonA},
		{"an end before the start", wkMonB, wkMonA},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := r.Staffing(context.Background(), c.from, c.to); queue.ErrorCode(err) != queue.EINVALID {
				t.Errorf("Staffing: err = %v, want invalid", err)
			}
			if _, err := r.Table(context.Background(), reports.StaffingName, c.from, c.to, ""); queue.ErrorCode(err) != queue.EINVALID {
				t.Errorf("Table: err = %v, want invalid", err)
			}
		})
	}
}
