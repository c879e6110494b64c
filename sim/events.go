package sim

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"time"

	"eq/queue"
)

// kind is what happens at a simulated instant.
type kind int

const (
	arrive     kind = iota // a live visitor takes a ticket
	checkIn                // a booked visitor checks in
	shiftStart             // an operator opens the window
	shiftEnd               // the shift is over: close once the visitor leaves
	breakDue               // a planned break: once the visitor leaves
	breakEnd               // back from the break
	walkedUp               // the called visitor reaches the window
	finished               // the service is over
	recallDue              // the called visitor has not come: call again
	goneDue                // still not come: gone
	tick                   // a minute passes: missed appointments, appointments coming due
)

var kindNames = [...]string{"arrive", "check-in", "shift start", "shift end", "break due", "break end",
	"walked up", "finished", "recall", "gone", "tick"}

func (k kind) String() string { return kindNames[k] }

// simEvent is one future happening: at post's window (shift events and
// the visitor's way to a window) or of visitor (arrivals).
type simEvent struct {
	at   time.Time
	seq  int // ties in the order scheduled: the run is the same every time
	kind kind
	post int
	arg  int // the visitor, or a break's minutes
}

type eventHeap []simEvent

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	return cmp.Or(h[i].at.Compare(h[j].at), cmp.Compare(h[i].seq, h[j].seq)) < 0
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(simEvent)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (r *run) schedule(at time.Time, k kind, post, arg int) {
	r.seq++
	heap.Push(&r.events, simEvent{at: at, seq: r.seq, kind: k, post: post, arg: arg})
}

func (r *run) handle(ctx context.Context, ev simEvent) error {
	switch ev.kind {
	case arrive:
		v := r.visitors[ev.arg]
		t, err := r.engine.Issue(ctx, queue.IssueRequest{Service: v.Service, Priority: v.Priority})
		if err != nil {
			if queue.ErrorCode(err) == queue.EINTERNAL {
				return err
			}
			r.res.Refused++ // closed, issue stopped: the visitor goes home
			return nil
		}
		r.issued(t, ev.arg)
		return r.wake(ctx)
	case checkIn:
		t, err := r.engine.CheckIn(ctx, queue.Actor{}, r.visitors[ev.arg].Code)
		if err != nil {
			if queue.ErrorCode(err) == queue.EINTERNAL {
				return err
			}
			r.res.Refused++
			return nil
		}
		r.issued(t, ev.arg)
		return r.wake(ctx)
	case tick:
		if err := r.engine.Roll(ctx); err != nil {
			return err
		}
		r.schedule(ev.at.Add(tickEvery), tick, 0, 0)
		return r.wake(ctx) // an appointment may have come due, a postponement run out
	}

	p := r.posts[ev.post]
	switch ev.kind {
	case shiftStart:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionOpen, Operator: p.operator}); err != nil {
			// The shift before at this window, or this operator's shift
			// at another, ends once its visitor leaves: open then.
			if queue.ErrorCode(err) == queue.ECONFLICT && r.now.Before(p.shift.To.on(r.date)) {
				r.schedule(r.now.Add(tickEvery), shiftStart, ev.post, 0)
				return nil
			}
			return err
		}
		p.open, p.idleSince = true, r.now
		return r.next(ctx, ev.post)
	case shiftEnd:
		p.closeDue = true
		if p.ticket == "" && !p.onBreak {
			return r.next(ctx, ev.post)
		}
	case breakDue:
		if !p.open || p.closeDue {
			return nil
		}
		p.breakDue = ev.arg
		if p.ticket == "" && !p.onBreak {
			return r.next(ctx, ev.post)
		}
	case breakEnd:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionResume}); err != nil {
			return err
		}
		p.onBreak = false
		return r.next(ctx, ev.post)
	case walkedUp:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionStart}); err != nil {
			return err
		}
		r.schedule(r.now.Add(r.visitors[p.visitor].ServiceTime), finished, ev.post, 0)
	case finished:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionFinish, Outcome: queue.OutcomeServed}); err != nil {
			return err
		}
		p.ticket = ""
		return r.next(ctx, ev.post)
	case recallDue:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionRecall}); err != nil {
			return err
		}
		r.schedule(r.now.Add(r.noShowWait), goneDue, ev.post, 0)
	case goneDue:
		if _, err := r.act(ctx, ev.post, queue.WindowCommand{Action: queue.ActionNoShow}); err != nil {
			return err
		}
		p.ticket = ""
		return r.next(ctx, ev.post)
	}
	return nil
}

// issued notes a ticket printed for visitor v.
func (r *run) issued(t queue.TicketView, v int) {
	r.byTicket[t.ID] = v
	r.res.Tickets = append(r.res.Tickets, Ticket{ID: t.ID, Number: t.Number, Service: t.ServiceID, Priority: t.Priority,
		IssuedAt: r.now, Predicted: time.Duration(t.PredictedWaitS) * time.Second})
}

// act runs c at post i's window as its operator.
func (r *run) act(ctx context.Context, i int, c queue.WindowCommand) (queue.WindowView, error) {
	p := r.posts[i]
	c.Window = p.shift.Window
	c.Actor = queue.Actor{Login: p.operator, Role: queue.RoleOperator}
	return r.engine.WindowAction(ctx, c)
}

// next is what a free operator does: leave if the shift is over, take a
// break that is due, or call the next visitor if anyone waits.
func (r *run) next(ctx context.Context, i int) error {
	p := r.posts[i]
	if !p.open || p.onBreak || p.ticket != "" {
		return nil
	}
	switch {
	case p.closeDue:
		if _, err := r.act(ctx, i, queue.WindowCommand{Action: queue.ActionClose}); err != nil {
			return err
		}
		p.open = false
		return nil
	case p.breakDue > 0:
		minutes := p.breakDue
		p.breakDue = 0
		_, err := r.act(ctx, i, queue.WindowCommand{Action: queue.ActionBreak, Minutes: minutes, Reason: breakReason})
		if err == nil {
			p.onBreak = true
			r.schedule(r.now.Add(time.Duration(minutes)*time.Minute), breakEnd, i, 0)
			return nil
		}
		if queue.ErrorCode(err) == queue.EINTERNAL {
			return err
		}
		r.res.BreaksRefused++ // the rules said no (the daily limit, the last window of a service): work on
	}
	var waiting bool
	r.engine.Read(func(s *queue.State, now time.Time) { waiting = s.Next(p.shift.Window, now).Ticket != nil })
	if !waiting {
		if p.idleSince.IsZero() {
			p.idleSince = r.now
		}
		return nil
	}
	w, err := r.act(ctx, i, queue.WindowCommand{Action: queue.ActionCallNext})
	if err != nil {
		return err
	}
	p.ticket, p.idleSince = w.Current.ID, time.Time{}
	p.visitor = r.byTicket[p.ticket]
	if _, ok := r.called[p.ticket]; !ok {
		r.called[p.ticket] = r.now
	}
	if r.visitors[p.visitor].NoShow {
		r.schedule(r.now.Add(r.noShowWait), recallDue, i, 0)
	} else {
		r.schedule(r.now.Add(r.walkUp), walkedUp, i, 0)
	}
	return nil
}

// wake lets the free operators call, the one free longest first.
func (r *run) wake(ctx context.Context) error {
	var idle []int
	for i, p := range r.posts {
		if p.open && !p.onBreak && p.ticket == "" {
			idle = append(idle, i)
		}
	}
	slices.SortStableFunc(idle, func(a, b int) int { return r.posts[a].idleSince.Compare(r.posts[b].idleSince) })
	for _, i := range idle {
		if err := r.next(ctx, i); err != nil {
			return err
		}
	}
	return nil
}
