package store

import (
	"context"
	"database/sql"
	"fmt"

	"eq/queue"
)

// Events calls fn with the events of the working days fromDay to toDay
// (YYYY-MM-DD, both included), in log order, with Seq set. Appointment
// events whose appointment_day is in the range come too, wherever they were
// logged: a booking made last month for a day of the range counts on the day
// of its slot. Reports read through it; personal data is never given (Name
// and Phone stay empty). It stops at the first error fn returns.
//
// The day's events are read in rowid order between the first and the last
// event of the range, found through the events_day index, so a year of log
// streams without SQLite sorting it; the few appointment events logged
// outside that stretch are read apart, through their own index, and come
// before or after it as their seq says. Events appended during the call may
// be missed.
func (s *Store) Events(ctx context.Context, fromDay, toDay string, fn func(queue.Event) error) error {
	var first, last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM events WHERE day BETWEEN ? AND ?`,
		fromDay, toDay).Scan(&first, &last); err != nil {
		return fmt.Errorf("store: events %s to %s: %w", fromDay, toDay, err)
	}
	if !first.Valid { // no working day in the range: the appointments alone
		first.Int64, last.Int64 = 0, -1
	}

	// Appointments booked, cancelled or missed outside the stretch: few (a
	// few thousand a year), so holding them is cheap.
	var before, after []queue.Event
	err := s.replay(ctx, func(ev queue.Event) error {
		if ev.Seq < first.Int64 {
			before = append(before, ev)
		} else {
			after = append(after, ev)
		}
		return nil
	}, `SELECT seq, body, NULL, NULL FROM events
		WHERE appointment_day BETWEEN ? AND ? AND (seq < ? OR seq > ?) ORDER BY seq`,
		fromDay, toDay, first.Int64, last.Int64)
	if err != nil {
		return err
	}
	for _, ev := range before {
		if err := fn(ev); err != nil {
			return fmt.Errorf("store: events: event %d: %w", ev.Seq, err)
		}
	}
	if first.Valid {
		err := s.replay(ctx, fn, `SELECT seq, body, NULL, NULL FROM events
			WHERE seq BETWEEN ? AND ? AND (day BETWEEN ? AND ? OR appointment_day BETWEEN ? AND ?) ORDER BY seq`,
			first.Int64, last.Int64, fromDay, toDay, fromDay, toDay)
		if err != nil {
			return err
		}
	}
	for _, ev := range after {
		if err := fn(ev); err != nil {
			return fmt.Errorf("store: events: event %d: %w", ev.Seq, err)
		}
	}
	return nil
}
