package server_test

import (
	"net/http"
	"testing"
	"time"

	"eq/configs"
	"eq/internal/officetest"
	"eq/queue"
	"eq/server"
)

type meJSON struct {
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Position string     `json:"position"`
	Role     queue.Role `json:"role"`
	Window   int        `json:"window"`
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tests := []struct {
		name   string
		body   string
		status int
		code   queue.Code
	}{
		{"a wrong password is refused", `{"login":"op1","password":"wrong"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED},
		{"an unknown login is refused", `{"login":"nobody","password":"demo"}`, http.StatusUnauthorized, queue.EUNAUTHORIZED},
		{"an empty password is invalid", `{"login":"op1","password":""}`, http.StatusBadRequest, queue.EINVALID},
		{"an empty login is invalid", `{"login":"","password":"demo"}`, http.StatusBadRequest, queue.EINVALID},
		{"an empty object is invalid", `{}`, http.StatusBadRequest, queue.EINVALID},
		{"an empty body is invalid", ``, http.StatusBadRequest, queue.EINVALID},
		{"malformed JSON is invalid", `{"login":"op1",`, http.StatusBadRequest, queue.EINVALID},
		{"an unknown field is invalid", `{"login":"op1","password":"demo","role":"admin"}`, http.StatusBadRequest, queue.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.staffClient(t)
			seq := s.lastSeq(t)
			r := c.post(t, "/api/v1/login", tc.body)
			s.refused(t, r, tc.status, tc.code, seq)
			if len(r.Cookies) > 0 {
				t.Errorf("a refused sign-in set cookies %v", r.Cookies)
			}
			checkError(t, c.get(t, "/api/v1/me"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
		})
	}
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	// The demo config's own hashes: "demo" signs in as demo.yaml promises.
	s := newStack(t, func(o *server.Options) { o.Accounts = officetest.Accounts(configs.Demo()) })
	op := s.staffClient(t)

	r := op.post(t, "/api/v1/login", `{"login":"op1","password":"demo"}`)
	var me meJSON
	r.decode(t, http.StatusOK, &me)
	want := meJSON{Login: "op1", Name: "Иванова Мария Сергеевна", Position: "ведущий специалист", Role: queue.RoleOperator, Window: 1}
	if me != want {
		t.Errorf("sign-in answered %+v, want %+v", me, want)
	}

	var cookie *http.Cookie
	for _, c := range r.Cookies {
		if c.Name == "eq_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("no eq_session cookie among %v", r.Cookies)
	}
	if cookie.Value == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Errorf("cookie = %+v, want a value, HttpOnly, SameSite=Strict, Path=/", cookie)
	}
	if cookie.Secure {
		t.Errorf("cookie is Secure on plain HTTP: the browser would never send it back")
	}

	t.Run("me names who signed in", func(t *testing.T) {
		var got meJSON
		op.get(t, "/api/v1/me").decode(t, http.StatusOK, &got)
		if got != want {
			t.Errorf("me = %+v, want %+v", got, want)
		}
	})

	t.Run("me without a session is unauthorized", func(t *testing.T) {
		checkError(t, s.anon().get(t, "/api/v1/me"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})

	t.Run("a forged session cookie is unauthorized", func(t *testing.T) {
		forged := s.anon()
		r := forged.do(t, http.MethodGet, "/api/v1/me", "", "Cookie", "eq_session=forged")
		checkError(t, r, http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})

	t.Run("after signing out staff calls are unauthorized", func(t *testing.T) {
		r := op.post(t, "/api/v1/logout", "")
		if r.Status != http.StatusOK {
			t.Fatalf("logout: status %d, body %s", r.Status, r.Body)
		}
		seq := s.lastSeq(t)
		s.refused(t, op.get(t, "/api/v1/me"), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
		s.refused(t, op.post(t, "/api/v1/windows/1/open", ""), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)

		// The server forgot the session, not only the browser its cookie.
		replay := s.anon()
		r = replay.do(t, http.MethodGet, "/api/v1/me", "", "Cookie", "eq_session="+cookie.Value)
		checkError(t, r, http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	m := s.signIn(t, "manager")
	if r := m.get(t, "/api/v1/me"); r.Status != http.StatusOK {
		t.Fatalf("me: status %d", r.Status)
	}
	s.clock.Advance(12*time.Hour + time.Second)
	checkError(t, m.get(t, "/api/v1/me"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
}

func TestDayCloseAndOpen(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	before := s.issue(t, "passport")
	op := s.signIn(t, "op1")
	manager := s.signIn(t, "manager")

	t.Run("an operator may not close the day", func(t *testing.T) {
		seq := s.lastSeq(t)
		s.refused(t, op.post(t, "/api/v1/day/close", ""), http.StatusForbidden, queue.EFORBIDDEN, seq)
		s.refused(t, s.kiosk().post(t, "/api/v1/day/close", ""), http.StatusUnauthorized, queue.EUNAUTHORIZED, seq)
	})

	t.Run("the manager closes the day", func(t *testing.T) {
		var q queueJSON
		manager.post(t, "/api/v1/day/close", "").decode(t, http.StatusOK, &q)
		if q.DayOpen || q.Day != "2026-11-23" {
			t.Errorf("after close: day %s open %v, want 2026-11-23 closed", q.Day, q.DayOpen)
		}
		if got := s.ticket(t, before.ID).Status; got != "not_served" {
			t.Errorf("the ticket left waiting is %s, want not_served", got)
		}
	})

	t.Run("a closed day issues no tickets and cannot close again", func(t *testing.T) {
		seq := s.lastSeq(t)
		s.refused(t, s.kiosk().post(t, "/api/v1/tickets", `{"service_id":"passport"}`), http.StatusConflict, queue.ECONFLICT, seq)
		s.refused(t, manager.post(t, "/api/v1/day/close", ""), http.StatusConflict, queue.ECONFLICT, seq)
	})

	t.Run("an operator may not open the day", func(t *testing.T) {
		seq := s.lastSeq(t)
		s.refused(t, op.post(t, "/api/v1/day/open", ""), http.StatusForbidden, queue.EFORBIDDEN, seq)
	})

	t.Run("the manager reopens the day and numbering goes on", func(t *testing.T) {
		var q queueJSON
		manager.post(t, "/api/v1/day/open", "").decode(t, http.StatusOK, &q)
		if !q.DayOpen || q.Day != "2026-11-23" {
			t.Errorf("after open: day %s open %v, want 2026-11-23 open", q.Day, q.DayOpen)
		}
		if got := s.issue(t, "passport").Number; got != "П002" {
			t.Errorf("number after reopening = %s, want П002: a number is never given twice a day", got)
		}
	})

	t.Run("opening refuses what does not fit", func(t *testing.T) {
		tests := []struct {
			name   string
			body   string
			status int
			code   queue.Code
		}{
			{"an open day cannot open again", ``, http.StatusConflict, queue.ECONFLICT},
			{"a past day cannot open", `{"date":"2026-11-20"}`, http.StatusConflict, queue.ECONFLICT},
			{"a date not in YYYY-MM-DD is invalid", `{"date":"23.11.2026"}`, http.StatusBadRequest, queue.EINVALID},
			{"an unknown field is invalid", `{"day":"2026-11-24"}`, http.StatusBadRequest, queue.EINVALID},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				seq := s.lastSeq(t)
				s.refused(t, manager.post(t, "/api/v1/day/open", tc.body), tc.status, tc.code, seq)
			})
		}
	})
}
