-- Appointments outlive the working day they are booked in: start-up replays
-- the events of appointments still ahead, found by the slot's date.
ALTER TABLE events ADD COLUMN appointment_day TEXT;
CREATE INDEX events_appointment_day ON events (appointment_day) WHERE appointment_day IS NOT NULL;

-- Personal data given with a booking (both optional). It is kept apart from
-- the log, whose rows are never changed, so that the retention purge can
-- delete it; seq is the AppointmentBooked event it belongs to.
CREATE TABLE appointment_contacts (
	seq   INTEGER PRIMARY KEY REFERENCES events (seq),
	day   TEXT NOT NULL, -- the appointment's date, YYYY-MM-DD: the purge goes by it
	name  TEXT NOT NULL,
	phone TEXT NOT NULL
);
CREATE INDEX appointment_contacts_day ON appointment_contacts (day);
