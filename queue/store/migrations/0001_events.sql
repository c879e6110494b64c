-- The event log: the only source of truth. Rows are never updated or
-- deleted, so seq (the rowid) only grows and is the log position.
-- body is the whole event as JSON; the other columns repeat parts of it
-- for reports that filter by day or ticket without decoding every row.
CREATE TABLE events (
	seq      INTEGER PRIMARY KEY,
	at       TEXT NOT NULL, -- RFC 3339 with nanoseconds, UTC
	day      TEXT NOT NULL, -- working day, YYYY-MM-DD in the office's zone
	type     TEXT NOT NULL,
	ticket   TEXT,
	"window" INTEGER,       -- quoted: WINDOW is a keyword (window functions)
	body     TEXT NOT NULL
);

CREATE INDEX events_day ON events (day);
CREATE INDEX events_ticket ON events (ticket);
