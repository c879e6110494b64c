package reports_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
	"eq/reports"
)

// eventsOnly hides the store's day cache: a Reader of it replays every
// day from the events, which is what the cache must agree with.
type eventsOnly struct{ reports.EventSource }

// keptDays lists the days the store keeps facts of, with their keys.
func keptDays(t *testing.T, st *store.Store, from, to string) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := st.ReportDays(context.Background(), from, to, func(day, key string, _ []byte) error {
		got[day] = key
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// sameTables fails unless every table of got equals want's.
func sameTables(t *testing.T, what string, got, want *reports.Report) {
	t.Helper()
	for _, name := range reports.TableNames {
		g, err := got.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: table %s differs from the replay of the events:\n got %v\nwant %v", what, name, g.Rows, w.Rows)
		}
	}
	if !reflect.DeepEqual(got.Total, want.Total) {
		t.Errorf("%s: totals %+v, want %+v", what, got.Total, want.Total)
	}
}

func TestReaderKeepsSettledDaysAndAgreesWithTheEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "eq.db")
	from, to, err := writeYear(path, 40_000) // about nine working days, appointments among them
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	office := benchOffice()
	last, err := st.LastDay(ctx)
	if err != nil || last != to {
		t.Fatalf("LastDay = %q, %v; want %s", last, err, to)
	}

	plain := reports.NewReader(eventsOnly{st}, office)
	cached := reports.NewReader(st, office)
	for _, by := range reports.GroupBys {
		want, err := plain.Report(ctx, from, to, by)
		if err != nil {
			t.Fatal(err)
		}
		if want.Total.Attendance.Issued == 0 || want.Total.Appointments.Booked == 0 {
			t.Fatalf("the log has nothing to count: %+v", want.Total)
		}
		for _, pass := range []string{"first read", "read from kept days"} {
			got, err := cached.Report(ctx, from, to, by)
			if err != nil {
				t.Fatal(err)
			}
			sameTables(t, string(by)+", "+pass, got, want)
		}
		// A period starting and ending inside the kept days, and one
		// reaching past the log.
		start, _ := time.Parse(time.DateOnly, from)
		mid := start.AddDate(0, 0, 3).Format(time.DateOnly)
		for _, p := range [][2]string{{mid, mid}, {mid, "2099-12-31"}} {
			want, err := plain.Report(ctx, p[0], p[1], by)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cached.Report(ctx, p[0], p[1], by)
			if err != nil {
				t.Fatal(err)
			}
			sameTables(t, string(by)+" "+p[0]+"…"+p[1], got, want)
		}
	}

	kept := keptDays(t, st, "2000-01-01", "2099-12-31")
	if _, ok := kept[last]; ok {
		t.Errorf("the last day %s was kept, though events may still come for it", last)
	}
	if len(kept) < 5 {
		t.Errorf("kept %d days of %s…%s, want the settled ones: %v", len(kept), from, to, kept)
	}
	for day := range kept {
		if day < from || day >= last {
			t.Errorf("kept %s, outside the settled days %s…%s", day, from, last)
		}
	}

	t.Run("another wait target makes the days again", func(t *testing.T) {
		other := benchOffice()
		other.Services[0].WaitTarget = 20 * time.Minute
		want, err := reports.NewReader(eventsOnly{st}, other).Report(ctx, from, to, reports.ByService)
		if err != nil {
			t.Fatal(err)
		}
		got, err := reports.NewReader(st, other).Report(ctx, from, to, reports.ByService)
		if err != nil {
			t.Fatal(err)
		}
		sameTables(t, "other targets", got, want)
		before := kept
		after := keptDays(t, st, "2000-01-01", "2099-12-31")
		for day, key := range after {
			if key == before[day] {
				t.Errorf("%s still kept under the old key %s", day, key)
			}
		}
	})
}

func TestReaderWaitsForAppointmentsToBeResolved(t *testing.T) {
	o := newOffice(t)
	const d1, d2, d3 = "2026-03-02", "2026-03-03", "2026-03-04"
	open := func(day string) {
		o.at(day, "08:00")
		if _, err := o.eng.OpenDay(o.ctx, queue.Actor{}, day); err != nil {
			t.Fatalf("open %s: %v", day, err)
		}
	}
	open(d1)
	o.book("111111", d2, "10:00", "")
	o.at(d1, "09:00")
	o.issue("passport", queue.PriorityNormal)
	open(d2)
	o.at(d2, "09:00")
	o.issue("passport", queue.PriorityNormal)

	r := reports.NewReader(o.st, testOffice())
	read := func() *reports.Report {
		t.Helper()
		rep, err := r.Report(o.ctx, d1, d3, reports.ByDay)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	kept := func() []string {
		t.Helper()
		var days []string
		for d := range keptDays(t, o.st, d1, d3) {
			days = append(days, d)
		}
		slices.Sort(days)
		return days
	}

	read()
	if got, want := kept(), []string{d1}; !slices.Equal(got, want) {
		t.Fatalf("on %s kept %v, want %v: the last day is never kept", d2, got, want)
	}

	// The next day opens and releases the appointment as missed: it
	// counts on its own day, which is settled now.
	open(d3) // releases d2's appointment as missed
	rep := read()
	if got := rep.Total.Appointments.Missed; got != 1 {
		t.Fatalf("missed = %d, want 1 (the booking of %s released at %s's opening)", got, d2, d3)
	}
	if got, want := kept(), []string{d1, d2}; !slices.Equal(got, want) {
		t.Errorf("after the release kept %v, want %v", got, want)
	}
	again := read()
	sameTables(t, "kept days", again, rep)
}
