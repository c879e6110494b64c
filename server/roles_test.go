package server_test

import (
	"net/http"
	"testing"

	"eq/queue"
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
