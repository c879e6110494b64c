package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

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

// LastDay is the working day of the newest event, "" for an empty log.
// No event is logged for an earlier day any more, but for appointments
// released after their day.
func (s *Store) LastDay(ctx context.Context) (string, error) {
	var day string
	err := s.db.QueryRowContext(ctx, `SELECT day FROM events ORDER BY seq DESC LIMIT 1`).Scan(&day)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: last day: %w", err)
	}
	return day, nil
}

// KeptDays lists the days from fromDay to toDay that have report facts
// kept, with the key each was kept under.
func (s *Store) KeptDays(ctx context.Context, fromDay, toDay string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT day, key FROM report_days WHERE day BETWEEN ? AND ?`, fromDay, toDay)
	if err != nil {
		return nil, fmt.Errorf("store: kept days %s to %s: %w", fromDay, toDay, err)
	}
	defer rows.Close()
	kept := map[string]string{}
	for rows.Next() {
		var day, key string
		if err := rows.Scan(&day, &key); err != nil {
			return nil, fmt.Errorf("store: kept days %s to %s: %w", fromDay, toDay, err)
		}
		kept[day] = key
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: kept days %s to %s: %w", fromDay, toDay, err)
	}
	return kept, nil
}

// ReportDays calls fn with the report facts kept for the days fromDay to
// toDay, in day order. facts is only valid during the call.
func (s *Store) ReportDays(ctx context.Context, fromDay, toDay string, fn func(day, key string, facts []byte) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT day, key, facts FROM report_days WHERE day BETWEEN ? AND ? ORDER BY day`,
		fromDay, toDay)
	if err != nil {
		return fmt.Errorf("store: report days %s to %s: %w", fromDay, toDay, err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, key string
		var facts sql.RawBytes
		if err := rows.Scan(&day, &key, &facts); err != nil {
			return fmt.Errorf("store: report days %s to %s: %w", fromDay, toDay, err)
		}
		if err := fn(day, key, facts); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: report days %s to %s: %w", fromDay, toDay, err)
	}
	return nil
}

// reportDaysPerTx bounds a write of report facts: the write lock is held
// for one transaction, and tickets being issued meanwhile wait for it.
const reportDaysPerTx = 16

// PutReportDays keeps the report facts of days (day → facts), replacing
// what was kept for them. It writes a few days per transaction, so that
// a year of facts never holds the log's writers back for long.
func (s *Store) PutReportDays(ctx context.Context, key string, days map[string][]byte) error {
	names := make([]string, 0, len(days))
	for d := range days {
		names = append(names, d)
	}
	slices.Sort(names)
	for len(names) > 0 {
		n := min(len(names), reportDaysPerTx)
		if err := s.putReportDays(ctx, key, names[:n], days); err != nil {
			return fmt.Errorf("store: keep report days: %w", err)
		}
		names = names[n:]
	}
	return nil
}

func (s *Store) putReportDays(ctx context.Context, key string, names []string, days map[string][]byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO report_days (day, key, facts) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, d := range names {
		if _, err := stmt.ExecContext(ctx, d, key, days[d]); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	return tx.Commit()
}
