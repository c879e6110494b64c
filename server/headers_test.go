package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"eq/server"
)

// checkSecurityHeaders checks what every answer of the server carries, and
// that API answers, which carry tickets, appointments and staff names, are
// never stored. A WebSocket handshake that succeeded is the upgrader's own
// answer and carries none of it (nor needs to: it is no page).
func checkSecurityHeaders(t *testing.T, r reply, path string) {
	t.Helper()
	if r.Status == http.StatusSwitchingProtocols {
		return
	}
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": server.PagePolicy,
	}
	if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/ws/") {
		want["Cache-Control"] = "no-store"
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", path, k, got, v)
		}
	}
	if got := r.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("%s: Strict-Transport-Security %q over plain HTTP", path, got)
	}
}

// TestPagePolicy: the policy the pages are served with lets them load
// only from this server, runs no inline script or style, and forbids
// framing them.
func TestPagePolicy(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(server.PagePolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	want := map[string]string{
		"default-src":     "'self'",
		"object-src":      "'none'",
		"base-uri":        "'none'",
		"frame-ancestors": "'none'",
	}
	for name, v := range want {
		if directives[name] != v {
			t.Errorf("%s = %q, want %q", name, directives[name], v)
		}
	}
	for name, v := range directives {
		if strings.Contains(v, "unsafe") || strings.Contains(v, "*") || strings.Contains(v, "data:") {
			t.Errorf("%s %s opens the pages to what they do not load", name, v)
		}
	}
}

// TestSecurityHeaders asks for each kind of answer the server gives —
// pages, scripts, JSON, files, refusals of every kind, the mux's own 404 —
// and checks the headers on each.
func TestSecurityHeaders(t *testing.T) {
	s := newStack(t)
	ticket := s.issue(t, "passport")
	manager := s.signIn(t, "manager")
	appt := manager.book(t, "passport", at(1, 10, 0), `,"name":"Иванов Иван","phone":"8 (912) 345-67-89"`)
	tests := []struct {
		name        string
		c           *client
		method      string
		path        string
		header      []string
		status      int
		contentType string
		cache       string // Cache-Control, beyond what every /api/ answer gets
	}{
		{"the landing page", s.anon(), "GET", "/", nil, 200, "text/html", ""},
		{"a ticket's page", s.anon(), "GET", "/t/" + ticket.ID, nil, 200, "text/html", "no-store"},
		{"a missing ticket's page", s.anon(), "GET", "/t/20200101-000001", nil, 404, "text/html", ""},
		{"the kiosk page with its token", s.anon(), "GET", "/kiosk?token=demo-kiosk", nil, 200, "text/html", ""},
		{"the console page", s.anon(), "GET", "/console", nil, 200, "text/html", ""},
		{"the reports page for a manager", manager, "GET", "/reports", nil, 200, "text/html", "no-store"},
		{"a page's script", s.anon(), "GET", "/static/console.js", nil, 200, "text/javascript", ""},
		{"a page's style", s.anon(), "GET", "/static/ticket.css", nil, 200, "text/css", ""},
		{"the services", s.anon(), "GET", "/api/v1/services", nil, 200, "application/json", ""},
		{"a ticket", s.anon(), "GET", "/api/v1/tickets/" + ticket.ID, nil, 200, "application/json", ""},
		{"an appointment by its code", s.anon(), "GET", "/api/v1/appointments/" + appt.Code, nil, 200, "application/json", ""},
		{"the day's appointments", manager, "GET", "/api/v1/appointments?date=2026-11-24", nil, 200, "application/json", ""},
		{"a report as CSV", manager, "GET", "/api/v1/reports/attendance?format=csv", nil, 200, "text/csv", ""},
		{"the metrics", s.anon(), "GET", "/metrics", nil, 200, "text/plain", ""},
		{"the health check", s.anon(), "GET", "/healthz", nil, 200, "application/json", ""},
		{"an unknown API path", s.anon(), "GET", "/api/v1/no-such-thing", nil, 404, "application/json", ""},
		{"a page that does not exist", s.anon(), "GET", "/no-such-page", nil, 404, "text/plain", ""},
		{"a caller who has not signed in", s.anon(), "GET", "/api/v1/tickets", nil, 401, "application/json", ""},
		{"an operator at a manager's route", s.signIn(t, "op1"), "POST", "/api/v1/day/close", nil, 403, "application/json", ""},
		{"a request from another site", manager, "POST", "/api/v1/day/close", []string{"Sec-Fetch-Site", "cross-site"}, 403, "application/json", ""},
		{"a console WebSocket refused", s.anon(), "GET", "/ws/console", nil, 401, "application/json", ""},
		{"a display WebSocket asked for without upgrading", s.anon(), "GET", "/ws/display?token=demo-display", nil, 400, "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" carries the security headers", func(t *testing.T) {
			r := tt.c.do(t, tt.method, tt.path, "", tt.header...)
			if r.Status != tt.status || !strings.HasPrefix(r.Header.Get("Content-Type"), tt.contentType) {
				t.Fatalf("status %d, type %q, want %d %q; body %.200s", r.Status, r.Header.Get("Content-Type"), tt.status, tt.contentType, r.Body)
			}
			checkSecurityHeaders(t, r, tt.path)
			if tt.cache != "" && r.Header.Get("Cache-Control") != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", r.Header.Get("Cache-Control"), tt.cache)
			}
		})
	}
	t.Run("a rate-limited answer carries the security headers", func(t *testing.T) {
		var r reply
		for i := 0; i < 20 && r.Status != http.StatusTooManyRequests; i++ {
			r = s.anon().post(t, "/api/v1/login", `{"login":"op1","password":"wrong"}`)
		}
		checkError(t, r, http.StatusTooManyRequests, "too_many_requests")
		checkSecurityHeaders(t, r, "/api/v1/login")
	})
}

// TestHSTSOnlyOverTLS: browsers are told to keep to HTTPS only by a server
// that speaks it, and a session cookie set over TLS never travels in the
// clear; over plain HTTP (an office without a certificate) neither.
func TestHSTSOnlyOverTLS(t *testing.T) {
	s := newStack(t)
	ts := httptest.NewUnstartedServer(s.Server.Handler())
	ts.StartTLS()
	t.Cleanup(ts.Close)

	login := func(t *testing.T, base string, hc *http.Client) *http.Response {
		t.Helper()
		resp, err := hc.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"login":"op1","password":"demo"}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign in: status %d", resp.StatusCode)
		}
		return resp
	}
	session := func(resp *http.Response) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == server.SessionCookie {
				return c
			}
		}
		return nil
	}

	t.Run("over TLS the answer carries HSTS and the cookie is Secure", func(t *testing.T) {
		resp := login(t, ts.URL, ts.Client())
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("Strict-Transport-Security = %q, want max-age=31536000", got)
		}
		if c := session(resp); c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("session cookie %+v, want Secure, HttpOnly and SameSite=Strict", c)
		}
	})
	t.Run("over plain HTTP there is no HSTS and the cookie is not Secure", func(t *testing.T) {
		resp := login(t, s.URL(), s.HTTP.Client())
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("Strict-Transport-Security = %q over plain HTTP", got)
		}
		if c := session(resp); c == nil || c.Secure {
			t.Errorf("session cookie %+v, want one a plain-HTTP browser keeps", c)
		}
	})
	t.Run("signing out over TLS clears the cookie as Secure", func(t *testing.T) {
		resp, err := ts.Client().Post(ts.URL+"/api/v1/logout", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c := session(resp); c == nil || !c.Secure || c.MaxAge >= 0 {
			t.Errorf("sign-out cookie %+v, want a Secure one that expires", c)
		}
	})
}
