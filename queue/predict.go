package queue

import (
	"container/heap"
	"slices"
	"strings"
	"time"
)

// Wait prediction replays the dispatcher forward on expected times.
//
// Every window that can work is given the time it will next be free: now
// if it is free; if it has a visitor, when the visit is expected to end; if
// it is on a break, when the break is planned to end. Then, over and over,
// the window free earliest (ties: the lower number — operators pressing
// "call next" at one moment are served in some order, and this is one)
// picks the ticket Next would pick at that moment — addressed tickets
// first, then by class and keyFor at the window's level — and is busy for
// the expected time of one call of that ticket's service. A ticket's
// predicted wait is the moment it is picked less now: the wait still ahead
// of it, not the wait so far.
//
// What the model assumes, so what it cannot see:
//   - nobody joins the queues after now but the visitors booked for today,
//     who are expected to check in as early as today's did
//     (expectAppointments): no live arrival (a privileged visitor coming
//     later would overtake), no return after a forward, no visitor
//     postponed again, no booked visitor missing; postponed tickets come
//     back exactly at their return time;
//   - every visit takes its service's mean recent time (meanServiceTime),
//     and every call costs the mean walk-up and no-show time of the day's
//     recent calls (pace): with exact means the prediction is exact;
//   - windows stay as they are: nobody opens, closes or goes on a break
//     that has not started yet; a break ends when planned;
//   - within one class of one service, the order by keyFor is the same at
//     every moment and at every level, so each class is a heap ordered once
//     (true of deadlines shifted by a level, and of any order by arrival);
//     whether a window still helps with a class (helpKey) is decided by its
//     first ticket, the head, so it moves the whole class at once.
//
// A ticket no working window can call (its service has nobody at work)
// gets the rough estimate of leftovers instead.
//
// One replay predicts every waiting ticket and a ticket issued now for
// every service at once, in O(W log W + N log N + N·k + A) for W windows,
// N waiting and expected tickets, k services per window and A appointments
// held; a single ticket's replay stops once it is picked.

// remainingFloorShare: a visitor who has been at the window longer than
// the mean, or nearly, is expected to stay a third of the mean more, not
// to leave at once. Service times have a long right tail (lognormal, CV
// about 0.5, is what windows see); for those the median remaining time of a
// visit already past about two thirds of the mean stays near a third of the
// mean however long it has lasted. Zero would say "free now" of a window
// that is still busy, wrong every time.
const remainingFloorShare = 3

// meanServiceTime is the mean of the service's recent service times, or its
// typical time from the config before any is known.
func (s *State) meanServiceTime(service string) time.Duration {
	r := s.recent[service]
	if len(r) == 0 {
		return s.ix.services[service].ServiceTime
	}
	var sum time.Duration
	for _, d := range r {
		sum += d
	}
	return sum / time.Duration(len(r))
}

// pace is what a call costs a window besides the service itself, learnt
// from the day's recent calls: the walk-up of visitors who came, and the
// calls lost to no-shows (recalled, then marked gone). Before any call is
// known it is zero: the config says nothing of it.
type pace struct {
	started int           // recent calls whose service started
	walkUp  time.Duration // their mean time from call to start
	noShows int           // recent calls that ended as a no-show
	lost    time.Duration // the window time those took, in total
}

// pace reads the recent calls. Calls still open and calls postponed or
// cancelled at the window say nothing of either and are left out: a
// postponed visitor is picked again in the replay when they return.
func (s *State) pace() pace {
	var p pace
	var walk time.Duration
	for _, c := range s.calls {
		t, ok := s.tickets[c.Ticket]
		if c.Recall || !ok {
			continue
		}
		for i := len(t.Stages) - 1; i >= 0; i-- {
			st := &t.Stages[i]
			if st.Window != c.Window || !st.CalledAt.Equal(c.At) {
				continue
			}
			switch {
			case !st.StartedAt.IsZero():
				p.started++
				walk += nonNegative(st.StartedAt.Sub(st.CalledAt))
			case st.End == string(StatusNoShow):
				p.noShows++
				p.lost += nonNegative(st.EndedAt.Sub(st.CalledAt))
			}
			break
		}
	}
	if p.started > 0 {
		p.walkUp = walk / time.Duration(p.started)
	}
	return p
}

// perCall is the expected window time of one call of a service whose
// visits take mean: the walk-up and the visit for those who come, the lost
// time for the share who do not. With no visitor known to have come, the
// no-shows are not trusted to be the rule.
func (p pace) perCall(mean time.Duration) time.Duration {
	if p.started == 0 {
		return mean
	}
	n := time.Duration(p.started + p.noShows)
	return (time.Duration(p.started)*(p.walkUp+mean) + p.lost) / n
}

// forecast is what one replay predicts.
type forecast struct {
	// waits is the remaining wait of every ticket the replay placed: all
	// waiting and postponed ones for a full replay.
	waits map[*Ticket]time.Duration
	// fresh is, per service, the wait of a normal ticket issued at now.
	fresh map[string]time.Duration
	// positions is each callable ticket's place in its queue, 1 next, as
	// ahead counts it; full replays only.
	positions map[*Ticket]int
}

// predictedWait is t's remaining wait: from f when it has one, else from
// a replay that stops once t is picked.
func (s *State) predictedWait(t *Ticket, now time.Time, f *forecast) time.Duration {
	if f == nil {
		f = s.forecast(now, t, false)
	}
	return f.waits[t]
}

// position is t's place in its queue, 1 next.
func (s *State) position(t *Ticket, now time.Time, f *forecast) int {
	if f != nil {
		if p, ok := f.positions[t]; ok {
			return p
		}
	}
	return s.ahead(t, now) + 1
}

// forecast replays the dispatcher from now. With stop it ends once stop is
// picked; without, it places every ticket and fills positions. fresh adds,
// per service, the wait of a normal ticket issued at now: such a ticket is
// picked the first time a window serving its service, choosing at some
// moment, would rather have it than what it chose — before that it changes
// nothing — so every service's answer comes from the same replay.
func (s *State) forecast(now time.Time, stop *Ticket, fresh bool) *forecast {
	r := s.newReplay(now, fresh)
	if stop == nil {
		r.out.positions = r.positions()
	}
	r.run(stop)
	if _, picked := r.out.waits[stop]; stop == nil || !picked {
		r.leftovers()
	}
	return &r.out
}

// replay is the dispatcher's state during a forecast.
type replay struct {
	s       *State
	now     time.Time
	pace    pace
	perCall map[string]time.Duration // expected window time per call, by service
	queues  map[string]*simQueue
	windows windowHeap
	// byNumber and byOperator find the windows addressed tickets wait for.
	byNumber   map[int]*simWindow
	byOperator map[string]*simWindow
	pending    []*Ticket // postponed or expected, by return time; pending[next:] not back yet
	next       int
	expected   map[*Ticket]bool // appointments expected to check in
	out        forecast
}

// simQueue is one service's waiting tickets by class, as serviceQueue,
// plus the ticket issued now whose wait is still unknown.
type simQueue struct {
	classes [3]simHeap
	fresh   *Ticket
}

func classOf(p Priority) int {
	switch p {
	case PriorityPrivileged:
		return 0
	case PriorityAppointment:
		return 1
	default:
		return 2
	}
}

// simWindow is a window in the replay.
type simWindow struct {
	number    int
	free      time.Time
	services  []simService
	addressed simHeap // tickets for this window or its operator
	// The window's ratio rule, as WindowState keeps it (see ratioHolds).
	ratio            int
	othersCalled     int
	privilegedCalled bool
}

// holds is ratioHolds for the replay's window.
func (w *simWindow) holds() bool {
	return w.ratio > 0 && w.privilegedCalled && w.othersCalled < w.ratio
}

// called counts a call of t for the ratio rule, as Apply does.
func (w *simWindow) called(t *Ticket) {
	if t.Priority == PriorityPrivileged {
		w.othersCalled, w.privilegedCalled = 0, true
	} else {
		w.othersCalled++
	}
}

type simService struct {
	id    string
	level int
	q     *simQueue
}

func (s *State) newReplay(now time.Time, fresh bool) *replay {
	r := &replay{s: s, now: now,
		perCall:    make(map[string]time.Duration, len(s.office.Services)),
		queues:     make(map[string]*simQueue, len(s.office.Services)),
		byNumber:   make(map[int]*simWindow, len(s.windows)),
		byOperator: make(map[string]*simWindow, len(s.windows)),
		out:        forecast{waits: make(map[*Ticket]time.Duration)},
	}
	r.pace = s.pace()
	if fresh {
		r.out.fresh = make(map[string]time.Duration, len(s.office.Services))
	}
	for i := range s.office.Services {
		svc := &s.office.Services[i]
		r.perCall[svc.ID] = r.pace.perCall(s.meanServiceTime(svc.ID))
		q := &simQueue{}
		if sq := s.queues[svc.ID]; sq != nil {
			for c, h := range []ticketHeap{sq.privileged, sq.appointment, sq.normal} {
				q.classes[c] = make(simHeap, 0, len(h))
				for _, t := range h {
					q.classes[c] = append(q.classes[c], r.entry(t))
				}
				heap.Init(&q.classes[c])
			}
		}
		if fresh {
			q.fresh = s.freshTicket(now, svc)
		}
		r.queues[svc.ID] = q
	}

	// The windows that can work, and when each is free.
	for _, w := range s.windowsInOrder() {
		free, ok := r.freeAt(w)
		if !ok {
			continue
		}
		sw := &simWindow{number: w.Number, free: free, ratio: s.ix.windows[w.Number].Ratio,
			othersCalled: w.OthersCalled, privilegedCalled: w.PrivilegedCalled}
		for _, ws := range w.Services {
			sw.services = append(sw.services, simService{ws.Service, ws.Level, r.queues[ws.Service]})
		}
		r.byNumber[w.Number] = sw
		if w.Operator != "" {
			r.byOperator[w.Operator] = sw
		}
		r.windows = append(r.windows, sw)
	}
	heap.Init(&r.windows)

	for _, t := range s.addressed {
		r.release(t)
	}
	for _, t := range s.postponed {
		if t.callable(now) {
			r.release(t)
		} else {
			r.pending = append(r.pending, t)
		}
	}
	r.expectAppointments()
	slices.SortFunc(r.pending, func(a, b *Ticket) int {
		if c := a.PostponedUntil.Compare(b.PostponedUntil); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return r
}

// expectAppointments adds today's booked appointments not yet checked in
// (and not past their late window) as tickets still to come: once its slot
// comes the dispatcher calls such a visitor before the live queue, so a
// live ticket waiting now waits for them too. Each is expected to check in
// the mean lead of today's check-ins before its slot — half the check-in
// window before there is any — and not before now. The replay places them
// but reports no wait for them.
func (r *replay) expectAppointments() {
	var booked []*Appointment
	var lead time.Duration
	checkedIn := 0
	for _, a := range r.s.appts {
		if a.Day != r.s.day {
			continue
		}
		switch a.Status {
		case AppointmentBooked:
			if !r.now.After(a.Start.Add(r.s.office.Checkin.Late)) {
				booked = append(booked, a)
			}
		case AppointmentCheckedIn:
			if t, ok := r.s.tickets[a.Ticket]; ok {
				lead += nonNegative(a.Start.Sub(t.IssuedAt))
				checkedIn++
			}
		}
	}
	if len(booked) == 0 {
		return
	}
	expected := r.s.office.Checkin.Early / 2
	if checkedIn > 0 {
		expected = lead / time.Duration(checkedIn)
	}
	r.expected = make(map[*Ticket]bool, len(booked))
	day := strings.ReplaceAll(r.s.day, "-", "")
	for _, a := range booked {
		at := later(r.now, a.Start.Add(-expected))
		// The id sorts after every ticket issued so far: it will be issued later.
		t := &Ticket{ID: day + "-~" + a.Code, Day: r.s.day, Service: a.Service, Priority: PriorityAppointment,
			Status: StatusWaiting, IssuedAt: at, Deadline: later(at, a.Start).Add(r.s.office.ApptWaitTarget()), Slot: a.Start,
			PostponedUntil: at, Appointment: a.Code, pos: -1,
			Stages: []Stage{{Service: a.Service, QueuedAt: at}}}
		r.expected[t] = true
		r.pending = append(r.pending, t)
	}
}

// freshTicket is the ticket Issue would make at now for svc, not issued.
func (s *State) freshTicket(now time.Time, svc *Service) *Ticket {
	ev := s.newTicket(now, svc, PriorityNormal, now.Add(svc.WaitTarget))
	return &Ticket{ID: ev.Ticket, Number: ev.Number, Day: s.day, Service: svc.ID, Priority: PriorityNormal,
		Status: StatusWaiting, IssuedAt: now, Deadline: ev.Deadline, pos: -1,
		Stages: []Stage{{Service: svc.ID, QueuedAt: now}}}
}

// freeAt is when window w can next call, and whether it can at all: open
// and working, or on a break with a planned end (an overrun break is taken
// to end now). A window with a visitor is free when the visit is expected
// to end: the mean less the time since the start, or, for a visitor called
// and not yet there, the walk-up and the mean less the time since the
// call; never less than a share of the mean (remainingFloorShare).
func (r *replay) freeAt(w *WindowState) (time.Time, bool) {
	if !w.Open {
		return time.Time{}, false
	}
	from := r.now
	if w.OnBreak {
		if w.BreakMinutes <= 0 {
			return time.Time{}, false
		}
		from = later(r.now, w.BreakStarted.Add(time.Duration(w.BreakMinutes)*time.Minute))
	}
	t, ok := r.s.tickets[w.Current]
	if !ok {
		return from, true
	}
	st := t.stage()
	mean := r.s.meanServiceTime(t.Service)
	var left time.Duration
	switch {
	case !st.StartedAt.IsZero():
		left = mean - r.now.Sub(st.StartedAt)
	case !st.CalledAt.IsZero():
		left = r.pace.walkUp + mean - r.now.Sub(st.CalledAt)
	default:
		left = mean
	}
	return from.Add(max(left, mean/remainingFloorShare)), true
}

// entry is t in a replay heap: its key at now, level 1, orders its class.
func (r *replay) entry(t *Ticket) simTicket {
	return simTicket{t: t, key: r.s.keyFor(t, 1, r.now)}
}

// release makes t callable in the replay: in the heaps of the windows it is
// addressed to (that may be two: a window and an operator elsewhere), or in
// its service's queue.
func (r *replay) release(t *Ticket) {
	if !t.addressed() {
		q := r.queues[t.Service]
		heap.Push(&q.classes[classOf(t.Priority)], r.entry(t))
		return
	}
	var to *simWindow
	if w := r.byNumber[t.ToWindow]; t.ToWindow != 0 && w != nil {
		to = w
		heap.Push(&w.addressed, r.entry(t))
	}
	if w := r.byOperator[t.ToOperator]; t.ToOperator != "" && w != nil && w != to {
		heap.Push(&w.addressed, r.entry(t))
	}
}

// run replays the dispatch until stop is picked or no window has anything
// more to do.
func (r *replay) run(stop *Ticket) {
	for len(r.windows) > 0 {
		w := r.windows[0]
		at := w.free
		for r.next < len(r.pending) && !r.pending[r.next].PostponedUntil.After(at) {
			r.release(r.pending[r.next])
			r.next++
		}
		h := r.choose(w, at)
		if h == nil {
			// Nothing for this window now: it waits for the next return
			// from a postponement, or has nothing more to do.
			if r.next < len(r.pending) {
				w.free = r.pending[r.next].PostponedUntil
				heap.Fix(&r.windows, 0)
			} else {
				heap.Pop(&r.windows)
			}
			continue
		}
		t := h.pop().t
		w.called(t)
		if !r.expected[t] {
			r.out.waits[t] = at.Sub(r.now)
		}
		if t == stop {
			return
		}
		w.free = at.Add(r.perCall[t.Service])
		heap.Fix(&r.windows, 0)
	}
}

// choose is Next for window w at the moment at, over the replay's heaps:
// the heap whose head w calls, or nil. It also settles the tickets issued
// now that w would call instead of its choice.
func (r *replay) choose(w *simWindow, at time.Time) *simHeap {
	for len(w.addressed) > 0 {
		if _, done := r.out.waits[w.addressed[0].t]; !done {
			return &w.addressed
		}
		w.addressed.pop() // picked already at the other window it was addressed to
	}
	var best *simHeap
	var bestKey dispatchKey
	held := w.holds()
	for _, ws := range w.services {
		for c := range ws.q.classes {
			h := &ws.q.classes[c]
			if len(*h) == 0 {
				continue
			}
			if k := r.key((*h)[0].t, ws.level, at).heldBack(held); best == nil || k.less(bestKey) {
				best, bestKey = h, k
			}
		}
	}
	for _, ws := range w.services {
		// Behind a normal ticket of its service the new one waits its turn
		// — unless that ticket is due later than a ticket issued now, as
		// one back from a postponement may be: then the new one is ahead.
		f := ws.q.fresh
		if h := ws.q.classes[classOf(PriorityNormal)]; f == nil || len(h) > 0 && h[0].key.less(r.entry(f).key) {
			continue
		}
		if best == nil || r.key(f, ws.level, at).less(bestKey) {
			r.out.fresh[ws.id] = at.Sub(r.now)
			ws.q.fresh = nil
		}
	}
	return best
}

// key is Next's key at the moment at for t, the first of its service and
// class in the replay, at a window serving its service at level.
func (r *replay) key(t *Ticket, level int, at time.Time) dispatchKey {
	return r.s.helpKey(r.s.keyFor(t, level, at), level, t.Deadline, at)
}

// leftovers places the tickets the replay never picked: nobody at work
// serves their service (its windows are closed, or on a break of unknown
// length, or it has none today), or the window or operator they are
// addressed to is not at work. Nobody is there, so "at once" would be a
// promise nobody keeps; the estimate is the one made before any window is
// known to be free: each of the service's c configured windows has just
// begun a visit and they take the service's tickets in turn, so the k-th
// waits k calls shared by c windows (shared with other services or not);
// a postponed one no less than until its return.
func (r *replay) leftovers() {
	var left []simTicket
	add := func(t *Ticket) {
		if _, done := r.out.waits[t]; !done {
			r.out.waits[t] = -1 // counted once, placed below
			left = append(left, r.entry(t))
		}
	}
	for _, q := range r.s.queues {
		for _, h := range []ticketHeap{q.privileged, q.appointment, q.normal} {
			for _, t := range h {
				add(t)
			}
		}
	}
	for _, t := range r.s.addressed {
		add(t)
	}
	for _, t := range r.s.postponed {
		add(t)
	}
	slices.SortFunc(left, func(a, b simTicket) int {
		if c := strings.Compare(a.t.Service, b.t.Service); c != 0 {
			return c
		}
		return a.key.compare(b.key)
	})
	turn := func(service string, k int) time.Duration {
		return time.Duration(k) * r.perCall[service] / time.Duration(max(1, len(r.s.serving[service])))
	}
	ahead := map[string]int{}
	for _, e := range left {
		t := e.t
		ahead[t.Service]++
		wait := turn(t.Service, ahead[t.Service])
		if t.Status == StatusPostponed {
			wait = max(wait, t.PostponedUntil.Sub(r.now))
		}
		r.out.waits[t] = wait
	}
	for id, q := range r.queues {
		if q.fresh != nil && r.out.fresh != nil {
			r.out.fresh[id] = turn(id, ahead[id]+1)
		}
	}
}

// positions is every callable ticket's place in its queue: among the
// tickets of its service addressed alike, by key at now, as ahead counts.
func (r *replay) positions() map[*Ticket]int {
	var all []simTicket
	for _, q := range r.queues {
		for _, h := range q.classes {
			all = append(all, h...)
		}
	}
	for _, t := range r.s.addressed {
		all = append(all, r.entry(t))
	}
	for _, t := range r.s.postponed {
		if t.callable(r.now) && t.addressed() {
			all = append(all, r.entry(t))
		}
	}
	// Unaddressed postponed tickets back by now are in the queues already.
	slices.SortFunc(all, func(a, b simTicket) int {
		if c := compareQueue(a.t, b.t); c != 0 {
			return c
		}
		return a.key.compare(b.key)
	})
	out := make(map[*Ticket]int, len(all))
	for i, e := range all {
		if i > 0 && compareQueue(all[i-1].t, e.t) == 0 {
			out[e.t] = out[all[i-1].t] + 1
		} else {
			out[e.t] = 1
		}
	}
	return out
}

// compareQueue orders tickets by the queue they stand in: service, then
// whom they are addressed to.
func compareQueue(a, b *Ticket) int {
	if c := strings.Compare(a.Service, b.Service); c != 0 {
		return c
	}
	if c := a.ToWindow - b.ToWindow; c != 0 {
		return c
	}
	return strings.Compare(a.ToOperator, b.ToOperator)
}

func (a dispatchKey) compare(b dispatchKey) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// simTicket is a ticket in a replay heap with its order key.
type simTicket struct {
	t   *Ticket
	key dispatchKey
}

// simHeap is a min-heap of tickets by key.
type simHeap []simTicket

func (h simHeap) Len() int           { return len(h) }
func (h simHeap) Less(i, j int) bool { return h[i].key.less(h[j].key) }
func (h simHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *simHeap) Push(x any)        { *h = append(*h, x.(simTicket)) }
func (h *simHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// pop removes the head without boxing it in an interface.
func (h *simHeap) pop() simTicket {
	e := (*h)[0]
	n := len(*h) - 1
	(*h)[0] = (*h)[n]
	*h = (*h)[:n]
	if n > 0 {
		heap.Fix(h, 0)
	}
	return e
}

// windowHeap orders replay windows by when they are free, then number.
type windowHeap []*simWindow

func (h windowHeap) Len() int { return len(h) }
func (h windowHeap) Less(i, j int) bool {
	if !h[i].free.Equal(h[j].free) {
		return h[i].free.Before(h[j].free)
	}
	return h[i].number < h[j].number
}
func (h windowHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *windowHeap) Push(x any)   { *h = append(*h, x.(*simWindow)) }
func (h *windowHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}

// ahead counts the callable tickets of t's service ordered before t in
// dispatch order (class, then deadline), i.e. its place in the queue less one.
func (s *State) ahead(t *Ticket, now time.Time) int {
	me := s.keyFor(t, 1, now)
	n := 0
	s.eachWaiting(t.Service, now, func(o *Ticket) {
		if o == t || o.addressed() != t.addressed() || o.ToWindow != t.ToWindow || o.ToOperator != t.ToOperator {
			return
		}
		if s.keyFor(o, 1, now).less(me) {
			n++
		}
	})
	return n
}

// eachAddressedTo calls fn for every callable ticket waiting for window w or
// its operator.
func (s *State) eachAddressedTo(w *WindowState, now time.Time, fn func(*Ticket)) {
	for _, t := range s.addressed {
		if t.addressedTo(w) {
			fn(t)
		}
	}
	for _, t := range s.postponed {
		if t.addressedTo(w) && t.callable(now) {
			fn(t)
		}
	}
}

// eachWaiting calls fn for every callable ticket whose current service is service.
func (s *State) eachWaiting(service string, now time.Time, fn func(*Ticket)) {
	q := s.queues[service]
	for _, h := range []ticketHeap{q.privileged, q.appointment, q.normal} {
		for _, t := range h {
			fn(t)
		}
	}
	for _, t := range s.addressed {
		if t.Service == service {
			fn(t)
		}
	}
	for _, t := range s.postponed {
		if t.Service == service && t.callable(now) {
			fn(t)
		}
	}
}
