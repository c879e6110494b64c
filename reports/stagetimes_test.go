package reports_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"

	"eq/queue"
	"eq/reports"
)

// walkDay plays a short day at window 1 whose walks to the window differ,
// for the stage times. op1 opens at 08:00.
//
//	ticket  issued  called  wait  started  walk  ended          service
//	П001    08:00   08:02    2    08:05     3    08:15 served     10
//	П002    08:01   08:20   19    08:21     1    08:30 served      9
//	П003    08:03   08:30   27    —         —    08:32 no-show     —
//	П004    08:10   08:40   30    08:46     6    08:50 served      4
//
// Then a break 08:50–09:00 (allowed by a manager: no other window is open)
// and the window closes at 09:05.
//
// Idle at window 1: 08:00–08:02 (2), 08:15–08:20 (5), none from П002's
// finish to П003's call (both 08:30), 08:32–08:40 (8), the break is not
// idle, 09:00–09:05 (5): 20 min. Check: signed in 65 = break 10 + called
// or serving 13 + 10 + 2 + 10 = 35 + idle 20.
func walkDay(t *testing.T) *office {
	o := newOffice(t)
	o.at(day, "08:00")
	if err := o.eng.Roll(o.ctx); err != nil {
		t.Fatal(err)
	}
	o.do(1, queue.ActionOpen)
	o.issue("passport", "") // П001
	o.at(day, "08:01")
	o.issue("passport", "") // П002
	o.at(day, "08:02")
	o.callNext(1, "П001")
	o.at(day, "08:03")
	o.issue("passport", "") // П003
	o.at(day, "08:05")
	o.do(1, queue.ActionStart)
	o.at(day, "08:10")
	o.issue("passport", "") // П004
	o.at(day, "08:15")
	o.do(1, queue.ActionFinish)
	o.at(day, "08:20")
	o.callNext(1, "П002")
	o.at(day, "08:21")
	o.do(1, queue.ActionStart)
	o.at(day, "08:30")
	o.do(1, queue.ActionFinish)
	o.callNext(1, "П003")
	o.at(day, "08:32")
	o.do(1, queue.ActionNoShow)
	o.at(day, "08:40")
	o.callNext(1, "П004")
	o.at(day, "08:46")
	o.do(1, queue.ActionStart)
	o.at(day, "08:50")
	o.do(1, queue.ActionFinish)
	o.do(1, queue.ActionBreak, func(c *queue.WindowCommand) {
		c.Reason, c.Minutes, c.Override = "обед", 10, true
		c.Actor = queue.Actor{Login: "boss", Role: queue.RoleManager}
	})
	o.at(day, "09:00")
	o.do(1, queue.ActionResume)
	o.at(day, "09:05")
	o.do(1, queue.ActionClose)
	return o
}

// tableCells maps a table's rows, by the text of their first cell (the
// total's in English), to their cells by column key.
func tableCells(tbl reports.Table) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, row := range tbl.Rows {
		cells := map[string]any{}
		for i, c := range tbl.Columns {
			cells[c.Key] = row[i]
		}
		key, ok := row[0].(string)
		if text, isText := row[0].(queue.Text); isText {
			key, ok = text.EN, true
		}
		if ok {
			out[key] = cells
		}
	}
	return out
}

func TestStageTimes(t *testing.T) {
	t.Run("walks to the window run from the call to the start of service", func(t *testing.T) {
		o := walkDay(t)
		r := compute(t, o, day, day, reports.ByDay)
		// Walks, sorted: 1 3 6 (П003 never started: no walk). Mean 10/3;
		// median 3; p90 at rank 0.9·2 = 1.8: 3 + 0.8·(6−3) = 5.4; max 6.
		// Waits, sorted: 2 19 27 30. Mean 78/4 = 19.5; median (19+27)/2 =
		// 23; p90 at rank 2.7: 27 + 0.7·3 = 29.1; max 30. Services 10 9 4:
		// mean 23/3, median 9, max 10.
		w := r.Total.Waits
		got := []float64{float64(w.Walks), w.WalkMean, w.WalkMedian, w.WalkP90, w.WalkMax,
			float64(w.Waits), w.WaitMean, w.WaitMedian, w.WaitP90, w.WaitMax,
			float64(w.Services), w.ServiceMean, w.ServiceMedian, w.ServiceMax}
		want := []float64{3, mins(10.0 / 3), mins(3), mins(5.4), mins(6),
			4, mins(19.5), mins(23), mins(29.1), mins(30),
			3, mins(23.0 / 3), mins(9), mins(10)}
		for i := range want {
			if !near(got[i], want[i]) {
				t.Errorf("times = %+v\nfield %d = %v, want %v", w, i, got[i], want[i])
			}
		}
		if len(r.Waits) != 1 || r.Waits[0].Key != day || !near(r.Waits[0].WalkP90, w.WalkP90) {
			t.Errorf("times by day = %+v, want the one day with the totals", r.Waits)
		}

		tbl, err := r.Table("waits")
		if err != nil {
			t.Fatal(err)
		}
		// Minutes to 0.1: 10/3 → 3.3.
		total := tableCells(tbl)["Total"]
		for key, want := range map[string]any{"walks": 3, "walk_mean_min": 3.3, "walk_median_min": 3.0,
			"walk_p90_min": 5.4, "walk_max_min": 6.0, "wait_mean_min": 19.5, "service_mean_min": 7.7} {
			if got := total[key]; got != want {
				t.Errorf("waits table total %s = %v (%T), want %v", key, got, got, want)
			}
		}
	})

	t.Run("idle time is the open window's time with nobody called, breaks apart", func(t *testing.T) {
		o := walkDay(t)
		r := compute(t, o, day, day, reports.ByOperator)
		// 20 min idle (see walkDay) over the 3 services ended: 20/3 each.
		if len(r.Operators) != 1 || r.Operators[0].Operator != "op1" {
			t.Fatalf("operators = %+v, want op1 alone", r.Operators)
		}
		op := r.Operators[0]
		if !near(op.Idle, mins(20)) || !near(op.IdleMean, mins(20.0/3)) || !near(op.SignedIn, mins(65)) || !near(op.Break, mins(10)) {
			t.Errorf("op1 = %+v, want idle 20 min, 20/3 per service, signed in 65, break 10", op)
		}
	})

	o := runDay(t)

	t.Run("the hand-counted day's walks are all one minute", func(t *testing.T) {
		// Every started stage of runDay was started a minute after its
		// call: П001 П002 Н001 П005 Н002 П005' П006 П007 = 8; П004 was
		// called and never started.
		w := compute(t, o, day, day, reports.ByDay).Total.Waits
		if w.Walks != 8 || !near(w.WalkMean, mins(1)) || !near(w.WalkMedian, mins(1)) || !near(w.WalkMax, mins(1)) {
			t.Errorf("walks = %d, mean %v, median %v, max %v; want 8 of 60 s", w.Walks, w.WalkMean, w.WalkMedian, w.WalkMax)
		}
	})

	t.Run("operators are idle from a free window to the next call", func(t *testing.T) {
		// op1 (window 1, 08:00–10:20): 08:00–08:04 before П001 (4); the
		// finishes of П001 and П002 are followed at once by a call; П004's
		// no-show 08:32 to П005's call 08:50 (18); П005 forwarded 09:06 to
		// П006's call 09:40 (34); П006's finish 09:50 starts the break.
		// 56 min; 4 services ended: 14 each.
		// Check: 140 signed in − 30 break − called or serving (11 + 16 + 1
		// + 16 + 10 = 54) = 56.
		// op2 (window 2): 08:00–08:04 before Н001 (4); Н001's finish 08:20
		// starts the break; back 08:40, Н002 called 09:00 (20); П005'
		// ends 09:20, П007 called 09:43 (23); П007 ends 09:50, break 09:51
		// (1). 48 min over 4 services: 12.
		// Check: 140 − 49 − (16 + 10 + 10 + 7 = 43) = 48.
		r := compute(t, o, day, day, reports.ByDay)
		want := map[string][2]float64{"op1": {mins(56), mins(14)}, "op2": {mins(48), mins(12)}}
		for _, w := range r.Operators {
			if got := [2]float64{w.Idle, w.IdleMean}; !near(got[0], want[w.Operator][0]) || !near(got[1], want[w.Operator][1]) {
				t.Errorf("%s: idle, per service = %v, want %v", w.Operator, got, want[w.Operator])
			}
		}
		if tot := r.Total.Operators; !near(tot.Idle, mins(104)) || !near(tot.IdleMean, mins(13)) {
			t.Errorf("all operators: idle %v, per service %v; want 104 min, 104/8 = 13", tot.Idle, tot.IdleMean)
		}

		tbl, err := r.Table("operators")
		if err != nil {
			t.Fatal(err)
		}
		cells := operatorsCells(t, tbl)
		for _, c := range []struct {
			row, col string
			want     float64
		}{
			{"op1", "idle_min", 56}, {"op1", "idle_mean_min", 14},
			{"op2", "idle_min", 48}, {"op2", "idle_mean_min", 12},
			{"", "idle_min", 104}, {"", "idle_mean_min", 13},
		} {
			if got := cells[c.row][c.col]; got != c.want {
				t.Errorf("row %q %s = %v, want %v", c.row, c.col, got, c.want)
			}
		}
	})

	t.Run("by hour, idle time is split at the hours", func(t *testing.T) {
		// op1: at 08, 4 + 18 (08:32–08:50) = 22; at 09, 09:06–09:40 = 34;
		// at 10 on a break, no idle.
		r := compute(t, o, day, day, reports.ByHour)
		want := map[string]float64{"08": mins(22), "09": mins(34), "10": 0}
		for _, w := range r.Operators {
			if w.Operator == "op1" && !near(w.Idle, want[w.Key]) {
				t.Errorf("op1 at %s: idle %v, want %v", w.Key, w.Idle, want[w.Key])
			}
		}
	})

	t.Run("by service, idle time is no service's and only in the total", func(t *testing.T) {
		r := compute(t, o, day, day, reports.ByService)
		for _, w := range r.Operators {
			if w.Idle != 0 {
				t.Errorf("%s %s: idle %v, want none by service", w.Key, w.Operator, w.Idle)
			}
		}
		if !near(r.Total.Operators.Idle, mins(104)) {
			t.Errorf("total idle %v, want 104 min", r.Total.Operators.Idle)
		}
	})

	t.Run("the stage times survive CSV, XLSX and JSON", func(t *testing.T) {
		r := compute(t, o, day, day, reports.ByDay)
		for _, name := range []string{"waits", "operators"} {
			tbl, err := r.Table(name)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := reports.WriteCSV(&b, tbl, "en"); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatalf("%s: the CSV does not read back: %v", name, err)
			}
			wantHeader := map[string]string{"waits": "Walk to the window: mean, min", "operators": "Idle between services, min"}[name]
			if !slices.Contains(recs[0], wantHeader) || len(recs) != len(tbl.Rows)+1 {
				t.Errorf("%s: CSV header %q with %d records; want %q and %d rows", name, recs[0], len(recs), wantHeader, len(tbl.Rows))
			}
			f := exportOpenXLSX(t, []reports.Table{tbl}, "ru", "test")
			exportCheckSheet(t, f, reports.SheetNames([]reports.Table{tbl}, "ru")[0], tbl, "ru", "test")
		}

		back := jsonRoundTrip(t, r)
		if back.Total.Waits.Walks != 8 || !near(back.Total.Operators.Idle, mins(104)) || !near(back.Total.Operators.IdleMean, mins(13)) {
			t.Errorf("read back: walks %d, idle %v, per service %v", back.Total.Waits.Walks, back.Total.Operators.Idle, back.Total.Operators.IdleMean)
		}
		tbl, _ := back.Table("operators")
		if got := operatorsCells(t, tbl)["op1"]["idle_min"]; got != 56.0 {
			t.Errorf("read back op1 idle = %v, want 56", got)
		}
	})
}

// jsonRoundTrip is r written as JSON and read back, as the API's clients
// and the kept report days get it.
func jsonRoundTrip(t *testing.T, r *reports.Report) reports.Report {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back reports.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	return back
}
