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

//go:embed web/ticket.html
var ticketHTML string

var ticketTmpl = template.Must(template.New("ticket").Parse(ticketHTML))

// statusNames says a ticket's status to a visitor.
var statusNames = map[queue.Status][2]string{
	queue.StatusWaiting:   {"Ожидайте вызова", "Please wait to be called"},
	queue.StatusPostponed: {"Талон отложен", "Your ticket is postponed"},
	queue.StatusServing:   {"Вас обслуживают", "You are being served"},
	queue.StatusDone:      {"Обслуживание завершено", "Service finished"},
	queue.StatusNoShow:    {"Вы не подошли по вызову", "You did not come when called"},
	queue.StatusCancelled: {"Талон отменён", "The ticket was cancelled"},
	queue.StatusNotServed: {"Рабочий день закончен", "The working day has ended"},
}

// handleTicketPage is the page the QR code on a paper ticket opens: where the
// visitor is in the queue, refreshing itself until the ticket is done.
func (s *Server) handleTicketPage(w http.ResponseWriter, r *http.Request) {
	t, err := s.engine.Ticket(r.PathValue("id"))
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><p>Талон не найден: он мог остаться во вчерашнем дне.</p><p>Ticket not found: it may belong to an earlier day.</p>`))
		return
	}
	data := struct {
		Office, Service       queue.Text
		Ticket                queue.TicketView
		Open, Called, Waiting bool
		StatusRU, StatusEN    string
		Ahead, WaitMin        int
	}{Office: s.engine.Office().Name, Ticket: t, Open: t.Status.Open(), Called: t.Status == queue.StatusCalled,
		Waiting: t.Status == queue.StatusWaiting, Ahead: max(0, t.Position-1), WaitMin: (t.PredictedWaitS + 59) / 60}
	for _, svc := range s.engine.Office().Services {
		if svc.ID == t.ServiceID {
			data.Service = svc.Name
		}
	}
	names := statusNames[t.Status]
	data.StatusRU, data.StatusEN = names[0], names[1]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := ticketTmpl.Execute(w, data); err != nil {
		s.log.Warn("render ticket page", "err", err)
	}
}

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
