package queue

import (
	"fmt"
	"time"
)

// Pick is the dispatcher's answer: the ticket a window should call next and
// why, in words an operator understands.
type Pick struct {
	Ticket *Ticket
	Reason Text
}

// dispatchKey orders candidates for one window; smaller is called first.
// Under DispatchDeadline level is 0 (or the service's level, when the
// window no longer helps with it: helpKey) and deadline the ticket's
// deadline shifted by its level; under DispatchFIFO level leads and
// deadline is when the ticket joined its queue. Either way less is the
// whole order, so Next and the wait predictor agree by construction.
type dispatchKey struct {
	rank     int       // priority class at now
	level    int       // FIFO: the window's level for the ticket's service; deadline-first: 0, or the level once help has ended
	deadline time.Time // deadline-first: the deadline, later by the level; FIFO: joinedAt
	id       string
}

// keyFor is t's dispatch key at a window serving its service at level,
// under the office's policy.
func (s *State) keyFor(t *Ticket, level int, now time.Time) dispatchKey {
	if s.office.Dispatch == DispatchFIFO {
		return dispatchKey{rank: t.rank(now), level: level, deadline: joinedAt(t), id: t.ID}
	}
	return dispatchKey{rank: t.rank(now), deadline: t.Deadline.Add(time.Duration(level-1) * s.office.LevelStep), id: t.ID}
}

// joinedAt is when t joined the queue it stands in, the order of
// DispatchFIFO: the start of its current stage — issue, forward, or the end
// of a postponement (a forward keeps the deadline of the arrival but not
// the place in the line). An appointment joins no earlier than it is due
// (its Slot): checked in early it stands no further
// ahead of walk-ins than if it had come on time, and appointments due now
// follow their slots, not who checked in first. That also keeps the order
// within one service and class the same at every moment, as the wait
// predictor assumes: the due ones, joined by now, before the rest.
func joinedAt(t *Ticket) time.Time {
	at := t.IssuedAt
	if len(t.Stages) > 0 {
		at = t.stage().QueuedAt
	}
	if t.Priority == PriorityAppointment && t.Slot.After(at) {
		return t.Slot
	}
	return at
}

// Help where it saves. Under DispatchDeadline a window turns to a service
// it serves at level 2 or beyond only while the first visitor waiting for
// that service, in that priority class, can still be called within the
// target; once that visitor's deadline has passed, the window leaves the
// service to its own windows and calls from it only when nobody of its own
// services (of the same class) waits. A visitor already past the target
// counts as a breach whoever calls them, and a window that took them ahead
// of its own let its own drift past 15 minutes too: in simulation
// (sim/policy_test.go) deadline-first without this rule kept the target
// for 1.4 points fewer visitors than FIFO. The rule holds for a whole
// service and class at once, decided by its first visitor, so the order
// within a service is never changed: a window never calls a later visitor
// of a service ahead of an earlier one.

// queueClass is one service's tickets of one priority.
type queueClass struct {
	service  string
	priority Priority
}

// firstDeadlines is, for every service window w serves at level 2 or
// beyond, the deadline of the first callable ticket of each priority
// class: the head of its heap or a postponed ticket back by now. Under
// FIFO it is nil: the rule is deadline-first's.
func (s *State) firstDeadlines(w *WindowState, now time.Time) map[queueClass]time.Time {
	if s.office.Dispatch == DispatchFIFO {
		return nil
	}
	var first map[queueClass]time.Time
	note := func(t *Ticket) {
		c := queueClass{t.Service, t.Priority}
		if d, ok := first[c]; !ok || t.Deadline.Before(d) {
			first[c] = t.Deadline
		}
	}
	for _, ws := range w.Services {
		if ws.Level < 2 {
			continue
		}
		if first == nil {
			first = make(map[queueClass]time.Time)
		}
		q := s.queues[ws.Service]
		for _, h := range []ticketHeap{q.privileged, q.appointment, q.normal} {
			if t := h.head(); t != nil {
				note(t)
			}
		}
	}
	if first == nil {
		return nil
	}
	for _, t := range s.postponed {
		if !t.addressed() && t.callable(now) && w.Services.Level(t.Service) > 1 {
			note(t)
		}
	}
	return first
}

// helpKey is k, the key of a ticket at a window serving its service at
// level, after the rule above: first is the deadline of the first ticket
// of its service and class. Past it, the ticket goes behind everything of
// the window's own services in its class.
func (s *State) helpKey(k dispatchKey, level int, first, now time.Time) dispatchKey {
	if s.office.Dispatch != DispatchFIFO && level > 1 && !now.Before(first) {
		k.level = level
	}
	return k
}

func (a dispatchKey) less(b dispatchKey) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.level != b.level {
		return a.level < b.level
	}
	if !a.deadline.Equal(b.deadline) {
		return a.deadline.Before(b.deadline)
	}
	return a.id < b.id
}

// Next chooses who window n calls next at now (DESIGN.md "Who is called next"):
//  1. tickets addressed to this window or its operator;
//  2. then by priority class: privileged, appointment due now, normal —
//     but while the window's ratio rule holds privileged visitors back
//     (ratioHolds), they rank with the normal ones;
//  3. then, under DispatchDeadline, earliest deadline, where a service the
//     window serves at level L counts its deadlines (L-1)·LevelStep later, so
//     a window helps with its secondary services only when they are clearly
//     more urgent, and only while their first visitor can still be called
//     within the target (helpKey); under DispatchFIFO, the services in
//     level order and within a level whoever joined their queue first
//     (joinedAt).
//
// Ties go to the earlier ticket. Next returns a zero Pick when nobody waits.
func (s *State) Next(n int, now time.Time) Pick {
	w, ok := s.windows[n]
	if !ok {
		return Pick{}
	}
	var best *Ticket
	var bestKey dispatchKey
	first := s.firstDeadlines(w, now)
	// held: the window's ratio rule holds privileged visitors back now,
	// and they rank with the others; sawPrivileged: one was considered.
	held, sawPrivileged := false, false
	consider := func(t *Ticket, level int) {
		k := s.helpKey(s.keyFor(t, level, now), level, first[queueClass{t.Service, t.Priority}], now)
		if t.Priority == PriorityPrivileged {
			sawPrivileged = true
		}
		k = k.heldBack(held)
		if best == nil || k.less(bestKey) {
			best, bestKey = t, k
		}
	}

	// Addressed tickets: forwarded to this window or to this operator.
	// They were sent here on purpose, so the ratio rule leaves them be.
	s.eachAddressedTo(w, now, func(t *Ticket) { consider(t, 1) })
	if best != nil {
		return Pick{Ticket: best, Reason: s.reason(best, now, 0, true)}
	}
	held, sawPrivileged = s.ratioHolds(w), false

	fifo := s.office.Dispatch == DispatchFIFO
	for _, ws := range w.Services {
		q := s.queues[ws.Service]
		for _, h := range []ticketHeap{q.privileged, q.appointment, q.normal} {
			if !fifo {
				if t := h.head(); t != nil {
					consider(t, ws.Level)
				}
				continue
			}
			// The heaps are ordered by deadline, and a forwarded ticket
			// keeps the deadline of its arrival while it joins the line at
			// the forward: the head need not be the one waiting longest.
			// Every waiting ticket is looked at, O(waiting) as the
			// postponed ones below are.
			for _, t := range h {
				consider(t, ws.Level)
			}
		}
	}
	for _, t := range s.postponed {
		if !t.addressed() && t.callable(now) {
			if level := w.Services.Level(t.Service); level > 0 {
				consider(t, level)
			}
		}
	}
	if best == nil {
		return Pick{}
	}
	r := s.reason(best, now, w.Services.Level(best.Service), false)
	if note, ok := s.ratioNote(w, best, held, sawPrivileged); ok {
		r.RU += "; " + note.RU
		r.EN += "; " + note.EN
	}
	return Pick{Ticket: best, Reason: r}
}

// Ratio rules. A window with Window.Ratio N calls, after a privileged
// visitor, up to N others before privileged visitors go first again ("2:1").
// While the rule holds them back they are not sent to the back: they rank
// with the others and keep their place by deadline (or by arrival, under
// FIFO), so one who has waited longest is still called first. The law lets
// privileged visitors be served out of turn; the rule only keeps a stream of
// them from stopping a window's queue altogether. A window that has called
// no privileged visitor since it opened holds nobody back.

// ratioHolds reports whether window w's ratio rule holds privileged
// visitors back now.
func (s *State) ratioHolds(w *WindowState) bool {
	n := s.ix.windows[w.Number].Ratio
	return n > 0 && w.PrivilegedCalled && w.OthersCalled < n
}

// heldBack is k ranked with the others when a ratio rule holds its
// privileged class back.
func (k dispatchKey) heldBack(held bool) dispatchKey {
	if held && k.rank == 0 {
		k.rank = 2
	}
	return k
}

// ratioNote says how window w's ratio rule chose t, for the console: held
// is whether the rule held privileged visitors back, sawPrivileged whether
// any waited. It says nothing where the rule played no part.
func (s *State) ratioNote(w *WindowState, t *Ticket, held, sawPrivileged bool) (Text, bool) {
	n := s.ix.windows[w.Number].Ratio
	switch {
	case n == 0 || !sawPrivileged:
		return Text{}, false
	case t.Priority == PriorityPrivileged && !held:
		return Text{RU: fmt.Sprintf("правило окна %d:1 — очередь льготного посетителя", n),
			EN: fmt.Sprintf("window rule %d:1: a privileged visitor's turn", n)}, true
	case t.Priority == PriorityPrivileged && s.office.Dispatch == DispatchFIFO:
		// FIFO knows no deadlines: say what it did go by.
		return Text{RU: fmt.Sprintf("правило окна %d:1 — другие вызваны %d из %d, но льготный посетитель раньше в очереди", n, w.OthersCalled, n),
			EN: fmt.Sprintf("window rule %d:1: %d of %d others called, but the privileged visitor joined the queue first", n, w.OthersCalled, n)}, true
	case t.Priority == PriorityPrivileged:
		return Text{RU: fmt.Sprintf("правило окна %d:1 — другие вызваны %d из %d, но срок льготного посетителя наступает раньше", n, w.OthersCalled, n),
			EN: fmt.Sprintf("window rule %d:1: %d of %d others called, but the privileged visitor is due first", n, w.OthersCalled, n)}, true
	case held:
		return Text{RU: fmt.Sprintf("правило окна %d:1 — другие вызваны %d из %d, затем льготный", n, w.OthersCalled, n),
			EN: fmt.Sprintf("window rule %d:1: %d of %d others called, then a privileged visitor", n, w.OthersCalled, n)}, true
	}
	return Text{}, false
}

// reason explains a pick in one short line for the console.
func (s *State) reason(t *Ticket, now time.Time, level int, addressed bool) Text {
	hm := func(tm time.Time) string { return tm.In(s.office.Location).Format("15:04") }
	waited := minutes(t.stage().Wait(now))
	var r Text
	switch {
	case addressed && t.ToWindow != 0:
		r = Text{RU: fmt.Sprintf("направлен в окно %d", t.ToWindow), EN: fmt.Sprintf("forwarded to window %d", t.ToWindow)}
	case addressed:
		r = Text{RU: "направлен лично вам", EN: "forwarded to you personally"}
	case t.rank(now) == 0:
		r = Text{RU: fmt.Sprintf("льготная категория, ждёт %d мин", waited), EN: fmt.Sprintf("privileged visitor, waiting %d min", waited)}
	case t.rank(now) == 1:
		r = Text{RU: "запись на " + hm(t.Slot), EN: "appointment at " + hm(t.Slot)}
	case s.office.Dispatch == DispatchFIFO:
		// Deadlines play no part in FIFO: naming one would explain a
		// choice the dispatcher did not make.
		r = Text{RU: fmt.Sprintf("первый в очереди услуги, ждёт %d мин", waited),
			EN: fmt.Sprintf("first in the service's queue, waiting %d min", waited)}
	case !now.Before(t.Deadline):
		r = Text{RU: fmt.Sprintf("срок ожидания истёк в %s, ждёт %d мин", hm(t.Deadline), waited),
			EN: fmt.Sprintf("wait target passed at %s, waiting %d min", hm(t.Deadline), waited)}
	default:
		r = Text{RU: fmt.Sprintf("ближайший срок: %s, ждёт %d мин", hm(t.Deadline), waited),
			EN: fmt.Sprintf("earliest deadline: %s, waiting %d min", hm(t.Deadline), waited)}
	}
	if level > 1 {
		r.RU += fmt.Sprintf(" (услуга уровня %d)", level)
		r.EN += fmt.Sprintf(" (service level %d)", level)
	}
	return r
}
