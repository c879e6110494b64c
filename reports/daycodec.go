package reports

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"eq/queue"
)

// The facts of one day are kept as a compact binary record (see DayCache):
// decoding JSON events was most of a report's time, and a day's facts are
// a tenth of its events. The record is a sequence of facts, each a kind
// byte and its fields:
//
//   - strings are interned: uvarint 0, the length and the bytes the first
//     time; uvarint i+1 for the i-th distinct string after that;
//   - times are nanoseconds from the day's midnight UTC as a zig-zag
//     varint plus one, 0 for the zero time;
//   - durations and ints are zig-zag varints, flags one byte.
//
// A fact's Day is the record's day and is not written. Times come back in
// UTC: every figure reads them in the office's zone.
//
// Change factsVersion whenever the record or what Scan makes of the events
// changes: records of another version are ignored and made again.
const factsVersion = 5 // 2: a break's reason; 3: idle time between services; 4: booked visitors' target; 5: visitors' marks

const (
	factIssued byte = iota + 1
	factStageEnded
	factWork
	factAppointment
	factQueueLevel
	factRating
)

// dayEncoder records the facts of one day.
type dayEncoder struct {
	base    int64 // the day's midnight UTC, Unix nanoseconds
	buf     []byte
	strings map[string]uint64
}

func newDayEncoder(day string) (*dayEncoder, error) {
	base, err := dayBase(day)
	if err != nil {
		return nil, err
	}
	return &dayEncoder{base: base, strings: map[string]uint64{}}, nil
}

func dayBase(day string) (int64, error) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, fmt.Errorf("day facts: day %q: %w", day, err)
	}
	return t.UnixNano(), nil
}

func (e *dayEncoder) str(s string) {
	if i, ok := e.strings[s]; ok {
		e.buf = binary.AppendUvarint(e.buf, i+1)
		return
	}
	e.strings[s] = uint64(len(e.strings))
	e.buf = binary.AppendUvarint(e.buf, 0)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *dayEncoder) time(t time.Time) {
	if t.IsZero() {
		e.buf = append(e.buf, 0)
		return
	}
	d := t.UnixNano() - e.base
	e.buf = binary.AppendUvarint(e.buf, (uint64(d)<<1^uint64(d>>63))+1)
}

func (e *dayEncoder) int(n int64) { e.buf = binary.AppendVarint(e.buf, n) }

func (e *dayEncoder) stage(kind byte, st *Stage) {
	e.buf = append(e.buf, kind)
	var flags byte
	if st.First {
		flags = 1
	}
	e.buf = append(e.buf, flags)
	e.str(st.Ticket)
	e.str(st.Number)
	e.str(st.Service)
	e.str(string(st.Priority))
	e.time(st.Slot)
	e.time(st.QueuedAt)
	e.time(st.CalledAt)
	e.time(st.StartedAt)
	e.time(st.EndedAt)
	e.str(st.End)
	e.int(int64(st.Window))
	e.str(st.Operator)
	e.int(int64(st.Recalls))
	e.int(int64(st.Wait))
	e.int(int64(st.ServiceTime))
	e.int(int64(st.Target))
}

func (e *dayEncoder) Issued(st Stage)     { e.stage(factIssued, &st) }
func (e *dayEncoder) StageEnded(st Stage) { e.stage(factStageEnded, &st) }

func (e *dayEncoder) Work(w Work) {
	e.buf = append(e.buf, factWork)
	e.str(string(w.Kind))
	e.int(int64(w.Window))
	e.str(w.Operator)
	e.time(w.From)
	e.time(w.To)
	e.str(w.Reason)
}

func (e *dayEncoder) Appointment(a AppointmentFact) {
	e.buf = append(e.buf, factAppointment)
	e.str(string(a.Type))
	e.str(a.Code)
	e.str(a.Service)
	e.time(a.Slot)
	e.time(a.At)
}

func (e *dayEncoder) QueueLevel(q QueueLevel) {
	e.buf = append(e.buf, factQueueLevel)
	e.str(q.Service)
	e.time(q.From)
	e.time(q.To)
	e.int(int64(q.Waiting))
}

func (e *dayEncoder) Rating(r RatingFact) {
	e.buf = append(e.buf, factRating)
	e.time(r.At)
	e.str(r.Service)
	e.int(int64(r.Window))
	e.str(r.Operator)
	e.int(int64(r.Mark))
	e.str(r.Reason)
}

var errFacts = errors.New("damaged day facts")

// dayDecoder reads a record back; the first error stops it and sticks.
type dayDecoder struct {
	day     string
	base    int64
	buf     []byte
	strings []string
	err     error
}

// replayDay tells facts what the record of day holds, in recorded order.
func replayDay(day string, record []byte, facts Facts) error {
	base, err := dayBase(day)
	if err != nil {
		return err
	}
	d := &dayDecoder{day: day, base: base, buf: record}
	for len(d.buf) > 0 && d.err == nil {
		kind := d.buf[0]
		d.buf = d.buf[1:]
		switch kind {
		case factIssued, factStageEnded:
			st := d.stage()
			if d.err != nil {
				break
			}
			if kind == factIssued {
				facts.Issued(st)
			} else {
				facts.StageEnded(st)
			}
		case factWork:
			w := Work{Kind: WorkKind(d.str()), Day: day, Window: int(d.int()), Operator: d.str(), From: d.time(), To: d.time(), Reason: d.str()}
			if d.err == nil {
				facts.Work(w)
			}
		case factAppointment:
			a := AppointmentFact{Type: queue.EventType(d.str()), Day: day, Code: d.str(), Service: d.str(), Slot: d.time(), At: d.time()}
			if d.err == nil {
				facts.Appointment(a)
			}
		case factQueueLevel:
			q := QueueLevel{Day: day, Service: d.str(), From: d.time(), To: d.time(), Waiting: int(d.int())}
			if d.err == nil {
				facts.QueueLevel(q)
			}
		case factRating:
			r := RatingFact{Day: day, At: d.time(), Service: d.str(), Window: int(d.int()), Operator: d.str(), Mark: int(d.int()), Reason: d.str()}
			if d.err == nil {
				facts.Rating(r)
			}
		default:
			d.err = fmt.Errorf("%w: unknown fact kind %d", errFacts, kind)
		}
	}
	if d.err != nil {
		return fmt.Errorf("day facts of %s: %w", day, d.err)
	}
	return nil
}

func (d *dayDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = fmt.Errorf("%w: a number cut short", errFacts)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *dayDecoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = fmt.Errorf("%w: a number cut short", errFacts)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *dayDecoder) str() string {
	i := d.uvarint()
	if d.err != nil {
		return ""
	}
	if i > 0 {
		if i > uint64(len(d.strings)) {
			d.err = fmt.Errorf("%w: string %d of %d", errFacts, i, len(d.strings))
			return ""
		}
		return d.strings[i-1]
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)) {
		d.err = fmt.Errorf("%w: a string cut short", errFacts)
	}
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	d.strings = append(d.strings, s)
	return s
}

func (d *dayDecoder) time() time.Time {
	v := d.uvarint()
	if v == 0 || d.err != nil {
		return time.Time{}
	}
	v--
	off := int64(v>>1) ^ -int64(v&1)
	return time.Unix(0, d.base+off).UTC()
}

func (d *dayDecoder) stage() Stage {
	if len(d.buf) == 0 {
		d.err = fmt.Errorf("%w: a stage cut short", errFacts)
		return Stage{}
	}
	flags := d.buf[0]
	d.buf = d.buf[1:]
	st := Stage{Day: d.day, First: flags&1 != 0}
	st.Ticket = d.str()
	st.Number = d.str()
	st.Service = d.str()
	st.Priority = queue.Priority(d.str())
	st.Slot = d.time()
	st.QueuedAt = d.time()
	st.CalledAt = d.time()
	st.StartedAt = d.time()
	st.EndedAt = d.time()
	st.End = d.str()
	st.Window = int(d.int())
	st.Operator = d.str()
	st.Recalls = int(d.int())
	st.Wait = time.Duration(d.int())
	st.ServiceTime = time.Duration(d.int())
	st.Target = time.Duration(d.int())
	return st
}
