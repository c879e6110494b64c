package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"eq/queue"
)

// StaffActions returns the events that members of staff caused on working
// days from through to (YYYY-MM-DD, both included), newest first, at most
// limit of them; actor, when not empty, keeps only that login's. It is the
// audit trail: the log is never changed, so neither is the trail.
//
// An event about a ticket gets the ticket's number from its issue when it
// does not carry one itself, so the trail reads "finished П001". Names and
// phones of bookings are left out: an audit shows who acted, not visitors.
func (s *Store) StaffActions(ctx context.Context, from, to, actor string, limit int) ([]queue.Event, error) {
	if limit <= 0 {
		return nil, errors.New("store: staff actions: limit must be positive")
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT e.seq, e.body, COALESCE(json_extract(e.body, '$.number'),
			(SELECT json_extract(i.body, '$.number') FROM events i
			 WHERE i.ticket = e.ticket AND i.type = 'TicketIssued' ORDER BY i.seq LIMIT 1), '')
		FROM events e
		WHERE e.day BETWEEN ? AND ?
		AND json_extract(e.body, '$.actor') IS NOT NULL
		AND (? = '' OR json_extract(e.body, '$.actor') = ?)
		ORDER BY e.seq DESC LIMIT ?`, from, to, actor, actor, limit)
	if err != nil {
		return nil, fmt.Errorf("store: staff actions: %w", err)
	}
	defer rows.Close()
	var (
		out    []queue.Event
		seq    int64
		body   sql.RawBytes
		number string
		dec    = newEventDecoder()
	)
	for rows.Next() {
		var ev queue.Event
		if err := rows.Scan(&seq, &body, &number); err != nil {
			return nil, fmt.Errorf("store: staff actions: %w", err)
		}
		if err := dec.decode(body, &ev); err != nil {
			return nil, fmt.Errorf("store: staff actions: event %d: decode: %w", seq, err)
		}
		ev.Seq, ev.Number = seq, number
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: staff actions: %w", err)
	}
	return out, nil
}
