package server

import (
	"fmt"
	"net/http"

	"golang.org/x/crypto/bcrypt"

	"eq/devices/console"
	"eq/queue"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type meResponse struct {
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Position string     `json:"position"`
	Role     queue.Role `json:"role"`
	Window   int        `json:"window,omitempty"`
}

func (s *Server) meOf(login string) console.Me {
	m := s.me(login)
	return console.Me{Login: m.Login, Name: m.Name, Position: m.Position, Role: m.Role}
}

func (s *Server) me(login string) meResponse {
	a := s.accounts[login]
	out := meResponse{Login: login, Role: a.Role, Window: a.Window}
	if op, ok := s.engine.Office().Operator(login); ok {
		out.Name, out.Position = op.Name, op.Position
	}
	return out
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Login == "" || req.Password == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите логин и пароль", "login and password are required"))
		return
	}
	// Guessing passwords online, or burning the office PC's CPU on bcrypt,
	// stops at a few tries a minute from one address.
	if ok, wait := s.signins.allow(clientIP(r)); !ok {
		s.refuseTooMany(w, r, wait, "слишком много попыток входа, подождите минуту", "too many sign-in attempts, wait a minute")
		return
	}
	a, known := s.accounts[req.Login]
	hash := dummyHash
	if known {
		hash = []byte(a.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || !known {
		// An unknown login is not logged: people type their password into
		// the login field, and the log would keep it.
		login := req.Login
		if !known {
			login = "(unknown)"
		}
		s.log.Warn("sign-in refused", "login", login, "ip", clientIP(r))
		s.writeError(w, r, queue.Errorf(queue.EUNAUTHORIZED, "неверный логин или пароль", "wrong login or password"))
		return
	}
	token, se, err := s.sessions.create(a.Login, a.Role)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("create session: %w", err))
		return
	}
	// MaxAge, not Expires: a browser judges an absolute time by its own
	// clock, and a console PC whose clock differs from the server's would
	// drop the cookie at once or keep it too long.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(se.expires.Sub(s.sessions.now()).Seconds()),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.log.Info("signed in", "login", a.Login, "role", a.Role)
	writeJSON(w, http.StatusOK, s.me(a.Login))
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	// Only a live session the guard found: an empty or made-up cookie
	// must not reach dropSession, where "" is every display's session.
	if c := callerOf(r); c.session != "" {
		s.sessions.drop(c.session)
		s.hub.dropSession(c.session)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.me(callerOf(r).actor.Login))
}
