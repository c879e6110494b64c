package server

import (
	"net/http"
	"strings"
)

// pagePolicy is the Content-Security-Policy of every response. The pages
// load their scripts and styles from /static/ and /kiosk/, talk only to
// this server (fetch and WebSockets: 'self' covers ws: and wss: of the
// same host), and hold no inline script or style, so nothing injected into
// a page — a service name, a visitor's name in a list — can run or restyle
// it. Pages are never framed (clickjacking a console's buttons).
const pagePolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// hstsPolicy tells browsers to come back over HTTPS only, for a year. It is
// sent over TLS only: a browser ignores it over plain HTTP, and an office
// without a certificate must stay reachable. (An office that turns TLS off
// again must let that year pass or clear it in the browsers.)
const hstsPolicy = "max-age=31536000"

// secure sets the security headers on every response before next writes it.
// API answers are never stored by a browser or a proxy: they carry tickets,
// appointments with their contacts and staff names.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// Ticket pages' addresses carry the ticket's id, the kiosk page's
		// its token: no link followed from a page may tell them on.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", pagePolicy)
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", hstsPolicy)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/ws/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
