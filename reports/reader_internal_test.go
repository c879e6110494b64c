package reports

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"eq/queue"
)

// memLog is an event log with a day cache in memory: enough to see which
// days a Reader keeps. The SQLite store is tested in reader_test.go.
type memLog struct {
	events []queue.Event
	kept   map[string][]byte
}

func (m *memLog) Events(_ context.Context, from, to string, fn func(queue.Event) error) error {
	for _, ev := range m.events {
		day := ev.Day
		if ev.ApptDay != "" {
			day = ev.ApptDay
		}
		if day >= from && day <= to {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memLog) LastDay(context.Context) (string, error) {
	if len(m.events) == 0 {
		return "", nil
	}
	return m.events[len(m.events)-1].Day, nil
}

func (m *memLog) KeptDays(_ context.Context, from, to string) (map[string]string, error) {
	kept := map[string]string{}
	for d := range m.kept {
		if d >= from && d <= to {
			kept[d] = "k"
		}
	}
	return kept, nil
}

func (m *memLog) ReportDays(_ context.Context, from, to string, fn func(day, key string, facts []byte) error) error {
	for _, d := range slices.Sorted(maps.Keys(m.kept)) {
		if d >= from && d <= to {
			if err := fn(d, "k", m.kept[d]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memLog) PutReportDays(_ context.Context, _ string, days map[string][]byte) error {
	maps.Copy(m.kept, days)
	return nil
}

func TestReaderKeepsNoDayWithAnAppointmentUnresolved(t *testing.T) {
	office := &queue.Office{Location: time.UTC, Services: []queue.Service{{ID: "passport", WaitTarget: 15 * time.Minute}}}
	at := func(day, hm string) time.Time {
		t, _ := time.Parse(time.DateOnly+" 15:04", day+" "+hm)
		return t
	}
	log := &memLog{kept: map[string][]byte{}, events: []queue.Event{
		{Type: queue.EventTicketIssued, Day: "2026-03-02", At: at("2026-03-02", "09:00"), Ticket: "t1", Number: "П001", Service: "passport"},
		{Type: queue.EventAppointmentBooked, Day: "2026-03-02", ApptDay: "2026-03-03", At: at("2026-03-02", "09:10"),
			Code: "111111", Service: "passport", Start: at("2026-03-03", "10:00")},
		{Type: queue.EventTicketIssued, Day: "2026-03-03", At: at("2026-03-03", "09:00"), Ticket: "t2", Number: "П001", Service: "passport"},
		{Type: queue.EventTicketIssued, Day: "2026-03-04", At: at("2026-03-04", "09:00"), Ticket: "t3", Number: "П001", Service: "passport"},
	}}
	r := NewReader(log, office)
	r.key = "k"
	count := func() int {
		t.Helper()
		rep, err := r.Report(context.Background(), "2026-03-01", "2026-03-04", ByDay)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Total.Attendance.Issued
	}
	if got := count(); got != 3 {
		t.Fatalf("issued = %d, want 3", got)
	}
	if got, want := slices.Sorted(maps.Keys(log.kept)), []string{"2026-03-01", "2026-03-02"}; !slices.Equal(got, want) {
		t.Errorf("kept %v, want %v: 03-03 has an appointment still booked, 03-04 is the last day", got, want)
	}

	log.events = append(log.events,
		queue.Event{Type: queue.EventAppointmentMissed, Day: "2026-03-04", ApptDay: "2026-03-03", At: at("2026-03-04", "09:30"),
			Code: "111111", Service: "passport"})
	if got := count(); got != 3 {
		t.Fatalf("issued = %d, want 3", got)
	}
	if _, ok := log.kept["2026-03-03"]; !ok {
		t.Errorf("03-03 not kept once its appointment was released")
	}
	// The kept record is what the report reads now: damage it.
	log.kept["2026-03-02"] = []byte{factIssued, 0}
	if _, err := r.Report(context.Background(), "2026-03-01", "2026-03-04", ByDay); err == nil {
		t.Error("a damaged record was read without an error")
	}
}

func TestDayRecordRoundTrip(t *testing.T) {
	const day = "2026-03-02"
	at := func(hm string) time.Time {
		t, _ := time.Parse(time.DateOnly+" 15:04", day+" "+hm)
		return t
	}
	st := Stage{Day: day, Ticket: "t1", Number: "П001", Service: "passport", Priority: queue.PriorityAppointment, First: true,
		Slot: at("10:00"), QueuedAt: at("09:50"), CalledAt: at("10:05"), StartedAt: at("10:06"), EndedAt: at("10:20"),
		End: "served", Window: 3, Operator: "op3", Recalls: 2, Wait: 5 * time.Minute, ServiceTime: 14 * time.Minute, Target: 15 * time.Minute}
	open := Stage{Day: day, Ticket: "t2", Number: "П002", Service: "passport", Priority: queue.PriorityNormal,
		QueuedAt: at("23:59").Add(30 * time.Second), End: "waiting", Target: 15 * time.Minute}
	w := Work{Kind: WorkBreak, Day: day, Window: 3, Operator: "op3", From: at("12:00"), To: at("12:15")}
	// Booked the day before: a time before the record's day.
	a := AppointmentFact{Type: queue.EventAppointmentBooked, Day: day, Code: "111111", Service: "passport", Slot: at("10:00"),
		At: at("10:00").AddDate(0, 0, -1)}
	q := QueueLevel{Day: day, Service: "passport", From: at("09:50"), To: at("10:05"), Waiting: 1}
	rated := RatingFact{Day: day, At: at("10:24"), Service: "passport", Window: 3, Operator: "op3", Mark: 2, Reason: "long-wait"}
	alone := RatingFact{Day: day, At: at("10:31"), Service: "passport", Window: 3, Operator: "op3", Mark: 5}

	enc, err := newDayEncoder(day)
	if err != nil {
		t.Fatal(err)
	}
	enc.Issued(st)
	enc.StageEnded(st)
	enc.StageEnded(open)
	enc.Work(w)
	enc.Appointment(a)
	enc.QueueLevel(q)
	enc.Rating(rated)
	enc.Rating(alone)
	var got recording
	if err := replayDay(day, enc.buf, &got); err != nil {
		t.Fatal(err)
	}
	want := recording{stages: []Stage{st, st, open}, work: []Work{w}, appts: []AppointmentFact{a}, levels: []QueueLevel{q},
		ratings: []RatingFact{rated, alone}}
	if !got.equal(want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	// Cut inside the first stage: damage, not a shorter day.
	if err := replayDay(day, enc.buf[:6], &recording{}); err == nil {
		t.Error("a record cut inside a stage was read without an error")
	}
	if err := replayDay(day, []byte{99}, &recording{}); err == nil {
		t.Error("an unknown fact kind was read without an error")
	}
}

// recording keeps every fact it is told.
type recording struct {
	stages  []Stage
	work    []Work
	appts   []AppointmentFact
	levels  []QueueLevel
	ratings []RatingFact
}

func (r *recording) Issued(st Stage)               { r.stages = append(r.stages, st) }
func (r *recording) StageEnded(st Stage)           { r.stages = append(r.stages, st) }
func (r *recording) Work(w Work)                   { r.work = append(r.work, w) }
func (r *recording) Appointment(a AppointmentFact) { r.appts = append(r.appts, a) }
func (r *recording) QueueLevel(q QueueLevel)       { r.levels = append(r.levels, q) }
func (r *recording) Rating(rt RatingFact)          { r.ratings = append(r.ratings, rt) }

// equal compares with time.Time.Equal: records give times in UTC.
func (r recording) equal(o recording) bool {
	sameTime := func(a, b time.Time) bool { return a.Equal(b) }
	return slices.EqualFunc(r.stages, o.stages, func(a, b Stage) bool {
		return a.Day == b.Day && a.Ticket == b.Ticket && a.Number == b.Number && a.Service == b.Service &&
			a.Priority == b.Priority && a.First == b.First && sameTime(a.Slot, b.Slot) && sameTime(a.QueuedAt, b.QueuedAt) &&
			sameTime(a.CalledAt, b.CalledAt) && sameTime(a.StartedAt, b.StartedAt) && sameTime(a.EndedAt, b.EndedAt) &&
			a.End == b.End && a.Window == b.Window && a.Operator == b.Operator && a.Recalls == b.Recalls &&
			a.Wait == b.Wait && a.ServiceTime == b.ServiceTime && a.Target == b.Target
	}) && slices.EqualFunc(r.work, o.work, func(a, b Work) bool {
		return a.Kind == b.Kind && a.Day == b.Day && a.Window == b.Window && a.Operator == b.Operator &&
			sameTime(a.From, b.From) && sameTime(a.To, b.To)
	}) && slices.EqualFunc(r.appts, o.appts, func(a, b AppointmentFact) bool {
		return a.Type == b.Type && a.Day == b.Day && a.Code == b.Code && a.Service == b.Service &&
			sameTime(a.Slot, b.Slot) && sameTime(a.At, b.At)
	}) && slices.EqualFunc(r.levels, o.levels, func(a, b QueueLevel) bool {
		return a.Day == b.Day && a.Service == b.Service && sameTime(a.From, b.From) && sameTime(a.To, b.To) && a.Waiting == b.Waiting
	}) && slices.EqualFunc(r.ratings, o.ratings, func(a, b RatingFact) bool {
		return a.Day == b.Day && sameTime(a.At, b.At) && a.Service == b.Service && a.Window == b.Window &&
			a.Operator == b.Operator && a.Mark == b.Mark && a.Reason == b.Reason
	})
}

func TestHourSpanAgreesWithTheCalendar(t *testing.T) {
	for _, name := range []string{"Europe/Moscow", "Asia/Kolkata", "Europe/Berlin", "America/St_Johns"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("no zone data for %s: %v", name, err)
		}
		// Through a spring and an autumn change where the zone has them:
		// an hour is skipped, one is lived twice.
		for _, start := range []time.Time{
			time.Date(2026, 3, 28, 20, 17, 0, 0, time.UTC), time.Date(2026, 10, 24, 20, 17, 0, 0, time.UTC),
		} {
			for i := range 2 * 24 * 4 {
				at := start.Add(time.Duration(i) * 15 * time.Minute)
				l := at.In(loc)
				// The next instant the clock on the wall shows a full hour.
				wantNext := at.Truncate(time.Minute).Add(time.Minute)
				for wantNext.In(loc).Minute() != 0 {
					wantNext = wantNext.Add(time.Minute)
				}
				key, next := hourSpan(at, loc)
				if key != l.Format("15") || !next.Equal(wantNext) {
					t.Fatalf("%s: hourSpan(%v) = %s, %v; want %s, %v", name, l, key, next.In(loc), l.Format("15"), wantNext)
				}
			}
		}
	}
}
