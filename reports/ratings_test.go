package reports_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"eq/queue"
	"eq/reports"
)

// ratedOffice is the test office with the default rating reasons.
func ratedOffice() *queue.Office {
	o := testOffice()
	o.RatingReasons = queue.DefaultRatingReasons
	return o
}

// newRatedOffice is newOffice for ratedOffice, whose tablets take reasons.
func newRatedOffice(t *testing.T) *office {
	t.Helper()
	return newOfficeOf(t, ratedOffice())
}

// rate gives ticket's service at window n the mark, as its tablet does.
func (o *office) rate(n int, ticket string, mark int, reason string) {
	o.t.Helper()
	if _, err := o.eng.Rate(o.ctx, queue.RateRequest{Window: n, Ticket: ticket, Mark: mark, Reason: reason}); err != nil {
		o.t.Fatalf("%s rate %s at window %d: %v", o.now.Format("15:04"), ticket, n, err)
	}
}

// serveAt calls the next visitor at window n, checks it is number, and
// serves them from start to finish; it returns the ticket's id.
func (o *office) serveAt(n int, number, start, finish string) string {
	o.t.Helper()
	o.at(day, start)
	o.callNext(n, number)
	v := o.do(n, queue.ActionStart)
	o.at(day, finish)
	o.do(n, queue.ActionFinish)
	return v.Current.ID
}

// rateDay plays the day of the hand-counted marks:
//
//	ticket  service   window operator  finished  marked  mark  reason
//	П001    passport  1      op1       09:10     09:11   5     —
//	Н001    property  2      op2       09:20     09:21   2     long-wait
//	П002    passport  1      op1       09:25     09:26   4     fast (given as "Quick and convenient")
//	П003    passport  2      op2       09:40     09:41   1     impolite (given as "Невежливое обращение")
//	Н002    property  1      op1       09:50     —       —     (the visitor did not rate)
//	П004    passport  1      op1       10:00     10:05   5     explained-well
//	П005    passport  1      op1       10:10     10:21   —     refused: past the rating window
//
// and one ticket the next day, so that the day is settled and kept.
func rateDay(t *testing.T) *office {
	o := newRatedOffice(t)
	o.at(day, "09:00")
	o.do(1, queue.ActionOpen)
	o.do(2, queue.ActionOpen)
	o.issue("passport", "") // П001
	o.issue("property", "") // Н001
	p001 := o.serveAt(1, "П001", "09:01", "09:10")
	o.at(day, "09:11")
	o.rate(1, p001, 5, "")
	o.issue("passport", "") // П002
	n001 := o.serveAt(2, "Н001", "09:01", "09:20")
	o.at(day, "09:21")
	o.rate(2, n001, 2, "long-wait")
	p002 := o.serveAt(1, "П002", "09:22", "09:25")
	o.at(day, "09:26")
	o.rate(1, p002, 4, "Quick and convenient")
	o.at(day, "09:30")
	o.issue("passport", "") // П003: window 2 serves passports at level 2, its own queue is empty
	p003 := o.serveAt(2, "П003", "09:31", "09:40")
	o.at(day, "09:41")
	o.rate(2, p003, 1, "Невежливое обращение")
	o.at(day, "09:42")
	o.issue("property", "") // Н002
	o.serveAt(1, "Н002", "09:43", "09:50")
	o.at(day, "09:51")
	o.issue("passport", "") // П004
	p004 := o.serveAt(1, "П004", "09:52", "10:00")
	o.at(day, "10:05")
	o.rate(1, p004, 5, "explained-well")
	o.issue("passport", "") // П005
	p005 := o.serveAt(1, "П005", "10:06", "10:10")
	o.at(day, "10:21")
	if _, err := o.eng.Rate(o.ctx, queue.RateRequest{Window: 1, Ticket: p005, Mark: 1}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("a mark 11 minutes after the service: %v, want it refused", err)
	}
	o.do(1, queue.ActionClose)
	o.do(2, queue.ActionClose)
	o.at(dayAfter, "08:00")
	o.issue("passport", "")
	return o
}

func computeRated(t *testing.T, o *office, office *queue.Office, by reports.GroupBy) *reports.Report {
	t.Helper()
	r, err := reports.Compute(o.ctx, o.st, office, day, day, by)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRatingsHandCounted(t *testing.T) {
	o := rateDay(t)
	total := reports.Ratings{Count: 5, Mean: 17.0 / 5, Marks: [5]int{1, 1, 0, 1, 2}, NoReason: 1,
		ByReason: map[string]int{"long-wait": 1, "fast": 1, "impolite": 1, "explained-well": 1}}
	op1 := reports.Ratings{Key: "op1", Count: 3, Mean: 14.0 / 3, Marks: [5]int{0, 0, 0, 1, 2}, NoReason: 1,
		ByReason: map[string]int{"fast": 1, "explained-well": 1}}
	op2 := reports.Ratings{Key: "op2", Count: 2, Mean: 3.0 / 2, Marks: [5]int{1, 1, 0, 0, 0},
		ByReason: map[string]int{"long-wait": 1, "impolite": 1}}
	tests := []struct {
		by   reports.GroupBy
		want []reports.Ratings
	}{
		{reports.ByOperator, []reports.Ratings{op1, op2}},
		{reports.ByService, []reports.Ratings{
			{Key: "passport", Count: 4, Mean: 15.0 / 4, Marks: [5]int{1, 0, 0, 1, 2}, NoReason: 1,
				ByReason: map[string]int{"fast": 1, "impolite": 1, "explained-well": 1}},
			{Key: "property", Count: 1, Mean: 2, Marks: [5]int{0, 1, 0, 0, 0}, ByReason: map[string]int{"long-wait": 1}},
		}},
		{reports.ByWindow, []reports.Ratings{withKey(op1, "1"), withKey(op2, "2")}},
		{reports.ByHour, []reports.Ratings{
			{Key: "09", Count: 4, Mean: 12.0 / 4, Marks: [5]int{1, 1, 0, 1, 1}, NoReason: 1,
				ByReason: map[string]int{"long-wait": 1, "fast": 1, "impolite": 1}},
			{Key: "10", Count: 1, Mean: 5, Marks: [5]int{0, 0, 0, 0, 1}, ByReason: map[string]int{"explained-well": 1}},
		}},
		{reports.ByDay, []reports.Ratings{withKey(total, day)}},
	}
	for _, tt := range tests {
		t.Run("by "+string(tt.by)+" the marks are the ones counted by hand", func(t *testing.T) {
			// Twice: the first report scans the events and keeps the
			// settled day, the second reads the kept record back.
			for _, pass := range []string{"scanned", "kept"} {
				r := computeRated(t, o, ratedOffice(), tt.by)
				if !ratingsNear(r.Ratings, tt.want) {
					t.Errorf("%s: rows\n%+v\nwant\n%+v", pass, r.Ratings, tt.want)
				}
				if !ratingsNear([]reports.Ratings{r.Total.Ratings}, []reports.Ratings{total}) {
					t.Errorf("%s: total %+v, want %+v", pass, r.Total.Ratings, total)
				}
				if kept, err := o.st.KeptDays(o.ctx, day, day); err != nil || kept[day] == "" {
					t.Fatalf("after the %s report the day is not kept (%v): the next pass would not read a record", pass, err)
				}
			}
		})
	}

	t.Run("the table gives each operator's marks, mean to 0.1, and every listed reason", func(t *testing.T) {
		r := computeRated(t, o, ratedOffice(), reports.ByOperator)
		tbl, err := r.Table("ratings")
		if err != nil {
			t.Fatal(err)
		}
		wantCols := []string{"operator", "name", "count", "mean_mark", "mark_1", "mark_2", "mark_3", "mark_4", "mark_5",
			"reason_long-wait", "reason_long-service", "reason_not-solved", "reason_impolite", "reason_explained-well", "reason_fast",
			"no_reason"}
		if got := columnKeys(tbl); !slices.Equal(got, wantCols) {
			t.Fatalf("columns = %v\nwant %v", got, wantCols)
		}
		name := func(s string) queue.Text { return queue.Text{RU: s, EN: s} }
		wantRows := [][]any{
			{"op1", name("Иванова Анна Сергеевна"), 3, 4.7, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 1, 1},
			{"op2", name("Петров Олег Ильич"), 2, 1.5, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0},
			{queue.Text{RU: "Итого", EN: "Total"}, nil, 5, 3.4, 1, 1, 0, 1, 2, 1, 0, 0, 1, 1, 1, 1},
		}
		if !reflect.DeepEqual(tbl.Rows, wantRows) {
			t.Errorf("rows\n%v\nwant\n%v", tbl.Rows, wantRows)
		}
		for _, c := range tbl.Columns {
			if c.RU == "" || c.EN == "" {
				t.Errorf("column %s lacks a header", c.Key)
			}
		}
	})

	t.Run("by service the table names the services and rounds the mean to 0.1", func(t *testing.T) {
		r := computeRated(t, o, ratedOffice(), reports.ByService)
		tbl, _ := r.Table("ratings")
		cells := tableCells(tbl)
		if got := cells["passport"]["mean_mark"]; got != 3.8 { // 15/4 = 3.75
			t.Errorf("passport mean = %v, want 3.8", got)
		}
		if got := cells["property"]["reason_long-wait"]; got != 1 {
			t.Errorf("property long waits = %v, want 1", got)
		}
		if got := cells["passport"]["name"]; got != (queue.Text{RU: "Паспорт", EN: "Passport"}) {
			t.Errorf("passport's name = %v", got)
		}
	})

	t.Run("a reason taken off the list since counts under its id, after the listed ones", func(t *testing.T) {
		office := ratedOffice()
		office.RatingReasons = []queue.Reason{{ID: "fast", Name: queue.Text{RU: "быстро", EN: "Fast"}}}
		r := computeRated(t, o, office, reports.ByOperator)
		tbl, _ := r.Table("ratings")
		want := []string{"reason_fast", "reason_explained-well", "reason_impolite", "reason_long-wait", "no_reason"}
		if got := columnKeys(tbl)[9:]; !slices.Equal(got, want) {
			t.Fatalf("reason columns = %v, want %v", got, want)
		}
		if got := tableCells(tbl)["Total"]["reason_impolite"]; got != 1 {
			t.Errorf("total impolite = %v, want 1", got)
		}
	})

	t.Run("a report read back from JSON keeps its marks and their reasons", func(t *testing.T) {
		r := computeRated(t, o, ratedOffice(), reports.ByOperator)
		back := jsonRoundTrip(t, r)
		if !ratingsNear(back.Ratings, []reports.Ratings{op1, op2}) {
			t.Errorf("read back %+v", back.Ratings)
		}
		tbl, _ := back.Table("ratings")
		cells := tableCells(tbl)
		if got := cells["op2"]["reason_impolite"]; got != 1 {
			t.Errorf("read back op2 impolite = %v, want 1", got)
		}
		data, _ := json.Marshal(r.Ratings[0])
		for _, want := range []string{`"marks":[0,0,0,1,2]`, `"count":3`, `"no_reason":1`, `"fast":1`} {
			if !bytes.Contains(data, []byte(want)) {
				t.Errorf("JSON %s lacks %s", data, want)
			}
		}
	})

	t.Run("the table is written as CSV and XLSX", func(t *testing.T) {
		r := computeRated(t, o, ratedOffice(), reports.ByOperator)
		tbl, _ := r.Table("ratings")
		var b bytes.Buffer
		if err := reports.WriteCSV(&b, tbl, "ru"); err != nil {
			t.Fatal(err)
		}
		recs := exportReadCSV(t, b.Bytes())
		if len(recs) != 4 || !slices.Contains(recs[0], "Средняя оценка (1–5)") || !slices.Contains(recs[0], "Причина: невежливое обращение") {
			t.Fatalf("CSV = %q", recs)
		}
		if got, want := recs[1][:4], []string{"op1", "Иванова Анна Сергеевна", "3", "4.7"}; !slices.Equal(got, want) {
			t.Errorf("CSV op1 = %q, want %q", got, want)
		}
		for _, lang := range reports.Langs {
			f := exportOpenXLSX(t, []reports.Table{tbl}, lang, "test")
			exportCheckSheet(t, f, reports.SheetNames([]reports.Table{tbl}, lang)[0], tbl, lang, "test")
		}
	})

	t.Run("a period without marks has only the total, with no mean", func(t *testing.T) {
		r, err := reports.Compute(o.ctx, o.st, ratedOffice(), dayAfter, dayAfter, reports.ByOperator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, _ := r.Table("ratings")
		if len(r.Ratings) != 0 || len(tbl.Rows) != 1 || tbl.Rows[0][2] != 0 || tbl.Rows[0][3] != nil {
			t.Errorf("rows %v, ratings %+v; want the total alone, 0 marks and no mean", tbl.Rows, r.Ratings)
		}
	})
}

func withKey(r reports.Ratings, key string) reports.Ratings {
	r.Key = key
	return r
}

func ratingsNear(got, want []reports.Ratings) bool {
	return slices.EqualFunc(got, want, func(a, b reports.Ratings) bool {
		if len(a.ByReason) == 0 && len(b.ByReason) == 0 {
			a.ByReason, b.ByReason = nil, nil
		}
		ma, mb := a.Mean, b.Mean
		a.Mean, b.Mean = 0, 0
		return near(ma, mb) && reflect.DeepEqual(a, b)
	})
}
