package server

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"eq/queue"
)

//go:embed web/index.html
var indexHTML string

//go:embed web/console.html
var consoleHTML []byte

//go:embed web/static
var staticFiles embed.FS

// staticHandler serves the pages' scripts and styles from the binary.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "web/static")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

// handleConsole serves the operator console page; it signs in by itself.
func (s *Server) handleConsole(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(consoleHTML)
}

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
