// Package reports makes the figures managers read: attendance, waiting and
// service times, the wait target kept, operator workload, appointments,
// the queue's length and visitors' ratings, for any period, grouped by
// day, hour, service, window or operator.
//
// Figures are read from the event log, never from the live state: Scan
// replays the events of the period as the domain applies them
// (queue.State) and turns them into facts — a Stage per pass of a visit
// through a queue and a window, Work intervals of operators, appointment
// events dated by their slot, and the queue's length as a step function —
// and Compute aggregates the facts into a Report in the same single pass.
// Pages, CSV, XLSX and the command line render a Report through Table,
// which gives every figure as columns with Russian and English headers.
//
// How the figures are counted, where the events leave a choice:
//
//   - A stage is grouped by when it joined its queue (day, hour), by its
//     service, and by the window and operator that called it; stages never
//     called are under the empty key by window and operator. Operator
//     workload is grouped by when the work was done: serving and signed-in
//     time are split at the hours they cross.
//   - Wait is from joining the queue to the call. A visitor checked in by
//     appointment waits from the slot's start if they came early. A
//     forwarded visitor's new stage waits from the forward, a postponed
//     one's from the end of the postponement; each is held to its own
//     service's target (the domain's dispatch deadline, counted from
//     arrival for forwards, is not used here).
//   - The share within the target is over the stages called, plus the ones
//     that left uncalled after the target had passed; stages that left
//     earlier, or still wait, are not judged (Stage.Judged). Every judged
//     stage over its target is a breach; Report.Breaches lists the first
//     MaxBreaches in queue order, BreachesAll counts them all.
//   - Percentiles are exact: every wait and service time of the period is
//     kept (8 bytes each, a few megabytes for a year) and sorted, and
//     median and p90 interpolate between ranks as spreadsheets do.
//   - Utilisation is serving time over signed-in time; breaks are inside
//     signed-in time. Break minutes are held against the office's daily
//     limit (queue.Office.BreakLimit, 45 minutes by default) per operator
//     and day.
//   - Appointments count on the day of their slot, whenever booked,
//     cancelled or released as missed: an EventSource gives those events
//     even when logged outside the period.
//   - The queue's length counts a visitor from the ticket's issue, a forward
//     into a queue or the end of a postponement until called, cancelled or
//     not served, forwards to one window included. Its mean is over time,
//     from each day's first event to its last.
//   - A visitor's mark from the tablet at the window counts in the group
//     of the mark itself: the day and hour it was given (at most
//     queue.RatingWindow after the service ended), the service served, the
//     window and the operator who served. A mark names no visitor.
//   - Whatever is still open when the period's events end (today, during
//     the day) is counted as open: its wait, if called, is known; its
//     service time is not counted.
//
// Memory stays bounded over a year of log (about 1.5 million events): the
// scan holds one day's open visits and windows, and the figures keep per
// group counters and the durations for percentiles.
package reports
