package queue

import "time"

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

// capacity counts the windows that can serve service now and how many of
// them are free. With none open it falls back to windows on a break, then to
// every window configured for it: the estimate then says how long the wait
// will be once they open, rather than nothing.
func (s *State) capacity(service string) (servers, free int) {
	nums := s.serving[service]
	for _, n := range nums {
		if w := s.windows[n]; w.Open && !w.OnBreak {
			servers++
			if w.Current == "" {
				free++
			}
		}
	}
	if servers > 0 {
		return servers, free
	}
	for _, n := range nums {
		if s.windows[n].Open {
			servers++
		}
	}
	if servers > 0 {
		return servers, 0
	}
	return len(nums), 0
}

// predictWait estimates the wait of a ticket with ahead tickets before it in
// its service: each of the c serving windows finishes a visitor every mean
// service time on average, free windows take the first visitors at once, so
// the ticket needs ahead-free+1 more finishes, shared by c windows.
func (s *State) predictWait(service string, ahead int) time.Duration {
	servers, free := s.capacity(service)
	if servers == 0 {
		servers = 1
	}
	need := ahead - free + 1
	if need <= 0 {
		return 0
	}
	return s.meanServiceTime(service) * time.Duration(need) / time.Duration(servers)
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
