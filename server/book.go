package server

import (
	_ "embed"
	"net/http"
)

//go:embed web/book.html
var bookHTML []byte

// handleBookPage serves the public appointment page: choose a service, a
// day and a free slot, optionally leave a name and phone, get the code.
// It talks to the same JSON API as any other client.
func (s *Server) handleBookPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(bookHTML)
}
