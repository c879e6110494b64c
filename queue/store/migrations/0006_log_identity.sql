-- The log's identity: a random id, one per database, that the ids of
-- webhook events carry beside the log position. A restore from a backup
-- rolls the log back, so positions are handed out again; Restore gives the
-- restored file a new log id, so the events logged after it get event ids
-- no receiver has seen, while a receiver still deduplicates the retries of
-- what it was sent before.
CREATE TABLE log_identity (
	one    INTEGER PRIMARY KEY CHECK (one = 1), -- a single row
	log_id TEXT NOT NULL CHECK (log_id <> '')   -- 16 lower-case hex digits
);
INSERT INTO log_identity (one, log_id) VALUES (1, lower(hex(randomblob(8))));

-- The log id current when each row was written. Rows written before this
-- migration keep '': their event ids stay the bare position they had.
ALTER TABLE webhook_outbox ADD COLUMN log_id TEXT NOT NULL DEFAULT '';
