package reports

import (
	"context"
	"fmt"
	"slices"
	"time"

	"eq/queue"
)

// StaffingName is the staffing advice's table: it is read from past weeks,
// not grouped like the report's tables, so it is not among TableNames.
const StaffingName = "staffing"

// Names lists every table a Reader gives: the report's and the staffing
// advice, in the order pages show them.
var Names = append(slices.Clone(TableNames), StaffingName)

// Reader reads the figures of an office from its event log. Pages, the API
// and the command line share one, so that every report of a period is
// counted the same way.
type Reader struct {
	src    EventSource
	office *queue.Office
}

// NewReader returns a Reader of office's log in src.
func NewReader(src EventSource, office *queue.Office) *Reader {
	return &Reader{src: src, office: office}
}

// Office is the office the reader counts for.
func (r *Reader) Office() *queue.Office { return r.office }

// checkPeriod refuses a period that is not two dates in order.
func checkPeriod(from, to string) error {
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return queue.Errorf(queue.EINVALID, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", d)
		}
	}
	if from > to {
		return queue.Errorf(queue.EINVALID, "начало периода %s позже конца %s", "the period's start %s is after its end %s", from, to)
	}
	return nil
}

// Facts tells facts what the days from to to hold, day after day.
func (r *Reader) Facts(ctx context.Context, from, to string, facts Facts) error {
	if err := checkPeriod(from, to); err != nil {
		return err
	}
	if r.office == nil || r.office.Location == nil {
		return queue.Errorf(queue.EINVALID, "не задан офис или его часовой пояс", "no office or office time zone")
	}
	scan := NewScan(r.office, from, to, facts)
	if err := r.src.Events(ctx, from, to, func(ev queue.Event) error {
		scan.Apply(ev)
		return nil
	}); err != nil {
		return fmt.Errorf("reports: %s to %s: %w", from, to, err)
	}
	scan.Finish()
	return nil
}

// Report computes every figure of the days from to to, grouped by by.
func (r *Reader) Report(ctx context.Context, from, to string, by GroupBy) (*Report, error) {
	if _, err := ParseGroupBy(string(by)); err != nil {
		return nil, err
	}
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	if r.office == nil || r.office.Location == nil {
		return nil, queue.Errorf(queue.EINVALID, "не задан офис или его часовой пояс", "no office or office time zone")
	}
	f := newFigures(r.office, by)
	if err := r.Facts(ctx, from, to, f); err != nil {
		return nil, err
	}
	return f.report(from, to), nil
}

// Table computes one of Names over the days from to to. by groups the
// report's tables; the staffing advice has its own rows and ignores it.
func (r *Reader) Table(ctx context.Context, name, from, to string, by GroupBy) (Table, error) {
	if !slices.Contains(Names, name) {
		return Table{}, queue.Errorf(queue.ENOTFOUND, "отчёта %q нет (%s)", "no report %q (%s)", name, fmt.Sprint(Names))
	}
	if name == StaffingName {
		return r.staffingTable(ctx, from, to)
	}
	rep, err := r.Report(ctx, from, to, by)
	if err != nil {
		return Table{}, err
	}
	return rep.Table(name)
}

// Compute computes every figure of the days from to to of office's log in
// src, grouped by by. It replays the log; a Reader reads it once for many.
func Compute(ctx context.Context, src EventSource, office *queue.Office, from, to string, by GroupBy) (*Report, error) {
	return NewReader(src, office).Report(ctx, from, to, by)
}
