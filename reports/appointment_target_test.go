package reports_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"eq/queue"
	"eq/reports"
)

// TestBookedVisitorsHaveTheirOwnTarget: on a hand-built day in a real store,
// visitors checked in by appointment are judged against the office's 5
// minutes, counted from the slot start (or the check-in, if late), and live
// visitors of the same service against its 20 minutes.
//
//	Н001  booked 09:00, checked in 08:50, called 09:04    4 min from the slot: within
//	Н002  booked 09:00, checked in 09:00, called 09:07    7 min: a breach
//	Н003  live, issued 09:08, called 09:15                7 min of 20: within
//	Н004  booked 09:30, checked in 09:36, called 09:40    4 min from the check-in: within
func TestBookedVisitorsHaveTheirOwnTarget(t *testing.T) {
	o := newOffice(t)
	o.at(dayBefore, "18:00")
	o.book("111111", day, "09:00", "")
	o.book("222222", day, "09:00", "")
	o.book("333333", day, "09:30", "")
	checkIn := func(code string) {
		t.Helper()
		if _, err := o.eng.CheckIn(o.ctx, queue.Actor{}, code); err != nil {
			t.Fatal(err)
		}
	}
	call := func(number, hm string) {
		t.Helper()
		o.at(day, hm)
		o.callNext(2, number)
		o.do(2, queue.ActionStart)
	}
	finish := func(hm string) {
		t.Helper()
		o.at(day, hm)
		o.do(2, queue.ActionFinish)
	}

	o.at(day, "08:00")
	if err := o.eng.Roll(o.ctx); err != nil {
		t.Fatal(err)
	}
	o.do(2, queue.ActionOpen)
	o.at(day, "08:50")
	checkIn("111111")
	o.at(day, "09:00")
	checkIn("222222")
	call("Н001", "09:04")
	finish("09:07")
	call("Н002", "09:07")
	o.at(day, "09:08")
	o.issue("property", "")
	finish("09:15")
	call("Н003", "09:15")
	finish("09:30")
	o.at(day, "09:36")
	checkIn("333333")
	call("Н004", "09:40")
	finish("09:45")

	for _, by := range []reports.GroupBy{reports.ByDay, reports.ByService} {
		r := compute(t, o, day, day, by)
		t.Run("by "+string(by)+", the booked visitors' share is against their own target", func(t *testing.T) {
			key := day
			if by == reports.ByService {
				key = "property"
			}
			want := reports.SLA{Key: key, Judged: 4, Within: 3, Breached: 1, Share: 0.75,
				BookedJudged: 3, BookedWithin: 2, BookedBreached: 1, BookedShare: 2.0 / 3}
			if len(r.SLA) != 1 || r.SLA[0] != want {
				t.Errorf("sla = %+v, want [%+v]", r.SLA, want)
			}
			if r.BookedTarget != mins(5) {
				t.Errorf("booked target = %v s, want %v", r.BookedTarget, mins(5))
			}
		})
		t.Run("by "+string(by)+", the one breach is the booked visitor called 7 minutes after the slot", func(t *testing.T) {
			if r.BreachesAll != 1 || len(r.Breaches) != 1 {
				t.Fatalf("breaches = %+v (total %d), want Н002 alone", r.Breaches, r.BreachesAll)
			}
			b := r.Breaches[0]
			if b.Number != "Н002" || b.Priority != queue.PriorityAppointment || !near(b.Waited, mins(7)) || !near(b.Target, mins(5)) {
				t.Errorf("breach = %+v, want Н002 by appointment, 7 min waited against 5", b)
			}
		})
		t.Run("by "+string(by)+", the sla table names the 5 minutes and counts the booked visitors apart", func(t *testing.T) {
			tb, err := r.Table("sla")
			if err != nil {
				t.Fatal(err)
			}
			col := slices.IndexFunc(tb.Columns, func(c reports.Column) bool { return c.Key == "booked_judged" })
			if col < 0 || !strings.Contains(tb.Columns[col].RU, "5 мин") || !strings.Contains(tb.Columns[col].EN, "5 min") {
				t.Fatalf("columns = %+v, want booked_judged naming the 5 minutes", tb.Columns)
			}
			if len(tb.Rows) == 0 {
				t.Fatal("the sla table has no rows")
			}
			row := tb.Rows[0]
			if got := fmt.Sprint(row[col:]); got != "[3 2 1 66.7]" {
				t.Errorf("booked cells of the first row = %s, want [3 2 1 66.7]", got)
			}
		})
	}
}
