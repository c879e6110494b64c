package server_test

import (
	"net/http"
	"testing"
	"time"

	"eq/queue"
	"eq/server"
)

// TestEveryEndpointChecksWhoAsks walks every endpoint that is not public and
// checks that a caller without the right credentials is refused, and that
// nothing is written.
func TestEveryEndpointChecksWhoAsks(t *testing.T) {
	s := newStack(t)
	ticket := s.issue(t, "passport")
	staffOnly := []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/tickets", ""},
		{http.MethodGet, "/api/v1/me", ""},
		{http.MethodGet, "/api/v1/windows", ""},
		{http.MethodGet, "/api/v1/windows/1", ""},
		{http.MethodGet, "/ws/console?window=1", ""},
	}
	for _, a := range queue.Actions {
		staffOnly = append(staffOnly, struct{ method, path, body string }{http.MethodPost, "/api/v1/windows/1/" + string(a), "{}"})
	}
	managerOnly := []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/day/close", ""},
		{http.MethodPost, "/api/v1/day/open", ""},
		{http.MethodPut, "/api/v1/windows/2/services", `{"services":[{"service_id":"passport","level":1}]}`},
	}
	kioskOnly := []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/tickets", `{"service_id":"passport"}`},
		{http.MethodPost, "/api/v1/tickets/" + ticket.ID + "/cancel", ""},
	}
	operator := s.signIn(t, "op1")
	seq := s.lastSeq(t)
	for _, e := range staffOnly {
		t.Run(e.method+" "+e.path+" refuses a caller who has not signed in", func(t *testing.T) {
			s.refused(t, s.anon().do(t, e.method, e.path, e.body), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		})
		t.Run(e.method+" "+e.path+" refuses a kiosk", func(t *testing.T) {
			s.refused(t, s.kiosk().do(t, e.method, e.path, e.body), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		})
	}
	for _, e := range managerOnly {
		t.Run(e.method+" "+e.path+" refuses a caller who has not signed in", func(t *testing.T) {
			s.refused(t, s.anon().do(t, e.method, e.path, e.body), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		})
		t.Run(e.method+" "+e.path+" refuses an operator", func(t *testing.T) {
			s.refused(t, operator.do(t, e.method, e.path, e.body), http.StatusForbidden, queue.EFORBIDDEN, seq)
		})
	}
	for _, e := range kioskOnly {
		t.Run(e.method+" "+e.path+" refuses a caller with no kiosk token", func(t *testing.T) {
			s.refused(t, s.anon().do(t, e.method, e.path, e.body), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		})
		t.Run(e.method+" "+e.path+" refuses a display's token", func(t *testing.T) {
			s.refused(t, s.anon().do(t, e.method, e.path, e.body, "Authorization", "Bearer demo-display"), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		})
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	s := newStack(t)
	for i := 0; i < 10; i++ {
		if r := s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"wrong"}`); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.Status)
		}
	}
	checkError(t, s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`), http.StatusTooManyRequests, "too_many_requests")
	s.clock.Advance(time.Minute)
	if r := s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`); r.Status != http.StatusOK {
		t.Fatalf("after a minute: status %d, want 200", r.Status)
	}
}

func TestCancelNeedsAKioskEvenOnAnOpenLAN(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.KioskTokens = nil })
	var ticket struct{ ID string }
	s.anon().post(t, "/api/v1/tickets", `{"service_id":"passport"}`).decode(t, http.StatusCreated, &ticket)
	seq := s.lastSeq(t)
	s.refused(t, s.anon().post(t, "/api/v1/tickets/"+ticket.ID+"/cancel", ""), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
	if r := s.signIn(t, "op1").post(t, "/api/v1/tickets/"+ticket.ID+"/cancel", ""); r.Status != http.StatusOK {
		t.Fatalf("staff cancel: %d %s", r.Status, r.Body)
	}
}
