-- The webhook outbox: for every ticket event, one row per webhook endpoint
-- configured when the event was appended, written in the transaction that
-- appends the event. The event and the promise to deliver it are committed
-- together, so no crash can lose one without the other. Rows stay after
-- delivery, with delivered_at set: they are the record of what each
-- information system was told.
CREATE TABLE webhook_outbox (
	endpoint     TEXT NOT NULL,    -- the webhook's name in the config
	seq          INTEGER NOT NULL REFERENCES events (seq),
	ticket       TEXT NOT NULL,    -- the event's ticket: delivery keeps order per ticket
	attempts     INTEGER NOT NULL DEFAULT 0, -- requests made so far, the successful one included
	-- Unix milliseconds, not RFC 3339 text: it is compared, and text with a
	-- varying number of fractional digits does not sort as time does.
	next_at_ms   INTEGER NOT NULL DEFAULT 0, -- earliest next attempt; 0 is at once
	last_error   TEXT,             -- why the last attempt failed, for people reading the file
	delivered_at TEXT,             -- RFC 3339 UTC, NULL while pending
	PRIMARY KEY (endpoint, seq)
) WITHOUT ROWID;

-- Only pending rows are indexed: finding each ticket's first undelivered
-- row stays cheap however long the delivered history grows.
CREATE INDEX webhook_outbox_pending ON webhook_outbox (endpoint, ticket, seq) WHERE delivered_at IS NULL;
