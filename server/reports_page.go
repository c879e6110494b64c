package server

import (
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"eq/queue"
	"eq/reports"
)

//go:embed web/reports.html
var reportsHTML string

// signinHTML is the sign-in form the reports and audit pages share.
//
//go:embed web/signin.html
var signinHTML string

var reportsTmpl = template.Must(template.Must(template.New("reports").Parse(reportsHTML)).Parse(signinHTML))

// reportsWords are the page's own words in one language.
type reportsWords struct {
	Title, Queue, Dashboard, OtherLang, SignOut              string
	SignIn, Login, Password, Enter, NeedsScript              string
	Period, From, To, By, Show, Download, CSV, XLSX, AllXLSX string
	NoRows                                                   string
}

var reportsText = map[string]*reportsWords{
	"ru": {
		Title: "Отчёты", Queue: "электронная очередь", Dashboard: "Панель руководителя", OtherLang: "English", SignOut: "Выйти",
		SignIn: "Вход для руководителя", Login: "Логин", Password: "Пароль", Enter: "Войти",
		NeedsScript: "Для входа нужен JavaScript.",
		Period:      "Период", From: "С", To: "По", By: "Группировка", Show: "Показать",
		Download: "Скачать:", CSV: "эту таблицу, CSV", XLSX: "эту таблицу, XLSX", AllXLSX: "все отчёты, XLSX",
		NoRows: "Нет данных за период.",
	},
	"en": {
		Title: "Reports", Queue: "electronic queue", Dashboard: "Manager dashboard", OtherLang: "Русский", SignOut: "Sign out",
		SignIn: "Manager sign-in", Login: "Login", Password: "Password", Enter: "Sign in",
		NeedsScript: "Signing in needs JavaScript.",
		Period:      "Period", From: "From", To: "To", By: "Grouping", Show: "Show",
		Download: "Download:", CSV: "this table, CSV", XLSX: "this table, XLSX", AllXLSX: "all reports, XLSX",
		NoRows: "No data for the period.",
	},
}

// reportsGroupings label the groupings in the period picker.
var reportsGroupings = map[reports.GroupBy]queue.Text{
	reports.ByDay:      {RU: "по дням", EN: "by day"},
	reports.ByHour:     {RU: "по часам", EN: "by hour"},
	reports.ByService:  {RU: "по услугам", EN: "by service"},
	reports.ByWindow:   {RU: "по окнам", EN: "by window"},
	reports.ByOperator: {RU: "по сотрудникам", EN: "by operator"},
}

// reportsTabs label the tables on their tabs; a table not here goes by its
// name.
var reportsTabs = map[string]queue.Text{
	"attendance":         {RU: "Посещаемость", EN: "Attendance"},
	"waits":              {RU: "Ожидание", EN: "Waits"},
	"sla":                {RU: "Срок ожидания", EN: "Wait target"},
	"breaches":           {RU: "Превышения", EN: "Breaches"},
	"operators":          {RU: "Сотрудники", EN: "Operators"},
	"appointments":       {RU: "Запись", EN: "Appointments"},
	"queue":              {RU: "Очередь", EN: "Queue"},
	"ratings":            {RU: "Оценки", EN: "Ratings"},
	reports.StaffingName: {RU: "Окна по часам", EN: "Staffing"},
}

// reportsKeyColumns name a row rather than count anything: left-aligned
// even when they hold a number (a window's).
var reportsKeyColumns = []string{"day", "hour", "service", "window", "operator", "name", "operator_name", "number"}

// reportsPage is what the template shows. Message, when set, stands in
// for the table: a refusal or an error, in the page's language.
type reportsPage struct {
	Lang      string
	W         *reportsWords
	Office    string
	SignIn    bool // show the sign-in form
	SignedIn  bool // show the sign-out button
	Picker    bool // show the tabs and the period picker
	Message   string
	Query     reportsQuery
	Period    string
	Groupings []reportsOption
	Tabs      []reportsOption
	OtherLang string // this page in the other language
	Table     *reportsTable
	Chart     template.HTML
	CSV       string
	XLSX      string
	AllXLSX   string
}

// reportsQuery is the page's parameters, defaults filled in.
type reportsQuery struct {
	Name, From, To, By, Lang string
}

// url is the page with q, changed by edit.
func (q reportsQuery) url(edit func(*reportsQuery)) string {
	edit(&q)
	return "/reports?" + url.Values{"name": {q.Name}, "from": {q.From}, "to": {q.To}, "by": {q.By}, "lang": {q.Lang}}.Encode()
}

// download is the API's address of table name of this period in format.
func (q reportsQuery) download(name, format string) string {
	return "/api/v1/reports/" + url.PathEscape(name) + "?" +
		url.Values{"from": {q.From}, "to": {q.To}, "by": {q.By}, "format": {format}, "lang": {q.Lang}}.Encode()
}

type reportsOption struct {
	Value, Label, URL string
	Selected          bool
}

type reportsTable struct {
	Title string
	Head  []reportsCell
	Rows  []reportsRow
}

type reportsRow struct {
	Total bool
	Cells []reportsCell
}

type reportsCell struct {
	Text string
	Num  bool // right-aligned
	Key  bool // names the row: kept on one line
}

// handleReportsPage serves GET /reports: a table of reports.Names for a
// period as an HTML table under its chart, with the period picker as a
// plain GET form and links to the same table as CSV and XLSX. It is for
// managers and admins; anyone else gets the sign-in form.
func (s *Server) handleReportsPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := reportsQuery{Name: v.Get("name"), From: v.Get("from"), To: v.Get("to"), By: v.Get("by"), Lang: v.Get("lang")}
	if q.Lang != "en" {
		q.Lang = "ru"
	}
	office := s.engine.Office()
	p := &reportsPage{Lang: q.Lang, W: reportsText[q.Lang], Office: reports.Localize(office.Name, q.Lang)}
	otherLang := func(q reportsQuery) string {
		return q.url(func(o *reportsQuery) { o.Lang = map[string]string{"ru": "en", "en": "ru"}[q.Lang] })
	}
	p.OtherLang = otherLang(q)
	text := func(t queue.Text) string { return reports.Localize(t, q.Lang) }

	c := callerOf(r)
	switch {
	case !c.isStaff():
		p.SignIn = true
		s.renderReports(w, http.StatusOK, p)
		return
	case !c.actor.Role.Supervises():
		p.SignIn, p.SignedIn = true, true
		p.Message = text(queue.Text{RU: "Недостаточно прав: отчёты доступны руководителю и администратору. Войдите под их учётной записью.",
			EN: "Not allowed: reports are for managers and admins. Sign in as one of them."})
		s.renderReports(w, http.StatusForbidden, p)
		return
	}
	p.SignedIn = true
	if s.reports == nil {
		p.Message = text(queue.Text{RU: "Отчёты на этом сервере не подключены.", EN: "Reports are not served by this server."})
		s.renderReports(w, http.StatusServiceUnavailable, p)
		return
	}

	if q.Name == "" {
		q.Name = "attendance"
	}
	if q.By == "" {
		q.By = string(reports.ByDay)
	}
	q.From, q.To = reports.DefaultPeriod(q.From, q.To, s.engine.Now(), office.Location)
	p.Query, p.Picker, p.OtherLang = q, true, otherLang(q)
	p.Period = reports.Period(q.From, q.To, q.Lang)
	for _, g := range reports.GroupBys {
		p.Groupings = append(p.Groupings, reportsOption{Value: string(g), Label: text(reportsGroupings[g]), Selected: string(g) == q.By})
	}
	for _, name := range reports.Names {
		label, ok := reportsTabs[name]
		if !ok {
			label = queue.Text{RU: name, EN: name}
		}
		p.Tabs = append(p.Tabs, reportsOption{Value: name, Label: text(label), Selected: name == q.Name,
			URL: q.url(func(o *reportsQuery) { o.Name = name })})
	}

	t, err := s.reportsTable(r, q)
	if err != nil {
		status, ok := statusOf[queue.ErrorCode(err)]
		if !ok || status >= 500 {
			status = http.StatusInternalServerError
			s.log.Error("reports page", "name", q.Name, "from", q.From, "to", q.To, "by", q.By, "err", err)
		}
		ru, en := queue.ErrorMessages(err)
		p.Message = text(queue.Text{RU: ru, EN: en})
		s.renderReports(w, status, p)
		return
	}
	p.Table = reportsHTMLTable(t, q.Lang)
	if svg, ok := reports.Chart(t, reports.ChartOptions{Lang: q.Lang, WaitTarget: usualWaitTarget(office), NoTitle: true}); ok {
		// The chart's writer escapes every text it draws.
		p.Chart = template.HTML(svg)
	}
	p.CSV, p.XLSX, p.AllXLSX = q.download(q.Name, "csv"), q.download(q.Name, "xlsx"), q.download("all", "xlsx")
	s.renderReports(w, http.StatusOK, p)
}

// reportsTable reads the table q asks for; a wrong grouping is refused
// here, dates and names by the reader.
func (s *Server) reportsTable(r *http.Request, q reportsQuery) (reports.Table, error) {
	by, err := reports.ParseGroupBy(q.By)
	if err != nil {
		return reports.Table{}, err
	}
	t, err := s.reports.Tables(r.Context(), []string{q.Name}, q.From, q.To, by)
	if err != nil {
		return reports.Table{}, err
	}
	return t[0], nil
}

func (s *Server) renderReports(w http.ResponseWriter, status int, p *reportsPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Reports name staff: no cache on the way may keep them.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := reportsTmpl.Execute(w, p); err != nil {
		s.log.Warn("render reports page", "err", err)
	}
}

// reportsHTMLTable lays t out for the page: numbers right-aligned with the
// language's decimal mark, no data as a dash, the total row marked.
func reportsHTMLTable(t reports.Table, lang string) *reportsTable {
	out := &reportsTable{Title: reports.Localize(t.Title, lang)}
	numeric := make([]bool, len(t.Columns))
	key := make([]bool, len(t.Columns))
	for i, c := range t.Columns {
		if key[i] = slices.Contains(reportsKeyColumns, c.Key); key[i] {
			continue
		}
		for _, row := range t.Rows {
			if i < len(row) {
				switch row[i].(type) {
				case int, float64:
					numeric[i] = true
				}
			}
		}
	}
	for i, c := range t.Columns {
		out.Head = append(out.Head, reportsCell{Text: reports.Localize(queue.Text{RU: c.RU, EN: c.EN}, lang), Num: numeric[i]})
	}
	for _, row := range t.Rows {
		cells := make([]reportsCell, len(row))
		for i, v := range row {
			cells[i] = reportsCell{Text: reportsCellText(v, lang), Num: i < len(numeric) && numeric[i], Key: i < len(key) && key[i]}
		}
		out.Rows = append(out.Rows, reportsRow{Total: reports.IsTotalRow(row), Cells: cells})
	}
	return out
}

// reportsCellText is a cell as the page shows it: no data as a dash, a
// decimal comma in Russian.
func reportsCellText(v any, lang string) string {
	if v == nil {
		return "—"
	}
	s, err := reports.CellText(v, lang)
	if err != nil {
		return "?"
	}
	if _, ok := v.(float64); ok && lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// usualWaitTarget is the wait target most services have, the longest of
// those as common: the line the waits chart is drawn against.
func usualWaitTarget(o *queue.Office) time.Duration {
	count := map[time.Duration]int{}
	best := queue.DefaultWaitTarget
	for _, s := range o.Services {
		t := s.WaitTarget
		if t <= 0 {
			t = queue.DefaultWaitTarget
		}
		count[t]++
		if count[t] > count[best] || count[t] == count[best] && t > best {
			best = t
		}
	}
	return best
}
