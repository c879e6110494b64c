package server

import (
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"eq/queue"
	"eq/reports"
)

//go:embed web/audit.html
var auditHTML string

var auditTmpl = template.Must(template.Must(template.New("audit").Parse(auditHTML)).Parse(signinHTML))

// auditWords are the audit page's own words in one language.
type auditWords struct {
	Title, Queue, Dashboard, Reports, OtherLang, SignOut string
	SignIn, Login, Password, Enter, NeedsScript          string
	From, To, Actor, Everyone, Show                      string
	At, Who, What, Window, AtWindow, NoRows, Truncated   string
}

var auditText = map[string]*auditWords{
	"ru": {
		Title: "Журнал действий сотрудников", Queue: "электронная очередь", Dashboard: "Панель руководителя", Reports: "Отчёты",
		OtherLang: "English", SignOut: "Выйти",
		SignIn: "Вход для администратора", Login: "Логин", Password: "Пароль", Enter: "Войти", NeedsScript: "Для входа нужен JavaScript.",
		From: "С", To: "По", Actor: "Сотрудник", Everyone: "все", Show: "Показать",
		At: "Время", Who: "Сотрудник", What: "Действие", Window: "Окно", AtWindow: "За окном работает",
		NoRows: "За период действий сотрудников нет.", Truncated: "Показаны последние %d действий: сузьте период или выберите сотрудника.",
	},
	"en": {
		Title: "Staff audit trail", Queue: "electronic queue", Dashboard: "Manager dashboard", Reports: "Reports",
		OtherLang: "Русский", SignOut: "Sign out",
		SignIn: "Admin sign-in", Login: "Login", Password: "Password", Enter: "Sign in", NeedsScript: "Signing in needs JavaScript.",
		From: "From", To: "To", Actor: "Staff member", Everyone: "everyone", Show: "Show",
		At: "Time", Who: "Staff member", What: "Action", Window: "Window", AtWindow: "Window worked by",
		NoRows: "No staff actions in the period.", Truncated: "The last %d actions are shown: narrow the period or pick a staff member.",
	},
}

type auditPage struct {
	Lang      string
	W         *auditWords
	Office    string
	SignIn    bool
	SignedIn  bool
	Filter    bool
	Message   string
	From, To  string
	Staff     []reportsOption
	OtherLang string
	Rows      []auditRow
	Shown     bool   // the table part is shown (maybe empty)
	Truncated string // the note that more actions exist
}

type auditRow struct {
	Seq                     int64
	At, Who, What, AtWindow string
	Window                  string
}

// handleAuditPage serves GET /audit: the staff's actions for a period as
// a table, for admins; anyone else gets the sign-in form. The filter is a
// plain GET form, so the page works without scripts once signed in.
func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	lang := v.Get("lang")
	if lang != "en" {
		lang = "ru"
	}
	office := s.engine.Office()
	p := &auditPage{Lang: lang, W: auditText[lang], Office: reports.Localize(office.Name, lang)}
	other := url.Values{}
	for k, vs := range v {
		other[k] = vs
	}
	other.Set("lang", map[string]string{"ru": "en", "en": "ru"}[lang])
	p.OtherLang = "/audit?" + other.Encode()
	text := func(t queue.Text) string { return reports.Localize(t, lang) }

	who := callerOf(r).actor
	switch {
	case who.Login == "":
		p.SignIn = true
		s.renderAudit(w, http.StatusOK, p)
		return
	case who.Role != queue.RoleAdmin:
		p.SignIn, p.SignedIn = true, true
		p.Message = text(queue.Text{RU: "Недостаточно прав: журнал действий доступен администратору. Войдите под его учётной записью.",
			EN: "Not allowed: the audit trail is for admins. Sign in as one."})
		s.renderAudit(w, http.StatusForbidden, p)
		return
	}
	p.SignedIn, p.Filter = true, true
	res, err := s.readAudit(r)
	p.From, p.To = res.From, res.To
	if err != nil {
		status, known := statusOf[queue.ErrorCode(err)]
		if !known || status >= 500 {
			status = http.StatusInternalServerError
			s.log.Error("audit page", "err", err)
		}
		ru, en := queue.ErrorMessages(err)
		p.Message = text(queue.Text{RU: ru, EN: en})
		p.From, p.To = v.Get("from"), v.Get("to")
		s.renderAudit(w, status, p)
		return
	}
	p.Staff = append(p.Staff, reportsOption{Value: "", Label: p.W.Everyone, Selected: res.Actor == ""})
	for _, op := range office.Operators {
		p.Staff = append(p.Staff, reportsOption{Value: op.Login, Label: op.Login + " — " + op.Name, Selected: op.Login == res.Actor})
	}
	p.Shown = true
	for _, a := range res.Actions {
		row := auditRow{Seq: a.Seq, At: a.At.In(office.Location).Format("02.01.2006 15:04:05"), Who: a.Actor,
			What: text(queue.Text{RU: a.Summary, EN: a.SummaryEN}), AtWindow: a.Operator}
		if a.ActorName != "" {
			row.Who += " — " + a.ActorName
		}
		if a.Window != 0 {
			row.Window = strconv.Itoa(a.Window)
		}
		p.Rows = append(p.Rows, row)
	}
	if res.Truncated {
		p.Truncated = fmt.Sprintf(p.W.Truncated, len(res.Actions))
	}
	s.renderAudit(w, http.StatusOK, p)
}

func (s *Server) renderAudit(w http.ResponseWriter, status int, p *auditPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The trail names staff and what they did: no cache on the way may keep it.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := auditTmpl.Execute(w, p); err != nil {
		s.log.Warn("render audit page", "err", err)
	}
}
