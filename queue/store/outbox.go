package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"eq/queue"
)

// The webhook outbox. Every ticket event is promised to each configured
// webhook endpoint in the transaction that appends it (a row of
// webhook_outbox per endpoint and event); package webhook reads the rows
// that are due, posts them, and marks them delivered or failed here.

// WebhookLog is the event log as the engine sees it when the office tells
// information systems of its tickets: its Append is the store's Append
// that also writes the outbox rows of the endpoints it was made with.
//
// The names are fixed when it is made rather than set on the Store: an
// Append never sees half of a change of them, the Store keeps no mutable
// state, and the commands that open the store only to read or to append
// outside the server (reports, simulation, appointments) make no rows for
// endpoints they know nothing of.
type WebhookLog struct {
	st      *Store
	names   []string
	written chan struct{}
}

var _ queue.EventLog = (*WebhookLog)(nil)

// Webhooks returns the log that writes, with each ticket event, an outbox
// row for every endpoint in names. No names is allowed: its Append then
// writes events only. A name that is empty or given twice is refused.
func (s *Store) Webhooks(names []string) (*WebhookLog, error) {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		switch {
		case n == "":
			return nil, errors.New("store: webhooks: пустое имя получателя (an empty endpoint name)")
		case seen[n]:
			return nil, fmt.Errorf("store: webhooks: получатель %q назван дважды (endpoint %q named twice)", n, n)
		}
		seen[n] = true
	}
	return &WebhookLog{st: s, names: append([]string(nil), names...), written: make(chan struct{}, 1)}, nil
}

// Append writes evs as Store.Append does, and in the same transaction an
// outbox row for each event that has a ticket and each endpoint. Once the
// commit is done and rows were written, Written is signalled.
func (l *WebhookLog) Append(ctx context.Context, evs []queue.Event) error {
	n, err := l.st.append(ctx, evs, l.names)
	if err != nil {
		return err
	}
	if n > 0 {
		select {
		case l.written <- struct{}{}:
		default: // one is pending already: the deliverer will look anyway
		}
	}
	return nil
}

// Written is signalled after each Append that wrote outbox rows, so the
// deliverer need not wait for its timer. Signals do not pile up: one
// pending signal stands for any number of appends.
func (l *WebhookLog) Written() <-chan struct{} { return l.written }

// OutboxItem is one event due to be posted to one endpoint.
type OutboxItem struct {
	Endpoint string
	// LogID is the identity the log had when the row was written (see
	// LogID), "" for a row written before logs had one. With Event.Seq it
	// makes the event's id, which a restore from a backup cannot repeat.
	LogID    string
	Event    queue.Event   // with Seq set
	History  []queue.Event // the ticket's events before Event, in log order
	Attempts int           // requests made for it so far, all failed
}

// OutboxDue returns, for endpoint, the first undelivered event of each
// ticket whose next attempt is not after now, in log order, at most limit
// of them. A ticket's later events wait until its earlier ones are
// delivered, so a receiver sees each ticket's events in order; one
// ticket's failing event holds back no other ticket.
//
// horizon is the longest wait the caller ever sets between attempts (its
// longest backoff). A next attempt further than that after now can only
// have been set by a clock that ran ahead and was put right since; such a
// row is due now, rather than blocking its ticket for as long as the
// clock was wrong.
func (s *Store) OutboxDue(ctx context.Context, endpoint string, now time.Time, horizon time.Duration, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: webhook outbox of %s: limit %d is not positive", endpoint, limit)
	}
	if horizon <= 0 {
		return nil, fmt.Errorf("store: webhook outbox of %s: horizon %s is not positive", endpoint, horizon)
	}
	// No transaction: the driver begins every one IMMEDIATE, taking the
	// write lock Append needs. None is needed either: a history before seq
	// never changes, and a row delivered meanwhile is refused when marked.
	items, err := outboxHeads(ctx, s.db, endpoint, now, horizon, limit)
	if err != nil {
		return nil, fmt.Errorf("store: webhook outbox of %s: %w", endpoint, err)
	}
	dec := newEventDecoder()
	for i := range items {
		if items[i].History, err = ticketHistory(ctx, s.db, dec, items[i].Event.Ticket, items[i].Event.Seq); err != nil {
			return nil, fmt.Errorf("store: webhook outbox of %s: event %d: %w", endpoint, items[i].Event.Seq, err)
		}
	}
	return items, nil
}

// outboxHeads reads the due first pending rows of each ticket with their
// events.
func outboxHeads(ctx context.Context, db *sql.DB, endpoint string, now time.Time, horizon time.Duration, limit int) ([]OutboxItem, error) {
	// The subquery walks the partial index of pending rows: it holds only
	// what is not delivered yet, however long the history.
	rows, err := db.QueryContext(ctx, `
		SELECT o.attempts, o.log_id, e.seq, e.body
		FROM (SELECT MIN(seq) AS seq FROM webhook_outbox
		      WHERE endpoint = ? AND delivered_at IS NULL GROUP BY ticket) h
		JOIN webhook_outbox o ON o.endpoint = ? AND o.seq = h.seq
		JOIN events e ON e.seq = h.seq
		WHERE o.next_at_ms <= ? OR o.next_at_ms > ?
		ORDER BY h.seq LIMIT ?`, endpoint, endpoint, now.UnixMilli(), now.Add(horizon).UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		items []OutboxItem
		body  sql.RawBytes
		dec   = newEventDecoder()
	)
	for rows.Next() {
		var it OutboxItem
		if err := rows.Scan(&it.Attempts, &it.LogID, &it.Event.Seq, &body); err != nil {
			return nil, err
		}
		seq := it.Event.Seq
		if err := dec.decode(body, &it.Event); err != nil {
			return nil, fmt.Errorf("event %d: decode: %w", seq, err)
		}
		it.Endpoint, it.Event.Seq = endpoint, seq
		items = append(items, it)
	}
	return items, rows.Err()
}

// ticketHistory reads the events of ticket before seq, through the
// events_ticket index.
func ticketHistory(ctx context.Context, db *sql.DB, dec *eventDecoder, ticket string, before int64) ([]queue.Event, error) {
	rows, err := db.QueryContext(ctx, `SELECT seq, body FROM events WHERE ticket = ? AND seq < ? ORDER BY seq`, ticket, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		out  []queue.Event
		seq  int64
		body sql.RawBytes
		ev   queue.Event
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, err
		}
		if err := dec.decode(body, &ev); err != nil {
			return nil, fmt.Errorf("history event %d: decode: %w", seq, err)
		}
		ev.Seq = seq
		out = append(out, ev)
	}
	return out, rows.Err()
}

// OutboxNextAttempt returns when the earliest of endpoint's tickets is due
// next, and false when nothing of endpoint is pending. The time may be in
// the past: something is due now. A next attempt more than horizon after
// now counts as now, as in OutboxDue.
func (s *Store) OutboxNextAttempt(ctx context.Context, endpoint string, now time.Time, horizon time.Duration) (time.Time, bool, error) {
	if horizon <= 0 {
		return time.Time{}, false, fmt.Errorf("store: webhook outbox of %s: next attempt: horizon %s is not positive", endpoint, horizon)
	}
	var ms sql.NullInt64
	nowMS := now.UnixMilli()
	err := s.db.QueryRowContext(ctx, `
		SELECT MIN(CASE WHEN o.next_at_ms > ? THEN ? ELSE o.next_at_ms END)
		FROM (SELECT MIN(seq) AS seq FROM webhook_outbox
		      WHERE endpoint = ? AND delivered_at IS NULL GROUP BY ticket) h
		JOIN webhook_outbox o ON o.endpoint = ? AND o.seq = h.seq`,
		now.Add(horizon).UnixMilli(), nowMS, endpoint, endpoint).Scan(&ms)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: webhook outbox of %s: next attempt: %w", endpoint, err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(ms.Int64), true, nil
}

// OutboxDelivered records that endpoint answered 2xx for the event at seq,
// at at. It is committed before the call returns: the ticket's next event
// becomes due only then.
func (s *Store) OutboxDelivered(ctx context.Context, endpoint string, seq int64, at time.Time) error {
	err := s.outboxUpdate(ctx,
		`UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at = ?
		 WHERE endpoint = ? AND seq = ? AND delivered_at IS NULL`,
		at.UTC().Format(time.RFC3339Nano), endpoint, seq)
	if err != nil {
		return fmt.Errorf("store: mark event %d delivered to %s: %w", seq, endpoint, err)
	}
	return nil
}

// maxOutboxError bounds the stored reason of a failure: a receiver's error
// page must not grow the file.
const maxOutboxError = 500

// OutboxFailed records a failed attempt to post the event at seq to
// endpoint, why, and when to try again.
func (s *Store) OutboxFailed(ctx context.Context, endpoint string, seq int64, next time.Time, why string) error {
	why = outboxError(why)
	err := s.outboxUpdate(ctx,
		`UPDATE webhook_outbox SET attempts = attempts + 1, next_at_ms = ?, last_error = ?
		 WHERE endpoint = ? AND seq = ? AND delivered_at IS NULL`,
		next.UnixMilli(), why, endpoint, seq)
	if err != nil {
		return fmt.Errorf("store: record a failed delivery of event %d to %s: %w", seq, endpoint, err)
	}
	return nil
}

// outboxError is why as stored: valid UTF-8 (a receiver's answer may be
// anything; invalid bytes become U+FFFD, so that what comes after them is
// kept), at most maxOutboxError bytes, cut on a rune boundary.
func outboxError(why string) string {
	why = strings.ToValidUTF8(why, "\uFFFD")
	if len(why) <= maxOutboxError {
		return why
	}
	n := maxOutboxError
	for n > 0 && !utf8.RuneStart(why[n]) {
		n--
	}
	return why[:n]
}

// errNotPending: the row to update is delivered already, or was never
// written. Either means two deliverers on one endpoint, or a bug.
var errNotPending = errors.New("no such undelivered event in the outbox")

// outboxUpdate runs an update of one pending row. A single statement
// commits on its own, durably (synchronous=FULL), before it returns.
func (s *Store) outboxUpdate(ctx context.Context, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errNotPending
	}
	return nil
}

// OutboxPending counts the undelivered rows of each endpoint that has any,
// configured or not.
func (s *Store) OutboxPending(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT endpoint, COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL GROUP BY endpoint`)
	if err != nil {
		return nil, fmt.Errorf("store: count pending webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("store: count pending webhook deliveries: %w", err)
		}
		out[name] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count pending webhook deliveries: %w", err)
	}
	return out, nil
}

// LogID returns the identity of the log: a random id made when the
// database was created and made anew by every Restore. The ids of webhook
// events carry it (OutboxItem.LogID), so that the positions a restore hands
// out again never make an id a receiver has seen.
func (s *Store) LogID(ctx context.Context) (string, error) {
	var id string
	if err := s.db.QueryRowContext(ctx, `SELECT log_id FROM log_identity`).Scan(&id); err != nil {
		return "", fmt.Errorf("store: read the log id: %w", err)
	}
	return id, nil
}

// renewLogID gives the log a new random identity, as Restore does to the
// copy it puts in place. It also puts the row back if someone deleted it.
func (s *Store) renewLogID(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO log_identity (one, log_id) VALUES (1, lower(hex(randomblob(8))))`); err != nil {
		return fmt.Errorf("store: renew the log id: %w", err)
	}
	return nil
}
