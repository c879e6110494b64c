package reports_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"eq/queue"
	"eq/reports"
)

// listedOffice is the test office with the default break reasons.
func listedOffice() *queue.Office {
	o := testOffice()
	o.BreakReasons = queue.DefaultBreakReasons
	return o
}

// operatorsCells maps the operators table's rows (by the operator column,
// "" for the total) to their cells by column key.
func operatorsCells(t *testing.T, tbl reports.Table) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, row := range tbl.Rows {
		cells := map[string]any{}
		for i, c := range tbl.Columns {
			cells[c.Key] = row[i]
		}
		login, _ := cells["operator"].(string)
		out[login] = cells
	}
	return out
}

func columnKeys(tbl reports.Table) []string {
	var keys []string
	for _, c := range tbl.Columns {
		keys = append(keys, c.Key)
	}
	return keys
}

func TestBreaksByReason(t *testing.T) {
	// The hand-counted day (runDay) was worked by an office with no list:
	// its breaks hold the reasons as typed, as older logs do. op1: "обед"
	// 09:50–10:20, 30 min; op2: "технический перерыв" 08:20–08:40 and
	// 09:51–10:20, 49 min.
	o := runDay(t)

	t.Run("breaks typed by name count under the listed reason of that name", func(t *testing.T) {
		r, err := reports.Compute(o.ctx, o.st, listedOffice(), day, day, reports.ByDay)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]map[string]float64{
			"op1": {"lunch": mins(30)},
			"op2": {"technical": mins(49)},
		}
		for _, w := range r.Operators {
			if got := w.BreakByReason; !mapsNear(got, want[w.Operator]) {
				t.Errorf("%s: break by reason = %v, want %v", w.Operator, got, want[w.Operator])
			}
		}
		if got, want := r.Total.Operators.BreakByReason, map[string]float64{"lunch": mins(30), "technical": mins(49)}; !mapsNear(got, want) {
			t.Errorf("total break by reason = %v, want %v", got, want)
		}

		tbl, err := r.Table("operators")
		if err != nil {
			t.Fatal(err)
		}
		keys := columnKeys(tbl)
		wantCols := []string{"break_technical_min", "break_scheduled_min", "break_lunch_min", "break_training_min", "break_meeting_min", "break_personal_min"}
		if got := keys[len(keys)-len(wantCols):]; !slices.Equal(got, wantCols) {
			t.Fatalf("last columns = %v, want every listed reason in the office's order %v", got, wantCols)
		}
		if slices.Contains(keys, "break_other_min") {
			t.Errorf("columns %v have other reasons, but every break was a listed one", keys)
		}
		cells := operatorsCells(t, tbl)
		for _, c := range []struct {
			row, col string
			want     float64
		}{
			{"op1", "break_lunch_min", 30}, {"op1", "break_technical_min", 0},
			{"op2", "break_technical_min", 49}, {"op2", "break_lunch_min", 0}, {"op2", "break_personal_min", 0},
			{"", "break_lunch_min", 30}, {"", "break_technical_min", 49},
		} {
			if got := cells[c.row][c.col]; got != c.want {
				t.Errorf("row %q %s = %v, want %v", c.row, c.col, got, c.want)
			}
		}

		var b bytes.Buffer
		if err := reports.WriteCSV(&b, tbl, "ru"); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("the CSV does not read back: %v", err)
		}
		if !slices.Contains(recs[0], "Перерывы: обед, мин") || len(recs) != len(tbl.Rows)+1 {
			t.Errorf("CSV header %q with %d records; want a column for lunch and %d rows", recs[0], len(recs), len(tbl.Rows))
		}
		f := exportOpenXLSX(t, []reports.Table{tbl}, "en", "test")
		exportCheckSheet(t, f, reports.SheetNames([]reports.Table{tbl}, "en")[0], tbl, "en", "test")
	})

	t.Run("a reason not in the list counts as other", func(t *testing.T) {
		office := testOffice()
		office.BreakReasons = []queue.BreakReason{{ID: "technical", Name: queue.Text{RU: "технический перерыв", EN: "Technical break"}}}
		r, err := reports.Compute(o.ctx, o.st, office, day, day, reports.ByOperator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, _ := r.Table("operators")
		if got, want := columnKeys(tbl)[len(tbl.Columns)-2:], []string{"break_technical_min", "break_other_min"}; !slices.Equal(got, want) {
			t.Fatalf("last columns = %v, want %v", got, want)
		}
		cells := tbl.Rows[0] // op1, by operator
		if got := cells[len(cells)-1]; got != 30.0 {
			t.Errorf("op1's other breaks = %v, want 30 (lunch is not listed)", got)
		}
	})

	t.Run("a report read back from JSON keeps the split and its columns", func(t *testing.T) {
		r, err := reports.Compute(o.ctx, o.st, listedOffice(), day, day, reports.ByDay)
		if err != nil {
			t.Fatal(err)
		}
		back := jsonRoundTrip(t, r)
		tbl, _ := back.Table("operators")
		if got, want := columnKeys(tbl)[len(tbl.Columns)-2:], []string{"break_lunch_min", "break_technical_min"}; !slices.Equal(got, want) {
			t.Fatalf("last columns = %v, want the reasons the rows hold, by id", got)
		}
		if got := operatorsCells(t, tbl)[""]["break_technical_min"]; got != 49.0 {
			t.Errorf("total technical = %v, want 49", got)
		}
	})

	t.Run("breaks an office with the list records by id are summed by id", func(t *testing.T) {
		o := newOffice(t)
		state, err := queue.NewState(listedOffice())
		if err != nil {
			t.Fatal(err)
		}
		o.eng = queue.NewEngine(state, o.st, queue.ClockFunc(func() time.Time { return o.now }), nil)
		o.at(day, "08:00")
		if err := o.eng.Roll(o.ctx); err != nil {
			t.Fatal(err)
		}
		o.do(1, queue.ActionOpen)
		o.do(2, queue.ActionOpen)
		o.do(1, queue.ActionBreak, func(c *queue.WindowCommand) { c.Reason = "training" })
		o.at(day, "08:25")
		o.do(1, queue.ActionResume)
		o.do(1, queue.ActionBreak, func(c *queue.WindowCommand) { c.Reason = "Personal" })
		o.at(day, "08:30")
		o.do(1, queue.ActionResume)
		o.at(day, "09:00")
		r, err := reports.Compute(o.ctx, o.st, listedOffice(), day, day, reports.ByOperator)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Operators[0].BreakByReason, map[string]float64{"training": mins(25), "personal": mins(5)}; r.Operators[0].Operator != "op1" || !mapsNear(got, want) {
			t.Errorf("op1 = %+v, want breaks %v", r.Operators[0], want)
		}
	})
}

func mapsNear(got, want map[string]float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !near(g, w) {
			return false
		}
	}
	return true
}
