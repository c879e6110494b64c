package server

import (
	_ "embed"
	"html/template"
	"net/http"

	"eq/queue"
)

//go:embed web/index.html
var indexHTML string

var indexTmpl = template.Must(template.New("index").Funcs(template.FuncMap{
	"minutes": func(s int) int { return (s + 59) / 60 },
}).Parse(indexHTML))

// handleIndex is the landing page: the office, its queues and where to go.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Office queue.Text
		Queue  queue.QueueView
	}{s.engine.Office().Name, s.engine.Queue()}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexTmpl.Execute(w, data); err != nil {
		s.log.Warn("render index", "err", err)
	}
}
