package reports

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"eq/queue"
)

// StaffingName is the staffing advice's table: it is read from past weeks,
// not grouped like the report's tables, so it is not among TableNames.
const StaffingName = "staffing"

// Names lists every table a Reader gives: the report's and the staffing
// advice, in the order pages show them.
var Names = append(slices.Clone(TableNames), StaffingName)

// DayCache keeps the facts of working days that no event can change any
// more, so that a report over a year reads a year of compact records
// instead of replaying a year of events. *store.Store is one.
type DayCache interface {
	// LastDay is the working day of the log's newest event, "" for none.
	LastDay(ctx context.Context) (string, error)
	// KeptDays lists the days of fromDay to toDay that have a record,
	// with the key each was kept under.
	KeptDays(ctx context.Context, fromDay, toDay string) (map[string]string, error)
	// ReportDays gives the records kept for the days fromDay to toDay, in
	// day order, with the key each was kept under; a record is only valid
	// during the call.
	ReportDays(ctx context.Context, fromDay, toDay string, fn func(day, key string, facts []byte) error) error
	// PutReportDays keeps records of days under key.
	PutReportDays(ctx context.Context, key string, days map[string][]byte) error
}

// Reader reads the figures of an office from its event log. Pages, the API
// and the command line share one, so that every report of a period is
// counted the same way.
//
// When the log's source is also a DayCache, the Reader keeps each settled
// day's facts there the first time it reads the day, and reads them back
// after: a day is settled once a later day has events (no event of it can
// come any more) and all of its appointments are resolved (none can be
// released as missed later). Today, and a past day with an appointment not
// yet released, are replayed from the events every time.
type Reader struct {
	src    EventSource
	cache  DayCache // nil: every day is replayed
	office *queue.Office
	key    string // what the cached facts must have been made with
}

// NewReader returns a Reader of office's log in src.
func NewReader(src EventSource, office *queue.Office) *Reader {
	r := &Reader{src: src, office: office}
	if c, ok := src.(DayCache); ok && office != nil {
		r.cache, r.key = c, cacheKey(office)
	}
	return r
}

// cacheKey names what a day's facts depend on beside the events: the
// record's version and the wait targets — the services' and the booked
// visitors' — which Scan writes into every stage. A config with other
// targets makes the days again.
func cacheKey(office *queue.Office) string {
	h := fnv.New64a()
	for _, svc := range office.Services {
		fmt.Fprintf(h, "%s=%d;", svc.ID, svc.WaitTarget)
	}
	fmt.Fprintf(h, "booked=%d;", office.ApptWaitTarget())
	return fmt.Sprintf("v%d-%016x", factsVersion, h.Sum64())
}

// Office is the office the reader counts for.
func (r *Reader) Office() *queue.Office { return r.office }

// checkPeriod refuses a period that is not two dates in order.
func checkPeriod(from, to string) error {
	var dates [2]time.Time
	for i, d := range []string{from, to} {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return queue.Errorf(queue.EINVALID, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", d)
		}
		dates[i] = t
	}
	if dates[0].After(dates[1]) {
		return queue.Errorf(queue.EINVALID, "начало периода %s позже конца %s", "the period's start %s is after its end %s", from, to)
	}
	// A period of millennia would hold a record per day in memory: a typo
	// in a year must not take the server down for minutes.
	if dates[1].Sub(dates[0]) >= maxPeriodDays*24*time.Hour {
		return queue.Errorf(queue.EINVALID, "период длиннее %d дней: разбейте его на части", "the period is longer than %d days: split it", maxPeriodDays)
	}
	return nil
}

// maxPeriodDays is the longest report period, a century: enough for
// "everything so far", while a typo in a year (0001, 9999) is refused.
const maxPeriodDays = 36600

// Facts tells facts what the days from to to hold, day after day.
func (r *Reader) Facts(ctx context.Context, from, to string, facts Facts) error {
	return r.facts(ctx, from, to, facts, true)
}

// Keep makes and keeps the records of the settled days from to to that
// have none yet, so that the reports that follow read them fast. The
// server keeps the past year at start and each day as the next opens.
func (r *Reader) Keep(ctx context.Context, from, to string) error {
	return r.facts(ctx, from, to, NoFacts{}, false)
}

// maxStretch bounds the days scanned at once: their records are held
// until the scan ends.
const maxStretch = 31

func (r *Reader) facts(ctx context.Context, from, to string, facts Facts, replayKept bool) error {
	if err := checkPeriod(from, to); err != nil {
		return err
	}
	if r.office == nil || r.office.Location == nil {
		return queue.Errorf(queue.EINVALID, "не задан офис или его часовой пояс", "no office or office time zone")
	}
	if r.cache == nil {
		return r.replay(ctx, from, to, facts)
	}
	last, err := r.cache.LastDay(ctx)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	kept := map[string]bool{}
	if last != "" && from < last {
		keys, err := r.cache.KeptDays(ctx, from, min(to, last))
		if err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		for day, key := range keys {
			kept[day] = key == r.key
		}
	}
	// Days run in order: each stretch of kept days replayed from their
	// records, each stretch of the others scanned from the events into
	// records first, so that both reach facts the same way. A stretch at
	// a time holds memory to what one read needs.
	days, err := daysOf(from, to)
	if err != nil {
		return err
	}
	for i := 0; i < len(days); {
		j := i + 1
		for j < len(days) && kept[days[j]] == kept[days[i]] && (kept[days[i]] || j-i < maxStretch) {
			j++
		}
		switch {
		case !kept[days[i]]:
			err = r.scanDays(ctx, days[i:j], last, facts)
		case replayKept:
			err = r.replayKept(ctx, days[i], days[j-1], facts)
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// replayKept tells facts what the records of the days from to to hold.
func (r *Reader) replayKept(ctx context.Context, from, to string, facts Facts) error {
	err := r.cache.ReportDays(ctx, from, to, func(day, key string, rec []byte) error {
		if key != r.key { // made again meanwhile by a reader of another config
			return fmt.Errorf("the record of %s changed while read", day)
		}
		return replayDay(day, rec, facts)
	})
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// scanDays replays the events of days (one stretch, in order) into
// records, tells facts what they hold and keeps the settled ones.
func (r *Reader) scanDays(ctx context.Context, days []string, last string, facts Facts) error {
	rec := &recorder{days: map[string]*dayEncoder{}, open: map[string]map[string]bool{}}
	for _, d := range days {
		enc, err := newDayEncoder(d)
		if err != nil {
			return err
		}
		rec.days[d] = enc
	}
	if err := r.replay(ctx, days[0], days[len(days)-1], rec); err != nil {
		return err
	}
	if rec.err != nil {
		return fmt.Errorf("reports: %w", rec.err)
	}
	settled := map[string][]byte{}
	for _, d := range days {
		buf := rec.days[d].buf
		if err := replayDay(d, buf, facts); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		if d < last && len(rec.open[d]) == 0 {
			if buf == nil {
				buf = []byte{} // a day without events is kept too: NOT NULL
			}
			settled[d] = buf
		}
	}
	if len(settled) > 0 {
		if err := r.cache.PutReportDays(ctx, r.key, settled); err != nil {
			// The report is right without them; the next one scans again.
			return fmt.Errorf("reports: %w", err)
		}
	}
	return nil
}

// replay scans the events of from to to straight into facts.
func (r *Reader) replay(ctx context.Context, from, to string, facts Facts) error {
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

// daysOf lists the dates from to to.
func daysOf(from, to string) ([]string, error) {
	t, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	// Dates compare as times, not strings: the day after 9999-12-31 is
	// "10000-01-01", which sorts before it.
	var days []string
	for ; !t.After(end); t = t.AddDate(0, 0, 1) {
		days = append(days, t.Format(time.DateOnly))
	}
	return days, nil
}

// recorder writes facts into the records of their days and notes each
// day's appointments still unresolved.
type recorder struct {
	days map[string]*dayEncoder
	open map[string]map[string]bool // day → codes booked, not yet resolved
	err  error
}

func (c *recorder) day(day string) *dayEncoder {
	enc := c.days[day]
	if enc == nil && c.err == nil {
		c.err = fmt.Errorf("a fact of %s outside the days scanned", day)
	}
	return enc
}

func (c *recorder) Issued(st Stage) {
	if e := c.day(st.Day); e != nil {
		e.Issued(st)
	}
}

func (c *recorder) StageEnded(st Stage) {
	if e := c.day(st.Day); e != nil {
		e.StageEnded(st)
	}
}

func (c *recorder) Work(w Work) {
	if e := c.day(w.Day); e != nil {
		e.Work(w)
	}
}

func (c *recorder) QueueLevel(q QueueLevel) {
	if e := c.day(q.Day); e != nil {
		e.QueueLevel(q)
	}
}

func (c *recorder) Rating(r RatingFact) {
	if e := c.day(r.Day); e != nil {
		e.Rating(r)
	}
}

func (c *recorder) Appointment(a AppointmentFact) {
	e := c.day(a.Day)
	if e == nil {
		return
	}
	e.Appointment(a)
	codes := c.open[a.Day]
	if codes == nil {
		codes = map[string]bool{}
		c.open[a.Day] = codes
	}
	if a.Type == queue.EventAppointmentBooked {
		codes[a.Code] = true
	} else {
		delete(codes, a.Code)
	}
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
	t, err := r.Tables(ctx, []string{name}, from, to, by)
	if err != nil {
		return Table{}, err
	}
	return t[0], nil
}

// Tables computes the tables names, of Names, over the days from to to:
// the report's tables from one pass over the period.
func (r *Reader) Tables(ctx context.Context, names []string, from, to string, by GroupBy) ([]Table, error) {
	var rep *Report
	out := make([]Table, 0, len(names))
	for _, name := range names {
		if !slices.Contains(Names, name) {
			return nil, queue.Errorf(queue.ENOTFOUND, "отчёта %q нет (%s)", "no report %q (%s)", name, strings.Join(Names, ", "))
		}
		if name == StaffingName {
			t, err := r.staffingTable(ctx, from, to)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			continue
		}
		if rep == nil {
			var err error
			if rep, err = r.Report(ctx, from, to, by); err != nil {
				return nil, err
			}
		}
		t, err := rep.Table(name)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Compute computes every figure of the days from to to of office's log in
// src, grouped by by. It replays the log; a Reader reads it once for many.
func Compute(ctx context.Context, src EventSource, office *queue.Office, from, to string, by GroupBy) (*Report, error) {
	return NewReader(src, office).Report(ctx, from, to, by)
}
