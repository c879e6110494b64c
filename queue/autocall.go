package queue

import (
	"context"
	"time"
)

// Auto-call. A window that opts in (Window.AutoCall) has its next visitor
// called without its operator, Window.AutoCallPause after the last one
// left: time to file the papers, and for the operator to take a break or
// close instead. The pause counts from when the visitor left (FreeSince),
// so a window that has waited longer calls the moment someone comes. The
// first call after the window opens or comes back from a break is the
// operator's: nobody is called to a window whose operator may not be
// sitting at it yet.
//
// The domain has no goroutines: the server asks the engine every second
// (Engine.AutoCall), and the state decides which windows are due.

// autoCallAt is when window w's auto-call is due, if it is opted in and
// free: due means someone waiting will be called then.
func (s *State) autoCallAt(w *WindowState) (time.Time, bool) {
	cfg := s.ix.windows[w.Number]
	if !cfg.AutoCall || !w.Open || w.OnBreak || w.Current != "" || w.FreeSince.IsZero() {
		return time.Time{}, false
	}
	return w.FreeSince.Add(cfg.AutoCallPause), true
}

// autoCall decides the auto-call of window n at now: a call like the
// operator's call-next, marked Auto. It returns no events when the call is
// not due or nobody waits.
func (s *State) autoCall(now time.Time, n int) (Decision, error) {
	w, ok := s.windows[n]
	if !ok {
		return Decision{}, Errorf(ENOTFOUND, "окно %d не найдено", "window %d not found", n)
	}
	at, ok := s.autoCallAt(w)
	if !ok || now.Before(at) || s.Next(n, now).Ticket == nil {
		return Decision{}, nil
	}
	d, err := s.call(now, w, nil, WindowCommand{Window: n, Action: ActionCallNext})
	if err != nil {
		return Decision{}, err
	}
	d.Events[0].Auto = true
	d.Events[0].Reason += " (автовызов)"
	return d, nil
}

// AutoCall calls the next visitor at every window whose auto-call is due,
// one window at a time in number order (each call changes whom the next
// window would pick), and returns the windows that called.
func (e *Engine) AutoCall(ctx context.Context) ([]int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var due []int
	now := e.clock.Now()
	for _, w := range e.state.windowsInOrder() {
		// Due means someone to call: an idle window makes no commit, so
		// it can neither fail nor fill the log with errors every second.
		if at, ok := e.state.autoCallAt(w); ok && !now.Before(at) && e.state.Next(w.Number, now).Ticket != nil {
			due = append(due, w.Number)
		}
	}
	var called []int
	for _, n := range due {
		// roll, as every operator's command: past midnight the new day
		// opens first, and yesterday's visitors are not called into it.
		d, _, err := e.commit(ctx, true, func(s *State, now time.Time) (Decision, error) { return s.autoCall(now, n) })
		if err != nil {
			return called, err
		}
		if len(d.Events) > 0 {
			called = append(called, n)
		}
	}
	return called, nil
}
