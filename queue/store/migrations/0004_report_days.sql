-- Reports keep the facts of each settled working day here (a compact
-- record made by package reports), so that a report over a year need not
-- replay a year of events. It is a cache: every row can be made again from
-- the log, and key says what a row was made with (the record's version and
-- the office's wait targets), so a row made otherwise is ignored.
CREATE TABLE report_days (
	day   TEXT PRIMARY KEY, -- YYYY-MM-DD
	key   TEXT NOT NULL,
	facts BLOB NOT NULL
);
