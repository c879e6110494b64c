-- One row that Ping updates to prove the database takes writes.
CREATE TABLE health (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	pings INTEGER NOT NULL
);

INSERT INTO health (id, pings) VALUES (1, 0);
