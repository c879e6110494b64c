package reports

import (
	"maps"
	"math"
	"slices"
	"strconv"

	"eq/queue"
)

// Ratings are the marks visitors gave on the tablets at the windows, in
// the group of the mark: the day and hour it was given (within
// queue.RatingWindow of the service's end), the service served, the window
// and the operator who served. Mean is over Count, 0 with no marks.
type Ratings struct {
	Key   string  `json:"key"`
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	// Marks is how many of each mark: Marks[0] counts the 1s, Marks[4]
	// the 5s.
	Marks [queue.MaxMark]int `json:"marks"`
	// ByReason counts the marks given with a reason by the reason's id;
	// NoReason the marks given alone. Reasons no mark gave are absent.
	ByReason map[string]int `json:"by_reason,omitempty"`
	NoReason int            `json:"no_reason"`
}

// ratingSum adds up a group's marks.
type ratingSum struct {
	count, sum int
	marks      [queue.MaxMark]int
	byReason   map[string]int
	noReason   int
}

func (r *ratingSum) add(mark int, reason string) {
	if mark < queue.MinMark || mark > queue.MaxMark {
		return // the domain never logs one; a damaged log must not skew the mean
	}
	r.count++
	r.sum += mark
	r.marks[mark-1]++
	if reason == "" {
		r.noReason++
		return
	}
	if r.byReason == nil {
		r.byReason = map[string]int{}
	}
	r.byReason[reason]++
}

func (r *ratingSum) row(key string) Ratings {
	out := Ratings{Key: key, Count: r.count, Marks: r.marks, NoReason: r.noReason}
	if r.count > 0 {
		out.Mean = float64(r.sum) / float64(r.count)
	}
	if len(r.byReason) > 0 {
		out.ByReason = maps.Clone(r.byReason)
	}
	return out
}

func (f *figures) Rating(rt RatingFact) {
	var key string
	switch f.by {
	case ByHour:
		key, _ = f.hour(rt.At)
	case ByService:
		key = rt.Service
	case ByWindow:
		key = windowKey(rt.Window)
	case ByOperator:
		key = rt.Operator
	default:
		key = rt.Day
	}
	for _, g := range []*group{f.group(key), &f.total} {
		g.rating.add(rt.Mark, rt.Reason)
	}
}

// ratingsTable is the visitors' marks: how many, their mean, how many of
// each, and how many came with each reason.
func (r *Report) ratingsTable() Table {
	t := Table{Name: "ratings", Title: queue.Text{RU: "Оценки посетителей", EN: "Visitors' ratings"},
		Columns: append(r.keyColumns(),
			Column{"count", "Оценок", "Marks given"},
			Column{"mean_mark", "Средняя оценка (1–5)", "Mean mark (1–5)"})}
	for m := queue.MinMark; m <= queue.MaxMark; m++ {
		n := strconv.Itoa(m)
		t.Columns = append(t.Columns, Column{"mark_" + n, "Оценок «" + n + "»", "Marks of " + n})
	}
	reasons, reasonCols := r.ratingReasonColumns()
	t.Columns = append(t.Columns, reasonCols...)
	t.Columns = append(t.Columns, Column{"no_reason", "Без причины", "No reason given"})
	t.Rows = grouped(r, r.Ratings, r.Total.Ratings, func(x Ratings) string { return x.Key }, func(x Ratings) []any {
		var mean any
		if x.Count > 0 {
			mean = math.Round(x.Mean*10) / 10
		}
		row := []any{x.Count, mean}
		for _, n := range x.Marks {
			row = append(row, n)
		}
		for _, reason := range reasons {
			row = append(row, x.ByReason[reason])
		}
		return append(row, x.NoReason)
	})
	return t
}

// ratingReasonColumns are the ratings table's columns of marks per reason,
// and the ByReason key of each: every reason the office lists, in its
// order, so the columns stay the same from report to report; then reasons
// since taken off the list, by id, only when some mark had one. A report
// decoded from JSON has no office: its columns are the reasons its rows
// hold.
func (r *Report) ratingReasonColumns() ([]string, []Column) {
	seen := map[string]bool{}
	for _, x := range append(slices.Clone(r.Ratings), r.Total.Ratings) {
		for reason := range x.ByReason {
			seen[reason] = true
		}
	}
	return reasonColumns(r.rOffice().RatingReasons, seen, func(id string, name queue.Text) Column {
		return Column{"reason_" + id, "Причина: " + name.RU, "Reason: " + Localize(name, "en")}
	})
}
